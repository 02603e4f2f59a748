/// A stable, machine-readable reason a change set or request was refused.
///
/// Reason codes appear on the wire, in the quarantine table, in CLI output and in metrics. They are
/// strings so that adding one never breaks an older reader. The full list is in docs/PROTOCOL.md.
public struct ReasonCode: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The code, e.g. `signature.invalid`.
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }

    /// The bytes do not follow the encoding (truncated, trailing bytes, bad lengths, bad UTF-8, non-canonical).
    public static let malformed: ReasonCode = "format.malformed"
    /// The format version is not one this node can read.
    public static let unsupportedVersion: ReasonCode = "format.unsupported_version"
    /// The set is larger than a receiver accepts.
    public static let tooLarge: ReasonCode = "format.too_large"
    /// An operation names a table or column the schema does not declare, or a value of the wrong type.
    public static let schemaViolation: ReasonCode = "format.schema_violation"
    /// The signature does not verify against the author's registered key.
    public static let badSignature: ReasonCode = "signature.invalid"
    /// The author is not in the key registry.
    public static let unknownOrigin: ReasonCode = "origin.unknown"
    /// The author's key has been revoked.
    public static let revokedOrigin: ReasonCode = "origin.revoked"
    /// The previous-set hash does not match the stream's head.
    public static let brokenChain: ReasonCode = "chain.broken"
    /// Sets before this one in the stream are missing; ask for them again.
    public static let chainGap: ReasonCode = "chain.gap"
    /// Another set with the same stream and sequence number is already held.
    public static let fork: ReasonCode = "chain.fork"
    /// The set's clock readings are too far ahead of the receiver's wall clock.
    public static let hlcFuture: ReasonCode = "hlc.future"
    /// The set's clock readings do not all come after those of the stream's previous set (backdating).
    public static let hlcRegressed: ReasonCode = "hlc.not_monotonic"
    /// The author's role may not write this table.
    public static let tableNotWritable: ReasonCode = "scope.table_not_writable"
    /// A row belongs to a county other than the author's.
    public static let outsideCounty: ReasonCode = "scope.outside_county"
    /// A provider origin wrote a record of a teacher or course outside the project it is enrolled for, or
    /// a record it may not write (docs/PROTOCOL.md, "Ownership").
    public static let outsideProject: ReasonCode = "scope.outside_project"
    /// The stream's scope is not one the author may write.
    public static let streamScope: ReasonCode = "scope.stream"
    /// A request carries no valid signature headers.
    public static let authMissing: ReasonCode = "auth.missing"
    /// A request's timestamp is outside the receiver's skew window.
    public static let authStale: ReasonCode = "auth.stale"
    /// A request's nonce was already used.
    public static let authReplayed: ReasonCode = "auth.replayed"
    /// A request's signature does not verify.
    public static let authBadSignature: ReasonCode = "auth.bad_signature"
    /// The caller may not do this (another county's streams, a hub-only endpoint).
    public static let authForbidden: ReasonCode = "auth.forbidden"
    /// The request speaks a protocol version the hub does not, or an encoding it does not accept.
    public static let protocolUnsupported: ReasonCode = "protocol.unsupported"
    /// The hub is working on as many uploads as it takes at once; try again later (the answer says when).
    public static let limitBusy: ReasonCode = "limit.busy"
    /// An encrypted bundle is for another node.
    public static let wrongRecipient: ReasonCode = "bundle.wrong_recipient"
    /// An encrypted bundle does not decrypt: damaged or altered.
    public static let decryptionFailed: ReasonCode = "bundle.decryption_failed"
    /// The origin made more requests a minute than the hub allows it (`limits.requests_per_minute`).
    public static let limitRate: ReasonCode = "limit.rate"
    /// The origin has as many requests in progress as the hub serves at once for one origin.
    public static let limitConcurrency: ReasonCode = "limit.concurrency"
    /// The network failed (connection refused or reset, timeout, a response that is not the protocol's).
    public static let transportFailure: ReasonCode = "transport.failed"
    /// An applying failure the store could not attribute to the set (disk full, I/O error): retryable.
    public static let storeFailure: ReasonCode = "store.failure"
    /// A set of a retired key (rotated out) after the rotation point its county's root signed.
    public static let rotatedOrigin: ReasonCode = "origin.rotated"
    /// A key authorization does not parse or its root signature does not verify.
    public static let badAuthorization: ReasonCode = "key.bad_authorization"
    /// A key authorization is signed by another root than the one enrolled for its county.
    public static let wrongRoot: ReasonCode = "key.wrong_root"
    /// A key authorization names a county with no enrolled root key (first enrolment is done at the hub).
    public static let unknownRoot: ReasonCode = "key.unknown_root"
    /// A key authorization is not newer than the county's current one (a replayed or reordered rotation).
    public static let staleAuthorization: ReasonCode = "key.stale_authorization"
    /// A key registry older than the one the node holds (a rolled-back or frozen registry).
    public static let registryRollback: ReasonCode = "registry.rollback"
    /// A year's assessment policy older than (or as old as, with other content) the one the node holds.
    public static let policyRollback: ReasonCode = "policy.rollback"
}
