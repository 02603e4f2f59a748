public import Foundation
import SyncCore
public import TrainingDomain

/// The kinds of CSV file a node imports (README.md, docs/RECORDS.md).
public enum CSVKind: String, Sendable, CaseIterable {
    case schools
    case teachers
    case studyRecords = "study-records"
    // Province-owned: the hub imports them, a county node refuses them whole.
    case providers
    case projects
    case courses
    case contacts
    // County-owned.
    case cohorts
    case selections
    case activities
    case attendance
    case exemptions
    case makeUps = "make-ups"
    case homework
    case withdrawals
}

/// What importing a CSV file did.
public struct CSVImportResult: Sendable {
    /// Every issue found, in file order (never containing personal data).
    public var issues: [ImportIssue] = []
    /// Lines of facts (study records, homework, withdrawals) refused or skipped because a fact with the same key
    /// holds other content.
    public var conflictingLines: [Int] = []
    /// Whether anything was written; `false` when the file was refused whole.
    public var imported = false
    /// The writes' outcome, when imported (for cohorts, the members' selections included).
    public var report = WriteReport()
    /// Change sets sealed afterwards.
    public var sealed = 0
    /// For cohorts: the member selections the file's cohorts assign.
    public var assignedSelections = 0
    /// For cohorts: selections of the file's cohorts that are no longer assigned and were deleted.
    public var removedSelections = 0

    /// Lines with at least one issue.
    public var invalidLines: Int { Set(issues.map(\.line)).count }
}

extension Replica {
    /// Validates a CSV file and, unless it has a bad row (or `skipInvalid`), writes its rows and seals them.
    ///
    /// The same path serves the CLI and the county daemon's local API, so both validate alike. Importing cohorts also
    /// writes each member's selection of each course (tagged with the cohort's code) and deletes the cohort's earlier
    /// selections it no longer assigns.
    public func importCSV(
        _ kind: CSVKind, data: Data, skipInvalid: Bool, progress: ((Int, Int) -> Void)? = nil
    ) throws(ReplicaError) -> CSVImportResult {
        let context = try importContext(for: kind)
        var result = CSVImportResult()
        var writes: [(line: Int, write: LocalWrite)]
        var cohorts: ImportBatch<Cohort>?
        switch kind {
        case .schools:
            (writes, result.issues) = Self.writes(CSVImport.parseSchools(csv: data, context: context), \.syncedRow)
        case .teachers:
            (writes, result.issues) = Self.writes(CSVImport.parseTeachers(csv: data, context: context), \.syncedRow)
        case .studyRecords:
            (writes, result.issues) = Self.writes(
                CSVImport.parseStudyRecords(csv: data, context: context), \.syncedRow)
        case .providers:
            (writes, result.issues) = Self.writes(CSVImport.parseProviders(csv: data, context: context), \.syncedRow)
        case .projects:
            (writes, result.issues) = Self.writes(CSVImport.parseProjects(csv: data, context: context), \.syncedRow)
        case .courses:
            (writes, result.issues) = Self.writes(CSVImport.parseCourses(csv: data, context: context), \.syncedRow)
        case .contacts:
            (writes, result.issues) = Self.writes(CSVImport.parseContacts(csv: data, context: context), \.syncedRow)
        case .cohorts:
            let batch = CSVImport.parseCohorts(csv: data, context: context)
            (writes, result.issues) = Self.writes(batch, \.syncedRow)
            cohorts = batch
        case .selections:
            (writes, result.issues) = Self.writes(CSVImport.parseSelections(csv: data, context: context), \.syncedRow)
        case .activities:
            (writes, result.issues) = Self.writes(CSVImport.parseActivities(csv: data, context: context), \.syncedRow)
        case .attendance:
            (writes, result.issues) = Self.writes(CSVImport.parseAttendance(csv: data, context: context), \.syncedRow)
        case .exemptions:
            (writes, result.issues) = Self.writes(CSVImport.parseExemptions(csv: data, context: context), \.syncedRow)
        case .makeUps:
            (writes, result.issues) = Self.writes(CSVImport.parseMakeUps(csv: data, context: context), \.syncedRow)
        case .homework:
            (writes, result.issues) = Self.writes(CSVImport.parseHomework(csv: data, context: context), \.syncedRow)
        case .withdrawals:
            (writes, result.issues) = Self.writes(CSVImport.parseWithdrawals(csv: data, context: context), \.syncedRow)
        }
        // A province-owned file at a county is refused whole, even with `skipInvalid`.
        if !result.issues.isEmpty, !skipInvalid || result.issues.contains(where: { $0.reason == .tableNotWritable }) {
            return result
        }
        if let cohorts {
            let assignment = try cohortAssignment(cohorts, context: context)
            writes += assignment.writes
            (result.assignedSelections, result.removedSelections) = (assignment.assigned, assignment.removed)
        }
        do {
            result.report = try write(
                writes.map(\.write), factConflicts: skipInvalid ? .skip : .refuse, progress: progress)
            result.conflictingLines = result.report.skippedFacts.map { writes[$0].line }
        } catch {
            guard !error.conflictingIndices.isEmpty else { throw error }
            result.conflictingLines = error.conflictingIndices.map { writes[$0].line }
            return result
        }
        result.imported = true
        result.sealed = try seal().count
        return result
    }

    /// The lookups a kind of file needs, loaded once.
    func importContext(for kind: CSVKind) throws(ReplicaError) -> ReplicaImportContext {
        let allowedCounty = identity.role == .county ? identity.county : nil
        switch kind {
        case .schools, .teachers, .studyRecords:
            return ReplicaImportContext(
                allowedCounty: allowedCounty, schools: try schoolCounties(), teachers: try teacherCounties())
        case .providers, .contacts:
            return ReplicaImportContext(allowedCounty: allowedCounty, schools: [:], teachers: [:])
        case .projects:
            return ReplicaImportContext(
                allowedCounty: allowedCounty, schools: [:], teachers: [:], providers: try providerCodes())
        case .courses:
            return ReplicaImportContext(
                allowedCounty: allowedCounty, schools: [:], teachers: [:], projects: try projectYears())
        case .cohorts:
            let profiles = try teacherProfiles()
            return ReplicaImportContext(
                allowedCounty: allowedCounty, schools: [:], teachers: [:], courses: try courseYears(),
                profiles: profiles)
        case .selections:
            return ReplicaImportContext(
                allowedCounty: allowedCounty, schools: [:], teachers: try teacherCounties(), courses: try courseYears())
        case .activities:
            return ReplicaImportContext(
                allowedCounty: allowedCounty, schools: try schoolCounties(), teachers: [:], courses: try courseYears())
        case .attendance:
            return ReplicaImportContext(
                allowedCounty: allowedCounty, schools: [:], teachers: try teacherCounties(),
                activities: try activitySummaries())
        case .exemptions, .makeUps:
            return ReplicaImportContext(allowedCounty: allowedCounty, schools: [:], teachers: try teacherCounties())
        case .homework:
            return ReplicaImportContext(
                allowedCounty: allowedCounty, schools: [:], teachers: try teacherCounties(),
                projects: try projectYears())
        case .withdrawals:
            return ReplicaImportContext(
                allowedCounty: allowedCounty, schools: [:], teachers: [:], records: try recordIDs())
        }
    }

    /// The selections the valid cohorts assign to their members, and deletions of the selections those cohorts
    /// assigned before and no longer do. A selection two cohorts of the file assign is written once, for the later.
    private func cohortAssignment(
        _ batch: ImportBatch<Cohort>, context: ReplicaImportContext
    ) throws(ReplicaError) -> (writes: [(line: Int, write: LocalWrite)], assigned: Int, removed: Int) {
        var assigned: [(line: Int, write: LocalWrite)] = []
        var position: [[Value]: Int] = [:]
        for entry in batch.records {
            let cohort = entry.record
            for selection in cohort.selections(for: context.teachers(county: cohort.countyCode)) {
                let write = Self.write(selection.syncedRow)
                if let index = position[write.key] {
                    assigned[index] = (entry.line, write)
                } else {
                    position[write.key] = assigned.count
                    assigned.append((entry.line, write))
                }
            }
        }
        var removals: [(line: Int, write: LocalWrite)] = []
        for entry in batch.records {
            let cohort = entry.record
            let earlier = try cohortSelections(county: cohort.countyCode, year: cohort.year, cohort: cohort.cohortCode)
            for selection in earlier {
                let row = selection.syncedRow
                guard position[row.key] == nil else { continue }
                position[row.key] = -1
                removals.append(
                    (entry.line, LocalWrite(kind: .delete, table: row.table.name, key: row.key, fields: [])))
            }
        }
        return (assigned + removals, assigned.count, removals.count)
    }

    static func writes<Record>(
        _ batch: ImportBatch<Record>, _ row: (Record) -> SyncedRow
    ) -> ([(line: Int, write: LocalWrite)], [ImportIssue]) {
        (batch.records.map { ($0.line, write(row($0.record))) }, batch.issues)
    }

    /// A validated row as a local write: a fact insert for a fact table, an upsert otherwise.
    static func write(_ row: SyncedRow) -> LocalWrite {
        LocalWrite(
            kind: row.table.kind == .fact ? .insertFact : .upsert, table: row.table.name, key: row.key,
            fields: row.fields)
    }
}

/// Import lookups answered from memory: what the replica holds that a kind of file is checked against, loaded once
/// per import. Lookups a kind does not need are left empty.
public struct ReplicaImportContext: ImportContext {
    public let allowedCounty: String?
    /// County by school code.
    public let schools: [String: String]
    /// County by `id_type` and `id_number` joined with a space.
    public let teachers: [String: String]
    /// Provider codes.
    public let providers: Set<String>
    /// Training year by project code.
    public let projects: [String: Int]
    /// Training year by course code.
    public let courses: [String: Int]
    /// Activities by county code and activity id joined with a space.
    public let activities: [String: ActivitySummary]
    /// Teachers' profiles by county, in the order given (cohort membership).
    public let profiles: [String: [TeacherProfile]]
    /// Study-record and homework ids, as county code and record id joined with a space.
    public let records: Set<String>

    public init(
        allowedCounty: String?, schools: [String: String], teachers: [String: String], providers: Set<String> = [],
        projects: [String: Int] = [:], courses: [String: Int] = [:], activities: [String: ActivitySummary] = [:],
        profiles: [TeacherProfile] = [], records: Set<String> = []
    ) {
        self.allowedCounty = allowedCounty
        self.schools = schools
        self.teachers = teachers
        self.providers = providers
        self.projects = projects
        self.courses = courses
        self.activities = activities
        self.profiles = Dictionary(grouping: profiles, by: \.countyCode)
        self.records = records
    }

    public func schoolCounty(code: String) -> String? { schools[code] }

    public func teacherCounty(idType: IdentityDocumentType, idNumber: String) -> String? {
        teachers[idType.code + " " + idNumber]
    }

    public func knowsProvider(code: String) -> Bool { providers.contains(code) }

    public func projectYear(code: String) -> Int? { projects[code] }

    public func courseYear(code: String) -> Int? { courses[code] }

    public func activity(county: String, activityID: String) -> ActivitySummary? {
        activities[county + " " + activityID]
    }

    public func teachers(county: String) -> [TeacherProfile] { profiles[county] ?? [] }

    public func knowsRecord(county: String, recordID: String) -> Bool { records.contains(county + " " + recordID) }
}
