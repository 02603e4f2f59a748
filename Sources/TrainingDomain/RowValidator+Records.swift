/// The field rules the record imports share (docs/RECORDS.md): codes, years, dates, times, tenths of hours and points,
/// code lists, and the teacher and catalogue lookups.
extension RowValidator {
    /// The training years a record may name.
    static let years = 2000...2100
    /// Hours of a project or course, in tenths: 0.1 to 1000.
    static let hoursRange = 1...10_000
    /// A score in tenths of a point: 0 to 100.
    static let scoreRange = 0...1000
    /// The allowed minutes of an activity or an attendance: at least one, at most a whole day.
    static let minutesRange = 1...1440

    /// A required code that may appear in a `;`-joined list: text without `;` or blanks.
    mutating func identifier(_ value: String, column: String) -> String? {
        guard let text = text(value, column: column) else { return nil }
        guard !text.unicodeScalars.contains(where: { $0 == ";" || $0.properties.isWhitespace }) else {
            report(column, .codeInvalid, "a code may not contain ';', spaces or other blanks")
            return nil
        }
        return text
    }

    /// A required year from 2000 to 2100.
    mutating func year(_ value: String, column: String) -> Int? {
        guard !value.isEmpty else {
            report(column, .valueMissing, "a value is required; expected a year such as 2019")
            return nil
        }
        guard value.utf8.count == 4, value.utf8.allSatisfy(Self.isDigit), let year = Int(value),
            Self.years.contains(year)
        else {
            report(
                column, .yearInvalid,
                "expected a year from \(Self.years.lowerBound) to \(Self.years.upperBound) such as 2019")
            return nil
        }
        return year
    }

    /// A required date written `YYYY-MM-DD`, a real date with a year from 2000 to 2100; returns the text.
    mutating func date(_ value: String, column: String) -> String? {
        guard !value.isEmpty else {
            report(column, .valueMissing, "a value is required; expected a date such as 2019-09-21")
            return nil
        }
        let bytes = Array(value.utf8)
        let digitPositions = [0, 1, 2, 3, 5, 6, 8, 9]
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            digitPositions.allSatisfy({ Self.isDigit(bytes[$0]) }),
            let year = Int(value.prefix(4)), let month = Int(value.dropFirst(5).prefix(2)),
            let day = Int(value.suffix(2)), Self.years.contains(year),
            CivilCalendar.isValid(year: year, month: month, day: day)
        else {
            report(column, .dateInvalid, "expected a real date written YYYY-MM-DD such as 2019-09-21")
            return nil
        }
        return value
    }

    /// A required ISO 8601 time with an explicit offset (``OffsetTimestamp``).
    mutating func time(_ value: String, column: String) -> OffsetTimestamp? {
        code(
            value, column: column, unknown: .timeInvalid,
            expected: "an ISO 8601 time with offset such as 2019-09-01T20:15:00+08:00", OffsetTimestamp.init(iso8601:))
    }

    /// Required hours with at most one decimal, from 0.1 to 1000, in tenths.
    mutating func hours(_ value: String, column: String) -> Int? {
        tenths(
            value, column: column, range: Self.hoursRange, invalid: .hoursInvalid, outOfRange: .hoursOutOfRange,
            what: "hours")
    }

    /// A required score with at most one decimal, from 0 to 100, in tenths.
    mutating func score(_ value: String, column: String) -> Int? {
        tenths(
            value, column: column, range: Self.scoreRange, invalid: .scoreInvalid, outOfRange: .scoreOutOfRange,
            what: "a score")
    }

    /// A decimal number with at most one decimal (`12`, `2.5`), in tenths, within `range` (in tenths).
    private mutating func tenths(
        _ value: String, column: String, range: ClosedRange<Int>, invalid: ImportIssue.Reason,
        outOfRange: ImportIssue.Reason, what: String
    ) -> Int? {
        guard !value.isEmpty else {
            report(column, .valueMissing, "a value is required")
            return nil
        }
        let parts = value.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : "0"
        guard !whole.isEmpty, whole.utf8.count <= 6, whole.utf8.allSatisfy(Self.isDigit), fraction.utf8.count == 1,
            fraction.utf8.allSatisfy(Self.isDigit), let units = Int(whole), let tenth = Int(fraction)
        else {
            report(column, invalid, "expected \(what) as a number with at most one decimal, such as 2.5")
            return nil
        }
        let tenths = units * 10 + tenth
        guard range.contains(tenths) else {
            let low = Self.decimal(range.lowerBound), high = Self.decimal(range.upperBound)
            report(column, outOfRange, "\(what) must be between \(low) and \(high)")
            return nil
        }
        return tenths
    }

    /// A whole number of minutes from 1 to `maximum` (at most 1440).
    mutating func minutes(_ value: String, column: String) -> Int? {
        guard !value.isEmpty else {
            report(column, .valueMissing, "a value is required")
            return nil
        }
        guard value.utf8.count <= 9, value.utf8.allSatisfy(Self.isDigit), let minutes = Int(value) else {
            report(column, .minutesInvalid, "expected a whole number of minutes")
            return nil
        }
        guard Self.minutesRange.contains(minutes) else {
            report(
                column, .minutesOutOfRange,
                "minutes must be between \(Self.minutesRange.lowerBound) and \(Self.minutesRange.upperBound)")
            return nil
        }
        return minutes
    }

    /// `;`-joined teaching-stage codes; empty parts are ignored and repeats merged. When not `required`, an empty value
    /// means all stages and gives `[]`.
    mutating func stages(_ value: String, column: String, required: Bool) -> [TeachingStage]? {
        var stages: Set<TeachingStage> = []
        for part in value.split(separator: ";") {
            let code = String(part).trimmingWhitespace()
            guard !code.isEmpty else { continue }
            guard let stage = TeachingStage(rawValue: code) else {
                report(
                    column, .stageUnknown,
                    "\(ImportIssue.quoted(code)) is not valid; expected teaching-stage codes 1 to 8, A or Z")
                return nil
            }
            stages.insert(stage)
        }
        if required, stages.isEmpty {
            report(column, .valueMissing, "at least one teaching-stage code is required")
            return nil
        }
        return stages.sorted()
    }

    /// A teaching-stage code.
    mutating func stage(_ value: String, column: String) -> TeachingStage? {
        code(
            value, column: column, unknown: .stageUnknown, expected: "1 to 8, A or Z", TeachingStage.init(rawValue:))
    }

    /// An optional subject code: `.some(nil)` when empty (all subjects), `nil` after an issue.
    mutating func optionalSubject(_ value: String, column: String) -> SubjectCode?? {
        guard !value.isEmpty else { return .some(nil) }
        guard let subject = SubjectCode(code: value) else {
            report(
                column, .subjectUnknown, "\(ImportIssue.quoted(value)) is not valid; expected a two-digit subject code")
            return nil
        }
        return subject
    }

    /// An optional development-stage code: `.some(nil)` when empty (all), `nil` after an issue.
    mutating func optionalDevStage(_ value: String, column: String) -> DevelopmentStage?? {
        guard !value.isEmpty else { return .some(nil) }
        guard let devStage = DevelopmentStage(rawValue: value) else {
            report(
                column, .devStageUnknown,
                "\(ImportIssue.quoted(value)) is not valid; expected new, young, key, leader or master")
            return nil
        }
        return devStage
    }

    /// A known teacher's identity and county, the county within this node's scope; the county is the teacher's
    /// registration, since record files carry none of their own.
    mutating func teacher(
        type: String, number: String, context: some ImportContext
    ) -> (identity: IdentityNumber, county: String)? {
        guard let identity = identity(type: type, number: number) else { return nil }
        guard let county = context.teacherCounty(idType: identity.type, idNumber: identity.value) else {
            report("id_number", .teacherUnknown, "no teacher with this identity document is known")
            return nil
        }
        return inScope(county, column: "id_number") ? (identity, county) : nil
    }

    /// Checks that the catalogue knows a course and that it belongs to `year` (when the year is valid).
    mutating func course(_ code: String, year: Int?, column: String, context: some ImportContext) -> Bool {
        guard let courseYear = context.courseYear(code: code) else {
            report(column, .courseUnknown, "no course with this code is in the catalogue")
            return false
        }
        if let year, courseYear != year {
            report(column, .courseYearMismatch, "the course belongs to the \(courseYear) training year, not \(year)")
            return false
        }
        return true
    }

    /// Checks that the replica knows a project and that it belongs to `year` (when the year is valid).
    mutating func project(_ code: String, year: Int?, column: String, context: some ImportContext) -> Bool {
        guard let projectYear = context.projectYear(code: code) else {
            report(column, .projectUnknown, "no project with this code is known")
            return false
        }
        if let year, projectYear != year {
            report(
                column, .projectYearMismatch, "the project belongs to the \(projectYear) training year, not \(year)")
            return false
        }
        return true
    }

    /// Reports `key` as a repeat if an earlier line had it; remembers it otherwise.
    mutating func unique(_ key: String, column: String, names: String, seen: inout [String: Int]) {
        if let first = seen[key] {
            report(column, .duplicateKey, "the same \(names) as on line \(first)")
        } else {
            seen[key] = line
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Tenths as a decimal, `25` as `2.5` and `10` as `1`.
    static func decimal(_ tenths: Int) -> String {
        tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
    }
}

/// The start of every record parser: a province-owned table is refused whole at a county node.
enum ProvinceTable {
    /// The single issue for a county importing a province-owned `table`, or `nil` at the hub.
    static func refusal(_ table: String, context: some ImportContext) -> ImportIssue? {
        guard let county = context.allowedCounty else { return nil }
        return ImportIssue(
            line: 1, column: nil, reason: .tableNotWritable,
            detail:
                "\(table) are written by the province's hub; this node (county \(county)) may not import them; "
                + "nothing was imported")
    }
}
