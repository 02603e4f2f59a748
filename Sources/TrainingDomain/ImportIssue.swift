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

        /// Every reason, in the order declared above.
        public static let all: [Reason] = [
            utf8Invalid, csvMalformed, headerMissingColumn, headerDuplicateColumn, valueMissing, valueTooLong,
            valueControlCharacter, idTypeUnknown, idNumberLength, idNumberFormat, idNumberCheckCharacter,
            idNumberBirthDate, genderUnknown, genderMismatch, countyUnknown, countyNotCountyLevel, countyOutOfScope,
            schoolUnknown, schoolCountyMismatch, teacherUnknown, stageUnknown, subjectUnknown, devStageUnknown,
            sourceUnknown, minutesInvalid, minutesOutOfRange, recordedAtInvalid, duplicateKey,
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
