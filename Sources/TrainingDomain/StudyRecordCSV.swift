/// Study records: columns `record_id,id_type,id_number,activity_code,minutes,recorded_at,source`.
///
/// The file has no county column: a record's county is its teacher's, looked up in the replica.
enum StudyRecordCSV {
    static let columns = ["record_id", "id_type", "id_number", "activity_code", "minutes", "recorded_at", "source"]

    /// The allowed minutes of one record: at least one, at most a whole day.
    static let minutesRange = 1...1440

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<StudyRecord> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<StudyRecord>.Entry] = []
        var firstLineOfKey: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let recordID = row.text(values[0], column: "record_id")
            let identity = row.identity(type: values[1], number: values[2])
            var county: String?
            if let identity {
                if let teacherCounty = context.teacherCounty(idType: identity.type, idNumber: identity.value) {
                    county = row.inScope(teacherCounty, column: "id_number") ? teacherCounty : nil
                } else {
                    row.report("id_number", .teacherUnknown, "no teacher with this identity document is known")
                }
            }
            let activityCode = row.text(values[3], column: "activity_code")
            let minutes = self.minutes(values[4], row: &row)
            let recordedAt = row.code(
                values[5], column: "recorded_at", unknown: .recordedAtInvalid,
                expected: "an ISO 8601 time with offset such as 2019-09-01T20:15:00+08:00",
                OffsetTimestamp.init(iso8601:))
            let source = row.code(
                values[6], column: "source", unknown: .sourceUnknown, expected: "provider, county or school",
                StudySource.init(rawValue:))
            if let recordID {
                if let first = firstLineOfKey[recordID] {
                    row.report("record_id", .duplicateKey, "the same record_id is on line \(first)")
                } else {
                    firstLineOfKey[recordID] = line
                }
            }
            if row.issues.isEmpty, let recordID, let identity, let county, let activityCode, let minutes,
                let recordedAt, let source
            {
                let record = StudyRecord(
                    recordID: recordID, idType: identity.type, idNumber: identity.value, countyCode: county,
                    activityCode: activityCode, minutes: minutes, recordedAt: recordedAt, source: source)
                records.append(.init(line: line, record: record))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }

    /// A whole number of minutes in ``minutesRange``.
    private static func minutes(_ value: String, row: inout RowValidator) -> Int? {
        guard !value.isEmpty else {
            row.report("minutes", .valueMissing, "a value is required")
            return nil
        }
        guard value.utf8.count <= 9, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let minutes = Int(value)
        else {
            row.report("minutes", .minutesInvalid, "expected a whole number of minutes")
            return nil
        }
        guard minutesRange.contains(minutes) else {
            row.report(
                "minutes", .minutesOutOfRange,
                "minutes must be between \(minutesRange.lowerBound) and \(minutesRange.upperBound)")
            return nil
        }
        return minutes
    }
}
