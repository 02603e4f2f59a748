/// Projects: columns `project_code,year,name,stages,provider_code,hours_required`. Province-owned.
///
/// The provider must already be in the replica (import providers first); hours are decimal with one decimal at most.
enum TrainingProjectCSV {
    static let columns = ["project_code", "year", "name", "stages", "provider_code", "hours_required"]

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<TrainingProject> {
        if let refusal = ProvinceTable.refusal("projects", context: context) { return ImportBatch(issues: [refusal]) }
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<TrainingProject>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let code = row.identifier(values[0], column: "project_code")
            let year = row.year(values[1], column: "year")
            let name = row.text(values[2], column: "name")
            let stages = row.stages(values[3], column: "stages", required: true)
            var provider = row.identifier(values[4], column: "provider_code")
            if let known = provider, !context.knowsProvider(code: known) {
                row.report("provider_code", .providerUnknown, "no provider with this code is known")
                provider = nil
            }
            let hours = row.hours(values[5], column: "hours_required")
            if let code { row.unique(code, column: "project_code", names: "project_code", seen: &seen) }
            if row.issues.isEmpty, let code, let year, let name, let stages, let provider, let hours {
                let project = TrainingProject(
                    projectCode: code, year: year, name: name, stages: stages, providerCode: provider,
                    hoursRequired: hours)
                records.append(.init(line: line, record: project))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }
}
