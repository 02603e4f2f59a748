public import Foundation
import GRDB

/// What a backup file holds, as read back from the file itself.
public struct BackupReport: Sendable, Hashable {
    /// The backup file.
    public let file: URL
    /// Change sets stored in the backup.
    public let storedSets: Int
    /// Local operations written before the backup and not yet sealed into a set.
    public let pendingOperations: Int
    /// The file's size in bytes.
    public let bytes: Int64
}

extension Replica {
    /// Writes a consistent snapshot of the replica to `url` while other tasks and processes keep writing.
    ///
    /// SQLite's online backup copies the database as of one read transaction, into a temporary file next
    /// to `url` (mode 0600: it holds personal data); the copy is switched to a rollback journal (one self-contained file), checked with
    /// `PRAGMA integrity_check` through a read-only connection, fsynced, and only then given its name
    /// (an atomic rename; the folder is fsynced too). A failed backup leaves `url` as it was.
    ///
    /// The backup holds the replica only, never the node's key (`node.key`): restoring needs the key
    /// file, kept separately.
    ///
    /// - Parameters:
    ///   - url: the backup file.
    ///   - replacing: replace `url` if it exists; otherwise an existing file is refused.
    /// - Throws: ``ReplicaError`` — a usage error when `url` exists (and `replacing` is false) or is one of
    ///   the replica's own files; an I/O error when the copy cannot be written; a corrupt-store error when
    ///   the copy fails its integrity check (the source itself is then damaged).
    @discardableResult
    public func backup(to url: URL, replacing: Bool = false) throws(ReplicaError) -> BackupReport {
        let fm = FileManager.default
        let target = url.standardizedFileURL
        let folder = target.deletingLastPathComponent()
        let ownFiles = [Self.databaseName, Self.keyName].flatMap { name in
            ["", "-wal", "-shm", "-journal"].map { name + $0 }
        }
        if folder.resolvingSymlinksInPath().path == directory.standardizedFileURL.resolvingSymlinksInPath().path,
            ownFiles.contains(target.lastPathComponent)
        {
            throw .alreadyInitialised(target.path)
        }
        if !replacing, Self.entryExists(target.path) { throw .alreadyInitialised(target.path) }

        let temporary = folder.appendingPathComponent(
            "\(target.lastPathComponent).partial-\(UUID().uuidString.prefix(8).lowercased())")
        var published = false
        defer {
            if !published {
                for suffix in ["", "-journal", "-wal", "-shm"] { try? fm.removeItem(atPath: temporary.path + suffix) }
            }
        }
        // The backup holds names and identity numbers: readable by its owner only (SQLite would make it 0644
        // less the umask, and gives its journal the same mode as the file).
        let fd = Foundation.open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw .io("cannot create a file next to \(target.path): \(String(cString: strerror(errno)))")
        }
        close(fd)
        do {
            let destination = try DatabaseQueue(path: temporary.path)
            try pool.backup(to: destination)
            // The source is in WAL mode and its header says so; the copy becomes one self-contained file.
            // Restored as replica.sqlite, it returns to WAL mode on the first open.
            let mode = try destination.writeWithoutTransaction { db in
                try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
            }
            try destination.close()
            guard mode?.lowercased() == "delete" else {
                throw ReplicaError.io("the backup copy stayed in journal mode \(mode ?? "?")")
            }
        } catch let e as ReplicaError {
            throw e
        } catch {
            throw .io("cannot write the backup \(temporary.path): \(Self.safeDescription(error))")
        }
        let checked = try Self.inspectBackup(at: temporary)
        try Self.fsync(path: temporary.path, what: "the backup")
        try Self.publish(temporary, as: target, replacing: replacing)
        published = true
        try Self.fsync(path: folder.path, what: "the backup's folder")
        return BackupReport(
            file: target, storedSets: checked.storedSets, pendingOperations: checked.pendingOperations,
            bytes: checked.bytes)
    }

    /// Opens a backup file read-only and checks it: `PRAGMA integrity_check` must answer `ok`, and the file
    /// must hold a replica (its bookkeeping tables). Reports what it holds.
    public static func inspectBackup(at url: URL) throws(ReplicaError) -> BackupReport {
        var config = Configuration()
        config.readonly = true
        let counts: (sets: Int, pending: Int)
        do {
            let queue = try DatabaseQueue(path: url.path, configuration: config)
            defer { try? queue.close() }
            counts = try queue.read { db in
                let problems = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard problems == ["ok"] else {
                    throw ReplicaError.corruptStore(
                        "the backup \(url.path) fails SQLite's integrity check (\(problems.first ?? "no answer")); "
                            + "the source database may be damaged: run `teachersync verify` on it")
                }
                guard try db.tableExists("change_sets"), try db.tableExists("pending_ops"), try db.tableExists("meta")
                else { throw ReplicaError.corruptStore("\(url.path) is an SQLite file but not a replica") }
                return (
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change_sets") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pending_ops") ?? 0
                )
            }
        } catch let e as ReplicaError {
            throw e
        } catch {
            throw .io("cannot read the backup \(url.path): \(safeDescription(error))")
        }
        let size: Int64
        do {
            size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            throw .io("cannot stat the backup \(url.path): \(error.localizedDescription)")
        }
        return BackupReport(file: url, storedSets: counts.sets, pendingOperations: counts.pending, bytes: size)
    }

    /// Whether anything (a dangling symbolic link included) is at `path`.
    private static func entryExists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Flushes a file or folder to stable storage.
    private static func fsync(path: String, what: String) throws(ReplicaError) {
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { throw .io("cannot open \(what) \(path) to flush it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        #if canImport(Darwin)
        // On Apple platforms fsync does not reach the platter; F_FULLFSYNC does.
        if fcntl(fd, F_FULLFSYNC) == 0 { return }
        #endif
        guard Foundation.fsync(fd) == 0 else {
            throw .io("cannot flush \(what) \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Gives the finished temporary file its name, atomically. Without `replacing`, a hard link refuses an
    /// existing name atomically (no window between the check and the rename); where the file system has no
    /// hard links, a check and a rename do.
    private static func publish(_ temporary: URL, as target: URL, replacing: Bool) throws(ReplicaError) {
        if replacing {
            guard rename(temporary.path, target.path) == 0 else {
                throw .io("cannot move the backup to \(target.path): \(String(cString: strerror(errno)))")
            }
            return
        }
        if link(temporary.path, target.path) == 0 {
            unlink(temporary.path)
            return
        }
        let failure = errno
        if failure == EEXIST { throw .alreadyInitialised(target.path) }
        guard [EPERM, ENOTSUP, EOPNOTSUPP, EMLINK].contains(failure) else {
            throw .io("cannot move the backup to \(target.path): \(String(cString: strerror(failure)))")
        }
        if entryExists(target.path) { throw .alreadyInitialised(target.path) }
        guard rename(temporary.path, target.path) == 0 else {
            throw .io("cannot move the backup to \(target.path): \(String(cString: strerror(errno)))")
        }
    }
}
