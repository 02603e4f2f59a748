public import Foundation
import GRDB
public import SyncCore
import TrainingDomain

/// A node's replica: one SQLite database (WAL, `synchronous=FULL`) and the node's key, in one folder.
///
/// Every local write records its operation in the same transaction; sealing turns pending operations
/// into signed change sets; receiving verifies sets and applies each in one transaction, all or nothing.
/// SQLite's single writer serialises writes, so the replica can be shared between tasks.
public final class Replica: Sendable {
    /// The node's identity (role, county, key).
    public let identity: NodeIdentity
    /// The folder holding the database and the key.
    public let directory: URL
    /// The tunables.
    public let configuration: ReplicaConfiguration
    /// The synced tables.
    public let catalog: SchemaCatalog
    let pool: DatabasePool
    let tables: [String: TableSQL]

    /// The database file's name inside the data folder.
    public static let databaseName = "replica.sqlite"
    /// The key file's name inside the data folder.
    public static let keyName = "node.key"

    /// Creates a new replica and a fresh key; refuses a folder that already holds one.
    ///
    /// A hub registers its own key as the first entry of the key registry.
    public static func create(
        at directory: URL, role: Role, county: String?, hubKey: String? = nil, hubRoot: String? = nil,
        configuration: ReplicaConfiguration = .init()
    ) throws(ReplicaError) -> Replica {
        let fm = FileManager.default
        let dbPath = directory.appendingPathComponent(databaseName).path
        let keyPath = directory.appendingPathComponent(keyName).path
        if fm.fileExists(atPath: dbPath) || fm.fileExists(atPath: keyPath) {
            throw .alreadyInitialised(directory.path)
        }
        // Check every argument before the first file is made: a refused init leaves nothing behind.
        if let hubKey, Curve25519PublicKeyParser.parse(hubKey) == nil {
            throw .badKeyFile("the hub key is not a base64 Ed25519 public key (32 bytes)")
        }
        if let hubRoot {
            guard Curve25519PublicKeyParser.parse(hubRoot) != nil else {
                throw .badKeyFile("the hub root key is not a base64 Ed25519 public key (32 bytes)")
            }
            // With a root pinned there is no trust on first use: the hub's current key is pinned itself.
            guard role == .county, hubKey != nil else {
                throw .wrongRole(
                    "a hub root is pinned at a county node together with the hub's current key (--hub-key, from "
                        + "`teachersync id` at the hub)")
            }
        }
        do {
            try fm.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io("cannot create \(directory.path): \(error.localizedDescription)")
        }
        let signer = SigningIdentity.generate()
        try KeyFile.create(at: keyPath, identity: signer)
        let identity = NodeIdentity(role: role, county: county, signer: signer)
        let replica = try Replica(directory: directory, identity: identity, configuration: configuration)
        // The replica holds identity numbers and names: readable by its owner only (SQLite gives the -wal
        // and -shm files the database file's mode).
        chmod(dbPath, 0o600)
        try replica.writeMeta([
            "role": role.rawValue, "county": county ?? "", "origin": signer.origin.hex,
            "public_key": signer.publicKeyBase64, "hlc": "0", "created_at": String(configuration.wallClock.nowMillis()),
        ])
        if role == .hub {
            try replica.run { db in
                _ = try replica.applyLocalWrites(
                    db, [.registryEntry(identity.record), try replica.nextRegistryVersion(db)])
            }
            try replica.seal()
        } else if let hubKey {
            try replica.pinHubKey(hubKey)
            if let hubRoot { try replica.pinHubRoot(hubRoot) }
        }
        return replica
    }

    /// Opens an existing replica and its key (by default `node.key` in the folder; a service may pass the
    /// key from the systemd credentials directory instead).
    public static func open(
        at directory: URL, keyFile: String? = nil, configuration: ReplicaConfiguration = .init()
    )
        throws(ReplicaError) -> Replica
    {
        let dbPath = directory.appendingPathComponent(databaseName).path
        guard FileManager.default.fileExists(atPath: dbPath) else { throw .notInitialised(directory.path) }
        let keyPath = keyFile ?? directory.appendingPathComponent(keyName).path
        if !FileManager.default.fileExists(atPath: keyPath), FileManager.default.fileExists(atPath: keyPath + ".next") {
            // A rotation stopped between moving the old key away and the new one into place (older releases).
            _ = rename(keyPath + ".next", keyPath)
        }
        var signer = try KeyFile.read(at: keyPath)
        let probe = try Replica(
            directory: directory,
            identity: NodeIdentity(role: .county, county: nil, signer: signer), configuration: configuration)
        let meta = try probe.readMeta()
        if let switched = meta["origin"], switched != signer.origin.hex,
            FileManager.default.fileExists(atPath: keyPath + ".next")
        {
            // A key rotation stopped between recording the switch and renaming the key files: finish it.
            let next = try KeyFile.read(at: keyPath + ".next")
            if next.origin.hex == switched {
                try KeyFile.finishRotation(at: keyPath, expectedOrigin: next.origin)
                signer = next
            }
        }
        guard let roleText = meta["role"], let role = Role(rawValue: roleText), meta["origin"] == signer.origin.hex
        else { throw .badKeyFile("the key in \(directory.path) does not belong to this replica") }
        let county = meta["county"].flatMap { $0.isEmpty ? nil : $0 }
        let replica = try Replica(
            directory: directory, identity: NodeIdentity(role: role, county: county, signer: signer),
            configuration: configuration, pool: probe.pool)
        // A hub key rotation stopped before the new key announced itself is finished before anything else is
        // sealed, so the announcement is the new key's first set.
        if role == .hub, meta["pending_hub_rotation"] != nil { try replica.completeHubRotation() }
        return replica
    }

    private init(
        directory: URL, identity: NodeIdentity, configuration: ReplicaConfiguration, pool: DatabasePool? = nil
    ) throws(ReplicaError) {
        self.directory = directory
        self.identity = identity
        self.configuration = configuration
        self.catalog = TrainingTables.catalog
        self.tables = Dictionary(uniqueKeysWithValues: catalog.tables.map { ($0.name, TableSQL($0)) })
        if let pool {
            // A pool handed over by `open`'s probe, which configured its writer already.
            self.pool = pool
            return
        }
        let path = directory.appendingPathComponent(Self.databaseName).path
        // Checkpoints run in the background, off the writer's commits (WALCheckpointer).
        let checkpointer = WALCheckpointer(path: path)
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in checkpointer.install(on: db) }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            let migrator = ReplicaSchema.migrator(catalog: catalog)
            // A store a newer release has migrated may hold what this one cannot read (docs/OPERATIONS.md,
            // "Upgrades").
            if try pool.read({ db in try migrator.hasBeenSuperseded(db) }) {
                throw ReplicaError.io(
                    "the replica was upgraded by a newer release of teachersync; run that release, or restore the "
                        + "backup taken before the upgrade")
            }
            try migrator.migrate(pool)
            self.pool = pool
        } catch let error as ReplicaError {
            throw error
        } catch {
            throw .io("cannot open the replica database: \(error)")
        }
        try configureWriter()
    }

    /// Makes the writer connection's commits durable and sizes its page cache
    /// (``ReplicaConfiguration/writerCacheKiB``); readers keep SQLite's defaults.
    ///
    /// `synchronous = FULL` is set here, on the open pool: GRDB's `DatabasePool` sets the writer to `NORMAL` when
    /// it turns WAL on, after `prepareDatabase` has run, and in WAL mode `NORMAL` does not sync the WAL at commit,
    /// so a commit acknowledged just before a power cut could be lost (docs/BENCHMARKS.md, "Sixth pass").
    private func configureWriter() throws(ReplicaError) {
        let kib = max(2_048, configuration.writerCacheKiB)
        do {
            let synchronous = try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA cache_size = -\(kib)")
                return try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
            guard synchronous == Self.synchronousFull else {
                throw ReplicaError.io(
                    "the replica's writer did not take synchronous = FULL (it has \(synchronous ?? -1))")
            }
        } catch let error as ReplicaError {
            throw error
        } catch {
            throw .io("cannot configure the replica's writer: \(Self.safeDescription(error))")
        }
    }

    /// `PRAGMA synchronous`'s value for `FULL`.
    static let synchronousFull = 2

    // MARK: - Meta

    func writeMeta(_ values: [String: String]) throws(ReplicaError) {
        try run { db in try Self.writeMeta(db, values) }
    }

    /// Writes meta entries inside a caller's transaction.
    static func writeMeta(_ db: Database, _ values: [String: String]) throws {
        for (k, v) in values {
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [k, v])
        }
    }

    func readMeta() throws(ReplicaError) -> [String: String] {
        try runRead { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM meta").map {
                    ($0["key"] as String, $0["value"] as String)
                })
        }
    }

    /// Runs a write transaction, mapping database errors to ``ReplicaError``.
    func run<T>(_ body: (Database) throws -> T) throws(ReplicaError) -> T {
        do {
            return try pool.write { db in try body(db) }
        } catch let e as ReplicaError {
            throw e
        } catch {
            throw .io("database write failed: \(Self.safeDescription(error))")
        }
    }

    /// Runs a read, mapping database errors to ``ReplicaError``.
    func runRead<T>(_ body: (Database) throws -> T) throws(ReplicaError) -> T {
        do {
            return try pool.read { db in try body(db) }
        } catch let e as ReplicaError {
            throw e
        } catch {
            throw .io("database read failed: \(Self.safeDescription(error))")
        }
    }

    /// GRDB hides statement arguments in descriptions unless asked, so the result carries no personal data.
    static func safeDescription(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return "SQLite error \(e.resultCode.rawValue): \(e.message ?? "")" }
        return String(describing: type(of: error))
    }

    // MARK: - Trust

    /// Pins the hub's public key (base64), the trust anchor a county checks the registry against.
    public func pinHubKey(_ base64: String) throws(ReplicaError) {
        guard let key = Curve25519PublicKeyParser.parse(base64) else {
            throw .badKeyFile("the hub key is not a base64 Ed25519 public key (32 bytes)")
        }
        try writeMeta(["hub_key": key.base64])
    }

    /// The pinned hub key, if any.
    public func pinnedHubKey() throws(ReplicaError) -> OriginRecord? {
        if identity.role == .hub { return identity.record }
        guard let text = try readMeta()["hub_key"], let key = Curve25519PublicKeyParser.parse(text) else { return nil }
        return OriginRecord(publicKey: key.key, role: .hub, county: nil, status: .active)
    }
}
