public import Foundation
import SyncCore
public import TrainingDomain

/// The kinds of CSV file a node imports.
public enum CSVKind: String, Sendable, CaseIterable {
    case schools
    case teachers
    case studyRecords = "study-records"
}

/// What importing a CSV file did.
public struct CSVImportResult: Sendable {
    /// Every issue found, in file order (never containing personal data).
    public var issues: [ImportIssue] = []
    /// Lines of study records refused or skipped because a record with the same id holds other content.
    public var conflictingLines: [Int] = []
    /// Whether anything was written; `false` when the file was refused whole.
    public var imported = false
    /// The writes' outcome, when imported.
    public var report = WriteReport()
    /// Change sets sealed afterwards.
    public var sealed = 0

    /// Lines with at least one issue.
    public var invalidLines: Int { Set(issues.map(\.line)).count }
}

extension Replica {
    /// Validates a CSV file and, unless it has a bad row (or `skipInvalid`), writes its rows and seals them.
    ///
    /// The same path serves the CLI and the county daemon's local API, so both validate alike.
    public func importCSV(
        _ kind: CSVKind, data: Data, skipInvalid: Bool, progress: ((Int, Int) -> Void)? = nil
    ) throws(ReplicaError) -> CSVImportResult {
        let context = ReplicaImportContext(
            allowedCounty: identity.role == .county ? identity.county : nil, schools: try schoolCounties(),
            teachers: try teacherCounties())
        var result = CSVImportResult()
        let rows: [(line: Int, row: SyncedRow)]
        switch kind {
        case .schools:
            (rows, result.issues) = Self.rows(CSVImport.parseSchools(csv: data, context: context), \.syncedRow)
        case .teachers:
            (rows, result.issues) = Self.rows(CSVImport.parseTeachers(csv: data, context: context), \.syncedRow)
        case .studyRecords:
            (rows, result.issues) = Self.rows(CSVImport.parseStudyRecords(csv: data, context: context), \.syncedRow)
        }
        if !result.issues.isEmpty, !skipInvalid { return result }
        let writes = rows.map { entry in
            LocalWrite(
                kind: entry.row.table.kind == .fact ? .insertFact : .upsert, table: entry.row.table.name,
                key: entry.row.key, fields: entry.row.fields)
        }
        do {
            result.report = try write(writes, factConflicts: skipInvalid ? .skip : .refuse, progress: progress)
            result.conflictingLines = result.report.skippedFacts.map { rows[$0].line }
        } catch {
            guard !error.conflictingIndices.isEmpty else { throw error }
            result.conflictingLines = error.conflictingIndices.map { rows[$0].line }
            return result
        }
        result.imported = true
        result.sealed = try seal().count
        return result
    }

    static func rows<Record>(
        _ batch: ImportBatch<Record>, _ row: (Record) -> SyncedRow
    )
        -> ([(line: Int, row: SyncedRow)], [ImportIssue])
    {
        (batch.records.map { ($0.line, row($0.record)) }, batch.issues)
    }
}

/// Import lookups answered from memory: the replica's schools and teachers, loaded once per import.
public struct ReplicaImportContext: ImportContext {
    public let allowedCounty: String?
    /// County by school code.
    public let schools: [String: String]
    /// County by `id_type` and `id_number` joined with a space.
    public let teachers: [String: String]

    public init(allowedCounty: String?, schools: [String: String], teachers: [String: String]) {
        self.allowedCounty = allowedCounty
        self.schools = schools
        self.teachers = teachers
    }

    public func schoolCounty(code: String) -> String? { schools[code] }

    public func teacherCounty(idType: IdentityDocumentType, idNumber: String) -> String? {
        teachers[idType.code + " " + idNumber]
    }
}
