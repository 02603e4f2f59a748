/// Cohorts: columns `cohort_code,year,county_code,stage,subject,dev_stage,courses`; `courses` are course codes joined
/// by `;`, each in the catalogue for the cohort's year. Empty `subject` or `dev_stage` mean all.
enum CohortCSV {
    static let columns = ["cohort_code", "year", "county_code", "stage", "subject", "dev_stage", "courses"]

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<Cohort> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<Cohort>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let code = row.identifier(values[0], column: "cohort_code")
            let year = row.year(values[1], column: "year")
            let county = row.county(values[2], column: "county_code")
            let stage = row.stage(values[3], column: "stage")
            let subject = row.optionalSubject(values[4], column: "subject")
            let devStage = row.optionalDevStage(values[5], column: "dev_stage")
            let courses = self.courses(values[6], year: year, row: &row, context: context)
            if let code, let county, let year {
                row.unique(
                    "\(county) \(year) \(code)", column: "cohort_code", names: "county_code, year and cohort_code",
                    seen: &seen)
            }
            if row.issues.isEmpty, let code, let year, let county, let stage, let subject, let devStage, let courses {
                let cohort = Cohort(
                    countyCode: county, year: year, cohortCode: code, stage: stage, subject: subject,
                    devStage: devStage, courses: courses)
                records.append(.init(line: line, record: cohort))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }

    /// The `;`-joined course codes, at least one, each in the catalogue for `year`; each bad one is reported by its
    /// position in the list (a course code is not quoted).
    private static func courses(
        _ value: String, year: Int?, row: inout RowValidator, context: some ImportContext
    ) -> [String]? {
        let codes = value.split(separator: ";").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !codes.isEmpty else {
            row.report("courses", .valueMissing, "at least one course code is required")
            return nil
        }
        var valid = true
        for (index, code) in codes.enumerated() {
            let place = "course \(index + 1) of the list"
            guard let courseYear = context.courseYear(code: code) else {
                row.report("courses", .courseUnknown, "\(place) is not in the catalogue")
                valid = false
                continue
            }
            if let year, courseYear != year {
                row.report("courses", .courseYearMismatch, "\(place) belongs to the \(courseYear) training year")
                valid = false
            }
        }
        return valid ? codes : nil
    }
}
