/// The outcome of importing one CSV file: the records of the rows that passed every check, each with its line, and
/// every issue found.
///
/// A row with any issue contributes no record, so `records` and `issues` never describe the same row. Whether a file
/// with issues is applied in part or refused whole is the caller's decision.
public struct ImportBatch<Record> {
    /// A record and the line of the file it came from.
    public struct Entry {
        /// The physical line of the row, counting the header row as line 1.
        public let line: Int
        /// The validated record.
        public let record: Record

        /// Creates an entry.
        public init(line: Int, record: Record) {
            self.line = line
            self.record = record
        }
    }

    /// The valid rows' records, in file order.
    public var records: [Entry]
    /// The issues, in file order (by line; within a line, in column order of the required headers).
    public var issues: [ImportIssue]

    /// Creates a batch.
    public init(records: [Entry] = [], issues: [ImportIssue] = []) {
        self.records = records
        self.issues = issues
    }

    /// Whether the file had no issue at all.
    public var isClean: Bool {
        issues.isEmpty
    }
}

/// An entry can cross concurrency domains when its record can.
extension ImportBatch.Entry: Sendable where Record: Sendable {}
/// Entries compare by line and record.
extension ImportBatch.Entry: Equatable where Record: Equatable {}
/// Entries hash by line and record.
extension ImportBatch.Entry: Hashable where Record: Hashable {}
/// A batch can cross concurrency domains when its records can.
extension ImportBatch: Sendable where Record: Sendable {}
/// Batches compare by records and issues.
extension ImportBatch: Equatable where Record: Equatable {}
/// Batches hash by records and issues.
extension ImportBatch: Hashable where Record: Hashable {}
