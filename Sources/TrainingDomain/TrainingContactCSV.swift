/// Contacts: columns `unit_code,duty,name,phone,email` (`email` may be empty). Province-owned.
enum TrainingContactCSV {
    static let columns = ["unit_code", "duty", "name", "phone", "email"]

    /// The allowed length of a phone number, in characters.
    static let phoneLength = 5...20

    static func parse(_ text: String, context: some ImportContext) -> ImportBatch<TrainingContact> {
        if let refusal = ProvinceTable.refusal("contacts", context: context) { return ImportBatch(issues: [refusal]) }
        let rules = RowValidator.Rules(context)
        var records: [ImportBatch<TrainingContact>.Entry] = []
        var seen: [String: Int] = [:]
        let issues = CSVTable.read(text, columns: columns) { line, values in
            var row = RowValidator(line: line, rules: rules)
            let unit = self.unit(values[0], row: &row)
            let duty = row.text(values[1], column: "duty")
            let name = row.text(values[2], column: "name")
            let phone = self.phone(values[3], row: &row)
            let email = self.email(values[4], row: &row)
            if let unit, let duty {
                row.unique(unit + "\n" + duty, column: "duty", names: "unit_code and duty", seen: &seen)
            }
            if row.issues.isEmpty, let unit, let duty, let name, let phone, let email {
                let contact = TrainingContact(unitCode: unit, duty: duty, name: name, phone: phone, email: email)
                records.append(.init(line: line, record: contact))
            }
            return row.issues
        }
        return ImportBatch(records: records, issues: issues)
    }

    /// A city- or county-level unit of the catalogue.
    private static func unit(_ value: String, row: inout RowValidator) -> String? {
        guard !value.isEmpty else {
            row.report("unit_code", .valueMissing, "a value is required")
            return nil
        }
        guard let unit = row.rules.catalog.unit(code: value) else {
            row.report("unit_code", .unitUnknown, "\(ImportIssue.quoted(value)) is not a Hebei unit code")
            return nil
        }
        guard unit.level == .city || unit.level == .county else {
            row.report("unit_code", .unitNotCityOrCounty, "\(unit.code) is the province; name a city or a county")
            return nil
        }
        return unit.code
    }

    /// Digits, `-`, `+` and spaces, 5 to 20 characters.
    private static func phone(_ value: String, row: inout RowValidator) -> String? {
        guard !value.isEmpty else {
            row.report("phone", .valueMissing, "a value is required")
            return nil
        }
        let allowed = value.utf8.allSatisfy {
            RowValidator.isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: " ")
        }
        guard allowed, phoneLength.contains(value.utf8.count) else {
            row.report(
                "phone", .phoneInvalid,
                "expected \(phoneLength.lowerBound) to \(phoneLength.upperBound) digits, '-', '+' or spaces")
            return nil
        }
        return value
    }

    /// Empty, or an address with exactly one `@`, text on both sides and no blanks: `.some(nil)` when empty.
    private static func email(_ value: String, row: inout RowValidator) -> String?? {
        guard !value.isEmpty else { return .some(nil) }
        guard let text = row.text(value, column: "email") else { return nil }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !text.unicodeScalars.contains(where: { $0.properties.isWhitespace })
        else {
            row.report("email", .emailInvalid, "expected an address with one @ and no spaces, or nothing")
            return nil
        }
        return text
    }
}
