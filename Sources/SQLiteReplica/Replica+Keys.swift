import Crypto
public import Foundation
import GRDB
public import SyncCore
import TrainingDomain

/// The key registry's version and expiry as a node holds them.
public struct RegistryState: Sendable, Hashable, Codable {
    /// Raised with every registry change; a node never accepts a lower one.
    public let version: Int64
    /// When the registry stops being current, milliseconds since the epoch.
    public let expiresAtMillis: Int64
    /// Whether the expiry has passed: this node's trust data is stale until it syncs with the hub.
    public let expired: Bool
}

/// What enrolling an authorized key did at the hub.
public struct KeyEnrolment: Sendable, Hashable {
    /// The enrolled key.
    public let record: OriginRecord
    /// The keys it replaced, each with its rotation point.
    public let retired: [OriginRecord]
    /// Whether this enrolment registered the county's root key.
    public let registeredRoot: Bool
    /// The authorization was enrolled before: nothing changed.
    public let alreadyEnrolled: Bool
    /// Set when the hub already held sets of a replaced key after the point its root signed: they stay
    /// (nothing applied is ever undone), and the operator should look at them.
    public let heldBeyondPoint: [String]
}

extension Replica {
    // MARK: - The directory every received set is checked against

    /// The key registry as this replica knows it: the pinned hub key (or hub root) plus the `origins`,
    /// `key_roots` and `key_terms` tables.
    func keyDirectory(_ db: Database) throws -> ReplicaKeyDirectory {
        var roots = [String: String]()
        for row in try Row.fetchAll(db, sql: "SELECT county, root_key FROM key_roots WHERE _live = 1") {
            roots[row["county"]] = row["root_key"]
        }
        // The hub's root: at a county the one its operator pinned (the trust anchor), at the hub its own.
        let hubRoot =
            identity.role == .hub
            ? roots["province"] : try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'hub_root'")
        var terms = [String: (authorization: String?, validThrough: Int64?, points: String?)]()
        for row in try Row.fetchAll(
            db, sql: "SELECT origin, authorization, valid_through, stream_points FROM key_terms WHERE _live = 1")
        {
            terms[row["origin"]] = (row["authorization"], row["valid_through"], row["stream_points"])
        }
        var records = [OriginID: OriginRecord]()
        var authorizations = [OriginID: (text: String, root: String)]()
        let rows = try Row.fetchAll(
            db, sql: "SELECT origin, public_key, role, county, status FROM origins WHERE _live = 1")
        for row in rows {
            // An entry counts only if its key is the origin's own key: the row key cannot point elsewhere.
            guard let keyText: String = row["public_key"], let key = Curve25519.Signing.PublicKey.fromBase64(keyText),
                let originHex: String = row["origin"], OriginID(publicKey: key).hex == originHex,
                let role = Role(rawValue: row["role"] ?? ""),
                let status = OriginRecord.Status(rawValue: row["status"] ?? "")
            else { continue }
            let county: String? = row["county"]
            let term = terms[originHex]
            let record = OriginRecord(
                publicKey: key, role: role, county: county, status: status,
                validThrough: term?.validThrough.map { UInt64(max(0, $0)) },
                streamPoints: term?.points.flatMap(OriginRecord.streamPoints(text:)))
            let retired = record.validThrough != nil || record.streamPoints != nil
            // Active keys count only with their root's authorization, checked when the key is looked up (one
            // signature per lookup, not per registry row): a county's keys once its root is enrolled, a hub key
            // always (unless it is the pinned one). A retired key counts up to its point as the registry
            // records it, so that history from before a root was enrolled stays valid.
            let root: String? = role == .hub ? hubRoot : county.flatMap { roots[$0] }
            if !retired, role == .hub || root != nil {
                if let root, let text = term?.authorization { authorizations[record.origin] = (text, root) }
                if authorizations[record.origin] == nil {
                    if role == .hub {
                        records[record.origin] = record
                    }  // only as the pinned key, below
                    else {
                        continue
                    }
                }
            }
            records[record.origin] = record
        }
        // This node's own key is known even before the hub's registry that enrols it arrives.
        if records[identity.origin] == nil, identity.role == .county { records[identity.origin] = identity.record }
        var hub: OriginRecord?
        if identity.role == .hub {
            hub = identity.record
        } else if let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'hub_key'"),
            let key = Curve25519.Signing.PublicKey.fromBase64(text)
        {
            hub = OriginRecord(publicKey: key, role: .hub, county: nil, status: .active)
        }
        return ReplicaKeyDirectory(hub: hub, hubRoot: hubRoot, records: records, authorizations: authorizations)
    }

    /// A set in which a new hub key introduces itself: sequence 1 of its province stream, carrying its own
    /// registry entry (role hub) and its authorization by the hub root this node trusts. This is how a county
    /// learns the hub's rotated key from the key itself.
    static func selfAuthorizedHub(_ set: ChangeSet, hubRoot: String?) -> (OriginRecord, String)? {
        guard let hubRoot, set.sequence == 1, set.stream.scope == .province,
            let hub = selfEnrolledHub(set)
        else { return nil }
        for op in set.operations
        where op.table == TrainingTables.keyTerms.name && op.key == [.text(set.stream.origin.hex)] {
            guard let text = op.value(of: "authorization")?.textValue,
                let a = try? KeyAuthorization(text: text), a.county == "province", a.origin == hub.origin,
                a.rootKey.rawRepresentation.base64EncodedString() == hubRoot
            else { continue }
            return (hub, text)
        }
        return nil
    }

    // MARK: - Registry version and expiry

    /// Refuses a registry row older than the one held: a rolled-back or replayed registry.
    static func checkRegistryNotOlder(_ db: Database, _ op: RowOperation, author: OriginID) throws {
        try checkVersionNotOlder(
            db, op, author: author, table: TrainingTables.registry, reason: .registryRollback, what: "the registry")
    }

    /// Refuses an upsert of a versioned row (`registry`, `policies`) that would win the merge with a version
    /// lower than the held one, or with the same version and other content; and any delete of one. An older
    /// version that loses the merge anyway (an earlier set of a retired hub key arriving after its
    /// successor's) changes nothing and is accepted, so every node decides alike whatever the arrival order.
    static func checkVersionNotOlder(
        _ db: Database, _ op: RowOperation, author: OriginID, table: TableSchema, reason: ReasonCode, what: String
    ) throws {
        guard let held = try TableSQL(table).load(db, key: op.key), held.isLive,
            case .integer(let version)? = held.fields["version"]?.value
        else { return }
        guard op.kind != .delete else { throw SyncError(reason, "\(what) cannot be deleted") }
        let stamp = WriteStamp(hlc: op.hlc, origin: author)
        let wins = op.fields.contains { field in held.fields[field.name].map { stamp > $0.stamp } ?? true }
        guard wins else { return }
        // An upsert carries only the fields that changed: no version means the held one.
        var incoming = version
        if case .integer(let v)? = op.value(of: "version") { incoming = v }
        let changesContent = op.fields.contains { $0.name != "version" }
        if incoming < version || (incoming == version && changesContent) {
            throw SyncError(reason, "\(what): version \(incoming) is not newer than the held version \(version)")
        }
    }

    /// The registry's version and expiry, or `nil` when this node has received none yet.
    public func registryState() throws(ReplicaError) -> RegistryState? {
        let now = configuration.wallClock.nowMillis()
        return try runRead { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT version, expires_at FROM registry WHERE _live = 1")
            else { return nil }
            let expires: Int64 = row["expires_at"]
            return RegistryState(version: row["version"], expiresAtMillis: expires, expired: now >= expires)
        }
    }

    /// The hub's write of a new registry version, valid for ``ReplicaConfiguration/registryValidityMillis``.
    func nextRegistryVersion(_ db: Database) throws -> LocalWrite {
        let held = try Int64.fetchOne(db, sql: "SELECT version FROM registry WHERE _live = 1") ?? 0
        let expires = configuration.wallClock.nowMillis() + configuration.registryValidityMillis
        return LocalWrite(
            kind: .upsert, table: TrainingTables.registry.name, key: [.text("registry")],
            fields: [.init("version", .integer(held + 1)), .init("expires_at", .integer(expires))])
    }

    /// At the hub: re-issues the registry with a fresh expiry when less than half its validity is left, and
    /// seals it. Returns whether it did.
    @discardableResult
    public func refreshRegistryIfDue() throws(ReplicaError) -> Bool {
        guard identity.role == .hub else { return false }
        let now = configuration.wallClock.nowMillis()
        let due = try run { db -> Bool in
            let expires = try Int64.fetchOne(db, sql: "SELECT expires_at FROM registry WHERE _live = 1") ?? 0
            guard expires - now < configuration.registryValidityMillis / 2 else { return false }
            _ = try applyLocalWrites(db, [try nextRegistryVersion(db)])
            return true
        }
        if due { try seal() }
        return due
    }

    // MARK: - Enrolment, rotation and revocation at the hub

    /// At the hub: enrols the node key an authorization names, retiring the county's current key(s) at
    /// their rotation point, in one transaction, then seals the registry change.
    ///
    /// - Parameter registerRoot: allow this authorization's root to become the county's root when the county
    ///   has none yet (a first enrolment, done by the hub operator, never over the network).
    public func enrol(_ authorization: KeyAuthorization, registerRoot: Bool) throws(ReplicaError) -> KeyEnrolment {
        guard identity.role == .hub else { throw .wrongRole("keys are enrolled at the hub") }
        if authorization.county == "province" { return try enrolHubKey(authorization, registerRoot: registerRoot) }
        guard UnitCatalog.hebei201904.isCounty(authorization.county) else {
            throw .scope(SyncError(.badAuthorization, "\(authorization.county) is not a Hebei county-level code"))
        }
        let rootText = authorization.rootKey.rawRepresentation.base64EncodedString()
        let now = configuration.wallClock.nowMillis()
        let newOrigin = authorization.origin
        guard newOrigin != identity.origin else {
            throw .scope(SyncError(.badAuthorization, "that is the hub's own key"))
        }
        let outcome = try run { db -> KeyEnrolment in
            let root = try String.fetchOne(
                db, sql: "SELECT root_key FROM key_roots WHERE county = ? AND _live = 1",
                arguments: [authorization.county])
            if let root, root != rootText {
                throw ReplicaError.scope(
                    SyncError(.wrongRoot, "county \(authorization.county) has another root key enrolled"))
            }
            if root == nil, !registerRoot {
                throw ReplicaError.scope(
                    SyncError(
                        .unknownRoot,
                        "county \(authorization.county) has no root key enrolled; the hub operator enrols it first"))
            }
            let held = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.origin, o.public_key, o.status, t.authorization FROM origins o
                    LEFT JOIN key_terms t ON t.origin = o.origin AND t._live = 1
                    WHERE o._live = 1 AND o.role = 'county' AND o.county = ?
                    """, arguments: [authorization.county])
            var newest: Int64 = 0
            for row in held {
                guard let text: String = row["authorization"], let a = try? KeyAuthorization(text: text) else {
                    continue
                }
                if a == authorization {
                    return KeyEnrolment(
                        record: OriginRecord(
                            publicKey: authorization.nodeKey, role: .county, county: authorization.county,
                            status: .active),
                        retired: [], registeredRoot: false, alreadyEnrolled: true, heldBeyondPoint: [])
                }
                newest = max(newest, a.issuedAtMillis)
            }
            guard authorization.issuedAtMillis > newest else {
                throw ReplicaError.scope(
                    SyncError(.staleAuthorization, "the county already has a key authorized at or after this one"))
            }
            if held.contains(where: { ($0["origin"] as String?) == newOrigin.hex }) {
                throw ReplicaError.scope(
                    SyncError(
                        .staleAuthorization, "origin \(newOrigin) was enrolled before; a retired key stays retired"))
            }
            var writes = [LocalWrite]()
            var retired = [OriginRecord]()
            var beyond = [String]()
            for row in held where (row["status"] as String?) == OriginRecord.Status.active.rawValue {
                guard let keyText: String = row["public_key"],
                    let key = Curve25519.Signing.PublicKey.fromBase64(keyText)
                else { continue }
                let old = OriginID(publicKey: key)
                let hubHead = try Self.head(db, StreamID(origin: old, scope: .county(authorization.county))).sequence
                var point = hubHead
                if authorization.replaces == old, let signed = authorization.replacedThrough {
                    // The county's root names the point; sets up to it still arriving later are accepted.
                    point = max(signed, hubHead)
                    if hubHead > signed {
                        beyond.append("\(old): the hub holds set \(hubHead), the root signed \(signed)")
                    }
                }
                let record = OriginRecord(
                    publicKey: key, role: .county, county: authorization.county, status: .rotated, validThrough: point)
                retired.append(record)
                writes.append(.registryEntry(record))
                writes.append(
                    Self.keyTerms(
                        old, authorization: row["authorization"], validThrough: point, endedAt: now,
                        reason: "rotated", successor: newOrigin))
            }
            let record = OriginRecord(
                publicKey: authorization.nodeKey, role: .county, county: authorization.county, status: .active)
            writes.append(.registryEntry(record))
            writes.append(
                Self.keyTerms(
                    newOrigin, authorization: authorization.text, validThrough: nil, endedAt: nil, reason: nil,
                    successor: nil))
            if root == nil {
                writes.append(
                    LocalWrite(
                        kind: .upsert, table: TrainingTables.keyRoots.name, key: [.text(authorization.county)],
                        fields: [.init("root_key", .text(rootText))]))
            }
            writes.append(try nextRegistryVersion(db))
            _ = try applyLocalWrites(db, writes)
            return KeyEnrolment(
                record: record, retired: retired, registeredRoot: root == nil, alreadyEnrolled: false,
                heldBeyondPoint: beyond)
        }
        if !outcome.alreadyEnrolled { try seal() }
        return outcome
    }

    /// At the hub: revokes a county key with a reason, effective now. The sets of it the hub holds stay
    /// valid everywhere; any later set is refused with `origin.revoked`.
    public func revoke(_ origin: OriginID, reason: String) throws(ReplicaError) -> OriginRecord {
        guard identity.role == .hub else { throw .wrongRole("keys are revoked at the hub") }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200, !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 })
        else {
            throw .scope(SyncError(.schemaViolation, "a revocation reason is one line of 1 to 200 characters"))
        }
        let now = configuration.wallClock.nowMillis()
        let record = try run { db -> OriginRecord in
            guard let current = try keyDirectory(db).records[origin], current.role == .county,
                let county = current.county
            else {
                throw ReplicaError.scope(SyncError(.unknownOrigin, "origin \(origin) is not an enrolled county key"))
            }
            guard current.status != .revoked else { return current }
            let hubHead = try Self.head(db, StreamID(origin: origin, scope: .county(county))).sequence
            let point = current.validThrough.map { min($0, hubHead) } ?? hubHead
            let record = OriginRecord(
                publicKey: current.publicKey, role: .county, county: county, status: .revoked, validThrough: point)
            let authorization = try String.fetchOne(
                db, sql: "SELECT authorization FROM key_terms WHERE origin = ? AND _live = 1", arguments: [origin.hex])
            _ = try applyLocalWrites(
                db,
                [
                    .registryEntry(record),
                    Self.keyTerms(
                        origin, authorization: authorization, validThrough: point, endedAt: now,
                        reason: "revoked: \(trimmed)", successor: nil),
                    try nextRegistryVersion(db),
                ])
            return record
        }
        try seal()
        return record
    }

    static func keyTerms(
        _ origin: OriginID, authorization: String?, validThrough: UInt64?, endedAt: Int64?, reason: String?,
        successor: OriginID?, streamPoints: [Scope: UInt64]? = nil
    ) -> LocalWrite {
        LocalWrite(
            kind: .upsert, table: TrainingTables.keyTerms.name, key: [.text(origin.hex)],
            fields: [
                .init("authorization", authorization.map { .text($0) } ?? .null),
                .init("valid_through", validThrough.map { .integer(Int64($0)) } ?? .null),
                .init("ended_at", endedAt.map { .integer($0) } ?? .null),
                .init("end_reason", reason.map { .text($0) } ?? .null),
                .init("successor", successor.map { .text($0.hex) } ?? .null),
                .init("stream_points", streamPoints.map { .text(OriginRecord.streamPointsText($0)) } ?? .null),
            ])
    }

    // MARK: - The hub's own key under the hub root

    /// At the hub: records the hub root's authorization of this hub's own key (and, the first time, the hub
    /// root itself), so that counties that pin the hub root trust this key and, after a rotation, its
    /// successor.
    func enrolHubKey(_ authorization: KeyAuthorization, registerRoot: Bool) throws(ReplicaError) -> KeyEnrolment {
        guard authorization.origin == identity.origin else {
            throw .scope(SyncError(.badAuthorization, "a province authorization must name this hub's own key"))
        }
        let rootText = authorization.rootKey.rawRepresentation.base64EncodedString()
        let outcome = try run { db -> KeyEnrolment in
            let root = try String.fetchOne(
                db, sql: "SELECT root_key FROM key_roots WHERE county = 'province' AND _live = 1")
            if let root, root != rootText {
                throw ReplicaError.scope(SyncError(.wrongRoot, "the hub has another root key enrolled"))
            }
            if root == nil, !registerRoot {
                throw ReplicaError.scope(SyncError(.unknownRoot, "the hub has no root key enrolled; give --root-key"))
            }
            let held = try String.fetchOne(
                db, sql: "SELECT authorization FROM key_terms WHERE origin = ? AND _live = 1",
                arguments: [identity.origin.hex])
            if held == authorization.text {
                return KeyEnrolment(
                    record: identity.record, retired: [], registeredRoot: false, alreadyEnrolled: true,
                    heldBeyondPoint: [])
            }
            var writes = [
                Self.keyTerms(
                    identity.origin, authorization: authorization.text, validThrough: nil, endedAt: nil, reason: nil,
                    successor: nil)
            ]
            if root == nil {
                writes.append(
                    LocalWrite(
                        kind: .upsert, table: TrainingTables.keyRoots.name, key: [.text("province")],
                        fields: [.init("root_key", .text(rootText))]))
            }
            writes.append(try nextRegistryVersion(db))
            _ = try applyLocalWrites(db, writes)
            return KeyEnrolment(
                record: identity.record, retired: [], registeredRoot: root == nil, alreadyEnrolled: false,
                heldBeyondPoint: [])
        }
        if !outcome.alreadyEnrolled { try seal() }
        return outcome
    }

    /// At the hub (stopped): replaces the hub's online key with a new one the hub root authorizes. The old
    /// key's streams end at their current heads; the new key announces itself, with its authorization, in
    /// the first set of its own province stream, which counties that pin the hub root accept. Files are
    /// handled as in ``rotateNodeKey(at:keyFile:root:configuration:)``; an interruption is finished by the
    /// next `hub run` (``completeHubRotation()``).
    public static func rotateHubKey(
        at directory: URL, keyFile: String?, root: SigningIdentity, configuration: ReplicaConfiguration = .init()
    ) throws(ReplicaError) -> KeyAuthorization {
        let replica = try open(at: directory, keyFile: keyFile, configuration: configuration)
        guard replica.identity.role == .hub else { throw .wrongRole("this is not a hub's data folder") }
        let rootText = root.publicKeyBase64
        guard
            try replica.runRead({ db in
                try String.fetchOne(db, sql: "SELECT root_key FROM key_roots WHERE county = 'province' AND _live = 1")
            }) == rootText
        else {
            throw .scope(
                SyncError(
                    .wrongRoot,
                    "that is not the hub's enrolled root key (enrol it first: enroll --authorization --root-key)"))
        }
        try replica.seal()
        let path = keyFile ?? directory.appendingPathComponent(keyName).path
        let next = try KeyFile.next(besides: path)
        let old = replica.identity.origin
        let authorization = try replica.run { db -> KeyAuthorization in
            var points = [Scope: UInt64]()
            for row in try Row.fetchAll(
                db, sql: "SELECT scope, sequence FROM stream_heads WHERE origin = ?", arguments: [Data(old.bytes)])
            {
                if let scope = Scope(wireValue: row["scope"]) { points[scope] = UInt64(row["sequence"] as Int64) }
            }
            let authorization: KeyAuthorization
            do {
                authorization = try KeyAuthorization.sign(
                    county: "province", nodeKey: next.publicKey, root: root,
                    issuedAtMillis: configuration.wallClock.nowMillis(), replaces: old)
            } catch let error as SyncError {
                throw ReplicaError.badKeyFile("the root key could not sign: \(error.detail)")
            }
            for (key, value) in [
                "origin": next.origin.hex, "public_key": next.publicKeyBase64,
                "pending_hub_rotation": authorization.text,
                "hub_rotation_points": OriginRecord.streamPointsText(points),
                "retired_origin": old.hex,
            ] {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
            return authorization
        }
        try KeyFile.finishRotation(at: path, expectedOrigin: next.origin)
        try open(at: directory, keyFile: keyFile, configuration: configuration).completeHubRotation()
        return authorization
    }

    /// At the hub: writes the registry change of a hub key rotation recorded by ``rotateHubKey``, in the new
    /// key's first province set. Does nothing when no rotation is pending.
    public func completeHubRotation() throws(ReplicaError) {
        guard identity.role == .hub else { return }
        let meta = try readMeta()
        guard let text = meta["pending_hub_rotation"], !text.isEmpty else { return }
        let authorization: KeyAuthorization
        do {
            authorization = try KeyAuthorization(text: text)
        } catch {
            throw .corruptStore("the pending hub key authorization does not verify: \(error.reason)")
        }
        guard authorization.origin == identity.origin, let old = authorization.replaces else {
            throw .corruptStore("the pending hub key rotation names another key")
        }
        let points = OriginRecord.streamPoints(text: meta["hub_rotation_points"] ?? "") ?? [:]
        let now = configuration.wallClock.nowMillis()
        try run { db in
            guard
                let oldKeyText = try String.fetchOne(
                    db, sql: "SELECT public_key FROM origins WHERE origin = ? AND _live = 1", arguments: [old.hex]),
                let oldKey = Curve25519.Signing.PublicKey.fromBase64(oldKeyText)
            else { throw ReplicaError.corruptStore("the retired hub key is not in the registry") }
            let oldAuthorization = try String.fetchOne(
                db, sql: "SELECT authorization FROM key_terms WHERE origin = ? AND _live = 1", arguments: [old.hex])
            _ = try applyLocalWrites(
                db,
                [
                    .registryEntry(identity.record),
                    Self.keyTerms(
                        identity.origin, authorization: authorization.text, validThrough: nil, endedAt: nil,
                        reason: nil, successor: nil),
                    .registryEntry(OriginRecord(publicKey: oldKey, role: .hub, county: nil, status: .rotated)),
                    Self.keyTerms(
                        old, authorization: oldAuthorization, validThrough: nil, endedAt: now, reason: "rotated",
                        successor: identity.origin, streamPoints: points),
                    try nextRegistryVersion(db),
                ])
            try db.execute(
                sql: "DELETE FROM meta WHERE key IN ('pending_hub_rotation', 'hub_rotation_points')")
        }
        try seal()
    }

    /// At a county: pins the hub's root key (base64), which authorizes the hub's online key and its successors.
    public func pinHubRoot(_ base64: String) throws(ReplicaError) {
        guard let key = Curve25519PublicKeyParser.parse(base64) else {
            throw .badKeyFile("the hub root key is not a base64 Ed25519 public key (32 bytes)")
        }
        try writeMeta(["hub_root": key.base64])
    }

    // MARK: - Rotation at a county

    /// An authorization this county has made for its new key and not yet seen enrolled by the hub.
    public func pendingAuthorization() throws(ReplicaError) -> KeyAuthorization? {
        guard let text = try readMeta()["pending_authorization"], !text.isEmpty else { return nil }
        do {
            return try KeyAuthorization(text: text)
        } catch {
            throw .corruptStore("the pending key authorization does not verify: \(error.reason)")
        }
    }

    /// Forgets the pending authorization once the hub has enrolled it.
    public func clearPendingAuthorization(_ authorization: KeyAuthorization) throws(ReplicaError) {
        try run { db in
            try db.execute(
                sql: "DELETE FROM meta WHERE key = 'pending_authorization' AND value = ?",
                arguments: [authorization.text])
        }
    }

    /// Records an authorization of this node's own key to hand to the hub at the next sync.
    public func setPendingAuthorization(_ authorization: KeyAuthorization) throws(ReplicaError) {
        guard authorization.origin == identity.origin else {
            throw .badKeyFile("the authorization is for another key than this node's")
        }
        try writeMeta(["pending_authorization": authorization.text])
    }

    /// At a county: retires this node's key at its stream's current head and switches the replica to a new
    /// key, authorized by the county's root; returns the authorization to hand to the hub (the next sync
    /// does so by itself).
    ///
    /// The new key is first written beside the key file as `FILE.next`, then the replica records the switch
    /// in one transaction, then the files are renamed (the old key is kept as `FILE.retired-<origin>`). A
    /// crash at any point is finished by the next ``open(at:keyFile:configuration:)``. The daemon must be
    /// stopped: a daemon still holding the old key refuses to seal with it.
    public static func rotateNodeKey(
        at directory: URL, keyFile: String?, root: SigningIdentity, configuration: ReplicaConfiguration = .init()
    ) throws(ReplicaError) -> KeyAuthorization {
        let replica = try open(at: directory, keyFile: keyFile, configuration: configuration)
        guard replica.identity.role == .county, let county = replica.identity.county else {
            throw .wrongRole("a county node rotates its key with its root; the hub's key is not rotated this way")
        }
        let path = keyFile ?? directory.appendingPathComponent(keyName).path
        let next = try KeyFile.next(besides: path)
        let old = replica.identity.origin
        let authorization = try replica.run { db -> KeyAuthorization in
            let through = try Self.head(db, StreamID(origin: old, scope: .county(county))).sequence
            let authorization: KeyAuthorization
            do {
                authorization = try KeyAuthorization.sign(
                    county: county, nodeKey: next.publicKey, root: root,
                    issuedAtMillis: configuration.wallClock.nowMillis(), replaces: old, replacedThrough: through)
            } catch let error as SyncError {
                throw ReplicaError.badKeyFile("the root key could not sign: \(error.detail)")
            }
            for (key, value) in [
                "origin": next.origin.hex, "public_key": next.publicKeyBase64,
                "pending_authorization": authorization.text, "retired_origin": old.hex,
            ] {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
            return authorization
        }
        try KeyFile.finishRotation(at: path, expectedOrigin: next.origin)
        return authorization
    }
}

/// The registry a replica checks authors against. Only the pinned hub key, or a hub key authorized by the
/// pinned hub root, may act as the hub: a registry row claiming role `hub` for another key is not trusted.
struct ReplicaKeyDirectory: KeyDirectory {
    var hub: OriginRecord?
    /// The hub's root key (base64) this node trusts, if any.
    var hubRoot: String?
    var records: [OriginID: OriginRecord]
    /// Keys that count only with their root's authorization: the authorization and the root.
    var authorizations: [OriginID: (text: String, root: String)] = [:]

    func record(for origin: OriginID) -> OriginRecord? {
        if let hub, hub.origin == origin {
            // The registry may retire even the pinned hub key (rotated or revoked); otherwise it stands.
            if let r = records[origin], r.status != .active { return r }
            return hub
        }
        guard let r = records[origin] else { return nil }
        if let (text, root) = authorizations[origin] {
            guard let a = try? KeyAuthorization(text: text), a.origin == r.origin,
                a.county == (r.role == .hub ? "province" : r.county),
                a.rootKey.rawRepresentation.base64EncodedString() == root
            else { return nil }
            return r
        }
        // An active hub key without an authorization counts only as the pinned key (above).
        if r.role == .hub, r.status == .active { return nil }
        return r
    }

    /// Every hub key this node trusts, the active one first (receipts may be signed by any of them).
    var hubKeys: [OriginRecord] {
        var out = [OriginRecord]()
        for r in records.values.sorted(by: { $0.origin.hex < $1.origin.hex }) where r.role == .hub {
            if let trusted = record(for: r.origin) { out.append(trusted) }
        }
        if let hub, !out.contains(where: { $0.origin == hub.origin }), let trusted = record(for: hub.origin) {
            out.append(trusted)
        }
        return out.filter { $0.status == .active } + out.filter { $0.status != .active }
    }
}

/// One key of the registry as a node holds it, for `teachersync keys list`.
public struct RegistryEntry: Sendable, Hashable, Codable {
    public let origin: String
    public let role: String
    public let county: String?
    public let status: String
    /// Whether the key counts here: its authorization checks out against its county's root (or its county
    /// has no root enrolled).
    public let trusted: Bool
    public let validThrough: UInt64?
    public let endedAtMillis: Int64?
    public let endReason: String?
    public let successor: String?
    public let authorizedAtMillis: Int64?
}

extension Replica {
    /// Every key of the registry, ordered by county and origin.
    public func registryEntries() throws(ReplicaError) -> [RegistryEntry] {
        try runRead { db in
            let directory = try keyDirectory(db)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.origin, o.role, o.county, o.status, t.authorization, t.valid_through, t.ended_at,
                        t.end_reason, t.successor
                    FROM origins o LEFT JOIN key_terms t ON t.origin = o.origin AND t._live = 1
                    WHERE o._live = 1 ORDER BY o.county, o.origin
                    """)
            return rows.map { row in
                let hex: String = row["origin"]
                let origin = Hex.decode(hex).flatMap(OriginID.init(bytes:))
                let authorization = (row["authorization"] as String?).flatMap { try? KeyAuthorization(text: $0) }
                let through: Int64? = row["valid_through"]
                return RegistryEntry(
                    origin: hex, role: row["role"], county: row["county"], status: row["status"],
                    trusted: origin.flatMap { directory.record(for: $0) } != nil,
                    validThrough: through.map { UInt64(max(0, $0)) }, endedAtMillis: row["ended_at"],
                    endReason: row["end_reason"], successor: row["successor"],
                    authorizedAtMillis: authorization?.issuedAtMillis)
            }
        }
    }
}

extension Replica {
    /// Whether a county has a root key enrolled (its node keys then need the root's authorization).
    public func countyHasRoot(_ county: String) throws(ReplicaError) -> Bool {
        try runRead { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM key_roots WHERE county = ? AND _live = 1", arguments: [county]) == true
        }
    }
}
