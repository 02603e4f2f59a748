/// Attendance: columns `activity_id,id_type,id_number,minutes`. The activity must be known in the teacher's county,
/// and no one attends longer than it lasts.
enum AttendanceCSV {
    static let columns = ["activity_id", "id_type", "id_number", "minutes"]

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<Attendance> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<Attendance>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let id = row.identifier(values[0], column: "activity_id")
            let teacher = row.teacher(type: values[1], number: values[2], context: context)
            var activity: ActivitySummary?
            if let id, let teacher {
                activity = context.activity(county: teacher.county, activityID: id)
                if activity == nil {
                    row.report(
                        "activity_id", .activityUnknown, "no activity with this id is known in county \(teacher.county)"
                    )
                }
            }
            var minutes = row.minutes(values[3], column: "minutes")
            if let activity, let attended = minutes, attended > activity.minutes {
                row.report(
                    "minutes", .minutesExceedActivity,
                    "the activity lasts \(activity.minutes) minutes; no one attends longer")
                minutes = nil
            }
            if let id, let teacher {
                row.unique(
                    "\(teacher.county) \(id) \(teacher.identity.type.code) \(teacher.identity.value)",
                    column: "id_number", names: "activity_id, id_type and id_number", seen: &seen)
            }
            if row.issues.isEmpty, let id, let teacher, activity != nil, let minutes {
                let attendance = Attendance(
                    countyCode: teacher.county, activityID: id, idType: teacher.identity.type,
                    idNumber: teacher.identity.value, minutes: minutes)
                records.append(.init(line: line, record: attendance))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }
}
