import Crypto
import Foundation
import GRDB
public import SyncCore
import TrainingDomain

/// A set that was refused, with its reason. Safe to print: no payload, no personal data.
public struct RejectedSet: Sendable, Hashable, CustomStringConvertible {
    /// The first 16 hex digits of the set id (of the raw bytes when the set could not be decoded).
    public let setID: String
    public let stream: String?
    public let sequence: UInt64?
    public let reason: ReasonCode
    public let detail: String

    public var description: String {
        let at = stream.map { " stream \($0) set \(sequence ?? 0)" } ?? ""
        return "set \(setID)\(at): \(reason) (\(detail))"
    }
}

/// What receiving a batch of sets did.
public struct ReceiveReport: Sendable, Hashable {
    /// Sets verified and applied.
    public var applied = 0
    /// Sets already held: nothing to do.
    public var alreadyPresent = 0
    /// Sets refused and quarantined, with reasons.
    public var rejected: [RejectedSet] = []
    /// Operations applied.
    public var operationsApplied = 0
    /// Set when this import pinned the hub's key on first use.
    public var pinnedHubOrigin: OriginID?
}

/// A decoded set with the work on it that reads no database done ahead, on the thread that decoded it (the hub's
/// ``DecodePipeline``), so that the replica's one writer does less per set: its operations in the order they are
/// applied, and, when the caller knows who should have written it, the schema and scope checks of every operation
/// (`SetVerifier.checkScope`, about a sixth of the writer's work on a set; docs/BENCHMARKS.md, "Seventh pass").
///
/// Nothing is trusted that the writer does not confirm: it still looks the author up in its own registry, checks
/// the signature, the chain and the clocks, and checks the operations again unless the registry entry it finds is
/// the very one they were checked with. Checks refused ahead are simply not counted as done, so a bad set is
/// refused by the writer, in the usual order and with the usual reason.
public struct PreparedSet: Sendable {
    public let set: ChangeSet
    /// The registry entry the operations passed the schema and scope checks with; nil when not checked ahead.
    let scopeCheckedFor: OriginRecord?
    /// The tables receiving treats apart that the set writes.
    let tables: SpecialTables
    /// The set's operations in the order they are applied (``Replica/applicationOrder(_:)``).
    let operations: [RowOperation]

    /// Whether the set writes any table that receiving treats apart.
    var special: Bool { !tables.isEmpty }
}

/// Which of the tables that receiving treats apart a set writes, found in one pass over its operations. Most sets
/// (a county's night) write none of them, and applying them then compares no table name per operation
/// (docs/BENCHMARKS.md, "Seventh pass").
struct SpecialTables: OptionSet, Sendable {
    let rawValue: UInt8
    /// `origins`, `key_terms`, `key_roots` (``Replica/isRegistryTable(_:)``): the key directory is read from them.
    static let keyDirectory = SpecialTables(rawValue: 1)
    /// `policies`, whose check reads the held policy.
    static let policies = SpecialTables(rawValue: 2)
    /// `registry`, the registry's version and expiry.
    static let registry = SpecialTables(rawValue: 4)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(writtenBy set: ChangeSet) {
        let policies = TrainingTables.policies.name
        let registry = TrainingTables.registry.name
        var found: SpecialTables = []
        for op in set.operations {
            if Replica.isRegistryTable(op.table) {
                found.insert(.keyDirectory)
            } else if op.table == policies {
                found.insert(.policies)
            } else if op.table == registry {
                found.insert(.registry)
            }
        }
        self = found
    }
}

extension Replica {
    /// Prepares a decoded set for ``receive(count:next:progress:)``; safe on any thread, beside the writer.
    ///
    /// - Parameter expectedAuthor: the registry entry of the origin expected to have written the set (an uploading
    ///   county's own, for its own sets), as the caller read it; its operations are checked against it ahead.
    ///   `nil`, or an entry of another origin, checks nothing ahead.
    public func prepare(_ set: ChangeSet, expectedAuthor: OriginRecord? = nil) -> PreparedSet {
        let tables = SpecialTables(writtenBy: set)
        var checked: OriginRecord?
        if let author = expectedAuthor, author.origin == set.stream.origin,
            (try? SetVerifier(catalog: catalog).checkScope(set, author: author)) != nil
        {
            checked = author
        }
        return PreparedSet(
            set: set, scopeCheckedFor: checked, tables: tables, operations: Self.applicationOrder(set, tables: tables))
    }

    /// Verifies and applies change-set envelopes, each in its own transaction, all or nothing.
    ///
    /// Sets may come in any order: each stream's sets are tried in sequence order, and a set waiting for
    /// its author's enrolment or for an earlier set of its stream is retried while others make progress.
    /// What still cannot be applied is quarantined with its reason; nothing of it is applied.
    public func receive(
        _ envelopes: [[UInt8]], progress: ((Int, Int) -> Void)? = nil
    ) throws(ReplicaError)
        -> ReceiveReport
    {
        try receive(stored: envelopes.map(StoredEnvelope.init(plain:)), progress: progress)
    }

    /// The same as ``receive(_:progress:)`` with the sets in their stored forms (a page of protocol 3): a deflated
    /// envelope is inflated to be verified, and stored as it came. One that does not inflate is quarantined with its
    /// reason, as one that does not decode.
    public func receive(
        stored: [StoredEnvelope], progress: ((Int, Int) -> Void)? = nil
    ) throws(ReplicaError)
        -> ReceiveReport
    {
        var report = ReceiveReport()
        var candidates = [ChangeSet]()
        let inflated = stored.map { s in Result { () throws(SyncError) in try s.envelope() } }
        // An envelope that does not inflate is not held (it has no body to hash); it is refused below.
        let held = try heldSetIDs(inflated.map { (try? $0.get()) ?? [] })
        for (index, isHeld) in held.enumerated() {
            // A set already held is recognised by the hash of its body, before any decoding.
            if isHeld {
                report.alreadyPresent += 1
                continue
            }
            do {
                candidates.append(try stored[index].changeSet(envelope: try inflated[index].get()))
            } catch {
                let raw = (try? inflated[index].get()) ?? stored[index].bytes
                let rejected = RejectedSet(
                    setID: Hex.encode(SHA256.hash(data: raw)).prefixString(16), stream: nil, sequence: nil,
                    reason: error.reason, detail: error.detail)
                try quarantine(rawEnvelope: raw, set: nil, rejected)
                report.rejected.append(rejected)
            }
        }
        candidates.sort(by: Self.streamOrder)
        return try apply(
            count: candidates.count, next: { prepare(candidates[$0]) }, total: stored.count, report: report,
            progress: progress)
    }

    /// Verifies and applies sets the caller has already decoded from their envelopes (the hub's upload route
    /// decodes them for its scope check): the same as ``receive(_:progress:)`` with their envelopes, without
    /// decoding them a second time.
    public func receive(
        decoded sets: [ChangeSet], progress: ((Int, Int) -> Void)? = nil
    ) throws(ReplicaError)
        -> ReceiveReport
    {
        var report = ReceiveReport()
        var candidates = [ChangeSet]()
        let held = try heldSetIDs(sets.map(\.id))
        for (set, isHeld) in zip(sets, held) {
            if isHeld {
                report.alreadyPresent += 1
            } else {
                candidates.append(set)
            }
        }
        candidates.sort(by: Self.streamOrder)
        return try apply(
            count: candidates.count, next: { prepare(candidates[$0]) }, total: sets.count, report: report,
            progress: progress)
    }

    /// Verifies and applies a batch whose sets are still being decoded and prepared elsewhere (the hub's upload route
    /// does both on another thread meanwhile, so that the first set is applied while the next is decoded). `next(i)`
    /// returns set `i` of the batch (``prepare(_:expectedAuthor:)``), waiting for it if need be, or throws to refuse
    /// the rest of the batch: what is not committed yet is rolled back, and the error is thrown from here.
    ///
    /// Sets are tried in the order given; a set that comes before an earlier set of its stream is retried once that
    /// one is applied, as in ``receive(decoded:progress:)``. A set already held counts as already present.
    public func receive(
        count: Int, next: (Int) throws(ReplicaError) -> PreparedSet, progress: ((Int, Int) -> Void)? = nil
    ) throws(ReplicaError) -> ReceiveReport {
        try apply(count: count, next: next, total: count, report: ReceiveReport(), progress: progress)
    }

    /// The order in which a batch's sets are tried: by stream, then sequence.
    private static func streamOrder(_ a: ChangeSet, _ b: ChangeSet) -> Bool {
        (a.stream, a.sequence) < (b.stream, b.sequence)
    }

    private static func streamOrder(_ a: PreparedSet, _ b: PreparedSet) -> Bool {
        streamOrder(a.set, b.set)
    }

    /// Applies sets in the order `next` yields them (`next(i)` for `i` in `0..<count`), retrying those that wait
    /// for another, and quarantines what cannot be applied.
    ///
    /// The sets share transactions (group commit): each set is applied inside a savepoint of its own, so a set
    /// that is refused leaves nothing behind, and the transaction commits once
    /// ``ReplicaConfiguration/groupCommitOperations`` operations are applied, and at the end. One commit per set
    /// wrote every page a set touched to the WAL again for the next set and synced it each time, which made
    /// SQLite's part of an upload about twice as slow (docs/BENCHMARKS.md, "Third pass"). The caller hears of the
    /// sets only when this returns, after the last commit: nothing is acknowledged before it is durable, and a
    /// crash loses at most sets that were never acknowledged.
    private func apply(
        count: Int, next: (Int) throws(ReplicaError) -> PreparedSet, total: Int, report: ReceiveReport,
        progress: ((Int, Int) -> Void)?
    ) throws(ReplicaError) -> ReceiveReport {
        guard count > 0 else { return report }
        let groupLimit = configuration.groupCommitOperations
        return try runGrouped { db, commitIfOver in
            var report = report
            var done = 0
            var directory = KeyDirectoryCache()
            var inTransaction = 0
            // The first pass takes the sets from `next`; later passes retry the ones that waited for another.
            var retry: [PreparedSet]? = nil
            var waiting = [(PreparedSet, SyncError)]()
            while true {
                var progressed = false
                waiting.removeAll()
                for i in 0..<(retry?.count ?? count) {
                    let set = try retry?[i] ?? next(i)
                    done += 1
                    progress?(min(done, total), total)
                    do {
                        switch try apply(db, set, directory: &directory, report: &report) {
                        case .next:
                            report.applied += 1
                            report.operationsApplied += set.operations.count
                            progressed = true
                            inTransaction += set.operations.count
                            if try commitIfOver(inTransaction >= groupLimit) { inTransaction = 0 }
                        case .duplicate:
                            report.alreadyPresent += 1
                        }
                    } catch let error as SyncError {
                        waiting.append((set, error))
                    } catch let error as ReplicaError {
                        throw error
                    } catch {
                        throw ReplicaError.io("applying a set failed: \(Self.safeDescription(error))")
                    }
                }
                let isRetryable = { (e: SyncError) in e.classification == .retryable && e.reason != .storeFailure }
                let retryable = waiting.filter { isRetryable($0.1) }
                guard progressed, !retryable.isEmpty else {
                    for (set, error) in waiting { report.rejected.append(try reject(db, set.set, error)) }
                    return report
                }
                // Non-retryable failures are final now; retryable ones get another pass, in stream order.
                for (set, error) in waiting where !isRetryable(error) {
                    report.rejected.append(try reject(db, set.set, error))
                }
                retry = retryable.map(\.0).sorted(by: Self.streamOrder)
            }
        }
    }

    /// Runs `body` in a write transaction that it may commit and reopen part way (`commitIfOver(true)` commits
    /// and begins the next one, and says whether it did); commits at the end, rolls back what is open on an error.
    private func runGrouped<T>(
        _ body: (Database, _ commitIfOver: (Bool) throws -> Bool) throws -> T
    ) throws(ReplicaError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                do {
                    let result = try body(db) { over in
                        guard over else { return false }
                        try db.execute(sql: "COMMIT")
                        try db.execute(sql: "BEGIN IMMEDIATE")
                        return true
                    }
                    try db.execute(sql: "COMMIT")
                    return result
                } catch {
                    if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
                    throw error
                }
            }
        } catch let e as ReplicaError {
            throw e
        } catch {
            throw .io("database write failed: \(Self.safeDescription(error))")
        }
    }

    /// For each envelope, whether a set with its id is already stored. An envelope too short to frame a body
    /// counts as not held (decoding will refuse it).
    private func heldSetIDs(_ envelopes: [[UInt8]]) throws(ReplicaError) -> [Bool] {
        try heldSetIDs(
            envelopes.map { e -> [UInt8]? in
                guard e.count >= 4 else { return nil }
                let n = Int(e[0]) << 24 | Int(e[1]) << 16 | Int(e[2]) << 8 | Int(e[3])
                guard n <= e.count - 4 else { return nil }
                return Array(SHA256.hash(data: e[4..<(4 + n)]))
            })
    }

    /// For each set id, whether a set with that id is already stored (`nil`: not held).
    private func heldSetIDs(_ ids: [[UInt8]?]) throws(ReplicaError) -> [Bool] {
        try runRead { db in
            let stmt = try db.cachedStatement(sql: "SELECT 1 FROM change_sets WHERE id = ?")
            return try ids.map { id in
                guard let id else { return false }
                return try Bool.fetchOne(stmt, arguments: [Data(id)]) == true
            }
        }
    }

    /// Tries again every quarantined set whose reason may have gone away (a gap filled, a key enrolled).
    public func retryQuarantined() throws(ReplicaError) -> ReceiveReport {
        let envelopes = try runRead { db in
            try Data.fetchAll(
                db, sql: "SELECT envelope FROM quarantine WHERE reason IN (?, ?, ?, ?) ORDER BY id",
                arguments: [
                    ReasonCode.chainGap.rawValue, ReasonCode.unknownOrigin.rawValue, ReasonCode.hlcFuture.rawValue,
                    ReasonCode.unsupportedVersion.rawValue,
                ]
            ).map { Array($0) }
        }
        guard !envelopes.isEmpty else { return ReceiveReport() }
        return try receive(envelopes)
    }

    private func reject(_ db: Database, _ set: ChangeSet, _ error: SyncError) throws -> RejectedSet {
        let rejected = RejectedSet(
            setID: set.idHex.prefixString(16), stream: set.stream.description, sequence: set.sequence,
            reason: error.reason, detail: error.detail)
        try quarantine(db, rawEnvelope: set.envelope, set: set, rejected)
        return rejected
    }

    private func quarantine(rawEnvelope: [UInt8], set: ChangeSet?, _ r: RejectedSet) throws(ReplicaError) {
        try run { db in try quarantine(db, rawEnvelope: rawEnvelope, set: set, r) }
    }

    private func quarantine(_ db: Database, rawEnvelope: [UInt8], set: ChangeSet?, _ r: RejectedSet) throws {
        let id = set?.id ?? Array(SHA256.hash(data: rawEnvelope))
        let now = configuration.wallClock.nowMillis()
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO quarantine (set_id, origin, scope, sequence, reason, detail, envelope, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                Data(id), set?.stream.origin.hex, set?.stream.scope.wireValue, set.map { Int64($0.sequence) },
                r.reason.rawValue, r.detail, Data(rawEnvelope.prefix(ChangeSet.maxBodyBytes + 68)), now,
            ])
    }

    /// Verifies and applies one set in a savepoint of the open transaction: all of it, or nothing of it. Throws
    /// `SyncError` for a refusal.
    private func apply(
        _ db: Database, _ prepared: PreparedSet, directory cache: inout KeyDirectoryCache,
        report: inout ReceiveReport
    ) throws -> SetVerifier.ChainPosition {
        let verifier = SetVerifier(catalog: catalog, maxForwardDriftMillis: configuration.maxForwardDriftMillis)
        let wall = configuration.wallClock.nowMillis()
        var pinned: OriginID?
        // A set that writes the key registry changes the directory the next set is checked against.
        let changesRegistry = prepared.tables.contains(.keyDirectory)
        defer { if changesRegistry || pinned != nil { cache.invalidate() } }
        var position = SetVerifier.ChainPosition.duplicate
        try db.inSavepoint {
            position = try apply(db, prepared, verifier: verifier, wall: wall, cache: &cache, pinned: &pinned)
            return .commit
        }
        if let pinned { report.pinnedHubOrigin = pinned }
        return position
    }

    /// The body of ``apply(_:_:directory:report:)``.
    private func apply(
        _ db: Database, _ prepared: PreparedSet, verifier: SetVerifier, wall: Int64, cache: inout KeyDirectoryCache,
        pinned: inout OriginID?
    ) throws -> SetVerifier.ChainPosition {
        let set = prepared.set
        let special = prepared.special
        let hook = configuration.afterApplyingOperation
        let ownRole = identity.role
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM change_sets WHERE id = ?", arguments: [Data(set.id)]) == true {
            return .duplicate
        }
        var directory = try cache.directory(db) { db in try self.keyDirectory(db) }
        if ownRole == .county, directory.hub == nil, directory.hubRoot == nil, let hub = Self.selfEnrolledHub(set) {
            // Trust on first use: a county with no pinned hub key takes the key that the first
            // registry set introduces itself with, and says so (docs/OPERATIONS.md).
            try Self.writeMeta(db, ["hub_key": hub.publicKey.rawRepresentation.base64EncodedString()])
            directory.hub = hub
            pinned = hub.origin
        }
        if ownRole == .county, directory.record(for: set.stream.origin) == nil,
            let hub = Self.selfAuthorizedHub(set, hubRoot: directory.hubRoot, newerThan: directory)
        {
            // A rotated hub key introducing itself with the pinned hub root's authorization.
            directory.records[hub.origin] = hub
        }
        let author = try verifier.checkAuthor(set, directory: directory)
        let head = try Self.head(db, set.stream)
        let held = try Data.fetchOne(
            db, sql: "SELECT id FROM change_sets WHERE origin = ? AND scope = ? AND sequence = ?",
            arguments: [Data(set.stream.origin.bytes), set.stream.scope.wireValue, Int64(set.sequence)])
        let position = try verifier.checkChain(set, head: head, heldIDAtSequence: held.map { Array($0) })
        guard position == .next else { return position }
        try verifier.checkClockContinuity(set, previousMax: try Self.headClock(db, set.stream))
        try verifier.checkClock(set, wallMillis: wall)
        // Checked ahead with this very registry entry (`prepare`), the operations need not be checked again.
        if prepared.scopeCheckedFor != author { try verifier.checkScope(set, author: author) }
        if author.role == .provider, ownRole == .hub { try Self.checkProviderOwnership(db, set, author: author) }
        var clock = HybridClock(last: try Self.loadClock(db), maxForwardDriftMillis: verifier.maxForwardDriftMillis)
        try clock.receive(set.hlcRange.upperBound, wallMillis: wall)
        let insertConflict = try db.cachedStatement(
            sql: """
                INSERT INTO conflicts (tbl, row_key, field, winner_hlc, winner_origin, loser_hlc, loser_origin, detected_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let writer = RowWriter(tables: self.tables)
        for (index, op) in prepared.operations.enumerated() {
            if !special {
                // None of the checks below applies.
            } else if op.table == TrainingTables.registry.name {
                try Self.checkRegistryNotOlder(db, op, author: set.stream.origin)
            } else if op.table == TrainingTables.policies.name {
                try Self.checkPolicyNotOlder(db, op, author: set.stream.origin)
            } else if op.table == TrainingTables.keyRoots.name {
                try Self.checkRootUnchanged(db, op, author: set.stream.origin)
            }
            for c in try writer.merge(db, op, by: set.stream.origin) {
                var w = ByteWriter()
                for v in c.key { w.value(v) }
                try insertConflict.execute(arguments: [
                    c.table, Data(w.bytes), c.field, Int64(bitPattern: c.winner.hlc.rawValue), c.winner.origin.hex,
                    Int64(bitPattern: c.loser.hlc.rawValue), c.loser.origin.hex, wall,
                ])
            }
            try hook?(index)
        }
        try Self.storeSet(db, set, local: false, now: wall)
        if set.stream.origin == self.identity.origin {
            // Our own set, coming back after a restore from an older backup: the operations it carries
            // that are still pending here were already published. Only exact copies are dropped, so a
            // write made after the restore is never lost, whatever the clocks did.
            let drop = try db.cachedStatement(sql: "DELETE FROM pending_ops WHERE scope = ? AND op = ?")
            for op in set.operations {
                try drop.execute(arguments: [set.stream.scope.wireValue, Data(op.encoded)])
            }
        }
        try Self.saveClock(db, clock.last)
        cache.transactionWillCommit(db)
        return .next
    }

    /// The order in which a set's operations are applied: by table and key (``KeyOrder``), so that rows land in
    /// each table's b-tree in its own order. Operations on different rows commute (each merge reads and writes its
    /// own row only), so the state is the same. A set that touches the key registry, the policies or the key roots
    /// keeps its order, since their checks read other rows of those tables.
    static func applicationOrder(_ set: ChangeSet) -> [RowOperation] {
        applicationOrder(set, tables: SpecialTables(writtenBy: set))
    }

    /// ``applicationOrder(_:)`` for a set of which the caller knows the special tables it writes.
    private static func applicationOrder(_ set: ChangeSet, tables: SpecialTables) -> [RowOperation] {
        let ops = set.operations
        guard tables.isDisjoint(with: [.keyDirectory, .policies]),
            let order = KeyOrder.order(ops, table: \.table, key: \.key)
        else { return ops }
        return order.map { ops[$0] }
    }

    /// Whether the key directory is read from this table.
    static func isRegistryTable(_ name: String) -> Bool {
        name == TrainingTables.origins.name || name == TrainingTables.keyTerms.name
            || name == TrainingTables.keyRoots.name
    }

    /// A registry set in which a hub enrols itself: sequence 1 of a province stream whose operations
    /// include the author's own registry entry with role `hub`.
    static func selfEnrolledHub(_ set: ChangeSet) -> OriginRecord? {
        guard set.sequence == 1, set.stream.scope == .province else { return nil }
        for op in set.operations where op.table == TrainingTables.origins.name && op.kind == .upsert {
            guard op.key == [.text(set.stream.origin.hex)], op.value(of: "role") == .text(Role.hub.rawValue),
                let keyText = op.value(of: "public_key")?.textValue,
                let key = Curve25519.Signing.PublicKey.fromBase64(keyText),
                OriginID(publicKey: key) == set.stream.origin
            else { continue }
            return OriginRecord(publicKey: key, role: .hub, county: nil, status: .active)
        }
        return nil
    }
}

/// The key directory of one ``Replica/receive(_:progress:)`` call, read once instead of once per set.
///
/// It is used again only while nothing can have changed the registry tables it was read from: no other
/// connection has committed (`PRAGMA data_version`), no other write has run on this connection since the
/// last set applied with it (`sqlite3_total_changes`), and that set wrote no registry table and pinned no key.
struct KeyDirectoryCache {
    private var held: (directory: ReplicaKeyDirectory, dataVersion: Int64, totalChanges: Int)?
    private var pendingVersion: Int64?

    /// The directory for a set about to be applied in the open transaction.
    mutating func directory(
        _ db: Database, read: (Database) throws -> ReplicaKeyDirectory
    ) throws -> ReplicaKeyDirectory {
        let version = try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
        pendingVersion = version
        if let held, held.dataVersion == version, held.totalChanges == db.totalChangesCount {
            return held.directory
        }
        held = nil
        let directory = try read(db)
        held = (directory, version, db.totalChangesCount)
        return directory
    }

    /// Marks the directory as current after the set's writes, just before its transaction commits.
    mutating func transactionWillCommit(_ db: Database) {
        guard let directory = held?.directory, let version = pendingVersion else { return }
        held = (directory, version, db.totalChangesCount)
    }

    /// Forgets the directory: the next set reads it again.
    mutating func invalidate() {
        held = nil
    }
}

extension String {
    func prefixString(_ n: Int) -> String { String(prefix(n)) }
}
