/// An error of the sync protocol: a reason code, a classification, and safe-to-log context.
///
/// Messages never contain personal data (identity numbers, names), keys or payloads.
public struct SyncError: Error, Sendable, Hashable, CustomStringConvertible {
    /// How a caller should treat the error.
    public enum Classification: Sendable, Hashable {
        /// The input is corrupt or forged: never retry it unchanged.
        case corrupt
        /// The input is well formed but not allowed: refused by policy.
        case refused
        /// A transient condition (a gap, an unknown key not yet enrolled, I/O): try again later.
        case retryable
    }

    /// The stable reason code.
    public let reason: ReasonCode
    /// A short explanation, safe to log.
    public let detail: String

    public init(_ reason: ReasonCode, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// The classification implied by the reason code.
    public var classification: Classification {
        switch reason {
        case .chainGap, .unknownOrigin, .storeFailure, .hlcFuture, .authStale, .transportFailure, .limitRate,
            .limitConcurrency, .limitBusy:
            return .retryable
        case .tableNotWritable, .outsideCounty, .outsideProject, .streamScope, .revokedOrigin, .fork,
            .unsupportedVersion, .tooLarge,
            .authForbidden, .authReplayed, .authBadSignature, .authMissing, .protocolUnsupported, .wrongRecipient,
            .rotatedOrigin, .wrongRoot, .unknownRoot, .staleAuthorization, .registryRollback, .policyRollback:
            return .refused
        default: return .corrupt
        }
    }

    public var description: String { "\(reason): \(detail)" }
}
