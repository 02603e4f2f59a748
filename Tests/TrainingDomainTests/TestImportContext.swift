import Foundation
import TrainingDomain

/// An import context backed by dictionaries, with a fixed "now" of 2019-09-01T00:00:00Z (08:00 in Beijing).
struct TestImportContext: ImportContext {
    static let september2019 = Date(timeIntervalSince1970: 1_567_296_000)

    var allowedCounty: String?
    /// School code → county code.
    var schools: [String: String] = [:]
    /// "id_type id_number" → county code.
    var teachers: [String: String] = [:]
    var referenceDate: Date = september2019
    /// Provider codes.
    var providers: Set<String> = []
    /// Project code → training year.
    var projects: [String: Int] = [:]
    /// Course code → training year.
    var courses: [String: Int] = [:]
    /// "county activity_id" → activity.
    var activities: [String: ActivitySummary] = [:]
    /// Teachers' profiles (cohort membership).
    var profiles: [TeacherProfile] = []
    /// "county record_id" of study records and homework.
    var records: Set<String> = []

    func schoolCounty(code: String) -> String? {
        schools[code]
    }

    func teacherCounty(idType: IdentityDocumentType, idNumber: String) -> String? {
        teachers[idType.code + " " + idNumber]
    }

    func knowsProvider(code: String) -> Bool { providers.contains(code) }

    func projectYear(code: String) -> Int? { projects[code] }

    func courseYear(code: String) -> Int? { courses[code] }

    func activity(county: String, activityID: String) -> ActivitySummary? { activities[county + " " + activityID] }

    func teachers(county: String) -> [TeacherProfile] { profiles.filter { $0.countyCode == county } }

    func knowsRecord(county: String, recordID: String) -> Bool { records.contains(county + " " + recordID) }
}

/// Resident identity card numbers for tests, computed independently of the code under test.
enum TestIdentity {
    /// Appends the ISO 7064 MOD 11-2 check character to 17 digits.
    static func card(_ first17: String) -> String {
        precondition(first17.count == 17)
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(first17, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return first17 + String(Array("10X98765432")[sum % 11])
    }

    /// A distinct valid card number for each `index` below 1000 × 9000 (born 1970–1999 in 长安区).
    static func card(index: Int) -> String {
        let year = 1970 + index % 30
        let month = 1 + (index / 30) % 12
        let day = 1 + (index / 360) % 28
        let sequence = index / 10080
        let prefix = String(format: "130102%04d%02d%02d%03d", year, month, day, sequence)
        return card(prefix)
    }
}
