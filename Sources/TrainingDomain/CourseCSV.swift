/// The course catalogue: columns `course_code,year,project_code,name,kind,category,hours,stages,subject,dev_stage`.
/// Province-owned.
///
/// `project_code` may be empty (a course a county organises, such as offline research); otherwise the project must be
/// in the replica and of the same year. Empty `stages`, `subject` and `dev_stage` mean all.
enum CourseCSV {
    static let columns = [
        "course_code", "year", "project_code", "name", "kind", "category", "hours", "stages", "subject", "dev_stage",
    ]

    /// The longest hour-category code.
    static let maximumCategoryLength = 32

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<Course> {
        if let refusal = ProvinceTable.refusal("courses", context: context) { return ImportBatch(issues: [refusal]) }
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<Course>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let code = row.identifier(values[0], column: "course_code")
            let year = row.year(values[1], column: "year")
            // `.some(nil)`: no project; `nil`: a project code with an issue.
            var project: String?? = .some(nil)
            if !values[2].isEmpty {
                if let known = row.identifier(values[2], column: "project_code"),
                    row.project(known, year: year, column: "project_code", context: context)
                {
                    project = .some(known)
                } else {
                    project = nil
                }
            }
            let name = row.text(values[3], column: "name")
            let kind = row.code(
                values[4], column: "kind", unknown: .courseKindUnknown,
                expected: "mandatory, elective, it, class_teacher, school_management or research",
                CourseKind.init(rawValue:))
            let category = self.category(values[5], row: &row)
            let hours = row.hours(values[6], column: "hours")
            let stages = row.stages(values[7], column: "stages", required: false)
            let subject = row.optionalSubject(values[8], column: "subject")
            let devStage = row.optionalDevStage(values[9], column: "dev_stage")
            if let code { row.unique(code, column: "course_code", names: "course_code", seen: &seen) }
            if row.issues.isEmpty, let code, let year, let project, let name, let kind, let category, let hours,
                let stages, let subject, let devStage
            {
                let course = Course(
                    courseCode: code, year: year, projectCode: project, name: name, kind: kind, category: category,
                    hours: hours, stages: stages, subject: subject, devStage: devStage)
                records.append(.init(line: line, record: course))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }

    /// An hour-category code: lowercase ASCII letters, digits and `_`, at most 32 characters.
    private static func category(_ value: String, row: inout RowValidator) -> String? {
        guard !value.isEmpty else {
            row.report("category", .valueMissing, "a value is required; expected an hour category such as elective")
            return nil
        }
        let allowed = value.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || RowValidator.isDigit($0) || $0 == UInt8(ascii: "_")
        }
        guard allowed, value.utf8.count <= maximumCategoryLength else {
            row.report(
                "category", .categoryInvalid,
                "expected an hour-category code of lowercase letters, digits and _ (at most \(maximumCategoryLength))"
            )
            return nil
        }
        return value
    }
}
