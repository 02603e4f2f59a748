import GRDB
import SyncCore
public import TrainingDomain

/// The lookups the record imports check rows against (docs/RECORDS.md), each one query over the visible rows, for
/// ``ReplicaImportContext`` to answer from memory.
extension Replica {
    /// Every visible provider's code.
    public func providerCodes() throws(ReplicaError) -> Set<String> {
        try runRead { db in Set(try String.fetchAll(db, sql: "SELECT provider_code FROM providers WHERE _live = 1")) }
    }

    /// Every visible project's training year, by project code.
    public func projectYears() throws(ReplicaError) -> [String: Int] {
        try runRead { db in try Self.years(db, sql: "SELECT project_code, year FROM projects WHERE _live = 1") }
    }

    /// Every visible course's training year, by course code.
    public func courseYears() throws(ReplicaError) -> [String: Int] {
        try runRead { db in try Self.years(db, sql: "SELECT course_code, year FROM courses WHERE _live = 1") }
    }

    /// Every visible activity's year and minutes, keyed by county code and activity id joined with a space.
    public func activitySummaries() throws(ReplicaError) -> [String: ActivitySummary] {
        try runRead { db in
            var out = [String: ActivitySummary]()
            let rows = try Row.fetchCursor(
                db, sql: "SELECT county_code, activity_id, year, minutes FROM activities WHERE _live = 1")
            while let row = try rows.next() {
                out[(row[0] as String) + " " + (row[1] as String)] = ActivitySummary(year: row[2], minutes: row[3])
            }
            return out
        }
    }

    /// Every visible teacher's profile, by county then document type and number. A row whose stored codes no longer
    /// parse is left out (it could not have been imported).
    public func teacherProfiles() throws(ReplicaError) -> [TeacherProfile] {
        try runRead { db in
            var out = [TeacherProfile]()
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id_type, id_number, county_code, school_code, stage, subject, dev_stage FROM teachers
                    WHERE _live = 1 ORDER BY county_code, id_type, id_number
                    """)
            while let row = try rows.next() {
                guard let type = IdentityDocumentType(code: row[0]), let stage = TeachingStage(rawValue: row[4]),
                    let subject = SubjectCode(code: row[5]), let devStage = DevelopmentStage(rawValue: row[6])
                else { continue }
                out.append(
                    TeacherProfile(
                        idType: type, idNumber: row[1], countyCode: row[2], schoolCode: row[3], stage: stage,
                        subject: subject, devStage: devStage))
            }
            return out
        }
    }

    /// Every visible study record's and homework result's id, as county code and record id joined with a space.
    public func recordIDs() throws(ReplicaError) -> Set<String> {
        try runRead { db in
            Set(
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT county_code || ' ' || record_id FROM study_records WHERE _live = 1
                        UNION SELECT county_code || ' ' || record_id FROM homework WHERE _live = 1
                        """))
        }
    }

    /// The visible selections a cohort assigned (those carrying its code).
    public func cohortSelections(county: String, year: Int, cohort: String) throws(ReplicaError) -> [CourseSelection] {
        try runRead { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id_type, id_number, course_code FROM selections
                    WHERE _live = 1 AND county_code = ? AND year = ? AND cohort_code = ?
                    ORDER BY id_type, id_number, course_code
                    """, arguments: [county, year, cohort])
            return rows.compactMap { row in
                IdentityDocumentType(code: row[0]).map {
                    CourseSelection(
                        countyCode: county, year: year, idType: $0, idNumber: row[1], courseCode: row[2],
                        cohortCode: cohort)
                }
            }
        }
    }

    private static func years(_ db: Database, sql: String) throws -> [String: Int] {
        var out = [String: Int]()
        let rows = try Row.fetchCursor(db, sql: sql)
        while let row = try rows.next() { out[row[0]] = row[1] }
        return out
    }
}
