/// Course selections: columns `year,id_type,id_number,course_code`. The county is the teacher's; the course must be
/// in the catalogue for the year.
enum CourseSelectionCSV {
    static let columns = ["year", "id_type", "id_number", "course_code"]

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<CourseSelection> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<CourseSelection>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let year = row.year(values[0], column: "year")
            let teacher = row.teacher(type: values[1], number: values[2], context: context)
            var course = row.identifier(values[3], column: "course_code")
            if let code = course, !row.course(code, year: year, column: "course_code", context: context) {
                course = nil
            }
            if let year, let teacher, let course {
                row.unique(
                    "\(year) \(teacher.identity.type.code) \(teacher.identity.value) \(course)", column: "course_code",
                    names: "year, id_type, id_number and course_code", seen: &seen)
            }
            if row.issues.isEmpty, let year, let teacher, let course {
                let selection = CourseSelection(
                    countyCode: teacher.county, year: year, idType: teacher.identity.type,
                    idNumber: teacher.identity.value, courseCode: course, cohortCode: nil)
                records.append(.init(line: line, record: selection))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }
}
