public import Crypto

/// One entry of the key registry: who an origin is and what it may write.
public struct OriginRecord: Sendable, Hashable {
    /// Whether the key may still author sets.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case active
        case revoked
    }

    public let origin: OriginID
    public let publicKey: Curve25519.Signing.PublicKey
    public let role: Role
    /// The county a county origin writes for; `nil` for the hub.
    public let county: String?
    public let status: Status

    public init(publicKey: Curve25519.Signing.PublicKey, role: Role, county: String?, status: Status) {
        self.origin = OriginID(publicKey: publicKey)
        self.publicKey = publicKey
        self.role = role
        self.county = county
        self.status = status
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.origin == rhs.origin && lhs.role == rhs.role && lhs.county == rhs.county && lhs.status == rhs.status
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
