public import Foundation

/// One study record as the engine sees it: minutes of study in a category, when they were recorded, by whom, and
/// whether a later record withdrew it.
public struct StudyCredit: Sendable, Hashable {
    /// The record's identifier; a record given twice counts once.
    public let recordID: String
    /// The code of the ``HourCategory`` the study counts in (from the course catalogue).
    public let category: String
    /// The minutes of study, 1 to 1,440; a record with other minutes does not count.
    public let minutes: Int
    /// When the study was recorded; it counts only inside the policy's window (or an open make-up window).
    public let recordedAt: Date
    /// Who produced the record; a category may accept only some sources.
    public let source: CreditSource
    /// Whether a later record withdrew this one; a withdrawn record does not count.
    public let withdrawn: Bool

    /// Creates a credit.
    public init(
        recordID: String, category: String, minutes: Int, recordedAt: Date, source: CreditSource,
        withdrawn: Bool = false
    ) {
        self.recordID = recordID
        self.category = category
        self.minutes = minutes
        self.recordedAt = recordedAt
        self.source = source
        self.withdrawn = withdrawn
    }

    /// A total order on every attribute, so that which copy of a repeated record is kept never depends on the order
    /// the records were given in.
    static func precedes(_ lhs: StudyCredit, _ rhs: StudyCredit) -> Bool {
        if lhs.recordID != rhs.recordID { return lhs.recordID < rhs.recordID }
        if lhs.withdrawn != rhs.withdrawn { return lhs.withdrawn }
        if lhs.recordedAt != rhs.recordedAt { return lhs.recordedAt < rhs.recordedAt }
        if lhs.category != rhs.category { return lhs.category < rhs.category }
        if lhs.minutes != rhs.minutes { return lhs.minutes < rhs.minutes }
        return lhs.source.rawValue < rhs.source.rawValue
    }
}
