/// The school list: columns `school_code,name,county_code,stages`, stages as codes joined by `;`.
enum SchoolCSV {
    static let columns = ["school_code", "name", "county_code", "stages"]

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<School> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<School>.Entry] = []
        var firstLineOfKey: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let schoolCode = row.text(values[0], column: "school_code")
            let name = row.text(values[1], column: "name")
            let county = row.county(values[2], column: "county_code")
            let stages = self.stages(values[3], row: &row)
            if let schoolCode, let county, let known = context.schoolCounty(code: schoolCode), known != county {
                row.report("school_code", .schoolCountyMismatch, "the school is registered in county \(known)")
            }
            if let schoolCode {
                if let first = firstLineOfKey[schoolCode] {
                    row.report("school_code", .duplicateKey, "the same school_code is on line \(first)")
                } else {
                    firstLineOfKey[schoolCode] = line
                }
            }
            if row.issues.isEmpty, let schoolCode, let name, let county, let stages {
                let school = School(schoolCode: schoolCode, name: name, countyCode: county, stages: stages)
                records.append(.init(line: line, record: school))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }

    /// The `;`-separated stage codes; empty parts (a trailing `;`) are ignored, repeated codes are merged.
    private static func stages(_ value: String, row: inout RowValidator) -> [TeachingStage]? {
        var stages: [TeachingStage] = []
        for part in value.split(separator: ";") {
            let code = String(part).trimmingWhitespace()
            guard !code.isEmpty else { continue }
            guard let stage = TeachingStage(rawValue: code) else {
                row.report(
                    "stages", .stageUnknown,
                    "\(ImportIssue.quoted(code)) is not valid; expected teaching-stage codes 1 to 8, A or Z")
                return nil
            }
            stages.append(stage)
        }
        guard !stages.isEmpty else {
            row.report("stages", .valueMissing, "at least one teaching-stage code is required")
            return nil
        }
        return stages
    }
}
