/// Offline research activities: columns `activity_id,year,county_code,title,course_code,school_code,held_on,minutes`.
/// `school_code` may be empty (the county's own activity); otherwise it is a known school of the county.
enum ResearchActivityCSV {
    static let columns = [
        "activity_id", "year", "county_code", "title", "course_code", "school_code", "held_on", "minutes",
    ]

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<ResearchActivity> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<ResearchActivity>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let id = row.identifier(values[0], column: "activity_id")
            let year = row.year(values[1], column: "year")
            let county = row.county(values[2], column: "county_code")
            let title = row.text(values[3], column: "title", limit: 200)
            var course = row.identifier(values[4], column: "course_code")
            if let code = course, !row.course(code, year: year, column: "course_code", context: context) {
                course = nil
            }
            // `.some(nil)`: the county's own activity; `nil`: a school code with an issue.
            var school: String?? = .some(nil)
            if !values[5].isEmpty {
                school = nil
                if let code = row.text(values[5], column: "school_code") {
                    if let schoolCounty = context.schoolCounty(code: code) {
                        if let county, schoolCounty != county {
                            row.report("school_code", .schoolCountyMismatch, "the school is in county \(schoolCounty)")
                        } else {
                            school = .some(code)
                        }
                    } else {
                        row.report("school_code", .schoolUnknown, "no school with this code is known")
                    }
                }
            }
            let heldOn = row.date(values[6], column: "held_on")
            let minutes = row.minutes(values[7], column: "minutes")
            if let id, let county {
                row.unique("\(county) \(id)", column: "activity_id", names: "activity_id", seen: &seen)
            }
            if row.issues.isEmpty, let id, let year, let county, let title, let course, let school, let heldOn,
                let minutes
            {
                let activity = ResearchActivity(
                    countyCode: county, activityID: id, year: year, title: title, courseCode: course,
                    schoolCode: school, heldOn: heldOn, minutes: minutes)
                records.append(.init(line: line, record: activity))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }
}
