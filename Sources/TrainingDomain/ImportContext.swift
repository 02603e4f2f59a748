public import Foundation

/// What an import needs to know beyond the file itself: whose data this node may write, and the schools and teachers
/// already in the replica.
///
/// The lookups are called once per row; an implementation backed by a database should answer them from memory
/// (load the county's schools and teachers once per import) to keep large files fast.
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
}
