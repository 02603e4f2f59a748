/// An exemption decided by a person (the manual-evidence override), for a certificate the records cannot show.
public struct ManualExemption: Sendable, Hashable {
    /// Why the teacher is exempt, in words the reason quotes; must not be empty, and must not contain personal data
    /// (identity numbers, names), since reasons are logged and shown.
    public let reason: String

    /// Creates an exemption.
    public init(reason: String) {
        self.reason = reason
    }
}
