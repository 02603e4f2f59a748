public import Crypto
import Foundation

/// A root key's signed statement that an online node key acts for a county (docs/PROTOCOL.md, "Key
/// lifecycle").
///
/// Each county has an offline root key, kept on paper or a USB stick, which never signs change sets. It
/// signs authorizations: "this node key writes for county C; it replaces that earlier key, whose sets up to
/// sequence N stay valid". The hub records the authorization in the key registry, so every node can check
/// a county's node key back to the county's root, and the rotation point is the county's own signed word,
/// not the hub's.
///
/// The text form is one line, `tsauth1.` followed by the base64 of the canonical statement, a dot, and the
/// base64 of the root's Ed25519 signature over `"teachersync key authorization v1\n"` + statement.
public struct KeyAuthorization: Sendable, Hashable {
    /// The county the node key writes for, or `province` for the hub's online key (authorized by the hub's
    /// own root key).
    public let county: String
    /// The authorized online key.
    public let nodeKey: Curve25519.Signing.PublicKey
    /// The county's root key that signed.
    public let rootKey: Curve25519.Signing.PublicKey
    /// When the root signed, milliseconds since the epoch. Authorizations for a county must be issued in
    /// increasing order: an older one cannot be replayed to bring back a retired key.
    public let issuedAtMillis: Int64
    /// The key this one replaces, if any.
    public let replaces: OriginID?
    /// The last sequence of the replaced key's county stream that stays valid; `nil` lets the hub take
    /// what it holds (a node whose disk died does not know its last delivered set).
    public let replacedThrough: UInt64?
    /// The root's signature.
    public let signature: [UInt8]

    static let domain = Array("teachersync key authorization v1\n".utf8)
    static let prefix = "tsauth1."

    /// Signs a new authorization with the county's root key.
    public static func sign(
        county: String, nodeKey: Curve25519.Signing.PublicKey, root: SigningIdentity, issuedAtMillis: Int64,
        replaces: OriginID? = nil, replacedThrough: UInt64? = nil
    ) throws(SyncError) -> KeyAuthorization {
        let statement = canonical(
            county: county, nodeKey: nodeKey, rootKey: root.publicKey, issuedAtMillis: issuedAtMillis,
            replaces: replaces, replacedThrough: replacedThrough)
        let signature: [UInt8]
        do {
            signature = Array(try root.privateKey.signature(for: domain + statement))
        } catch {
            throw SyncError(.malformed, "the root key could not sign")
        }
        return KeyAuthorization(
            county: county, nodeKey: nodeKey, rootKey: root.publicKey, issuedAtMillis: issuedAtMillis,
            replaces: replaces, replacedThrough: replacedThrough, signature: signature)
    }

    /// Parses the text form and checks the root's signature over it.
    public init(text: String) throws(SyncError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.prefix) else {
            throw SyncError(.badAuthorization, "an authorization starts with \(Self.prefix)")
        }
        let parts = trimmed.dropFirst(Self.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let body = Data(base64Encoded: String(parts[0])),
            let signature = Data(base64Encoded: String(parts[1])), signature.count == 64,
            let statement = String(data: body, encoding: .utf8)
        else { throw SyncError(.badAuthorization, "the authorization is not two base64 parts") }
        var fields = [String: String]()
        for line in statement.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let eq = line.firstIndex(of: "=") else {
                throw SyncError(.badAuthorization, "statement line without '='")
            }
            fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        guard let county = fields["county"], Scope(wireValue: county) != nil else {
            throw SyncError(.badAuthorization, "field county: not a six-digit county code or province")
        }
        guard let nodeKey = fields["node_key"].flatMap(Curve25519.Signing.PublicKey.fromBase64) else {
            throw SyncError(.badAuthorization, "field node_key: not a base64 Ed25519 public key")
        }
        guard let rootKey = fields["root_key"].flatMap(Curve25519.Signing.PublicKey.fromBase64) else {
            throw SyncError(.badAuthorization, "field root_key: not a base64 Ed25519 public key")
        }
        guard let issued = fields["issued_at"].flatMap(Int64.init), issued > 0 else {
            throw SyncError(.badAuthorization, "field issued_at: not a positive millisecond count")
        }
        var replaces: OriginID?
        if let text = fields["replaces"], !text.isEmpty {
            guard let bytes = Hex.decode(text), let origin = OriginID(bytes: bytes) else {
                throw SyncError(.badAuthorization, "field replaces: not an origin id")
            }
            replaces = origin
        }
        var through: UInt64?
        if let text = fields["replaced_through"], !text.isEmpty {
            guard let n = UInt64(text) else {
                throw SyncError(.badAuthorization, "field replaced_through: not a sequence number")
            }
            through = n
        }
        let canonical = Self.canonical(
            county: county, nodeKey: nodeKey, rootKey: rootKey, issuedAtMillis: issued, replaces: replaces,
            replacedThrough: through)
        guard canonical == Array(body) else {
            throw SyncError(.badAuthorization, "the statement is not in canonical form")
        }
        guard rootKey.isValidSignature(signature, for: Self.domain + canonical) else {
            throw SyncError(.badAuthorization, "the root key's signature does not verify")
        }
        self.init(
            county: county, nodeKey: nodeKey, rootKey: rootKey, issuedAtMillis: issued, replaces: replaces,
            replacedThrough: through, signature: Array(signature))
    }

    private init(
        county: String, nodeKey: Curve25519.Signing.PublicKey, rootKey: Curve25519.Signing.PublicKey,
        issuedAtMillis: Int64, replaces: OriginID?, replacedThrough: UInt64?, signature: [UInt8]
    ) {
        self.county = county
        self.nodeKey = nodeKey
        self.rootKey = rootKey
        self.issuedAtMillis = issuedAtMillis
        self.replaces = replaces
        self.replacedThrough = replacedThrough
        self.signature = signature
    }

    /// The origin of the authorized key.
    public var origin: OriginID { OriginID(publicKey: nodeKey) }

    /// The one-line text form.
    public var text: String {
        let statement = Self.canonical(
            county: county, nodeKey: nodeKey, rootKey: rootKey, issuedAtMillis: issuedAtMillis, replaces: replaces,
            replacedThrough: replacedThrough)
        return Self.prefix + Data(statement).base64EncodedString() + "." + Data(signature).base64EncodedString()
    }

    static func canonical(
        county: String, nodeKey: Curve25519.Signing.PublicKey, rootKey: Curve25519.Signing.PublicKey,
        issuedAtMillis: Int64, replaces: OriginID?, replacedThrough: UInt64?
    ) -> [UInt8] {
        let lines = [
            "county=\(county)",
            "node_key=\(nodeKey.rawRepresentation.base64EncodedString())",
            "root_key=\(rootKey.rawRepresentation.base64EncodedString())",
            "issued_at=\(issuedAtMillis)",
            "replaces=\(replaces?.hex ?? "")",
            "replaced_through=\(replacedThrough.map(String.init) ?? "")",
        ]
        return Array(lines.joined(separator: "\n").utf8)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(signature) }
}
