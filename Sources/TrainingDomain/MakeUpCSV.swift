/// Make-up enrolments: columns `year,id_type,id_number,enrolled_on`; `year` is the year being made up.
enum MakeUpCSV {
    static let columns = ["year", "id_type", "id_number", "enrolled_on"]

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<MakeUp> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<MakeUp>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let year = row.year(values[0], column: "year")
            let teacher = row.teacher(type: values[1], number: values[2], context: context)
            let enrolledOn = row.date(values[3], column: "enrolled_on")
            if let year, let teacher {
                row.unique(
                    "\(year) \(teacher.identity.type.code) \(teacher.identity.value)", column: "id_number",
                    names: "year, id_type and id_number", seen: &seen)
            }
            if row.issues.isEmpty, let year, let teacher, let enrolledOn {
                let makeUp = MakeUp(
                    countyCode: teacher.county, year: year, idType: teacher.identity.type,
                    idNumber: teacher.identity.value, enrolledOn: enrolledOn)
                records.append(.init(line: line, record: makeUp))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }
}
