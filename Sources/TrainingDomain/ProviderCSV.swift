/// Providers: columns `provider_code,name,stages`, stages as codes joined by `;`. Province-owned.
enum ProviderCSV {
    static let columns = ["provider_code", "name", "stages"]

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<Provider> {
        if let refusal = ProvinceTable.refusal("providers", context: context) { return ImportBatch(issues: [refusal]) }
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<Provider>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let code = row.identifier(values[0], column: "provider_code")
            let name = row.text(values[1], column: "name")
            let stages = row.stages(values[2], column: "stages", required: true)
            if let code { row.unique(code, column: "provider_code", names: "provider_code", seen: &seen) }
            if row.issues.isEmpty, let code, let name, let stages {
                records.append(.init(line: line, record: Provider(providerCode: code, name: name, stages: stages)))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }
}
