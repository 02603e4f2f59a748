/// Exemption claims: columns `year,id_type,id_number,kind,certificate_year,evidence`. For a `manual` exemption
/// `certificate_year` may be empty (it is then the claim's year) and `evidence` is the reason in words.
enum ExemptionCSV {
    static let columns = ["year", "id_type", "id_number", "kind", "certificate_year", "evidence"]

    /// The longest evidence or reason, in characters.
    static let maximumEvidenceLength = 200

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<Exemption> {
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<Exemption>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let year = row.year(values[0], column: "year")
            let teacher = row.teacher(type: values[1], number: values[2], context: context)
            let kind = row.code(
                values[3], column: "kind", unknown: .exemptionKindUnknown, expected: "guopei, provincial or manual",
                ExemptionKind.init(rawValue:))
            // A manual exemption may leave the certificate year empty (it is then the claim's year); with an unknown
            // kind, an empty one is not reported as well.
            let certificateYear: Int?
            if values[4].isEmpty, kind == .manual || kind == nil {
                certificateYear = kind == nil ? nil : year
            } else {
                certificateYear = row.year(values[4], column: "certificate_year")
            }
            let evidence = row.text(values[5], column: "evidence", limit: maximumEvidenceLength)
            if let year, let teacher, let kind {
                row.unique(
                    "\(year) \(teacher.identity.type.code) \(teacher.identity.value) \(kind.rawValue)", column: "kind",
                    names: "year, id_type, id_number and kind", seen: &seen)
            }
            if row.issues.isEmpty, let year, let teacher, let kind, let certificateYear, let evidence {
                let exemption = Exemption(
                    countyCode: teacher.county, year: year, idType: teacher.identity.type,
                    idNumber: teacher.identity.value, kind: kind, certificateYear: certificateYear, evidence: evidence)
                records.append(.init(line: line, record: exemption))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }
}
