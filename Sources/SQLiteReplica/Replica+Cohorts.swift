import GRDB
import SyncCore

/// A cohort as the replica holds it, with how many teachers it assigns courses to.
public struct CohortSummary: Sendable, Hashable {
    /// The county that assigns it.
    public let countyCode: String
    /// The training year.
    public let year: Int
    /// The cohort's code.
    public let cohortCode: String
    /// The stage code of its teachers.
    public let stage: String
    /// The subject code of its teachers; empty means all.
    public let subject: String
    /// The development-stage code of its teachers; empty means all.
    public let devStage: String
    /// The course codes it assigns.
    public let courses: [String]
    /// The teachers holding at least one selection of the cohort.
    public let members: Int
}

/// A teacher a cohort assigns courses to. Personal data: for the teacher's own county's terminal only.
public struct CohortMember: Sendable, Hashable {
    /// The teacher's name, or `nil` if the teacher is no longer registered.
    public let name: String?
    /// The teacher's school code, or `nil` if the teacher is no longer registered.
    public let schoolCode: String?
    /// The school's name, if the replica knows the school.
    public let schoolName: String?
    /// The identity-document type code.
    public let idType: String
    /// The identity-document number.
    public let idNumber: String
    /// How many of the cohort's courses the teacher holds.
    public let courses: Int
}

extension Replica {
    /// The visible cohorts of a year, of one county or of all, by county and code.
    public func cohorts(year: Int, county: String? = nil) throws(ReplicaError) -> [CohortSummary] {
        try runRead { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.county_code, c.year, c.cohort_code, c.stage, c.subject, c.dev_stage, c.courses,
                        (SELECT COUNT(*) FROM (SELECT DISTINCT s.id_type, s.id_number FROM selections s
                            WHERE s._live = 1 AND s.county_code = c.county_code AND s.year = c.year
                            AND s.cohort_code = c.cohort_code))
                    FROM cohorts c WHERE c._live = 1 AND c.year = ? AND (?2 IS NULL OR c.county_code = ?2)
                    ORDER BY c.county_code, c.cohort_code
                    """, arguments: [year, county])
            return rows.map { row in
                CohortSummary(
                    countyCode: row[0], year: row[1], cohortCode: row[2], stage: row[3], subject: row[4],
                    devStage: row[5], courses: (row[6] as String).split(separator: ";").map(String.init),
                    members: row[7])
            }
        }
    }

    /// The members of a cohort (teachers holding its selections), by school, name and document.
    public func cohortMembers(year: Int, county: String, cohort: String) throws(ReplicaError) -> [CohortMember] {
        try runRead { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.name, t.school_code, sc.name, s.id_type, s.id_number, COUNT(*)
                    FROM selections s
                    LEFT JOIN teachers t ON t._live = 1 AND t.county_code = s.county_code AND t.id_type = s.id_type
                        AND t.id_number = s.id_number
                    LEFT JOIN schools sc ON sc._live = 1 AND sc.county_code = t.county_code
                        AND sc.school_code = t.school_code
                    WHERE s._live = 1 AND s.county_code = ? AND s.year = ? AND s.cohort_code = ?
                    GROUP BY s.id_type, s.id_number
                    ORDER BY t.school_code, t.name, s.id_type, s.id_number
                    """, arguments: [county, year, cohort])
            return rows.map { row in
                CohortMember(
                    name: row[0], schoolCode: row[1], schoolName: row[2], idType: row[3], idNumber: row[4],
                    courses: row[5])
            }
        }
    }
}
