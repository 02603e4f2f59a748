/// A problem found in an imported CSV file, pinned to a line and, where it concerns one, a column.
///
/// Issues are safe to log and to show: their text never contains an identity number or a person's name, nor any other
/// cell value unless it has the shape of a short code (a six-digit county code, a one-character stage code, a
/// two-digit subject code). A row with at least one issue produces no record.
public struct ImportIssue: Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem an issue is: a stable, dotted code suitable for wire formats, metrics and tests.
    ///
    /// The set of reasons is closed (``all``) but may grow; compare against the static members rather than switching
    /// exhaustively.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        /// The stable code, for example `"id_number.check_character"`.
        public let code: String

        private init(_ code: String) {
            self.code = code
        }

        /// The file is not valid UTF-8 (often a GBK/GB18030 export); nothing in it was read.
        public static let utf8Invalid = Reason("utf8.invalid")
        /// The CSV structure is broken: a quoting error (the whole file is refused) or a row whose number of fields
        /// differs from the header's (that row is skipped).
        public static let csvMalformed = Reason("csv.malformed")
        /// A required column is absent from the header row; nothing in the file was read.
        public static let headerMissingColumn = Reason("header.missing_column")
        /// A required column appears more than once in the header row; nothing in the file was read.
        public static let headerDuplicateColumn = Reason("header.duplicate_column")
        /// A required value is empty.
        public static let valueMissing = Reason("value.missing")
        /// A text value is longer than 64 characters.
        public static let valueTooLong = Reason("value.too_long")
        /// A text value contains a control character (a tab, a line break inside quotes…).
        public static let valueControlCharacter = Reason("value.control_character")
        /// The identity-document type is not `1`–`9`.
        public static let idTypeUnknown = Reason("id_type.unknown")
        /// The identity number has the wrong length for its document type.
        public static let idNumberLength = Reason("id_number.length")
        /// The identity number contains characters its document type does not allow.
        public static let idNumberFormat = Reason("id_number.format")
        /// A resident identity card number's last character is not its ISO 7064 MOD 11-2 check character.
        public static let idNumberCheckCharacter = Reason("id_number.check_character")
        /// A resident identity card number's birth date is not a real date between 1900-01-01 and today.
        public static let idNumberBirthDate = Reason("id_number.birth_date")
        /// The gender is neither `M` nor `F`.
        public static let genderUnknown = Reason("gender.unknown")
        /// The gender disagrees with the gender encoded in a resident identity card number.
        public static let genderMismatch = Reason("gender.mismatch")
        /// The county code is not a code of the unit catalogue.
        public static let countyUnknown = Reason("county.unknown")
        /// The county code names a city or the province rather than a county-level unit.
        public static let countyNotCountyLevel = Reason("county.not_county_level")
        /// The row belongs to a county other than the one this node may write.
        public static let countyOutOfScope = Reason("county.out_of_scope")
        /// The school code is not known to the replica.
        public static let schoolUnknown = Reason("school.unknown")
        /// The school is registered in a different county from the row's.
        public static let schoolCountyMismatch = Reason("school.county_mismatch")
        /// The teacher a study record names is not known to the replica.
        public static let teacherUnknown = Reason("teacher.unknown")
        /// A teaching-stage code is not in the code table.
        public static let stageUnknown = Reason("stage.unknown")
        /// The subject code is not in the code table.
        public static let subjectUnknown = Reason("subject.unknown")
        /// The development-stage code is not one of `new`, `young`, `key`, `leader`, `master`.
        public static let devStageUnknown = Reason("dev_stage.unknown")
        /// The study-record source is not one of `provider`, `county`, `school`.
        public static let sourceUnknown = Reason("source.unknown")
        /// The minutes value is not a whole number.
        public static let minutesInvalid = Reason("minutes.invalid")
        /// The minutes value is outside 1…1440.
        public static let minutesOutOfRange = Reason("minutes.out_of_range")
        /// The timestamp is not an ISO 8601 date and time with an explicit UTC offset.
        public static let recordedAtInvalid = Reason("recorded_at.invalid")
        /// The row's key (school code; document type and number; record id) already appeared on an earlier line.
        public static let duplicateKey = Reason("duplicate_key")

        // MARK: The training year's records (docs/RECORDS.md)

        /// The file holds a province-owned table (providers, projects, courses, contacts) and this node is a county:
        /// the whole file is refused before any row is read.
        public static let tableNotWritable = Reason("table.not_writable")
        /// A code (provider, project, course, cohort or activity) contains a `;`, a space or another blank, which
        /// code lists could not hold.
        public static let codeInvalid = Reason("code.invalid")
        /// A year is not a whole number from 2000 to 2100.
        public static let yearInvalid = Reason("year.invalid")
        /// A date is not a real date written `YYYY-MM-DD` with a year from 2000 to 2100.
        public static let dateInvalid = Reason("date.invalid")
        /// A time (`submitted_at`, `withdrawn_at`) is not an ISO 8601 date and time with an explicit UTC offset.
        public static let timeInvalid = Reason("time.invalid")
        /// Hours are not a decimal number with at most one decimal (`2.5`).
        public static let hoursInvalid = Reason("hours.invalid")
        /// Hours are outside 0.1…1000.
        public static let hoursOutOfRange = Reason("hours.out_of_range")
        /// A score is not a decimal number with at most one decimal (`87.5`).
        public static let scoreInvalid = Reason("score.invalid")
        /// A score is outside 0…100.
        public static let scoreOutOfRange = Reason("score.out_of_range")
        /// The course kind is not one of `mandatory`, `elective`, `it`, `class_teacher`, `school_management`,
        /// `research`.
        public static let courseKindUnknown = Reason("course_kind.unknown")
        /// The hour category is not a code of lowercase letters, digits and `_` (at most 32 characters).
        public static let categoryInvalid = Reason("category.invalid")
        /// The provider is not known to the replica.
        public static let providerUnknown = Reason("provider.unknown")
        /// The project is not known to the replica.
        public static let projectUnknown = Reason("project.unknown")
        /// The project belongs to a different training year from the row's.
        public static let projectYearMismatch = Reason("project.year_mismatch")
        /// A course is not in the replica's catalogue.
        public static let courseUnknown = Reason("course.unknown")
        /// A course of the catalogue belongs to a different training year from the row's.
        public static let courseYearMismatch = Reason("course.year_mismatch")
        /// The unit code of a contact is not a Hebei unit code.
        public static let unitUnknown = Reason("unit.unknown")
        /// The unit code of a contact names the province rather than a city- or county-level unit.
        public static let unitNotCityOrCounty = Reason("unit.not_city_or_county")
        /// A phone number is not 5–20 characters of digits, `-`, `+` and spaces.
        public static let phoneInvalid = Reason("phone.invalid")
        /// An e-mail address does not have exactly one `@` with text on both sides, or contains a space.
        public static let emailInvalid = Reason("email.invalid")
        /// The activity is not known in the teacher's (or the row's) county.
        public static let activityUnknown = Reason("activity.unknown")
        /// An attendance lasts longer than its activity.
        public static let minutesExceedActivity = Reason("minutes.exceeds_activity")
        /// The exemption kind is not one of `guopei`, `provincial`, `manual`.
        public static let exemptionKindUnknown = Reason("exemption_kind.unknown")
        /// A withdrawal names a record id that is neither a study record nor a homework result of its county.
        public static let recordUnknown = Reason("record.unknown")

        /// Every reason, in the order declared above.
        public static let all: [Reason] =
            [
                utf8Invalid, csvMalformed, headerMissingColumn, headerDuplicateColumn, valueMissing, valueTooLong,
                valueControlCharacter, idTypeUnknown, idNumberLength, idNumberFormat, idNumberCheckCharacter,
                idNumberBirthDate, genderUnknown, genderMismatch, countyUnknown, countyNotCountyLevel, countyOutOfScope,
                schoolUnknown, schoolCountyMismatch, teacherUnknown, stageUnknown, subjectUnknown, devStageUnknown,
                sourceUnknown, minutesInvalid, minutesOutOfRange, recordedAtInvalid, duplicateKey,
            ] + records

        /// The reasons the record imports added (``CSVImport/parseProviders(csv:context:)`` and its siblings).
        public static let records: [Reason] = [
            tableNotWritable, codeInvalid, yearInvalid, dateInvalid, timeInvalid, hoursInvalid, hoursOutOfRange,
            scoreInvalid, scoreOutOfRange, courseKindUnknown, categoryInvalid, providerUnknown, projectUnknown,
            projectYearMismatch, courseUnknown, courseYearMismatch, unitUnknown, unitNotCityOrCounty, phoneInvalid,
            emailInvalid, activityUnknown, minutesExceedActivity, exemptionKindUnknown, recordUnknown,
        ]

        /// The code.
        public var description: String {
            code
        }
    }

    /// The physical line of the file the issue is on, counting from 1 (the header row). A row whose quoted field
    /// spans several lines is reported on the line where the row starts.
    public let line: Int
    /// The column the issue concerns, by its header name; `nil` when it concerns the file or a whole row.
    public let column: String?
    /// What kind of problem this is.
    public let reason: Reason
    /// A short English explanation, free of personal data.
    public let detail: String

    /// Creates an issue. `detail` must not contain personal data.
    public init(line: Int, column: String?, reason: Reason, detail: String) {
        self.line = line
        self.column = column
        self.reason = reason
        self.detail = detail
    }

    /// The issue on one line, for example
    /// `line 7, column id_number: id_number.check_character (check character does not match)`.
    public var description: String {
        let place = column.map { "line \(line), column \($0)" } ?? "line \(line)"
        return "\(place): \(reason.code) (\(detail))"
    }

    /// Returns `value` if it is safe to quote in an issue, else `nil`.
    ///
    /// Only the shapes of codes are quoted: a single ASCII letter or digit (a stage or document-type code), two digits
    /// (a subject code) and six digits (a county code). None can be a name or a plausible identity number, even when a
    /// file has its columns mixed up.
    static func quotable(_ value: String) -> String? {
        let utf8 = value.utf8
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        func isLetter(_ byte: UInt8) -> Bool { byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z") }
        switch utf8.count {
        case 1: return utf8.allSatisfy { isDigit($0) || isLetter($0) } ? value : nil
        case 2, 6: return utf8.allSatisfy(isDigit) ? value : nil
        default: return nil
        }
    }

    /// `value` in quotes if ``quotable(_:)`` allows, else "the value".
    static func quoted(_ value: String) -> String {
        quotable(value).map { "'\($0)'" } ?? "the value"
    }
}
