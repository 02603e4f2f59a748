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
    /// For a retired hub key, which writes many streams: the last valid sequence of each (a stream not named
    /// has none). Takes the place of ``validThrough``.
    public let streamPoints: [Scope: UInt64]?

    public init(
        publicKey: Curve25519.Signing.PublicKey, role: Role, county: String?, status: Status,
        validThrough: UInt64? = nil, streamPoints: [Scope: UInt64]? = nil
    ) {
        self.origin = OriginID(publicKey: publicKey)
        self.publicKey = publicKey
        self.role = role
        self.county = county
        self.status = status
        self.validThrough = status == .active ? nil : validThrough
        self.streamPoints = status == .active ? nil : streamPoints
    }

    /// The text form of stream points, as the registry stores them: `scope=sequence` pairs, comma-separated,
    /// in scope order.
    public static func streamPointsText(_ points: [Scope: UInt64]) -> String {
        points.sorted { $0.key < $1.key }.map { "\($0.key.wireValue)=\($0.value)" }.joined(separator: ",")
    }

    /// Parses ``streamPointsText(_:)``; `nil` when malformed.
    public static func streamPoints(text: String) -> [Scope: UInt64]? {
        var out = [Scope: UInt64]()
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let scope = Scope(wireValue: String(parts[0])), let n = UInt64(parts[1]) else {
                return nil
            }
            out[scope] = n
        }
        return out
    }

    /// Refuses a set of this key beyond its rotation or revocation point.
    public func checkStillValid(_ scope: Scope? = nil, sequence: UInt64) throws(SyncError) {
        switch status {
        case .active: return
        case .rotated, .revoked:
            let reason: ReasonCode = status == .rotated ? .rotatedOrigin : .revokedOrigin
            let point = streamPoints.map { points in scope.flatMap { points[$0] } ?? 0 } ?? validThrough
            guard let last = point else { throw SyncError(reason, "origin \(origin) has been \(status)") }
            guard sequence <= last else {
                throw SyncError(reason, "origin \(origin) has been \(status) after its set \(last)")
            }
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.origin == rhs.origin && lhs.role == rhs.role && lhs.county == rhs.county && lhs.status == rhs.status
            && lhs.validThrough == rhs.validThrough && lhs.streamPoints == rhs.streamPoints
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
