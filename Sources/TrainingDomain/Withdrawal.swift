/// A withdrawal: a study record or homework result (by its record id) that no longer counts, and why. A fact itself.
public struct Withdrawal: Sendable, Hashable {
    /// The county of the withdrawn record.
    public let countyCode: String
    /// The withdrawn record's id.
    public let recordID: String
    /// Why, in words.
    public let reason: String
    /// When it was withdrawn.
    public let withdrawnAt: OffsetTimestamp

    /// Creates a withdrawal.
    public init(countyCode: String, recordID: String, reason: String, withdrawnAt: OffsetTimestamp) {
        self.countyCode = countyCode
        self.recordID = recordID
        self.reason = reason
        self.withdrawnAt = withdrawnAt
    }
}
