/// Homework: columns `record_id,id_type,id_number,year,project_code,assignment_id,score,submitted_at`. The county is
/// the teacher's; the project must be known and of the same year.
enum HomeworkCSV {
    static let columns = [
        "record_id", "id_type", "id_number", "year", "project_code", "assignment_id", "score", "submitted_at",
    ]

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<Homework> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<Homework>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let recordID = row.text(values[0], column: "record_id")
            let teacher = row.teacher(type: values[1], number: values[2], context: context)
            let year = row.year(values[3], column: "year")
            var project = row.identifier(values[4], column: "project_code")
            if let code = project, !row.project(code, year: year, column: "project_code", context: context) {
                project = nil
            }
            let assignment = row.text(values[5], column: "assignment_id")
            let score = row.score(values[6], column: "score")
            let submittedAt = row.time(values[7], column: "submitted_at")
            if let recordID { row.unique(recordID, column: "record_id", names: "record_id", seen: &seen) }
            if row.issues.isEmpty, let recordID, let teacher, let year, let project, let assignment, let score,
                let submittedAt
            {
                let homework = Homework(
                    countyCode: teacher.county, recordID: recordID, idType: teacher.identity.type,
                    idNumber: teacher.identity.value, year: year, projectCode: project, assignmentID: assignment,
                    score: score, submittedAt: submittedAt)
                records.append(.init(line: line, record: homework))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }
}
