import Dispatch
import Foundation
import GRDB
import GRDBSQLite

/// Moves SQLite's WAL checkpoints off the writer's commit path.
///
/// SQLite checkpoints by itself when a commit leaves the WAL at 1,000 pages or more, inside that commit: the
/// writer then copies the WAL back into the database file and fsyncs it before its caller hears of the commit.
/// At the hub that was about a seventh of an upload's time (docs/BENCHMARKS.md, "Third pass"). Here the writer's
/// WAL hook only notes the size and wakes a background queue, which runs a `PASSIVE` checkpoint on a connection
/// of its own while the writer goes on (WAL mode lets a checkpoint run beside readers and a writer).
///
/// Durability does not change: a commit is durable once its WAL frames are synced (`synchronous = FULL`), before
/// any checkpoint. If the background falls far behind (the WAL at `inlineThreshold` pages), the writer checkpoints
/// in its own commit again, as SQLite would, so the WAL cannot grow without bound.
final class WALCheckpointer: @unchecked Sendable {
    /// Pages in the WAL after a commit at which a background checkpoint starts (SQLite's own default).
    static let backgroundThreshold: CInt = 1_000
    /// Pages at which the writer checkpoints in its commit instead (about 64 MiB of WAL with 4 KiB pages).
    static let inlineThreshold: CInt = 16_000

    private let path: String
    private let queue = DispatchQueue(label: "teachersync.wal-checkpoint", qos: .utility)
    private let lock = NSLock()
    private var scheduled = false

    /// The hook's context: the checkpointer itself, retained once for the life of the process (below).
    private var context: UnsafeMutableRawPointer?

    init(path: String) { self.path = path }

    /// Installs the hook on a connection (every connection of the pool; only a writer's commits call it).
    ///
    /// The hook holds the checkpointer for the life of the process: a pool may outlive the replica that opened
    /// it, and the hook must never see a freed checkpointer. It is one small object per database opened.
    func install(on db: Database) {
        lock.lock()
        if context == nil { context = Unmanaged.passRetained(self).toOpaque() }
        let context = self.context
        lock.unlock()
        sqlite3_wal_hook(db.sqliteConnection, walHook, context)
    }

    /// Called by SQLite after each commit of the writer, with the WAL's size in pages.
    fileprivate func committed(_ connection: OpaquePointer?, pages: CInt) {
        if pages >= Self.inlineThreshold {
            // Far behind: checkpoint here, as SQLite's own hook would.
            sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            return
        }
        guard pages >= Self.backgroundThreshold else { return }
        lock.lock()
        let start = !scheduled
        scheduled = true
        lock.unlock()
        guard start else { return }
        queue.async { self.run() }
    }

    /// One `PASSIVE` checkpoint on a connection opened for it: it copies what no reader still needs and never
    /// waits for the writer.
    private func run() {
        lock.lock()
        scheduled = false
        lock.unlock()
        var connection: OpaquePointer?
        defer { sqlite3_close_v2(connection) }
        guard sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK
        else { return }
        sqlite3_busy_timeout(connection, 5_000)
        // SQLite before 3.42 finds the WAL only once the connection has read something.
        sqlite3_exec(connection, "SELECT 1 FROM sqlite_master LIMIT 1", nil, nil, nil)
        sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        // Closing it checkpoints and removes the WAL only if it is the database's last connection (the pool
        // has closed), which is what the pool's own last close would have done.
    }
}

/// The C hook: `sqlite3_wal_hook` wants a function pointer, not a closure with context of its own.
private func walHook(
    _ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ pages: CInt
) -> CInt {
    guard let context else { return SQLITE_OK }
    Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(connection, pages: pages)
    return SQLITE_OK
}
