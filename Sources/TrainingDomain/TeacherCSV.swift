/// The teacher roster: columns `id_type,id_number,name,gender,school_code,county_code,stage,subject,dev_stage`.
enum TeacherCSV {
    static let columns = [
        "id_type", "id_number", "name", "gender", "school_code", "county_code", "stage", "subject", "dev_stage",
    ]

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<Teacher> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<Teacher>.Entry] = []
        var firstLineOfKey: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let identity = row.identity(type: values[0], number: values[1])
            let name = row.text(values[2], column: "name")
            let gender = row.code(
                values[3], column: "gender", unknown: .genderUnknown, expected: "M or F", Gender.init(rawValue:))
            if let identity, let gender, let implied = identity.impliedGender, implied != gender {
                row.report(
                    "gender", .genderMismatch, "the gender differs from the one the identity card number encodes")
            }
            let schoolCode = row.text(values[4], column: "school_code")
            let schoolCounty = schoolCode.flatMap { context.schoolCounty(code: $0) }
            if schoolCode != nil, schoolCounty == nil {
                row.report("school_code", .schoolUnknown, "no school with this code is known")
            }
            let county = row.county(values[5], column: "county_code")
            if let schoolCounty, let county, schoolCounty != county {
                row.report("school_code", .schoolCountyMismatch, "the school is in county \(schoolCounty)")
            }
            let stage = row.code(
                values[6], column: "stage", unknown: .stageUnknown, expected: "1 to 8, A or Z",
                TeachingStage.init(rawValue:))
            let subject = row.code(
                values[7], column: "subject", unknown: .subjectUnknown, expected: "a two-digit subject code",
                SubjectCode.init(code:))
            let devStage = row.code(
                values[8], column: "dev_stage", unknown: .devStageUnknown,
                expected: "new, young, key, leader or master", DevelopmentStage.init(rawValue:))
            if let identity {
                let key = identity.type.code + " " + identity.value
                if let first = firstLineOfKey[key] {
                    row.report("id_number", .duplicateKey, "the same id_type and id_number are on line \(first)")
                } else {
                    firstLineOfKey[key] = line
                }
            }
            if row.issues.isEmpty, let identity, let name, let gender, let schoolCode, let county, let stage,
                let subject, let devStage
            {
                let teacher = Teacher(
                    idType: identity.type, idNumber: identity.value, name: name, gender: gender,
                    schoolCode: schoolCode, countyCode: county, stage: stage, subject: subject, devStage: devStage)
                records.append(.init(line: line, record: teacher))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }
}
