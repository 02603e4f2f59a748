public import SyncCore

/// Tunables of a replica, with the defaults a county node uses.
public struct ReplicaConfiguration: Sendable {
    /// The source of wall-clock time (injected so tests control it).
    public var wallClock: any WallClock
    /// How far ahead of the local clock a received set's clock readings may be (default 5 minutes).
    public var maxForwardDriftMillis: UInt64
    /// The most operations sealed into one change set (default 5,000).
    public var sealMaxOperations: Int
    /// The most body bytes sealed into one change set (default 4 MiB).
    public var sealMaxBytes: Int
    /// How many operations of received sets may share one transaction before it commits (default 50,000):
    /// sets applied together commit once (group commit), each in a savepoint of its own. A larger group writes
    /// and syncs less; a crash costs at most the sets of the open group, none of them acknowledged yet.
    public var groupCommitOperations: Int = 50_000
    /// The page cache of the connection that writes, in KiB (default 65,536: 64 MiB). A night's upload dirties
    /// thousands of pages in one transaction; with SQLite's default 2 MiB they spilled into the WAL before the
    /// commit and were written again at it, and SQLite's part of an upload took about a fifth longer
    /// (docs/BENCHMARKS.md, "Third pass"). The cache fills only as far as writes need it.
    public var writerCacheKiB: Int = 65_536
    /// How long a key registry the hub issues stays current (default 30 days); the hub re-issues it when
    /// half of that is left, and a node holding an expired one says its trust data is stale.
    public var registryValidityMillis: Int64 = 30 * 86_400_000
    /// Test hook: called after each operation is applied inside a transaction; throwing aborts the set.
    public var afterApplyingOperation: (@Sendable (Int) throws -> Void)?

    public init(
        wallClock: any WallClock = SystemWallClock(), maxForwardDriftMillis: UInt64 = 5 * 60 * 1000,
        sealMaxOperations: Int = 5_000, sealMaxBytes: Int = 4 << 20,
        afterApplyingOperation: (@Sendable (Int) throws -> Void)? = nil
    ) {
        self.wallClock = wallClock
        self.maxForwardDriftMillis = maxForwardDriftMillis
        self.sealMaxOperations = max(1, sealMaxOperations)
        self.sealMaxBytes = max(1024, sealMaxBytes)
        self.afterApplyingOperation = afterApplyingOperation
    }
}
