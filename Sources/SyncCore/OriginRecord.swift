public import Crypto

/// One entry of the key registry: who an origin is and what it may write.
public struct OriginRecord: Sendable, Hashable {
    /// Whether the key may still author sets.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case active
        /// Replaced by a newer key its county's root authorized; valid up to its rotation point.
        case rotated
        /// Revoked by the hub; valid up to the point the hub held at the revocation.
        case revoked
    }

    public let origin: OriginID
    public let publicKey: Curve25519.Signing.PublicKey
    public let role: Role
    /// The county a county origin writes for; `nil` for the hub.
    public let county: String?
    public let status: Status
    /// For a retired key (rotated or revoked): the last sequence of its county stream that stays valid.
    /// Sets after it are refused; sets up to it are accepted everywhere, also by a node that receives them
    /// late, so every replica decides alike. `nil` with status `revoked` refuses every new set.
    public let validThrough: UInt64?

    public init(
        publicKey: Curve25519.Signing.PublicKey, role: Role, county: String?, status: Status,
        validThrough: UInt64? = nil
    ) {
        self.origin = OriginID(publicKey: publicKey)
        self.publicKey = publicKey
        self.role = role
        self.county = county
        self.status = status
        self.validThrough = status == .active ? nil : validThrough
    }

    /// Refuses a set of this key beyond its rotation or revocation point.
    public func checkStillValid(sequence: UInt64) throws(SyncError) {
        switch status {
        case .active: return
        case .rotated, .revoked:
            let reason: ReasonCode = status == .rotated ? .rotatedOrigin : .revokedOrigin
            guard let last = validThrough else { throw SyncError(reason, "origin \(origin) has been \(status)") }
            guard sequence <= last else {
                throw SyncError(reason, "origin \(origin) has been \(status) after its set \(last)")
            }
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.origin == rhs.origin && lhs.role == rhs.role && lhs.county == rhs.county && lhs.status == rhs.status
            && lhs.validThrough == rhs.validThrough
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(origin) }
}

/// Looks up the registry entry of an author.
public protocol KeyDirectory: Sendable {
    /// The entry for `origin`, or `nil` when the origin is not enrolled.
    func record(for origin: OriginID) -> OriginRecord?
}

/// A key directory held in memory.
public struct InMemoryKeyDirectory: KeyDirectory {
    public var records: [OriginID: OriginRecord]
    public init(_ records: [OriginRecord] = []) {
        self.records = Dictionary(records.map { ($0.origin, $0) }, uniquingKeysWith: { $1 })
    }
    public func record(for origin: OriginID) -> OriginRecord? { records[origin] }
}
