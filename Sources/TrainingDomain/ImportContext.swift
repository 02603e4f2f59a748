public import Foundation

/// What an import needs to know beyond the file itself: whose data this node may write, and the schools, teachers,
/// catalogue, activities and records already in the replica.
///
/// The lookups are called once per row; an implementation backed by a database should answer them from memory
/// (load what the kind of file needs once per import) to keep large files fast.
public protocol ImportContext: Sendable {
    /// The county-level unit this node may write, or `nil` for the provincial hub, which may write any Hebei county.
    var allowedCounty: String? { get }

    /// The units that county codes are checked against. Defaults to ``UnitCatalog/hebei201904``.
    var catalog: UnitCatalog { get }

    /// The instant that counts as "now" for the checks that need one (a birth date may not be after today). Defaults
    /// to the current time; tests pass a fixed instant.
    var referenceDate: Date { get }

    /// Returns the county code of the school with this code, or `nil` if the replica does not know the school.
    func schoolCounty(code: String) -> String?

    /// Returns the county code of the teacher with this normalised identity-document type and number, or `nil` if
    /// the replica does not know the teacher.
    func teacherCounty(idType: IdentityDocumentType, idNumber: String) -> String?

    // The record imports' lookups (docs/RECORDS.md). Each has a default that knows nothing, so a context written
    // for the first release's imports still compiles; such a context refuses every row that names a known thing.

    /// Whether the replica knows the provider with this code.
    func knowsProvider(code: String) -> Bool

    /// Returns the training year of the project with this code, or `nil` if the replica does not know it.
    func projectYear(code: String) -> Int?

    /// Returns the training year of the catalogue's course with this code, or `nil` if the replica does not know it.
    func courseYear(code: String) -> Int?

    /// Returns the activity with this id in this county, or `nil` if the replica does not know it.
    func activity(county: String, activityID: String) -> ActivitySummary?

    /// Returns every teacher of a county the replica knows, in a stable order (cohort assignment).
    func teachers(county: String) -> [TeacherProfile]

    /// Whether a study record or a homework result with this record id is known in this county.
    func knowsRecord(county: String, recordID: String) -> Bool
}

extension ImportContext {
    /// Hebei's units of GB/T 2260 revision 201904.
    public var catalog: UnitCatalog {
        .hebei201904
    }

    /// The current time.
    public var referenceDate: Date {
        Date()
    }

    /// No provider is known.
    public func knowsProvider(code: String) -> Bool { false }

    /// No project is known.
    public func projectYear(code: String) -> Int? { nil }

    /// No course is known.
    public func courseYear(code: String) -> Int? { nil }

    /// No activity is known.
    public func activity(county: String, activityID: String) -> ActivitySummary? { nil }

    /// No teacher is known.
    public func teachers(county: String) -> [TeacherProfile] { [] }

    /// No record is known.
    public func knowsRecord(county: String, recordID: String) -> Bool { false }
}
