public import Foundation

/// Parses and validates the CSV files a county (or the hub) imports: the school list, the teacher roster and study
/// records.
///
/// The format, common to all three:
/// - UTF-8 text, optionally starting with a byte-order mark; a file that is not UTF-8 gives one `utf8.invalid` issue
///   and no records. Fields follow RFC 4180 (comma-separated, `"`-quoted, `""` for a quote inside quotes); lines end
///   with LF, CRLF or CR. A quoting error gives one `csv.malformed` issue and no records, since row boundaries after it
///   cannot be trusted.
/// - A header row is required and names the columns, in any order. Every required column (``schoolColumns``,
///   ``teacherColumns``, ``studyRecordColumns``) must appear exactly once; otherwise each missing or repeated column
///   gives a `header.missing_column` or `header.duplicate_column` issue on line 1 and no records. Columns with other
///   names are ignored, so exports may carry extra information.
/// - Values are trimmed of surrounding whitespace (the ideographic space included). Empty lines, and rows whose fields
///   are all empty, are skipped. A row with a different number of fields from the header gets `csv.malformed`.
/// - Line numbers count physical lines: the header is line 1, and a row is reported on the line it starts on even when
///   a quoted field in it spans several lines.
///
/// Every row is checked completely, and every issue found is reported (see ``ImportIssue/Reason``); a row with any
/// issue yields no record. A key that repeats an earlier row's key (school code; document type and number; record id)
/// is reported on the later line. Issues never contain personal data.
public enum CSVImport {
    /// The required columns of the school list. `stages` holds teaching-stage codes joined by `;`.
    public static let schoolColumns = SchoolCSV.columns
    /// The required columns of the teacher roster.
    public static let teacherColumns = TeacherCSV.columns
    /// The required columns of a study-record file. There is no county column: a record's county is its teacher's.
    public static let studyRecordColumns = StudyRecordCSV.columns

    /// Parses a school list.
    ///
    /// Checks per row: code and name are non-empty text of at most 64 characters without control characters; the
    /// county is a county-level unit within ``ImportContext/allowedCounty``; at least one known stage; a school the
    /// replica already has in another county gives `school.county_mismatch`; a repeated school code `duplicate_key`.
    public static func parseSchools(csv: Data, context: some ImportContext) -> ImportBatch<School> {
        guard let text = CSVTable.decode(csv) else { return ImportBatch(issues: [CSVTable.invalidUTF8Issue(csv)]) }
        return SchoolCSV.parse(text, context: context)
    }

    /// Parses a school list given as text; see the `Data` overload.
    public static func parseSchools(csv: String, context: some ImportContext) -> ImportBatch<School> {
        SchoolCSV.parse(csv, context: context)
    }

    /// Parses a teacher roster.
    ///
    /// Checks per row: a valid identity document (``IdentityNumber``); a non-empty name; gender `M` or `F`, agreeing
    /// with a resident identity card; a school the replica knows, in the row's county; a county-level county within
    /// ``ImportContext/allowedCounty``; known stage, subject and development-stage codes; a document type and number
    /// not already on an earlier line.
    public static func parseTeachers(csv: Data, context: some ImportContext) -> ImportBatch<Teacher> {
        guard let text = CSVTable.decode(csv) else { return ImportBatch(issues: [CSVTable.invalidUTF8Issue(csv)]) }
        return TeacherCSV.parse(text, context: context)
    }

    /// Parses a teacher roster given as text; see the `Data` overload.
    public static func parseTeachers(csv: String, context: some ImportContext) -> ImportBatch<Teacher> {
        TeacherCSV.parse(csv, context: context)
    }

    /// Parses a study-record file.
    ///
    /// Checks per row: non-empty record id and activity code; a valid identity document of a teacher the replica
    /// knows, whose county is within ``ImportContext/allowedCounty`` (the record takes that county); minutes a whole
    /// number from 1 to 1440; `recorded_at` an ISO 8601 time with an explicit offset (``OffsetTimestamp``); a known
    /// source; a record id not already on an earlier line.
    public static func parseStudyRecords(csv: Data, context: some ImportContext) -> ImportBatch<StudyRecord> {
        guard let text = CSVTable.decode(csv) else { return ImportBatch(issues: [CSVTable.invalidUTF8Issue(csv)]) }
        return StudyRecordCSV.parse(text, context: context)
    }

    /// Parses a study-record file given as text; see the `Data` overload.
    public static func parseStudyRecords(csv: String, context: some ImportContext) -> ImportBatch<StudyRecord> {
        StudyRecordCSV.parse(csv, context: context)
    }
}
