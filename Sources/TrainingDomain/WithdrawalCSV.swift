/// Withdrawals: columns `county_code,record_id,reason,withdrawn_at`. The record id must be a study record or a
/// homework result known in that county.
enum WithdrawalCSV {
    static let columns = ["county_code", "record_id", "reason", "withdrawn_at"]

    /// The longest reason, in characters.
    static let maximumReasonLength = 200

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<Withdrawal> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<Withdrawal>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let county = row.county(values[0], column: "county_code")
            var recordID = row.text(values[1], column: "record_id")
            if let county, let id = recordID, !context.knowsRecord(county: county, recordID: id) {
                row.report(
                    "record_id", .recordUnknown, "no study record or homework with this id is known in county \(county)"
                )
                recordID = nil
            }
            let reason = row.text(values[2], column: "reason", limit: maximumReasonLength)
            let withdrawnAt = row.time(values[3], column: "withdrawn_at")
            if let county, let id = recordID {
                row.unique("\(county) \(id)", column: "record_id", names: "county_code and record_id", seen: &seen)
            }
            if row.issues.isEmpty, let county, let recordID, let reason, let withdrawnAt {
                let withdrawal = Withdrawal(
                    countyCode: county, recordID: recordID, reason: reason, withdrawnAt: withdrawnAt)
                records.append(.init(line: line, record: withdrawal))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }
}
