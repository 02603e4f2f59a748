/// Checks the values of one CSV row against the shared field rules and collects the row's issues.
///
/// Each check returns the parsed value, or `nil` after recording an issue, so that a row is checked completely and a
/// row's record is built only when ``issues`` is empty.
struct RowValidator {
    /// What stays the same for every row of one import.
    struct Rules {
        let catalog: UnitCatalog
        let allowedCounty: String?
        /// Today in China Standard Time as `YYYYMMDD`: the latest possible birth date.
        let latestBirthDate: Int

        init(_ context: some ImportContext) {
            catalog = context.catalog
            allowedCounty = context.allowedCounty
            latestBirthDate = CivilCalendar.chinaDateStamp(at: context.referenceDate)
        }
    }

    /// The longest text value, in Unicode scalars.
    static let maximumTextLength = 64

    let line: Int
    let rules: Rules
    private(set) var issues: [ImportIssue] = []

    init(line: Int, rules: Rules) {
        self.line = line
        self.rules = rules
    }

    mutating func report(_ column: String, _ reason: ImportIssue.Reason, _ detail: String) {
        issues.append(ImportIssue(line: line, column: column, reason: reason, detail: detail))
    }

    /// A required text value: not empty, at most `limit` characters (64 unless given), no control characters.
    mutating func text(_ value: String, column: String, limit: Int = maximumTextLength) -> String? {
        guard !value.isEmpty else {
            report(column, .valueMissing, "a value is required")
            return nil
        }
        var length = 0
        for scalar in value.unicodeScalars {
            length += 1
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                report(column, .valueControlCharacter, "control characters (tabs, line breaks…) are not allowed")
                return nil
            }
        }
        guard length <= limit else {
            report(column, .valueTooLong, "at most \(limit) characters are allowed")
            return nil
        }
        return value
    }

    /// A value that must be one of a fixed set of codes.
    mutating func code<Code>(
        _ value: String, column: String, unknown reason: ImportIssue.Reason, expected: String,
        _ parse: (String) -> Code?
    ) -> Code? {
        guard !value.isEmpty else {
            report(column, .valueMissing, "a value is required; expected \(expected)")
            return nil
        }
        guard let code = parse(value) else {
            report(column, reason, "\(ImportIssue.quoted(value)) is not valid; expected \(expected)")
            return nil
        }
        return code
    }

    /// A county code that must be a county-level unit of the catalogue, within the node's scope.
    mutating func county(_ value: String, column: String) -> String? {
        guard !value.isEmpty else {
            report(column, .valueMissing, "a value is required")
            return nil
        }
        guard let unit = rules.catalog.unit(code: value) else {
            let hint =
                value == "139001" || value == "139002"
                ? "; use 130682 for 定州 and 130181 for 辛集 (139001/139002 are older codes)" : ""
            report(column, .countyUnknown, "\(ImportIssue.quoted(value)) is not a Hebei unit code\(hint)")
            return nil
        }
        guard unit.level == .county else {
            report(column, .countyNotCountyLevel, "\(unit.code) is a \(unit.level.rawValue), not a county-level unit")
            return nil
        }
        return inScope(unit.code, column: column) ? unit.code : nil
    }

    /// Whether a row of county `county` may be written by this node; records an issue if not.
    mutating func inScope(_ county: String, column: String) -> Bool {
        guard let allowed = rules.allowedCounty, allowed != county else { return true }
        report(column, .countyOutOfScope, "county \(county) is outside this node's county \(allowed)")
        return false
    }

    /// An identity-document type and number; the number is checked only when the type is known.
    mutating func identity(type typeValue: String, number numberValue: String) -> IdentityNumber? {
        let type = code(
            typeValue, column: "id_type", unknown: .idTypeUnknown, expected: "1 to 9", IdentityDocumentType.init(code:))
        guard !numberValue.isEmpty else {
            report("id_number", .valueMissing, "a value is required")
            return nil
        }
        guard let type else { return nil }
        do {
            return try IdentityNumber(validating: numberValue, type: type, latestBirthDate: rules.latestBirthDate)
        } catch {
            report("id_number", error.reason, error.detail)
            return nil
        }
    }
}
