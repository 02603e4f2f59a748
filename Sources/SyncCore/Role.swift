/// What an origin is allowed to be: the province's hub, one county's node, or a training provider's connector.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    /// The provincial hub: writes province-wide tables and keeps the key registry.
    case hub
    /// A county center's node: writes rows of its own county only.
    case county
    /// A training provider's connector, enrolled at the hub for one project: writes study records, homework and
    /// withdrawals of that project's teachers only, in the streams of their counties.
    case provider
}

/// The part of the province a stream writes for.
public enum Scope: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The whole province (the hub's own writes).
    case province
    /// One county, by its six-digit GB/T 2260 code.
    case county(String)

    /// The wire form: `province` or the county code.
    public var wireValue: String {
        switch self {
        case .province: return "province"
        case .county(let code): return code
        }
    }

    /// Parses the wire form; a county code must be six ASCII digits.
    public init?(wireValue: String) {
        if wireValue == "province" {
            self = .province
        } else if wireValue.utf8.count == 6, wireValue.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            self = .county(wireValue)
        } else {
            return nil
        }
    }

    public var description: String { wireValue }

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.wireValue < rhs.wireValue }
}

/// A hash-chained sequence of change sets: one origin writing for one scope.
public struct StreamID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The author.
    public let origin: OriginID
    /// What the author writes for.
    public let scope: Scope

    public init(origin: OriginID, scope: Scope) {
        self.origin = origin
        self.scope = scope
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.origin, lhs.scope.wireValue) < (rhs.origin, rhs.scope.wireValue)
    }

    /// `origin/scope`, e.g. `3f2a…/130102`.
    public var description: String { "\(origin.hex)/\(scope.wireValue)" }
}
