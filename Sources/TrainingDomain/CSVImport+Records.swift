public import Foundation

/// The training year's record files (docs/RECORDS.md), in the format common to every import (see ``CSVImport``).
///
/// Province-owned files (providers, projects, courses, contacts) are refused whole at a county node, before any row is
/// read, with one `table.not_writable` issue on line 1. County-owned files take each row's county from its
/// `county_code` column or, where a teacher is named, from the teacher's registration; a county node may write only
/// its own county. Hours and scores are decimals with at most one decimal, returned in tenths.
extension CSVImport {
    /// The required columns of each record file, by import kind.
    public static let recordColumns: [String: [String]] = [
        "providers": ProviderCSV.columns, "projects": TrainingProjectCSV.columns, "courses": CourseCSV.columns,
        "contacts": TrainingContactCSV.columns, "cohorts": CohortCSV.columns, "selections": CourseSelectionCSV.columns,
        "activities": ResearchActivityCSV.columns, "attendance": AttendanceCSV.columns,
        "exemptions": ExemptionCSV.columns, "make-ups": MakeUpCSV.columns, "homework": HomeworkCSV.columns,
        "withdrawals": WithdrawalCSV.columns,
    ]

    /// Decodes `csv` and parses it, or gives the one `utf8.invalid` issue.
    private static func decoded<Record>(_ csv: Data, _ parse: (String) -> ImportBatch<Record>) -> ImportBatch<Record> {
        guard let text = CSVTable.decode(csv) else { return ImportBatch(issues: [CSVTable.invalidUTF8Issue(csv)]) }
        return parse(text)
    }

    /// Parses a provider file (`provider_code,name,stages`); province-owned.
    ///
    /// Checks per row: codes without `;` or blanks; a name; at least one known stage; a provider code not on an
    /// earlier line.
    public static func parseProviders(csv: Data, context: some ImportContext) -> ImportBatch<Provider> {
        if let refusal = ProvinceTable.refusal("providers", context: context) { return ImportBatch(issues: [refusal]) }
        return decoded(csv) { ProviderCSV.parse($0, context: context) }
    }

    /// Parses a provider file given as text; see the `Data` overload.
    public static func parseProviders(csv: String, context: some ImportContext) -> ImportBatch<Provider> {
        ProviderCSV.parse(csv, context: context)
    }

    /// Parses a project file (`project_code,year,name,stages,provider_code,hours_required`); province-owned.
    ///
    /// Checks per row: a year from 2000 to 2100; at least one stage; a provider the replica knows; hours from 0.1 to
    /// 1000 with one decimal at most; a project code not on an earlier line.
    public static func parseProjects(csv: Data, context: some ImportContext) -> ImportBatch<TrainingProject> {
        if let refusal = ProvinceTable.refusal("projects", context: context) { return ImportBatch(issues: [refusal]) }
        return decoded(csv) { TrainingProjectCSV.parse($0, context: context) }
    }

    /// Parses a project file given as text; see the `Data` overload.
    public static func parseProjects(csv: String, context: some ImportContext) -> ImportBatch<TrainingProject> {
        TrainingProjectCSV.parse(csv, context: context)
    }

    /// Parses a course file (`course_code,year,project_code,name,kind,category,hours,stages,subject,dev_stage`);
    /// province-owned.
    ///
    /// Checks per row: a year; an empty project code or a known project of the same year; a known kind; a category
    /// code; hours; known stage, subject and development-stage codes where given; a course code not on an earlier
    /// line.
    public static func parseCourses(csv: Data, context: some ImportContext) -> ImportBatch<Course> {
        if let refusal = ProvinceTable.refusal("courses", context: context) { return ImportBatch(issues: [refusal]) }
        return decoded(csv) { CourseCSV.parse($0, context: context) }
    }

    /// Parses a course file given as text; see the `Data` overload.
    public static func parseCourses(csv: String, context: some ImportContext) -> ImportBatch<Course> {
        CourseCSV.parse(csv, context: context)
    }

    /// Parses a contact file (`unit_code,duty,name,phone,email`); province-owned.
    ///
    /// Checks per row: a city- or county-level Hebei unit; a duty and a name; a phone of 5–20 digits, `-`, `+` or
    /// spaces; an empty e-mail or one with a single `@`; a unit and duty not on an earlier line.
    public static func parseContacts(csv: Data, context: some ImportContext) -> ImportBatch<TrainingContact> {
        if let refusal = ProvinceTable.refusal("contacts", context: context) { return ImportBatch(issues: [refusal]) }
        return decoded(csv) { TrainingContactCSV.parse($0, context: context) }
    }

    /// Parses a contact file given as text; see the `Data` overload.
    public static func parseContacts(csv: String, context: some ImportContext) -> ImportBatch<TrainingContact> {
        TrainingContactCSV.parse(csv, context: context)
    }

    /// Parses a cohort file (`cohort_code,year,county_code,stage,subject,dev_stage,courses`).
    ///
    /// Checks per row: a year; a county within scope; a known stage, and subject and development stage where given;
    /// at least one course, each in the catalogue for the year; a county, year and cohort code not on an earlier
    /// line. The members' selections are derived by ``Cohort/selections(for:)``.
    public static func parseCohorts(csv: Data, context: some ImportContext) -> ImportBatch<Cohort> {
        decoded(csv) { CohortCSV.parse($0, context: context) }
    }

    /// Parses a cohort file given as text; see the `Data` overload.
    public static func parseCohorts(csv: String, context: some ImportContext) -> ImportBatch<Cohort> {
        CohortCSV.parse(csv, context: context)
    }

    /// Parses a selection file (`year,id_type,id_number,course_code`).
    ///
    /// Checks per row: a year; a known teacher within scope; a course in the catalogue for the year; the same
    /// selection not on an earlier line.
    public static func parseSelections(csv: Data, context: some ImportContext) -> ImportBatch<CourseSelection> {
        decoded(csv) { CourseSelectionCSV.parse($0, context: context) }
    }

    /// Parses a selection file given as text; see the `Data` overload.
    public static func parseSelections(csv: String, context: some ImportContext) -> ImportBatch<CourseSelection> {
        CourseSelectionCSV.parse(csv, context: context)
    }

    /// Parses an activity file (`activity_id,year,county_code,title,course_code,school_code,held_on,minutes`).
    ///
    /// Checks per row: a year; a county within scope; a title of at most 200 characters; a course of the year; an
    /// empty school or a known school of the county; a date; 1–1440 minutes; an activity id not on an earlier line.
    public static func parseActivities(csv: Data, context: some ImportContext) -> ImportBatch<ResearchActivity> {
        decoded(csv) { ResearchActivityCSV.parse($0, context: context) }
    }

    /// Parses an activity file given as text; see the `Data` overload.
    public static func parseActivities(csv: String, context: some ImportContext) -> ImportBatch<ResearchActivity> {
        ResearchActivityCSV.parse(csv, context: context)
    }

    /// Parses an attendance file (`activity_id,id_type,id_number,minutes`).
    ///
    /// Checks per row: a known teacher within scope; an activity known in the teacher's county; 1–1440 minutes, at
    /// most the activity's; the same attendance not on an earlier line.
    public static func parseAttendance(csv: Data, context: some ImportContext) -> ImportBatch<Attendance> {
        decoded(csv) { AttendanceCSV.parse($0, context: context) }
    }

    /// Parses an attendance file given as text; see the `Data` overload.
    public static func parseAttendance(csv: String, context: some ImportContext) -> ImportBatch<Attendance> {
        AttendanceCSV.parse(csv, context: context)
    }

    /// Parses an exemption file (`year,id_type,id_number,kind,certificate_year,evidence`).
    ///
    /// Checks per row: a year; a known teacher within scope; a known kind; a certificate year (may be empty for
    /// `manual`); evidence of at most 200 characters; the same claim not on an earlier line.
    public static func parseExemptions(csv: Data, context: some ImportContext) -> ImportBatch<Exemption> {
        decoded(csv) { ExemptionCSV.parse($0, context: context) }
    }

    /// Parses an exemption file given as text; see the `Data` overload.
    public static func parseExemptions(csv: String, context: some ImportContext) -> ImportBatch<Exemption> {
        ExemptionCSV.parse(csv, context: context)
    }

    /// Parses a make-up file (`year,id_type,id_number,enrolled_on`).
    ///
    /// Checks per row: a year; a known teacher within scope; a date; the same enrolment not on an earlier line.
    public static func parseMakeUps(csv: Data, context: some ImportContext) -> ImportBatch<MakeUp> {
        decoded(csv) { MakeUpCSV.parse($0, context: context) }
    }

    /// Parses a make-up file given as text; see the `Data` overload.
    public static func parseMakeUps(csv: String, context: some ImportContext) -> ImportBatch<MakeUp> {
        MakeUpCSV.parse(csv, context: context)
    }

    /// Parses a homework file (`record_id,id_type,id_number,year,project_code,assignment_id,score,submitted_at`).
    ///
    /// Checks per row: a record id; a known teacher within scope; a year; a known project of the year; an assignment
    /// id; a score from 0 to 100 with one decimal at most; an ISO 8601 time with offset; a record id not on an
    /// earlier line.
    public static func parseHomework(csv: Data, context: some ImportContext) -> ImportBatch<Homework> {
        decoded(csv) { HomeworkCSV.parse($0, context: context) }
    }

    /// Parses a homework file given as text; see the `Data` overload.
    public static func parseHomework(csv: String, context: some ImportContext) -> ImportBatch<Homework> {
        HomeworkCSV.parse(csv, context: context)
    }

    /// Parses a withdrawal file (`county_code,record_id,reason,withdrawn_at`).
    ///
    /// Checks per row: a county within scope; a study record or homework known in that county; a reason of at most
    /// 200 characters; an ISO 8601 time with offset; the same record not on an earlier line.
    public static func parseWithdrawals(csv: Data, context: some ImportContext) -> ImportBatch<Withdrawal> {
        decoded(csv) { WithdrawalCSV.parse($0, context: context) }
    }

    /// Parses a withdrawal file given as text; see the `Data` overload.
    public static func parseWithdrawals(csv: String, context: some ImportContext) -> ImportBatch<Withdrawal> {
        WithdrawalCSV.parse(csv, context: context)
    }
}
