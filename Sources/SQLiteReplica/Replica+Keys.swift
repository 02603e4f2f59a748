import Crypto
public import Foundation
import GRDB
public import SyncCore
import Synchronization
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
}

extension Replica {
    // MARK: - The directory every received set is checked against

    /// The key registry as this replica knows it: the pinned hub key (or hub root) plus the `origins`,
    /// `key_roots` and `key_terms` tables, with the rules of PROTOCOL.md section 22.3:
    ///
    /// - under a root (a county's, or the hub's for hub keys), the only **active** key that counts is the one
    ///   with the newest authorization by that root; an older one cannot be brought back;
    /// - a **retired** key under a root counts only if its own authorization, or a successor's `replaces`,
    ///   was signed by that root, and only up to the lower of its recorded point and the point the
    ///   successor's root signed;
    /// - keys of a county without a root count as the registry lists them (enrolments made before roots).
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
        var rows = [OriginRecord]()
        for row in try Row.fetchAll(
            db, sql: "SELECT origin, public_key, role, county, status FROM origins WHERE _live = 1")
        {
            // An entry counts only if its key is the origin's own key: the row key cannot point elsewhere.
            guard let keyText: String = row["public_key"], let key = Curve25519.Signing.PublicKey.fromBase64(keyText),
                let originHex: String = row["origin"], OriginID(publicKey: key).hex == originHex,
                let role = Role(rawValue: row["role"] ?? ""),
                let status = OriginRecord.Status(rawValue: row["status"] ?? "")
            else { continue }
            let term = terms[originHex]
            rows.append(
                OriginRecord(
                    publicKey: key, role: role, county: row["county"], status: status,
                    validThrough: term?.validThrough.map { UInt64(max(0, $0)) },
                    streamPoints: term?.points.flatMap(OriginRecord.streamPoints(text:))))
        }
        // Per root scope (a county code, or `province` for hub keys): the verified authorizations by its root.
        func rootOf(_ r: OriginRecord) -> (scope: String, root: String)? {
            switch r.role {
            case .hub: return hubRoot.map { ("province", $0) }
            case .county: return r.county.flatMap { c in roots[c].map { (c, $0) } }
            case .provider: return nil
            }
        }
        var verified = [String: [KeyAuthorization]]()
        for r in rows {
            guard let (scope, root) = rootOf(r), let text = terms[r.origin.hex]?.authorization,
                let a = Self.verifiedAuthorization(text), a.origin == r.origin, a.county == scope,
                a.rootKey.rawRepresentation.base64EncodedString() == root
            else { continue }
            verified[scope, default: []].append(a)
        }
        var records = [OriginID: OriginRecord]()
        for r in rows {
            guard let (scope, _) = rootOf(r) else {
                // No root: a county's or provider's keys as the registry lists them; a hub key only as the pinned
                // one (below).
                if r.role != .hub || r.status != .active { records[r.origin] = r }
                continue
            }
            let chain = verified[scope] ?? []
            if r.status == .active {
                let newest = chain.max { ($0.issuedAtMillis, $0.origin.hex) < ($1.issuedAtMillis, $1.origin.hex) }
                if newest?.origin == r.origin { records[r.origin] = r }
                continue
            }
            let own = chain.contains { $0.origin == r.origin }
            let successors = chain.filter { $0.replaces == r.origin }
            guard own || !successors.isEmpty else { continue }
            // The point a successor's root signed bounds the recorded one.
            let signed = successors.compactMap(\.replacedThrough).min()
            let point = [r.validThrough, signed].compactMap { $0 }.min()
            records[r.origin] = OriginRecord(
                publicKey: r.publicKey, role: r.role, county: r.county, status: r.status, validThrough: point,
                streamPoints: r.streamPoints)
        }
        // This node's own key is known even before the hub's registry that enrols it arrives.
        if records[identity.origin] == nil, identity.role == .county,
            !rows.contains(where: { $0.origin == identity.origin })
        {
            records[identity.origin] = identity.record
        }
        var hub: OriginRecord?
        if identity.role == .hub {
            hub = identity.record
        } else if let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'hub_key'"),
            let key = Curve25519.Signing.PublicKey.fromBase64(text)
        {
            hub = OriginRecord(publicKey: key, role: .hub, county: nil, status: .active)
            // The pinned key's own registry row (its retirement) counts even without a hub root.
            if let r = rows.first(where: { $0.origin == hub!.origin && $0.status != .active }),
                records[r.origin] == nil
            {
                records[r.origin] = r
            }
        }
        return ReplicaKeyDirectory(hub: hub, hubRoot: hubRoot, records: records)
    }

    /// Authorizations verified before, by their text: a directory is built for every set received, and each
    /// signature is checked once per process.
    private static let verifiedAuthorizations = Mutex<[String: KeyAuthorization]>([:])

    /// The authorization a text holds, if its root's signature verifies.
    static func verifiedAuthorization(_ text: String) -> KeyAuthorization? {
        if let known = verifiedAuthorizations.withLock({ $0[text] }) { return known }
        guard let a = try? KeyAuthorization(text: text) else { return nil }
        verifiedAuthorizations.withLock { cache in
            if cache.count > 100_000 { cache.removeAll() }
            cache[text] = a
        }
        return a
    }

    /// A set in which a new hub key introduces itself: sequence 1 of its province stream, carrying its own
    /// registry entry (role hub) and its authorization by the hub root this node trusts. This is how a county
    /// learns the hub's rotated key from the key itself.
    static func selfAuthorizedHub(
        _ set: ChangeSet, hubRoot: String?, newerThan directory: ReplicaKeyDirectory
    ) -> OriginRecord? {
        guard let hubRoot, set.sequence == 1, set.stream.scope == .province,
            let hub = selfEnrolledHub(set)
        else { return nil }
        for op in set.operations
        where op.table == TrainingTables.keyTerms.name && op.key == [.text(set.stream.origin.hex)] {
            guard let text = op.value(of: "authorization")?.textValue,
                let a = verifiedAuthorization(text), a.county == "province", a.origin == hub.origin,
                a.rootKey.rawRepresentation.base64EncodedString() == hubRoot,
                // It must replace the hub key this node trusts now, not an older one.
                directory.hubKeys.first(where: { $0.status == .active }).map({ a.replaces == $0.origin }) ?? true
            else { continue }
            return hub
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
        guard op.kind != .delete else { throw SyncError(reason, "\(what) cannot be deleted") }
        guard let held = try TableSQL(table).load(db, key: op.key), held.isLive,
            case .integer(let version)? = held.fields["version"]?.value
        else { return }
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

    /// Refuses a change of a county's (or the hub's) enrolled root key, and its deletion: a root, once
    /// enrolled, is what that county's keys are checked against, and the hub's online key must not be able to
    /// swap it. (Replacing a lost root is an operator procedure, docs/SECURITY.md.) A change that loses the
    /// merge anyway changes nothing and is accepted.
    static func checkRootUnchanged(_ db: Database, _ op: RowOperation, author: OriginID) throws {
        guard op.kind != .delete else { throw SyncError(.wrongRoot, "an enrolled root key cannot be deleted") }
        guard let held = try TableSQL(TrainingTables.keyRoots).load(db, key: op.key), held.isLive,
            let current = held.fields["root_key"], let incoming = op.value(of: "root_key"), incoming != current.value,
            WriteStamp(hlc: op.hlc, origin: author) > current.stamp
        else { return }
        throw SyncError(.wrongRoot, "an enrolled root key cannot be replaced by a registry change")
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
                guard let text: String = row["authorization"], let a = Self.verifiedAuthorization(text) else {
                    continue
                }
                if a == authorization {
                    return KeyEnrolment(
                        record: OriginRecord(
                            publicKey: authorization.nodeKey, role: .county, county: authorization.county,
                            status: .active),
                        retired: [], registeredRoot: false, alreadyEnrolled: true)
                }
                newest = max(newest, a.issuedAtMillis)
            }
            guard authorization.issuedAtMillis > newest else {
                throw ReplicaError.scope(
                    SyncError(.staleAuthorization, "the county already has a key authorized at or after this one"))
            }
            // A key the registry lists anywhere (another county included) is never enrolled again, except that
            // a county's active key enrolled before roots existed may take its root's authorization as it is.
            let listed = try String.fetchOne(
                db, sql: "SELECT status FROM origins WHERE origin = ? AND _live = 1", arguments: [newOrigin.hex])
            let adopting =
                listed == OriginRecord.Status.active.rawValue
                && held.contains {
                    ($0["origin"] as String?) == newOrigin.hex && ($0["authorization"] as String?) == nil
                }
            if listed != nil, !adopting {
                throw ReplicaError.scope(
                    SyncError(
                        .staleAuthorization, "origin \(newOrigin) was enrolled before; a retired key stays retired"))
            }
            var writes = [LocalWrite]()
            var retired = [OriginRecord]()
            for row in held where (row["status"] as String?) == OriginRecord.Status.active.rawValue {
                guard let keyText: String = row["public_key"],
                    let key = Curve25519.Signing.PublicKey.fromBase64(keyText)
                else { continue }
                let old = OriginID(publicKey: key)
                if old == newOrigin { continue }
                if (row["authorization"] as String?) == nil, authorization.replaces != old {
                    // A key enrolled without a root counts after its retirement only if the root names it.
                    throw ReplicaError.scope(
                        SyncError(
                            .badAuthorization,
                            "the county's key \(old) was enrolled without a root: the authorization must name it "
                                + "(keys authorize --replaces \(old.hex))"))
                }
                let hubHead = try Self.head(db, StreamID(origin: old, scope: .county(authorization.county))).sequence
                var point = hubHead
                if authorization.replaces == old, let signed = authorization.replacedThrough {
                    // The county's root names the point; sets up to it still arriving later are accepted. Sets
                    // the hub already holds beyond it were written by someone else with the old key.
                    guard hubHead <= signed else {
                        throw ReplicaError.scope(
                            SyncError(
                                .staleAuthorization,
                                "the hub holds set \(hubHead) of \(old), after the point \(signed) the root signed: "
                                    + "the old key is in other hands; revoke it (keys revoke) and authorize the new "
                                    + "key without a point"))
                    }
                    point = signed
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
                record: record, retired: retired, registeredRoot: root == nil, alreadyEnrolled: false)
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
            if let current = try keyDirectory(db).records[origin], current.role == .provider {
                return try revokeProvider(db, current, reason: trimmed, now: now)
            }
            guard let current = try keyDirectory(db).records[origin], current.role == .county,
                let county = current.county
            else {
                throw ReplicaError.scope(
                    SyncError(.unknownOrigin, "origin \(origin) is not an enrolled county or provider key"))
            }
            guard current.status != .revoked else { return current }
            let hubHead = try Self.head(db, StreamID(origin: origin, scope: .county(county))).sequence
            // A point already published (a rotation's) stays: lowering it would refuse sets some node applied.
            let point = current.validThrough ?? hubHead
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

    /// Revokes a provider's connector key: it writes in many county streams, so each ends at the head the hub
    /// holds now (the stream points), and any later set is refused (`origin.revoked`).
    private func revokeProvider(
        _ db: Database, _ current: OriginRecord, reason: String, now: Int64
    ) throws
        -> OriginRecord
    {
        guard current.status != .revoked else { return current }
        var points = [Scope: UInt64]()
        for row in try Row.fetchAll(
            db, sql: "SELECT scope, sequence FROM stream_heads WHERE origin = ?",
            arguments: [Data(current.origin.bytes)])
        {
            if let scope = Scope(wireValue: row["scope"]) { points[scope] = UInt64(row["sequence"] as Int64) }
        }
        let record = OriginRecord(
            publicKey: current.publicKey, role: .provider, county: nil, status: .revoked, streamPoints: points)
        _ = try applyLocalWrites(
            db,
            [
                .registryEntry(record),
                Self.keyTerms(
                    current.origin, authorization: nil, validThrough: nil, endedAt: now, reason: "revoked: \(reason)",
                    successor: nil, streamPoints: points),
                try nextRegistryVersion(db),
            ])
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
                    record: identity.record, retired: [], registeredRoot: false, alreadyEnrolled: true)
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
                record: identity.record, retired: [], registeredRoot: root == nil, alreadyEnrolled: false)
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
            try Self.writeMeta(
                db,
                [
                    "origin": next.origin.hex, "public_key": next.publicKeyBase64,
                    "pending_hub_rotation": authorization.text,
                    "hub_rotation_points": OriginRecord.streamPointsText(points),
                    "retired_origin": old.hex,
                ])
            return authorization
        }
        try KeyFile.finishRotation(at: path, expectedOrigin: next.origin)
        // Opening with the new key finishes the rotation: its registry change, sealed as its first set.
        _ = try open(at: directory, keyFile: keyFile, configuration: configuration)
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
        if let pending = try replica.pendingAuthorization(), pending.origin == replica.identity.origin {
            throw .scope(
                SyncError(
                    .staleAuthorization,
                    "the last rotation (to \(pending.origin)) has not reached the hub yet: sync first, or give its "
                        + "authorization to the provincial operator"))
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
            try Self.writeMeta(
                db,
                [
                    "origin": next.origin.hex, "public_key": next.publicKeyBase64,
                    "pending_authorization": authorization.text, "retired_origin": old.hex,
                ])
            return authorization
        }
        try KeyFile.finishRotation(at: path, expectedOrigin: next.origin)
        return authorization
    }
}

/// The registry a replica checks authors against (built by `keyDirectory`, which has already dropped every
/// entry that does not count). Only the pinned hub key, or the hub key the pinned hub root authorized last, may
/// act as the hub.
struct ReplicaKeyDirectory: KeyDirectory {
    var hub: OriginRecord?
    /// The hub's root key (base64) this node trusts, if any.
    var hubRoot: String?
    var records: [OriginID: OriginRecord]

    func record(for origin: OriginID) -> OriginRecord? {
        if let hub, hub.origin == origin {
            // The registry may retire even the pinned hub key (rotated or revoked); otherwise it stands.
            if let r = records[origin], r.status != .active { return r }
            return hub
        }
        return records[origin]
    }

    /// Every hub key this node trusts, the active one first (receipts may be signed by any of them).
    var hubKeys: [OriginRecord] {
        var out = records.values.filter { $0.role == .hub }.sorted { $0.origin.hex < $1.origin.hex }
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
    /// At the hub: enrols a county key without a root (as before roots existed). Refused for a county that
    /// has a root, and for a key the registry already lists (a retired key stays retired).
    public func enrolWithoutRoot(_ record: OriginRecord) throws(ReplicaError) {
        guard identity.role == .hub else { throw .wrongRole("keys are enrolled at the hub") }
        guard record.role == .county, let county = record.county, record.origin != identity.origin else {
            throw .scope(SyncError(.badAuthorization, "only a county key is enrolled this way"))
        }
        try run { db in
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM key_roots WHERE county = ? AND _live = 1", arguments: [county]) == true
            {
                throw ReplicaError.scope(
                    SyncError(
                        .unknownRoot,
                        "county \(county) has a root key; enrol its node keys with --authorization"))
            }
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM origins WHERE origin = ? AND _live = 1", arguments: [record.origin.hex])
                == true
            {
                throw ReplicaError.scope(
                    SyncError(.staleAuthorization, "origin \(record.origin) is already in the registry"))
            }
            _ = try applyLocalWrites(db, [.registryEntry(record), try nextRegistryVersion(db)])
        }
        try seal()
    }
}
