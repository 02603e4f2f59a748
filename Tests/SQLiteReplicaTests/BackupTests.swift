import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import Synchronization
import Testing

/// Online backups on real files: taken while a writer keeps going, restored next to the original key.
@Suite struct BackupTests {
    @Test func aBackupOfAQuietReplicaRestoresToTheSameState() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        try county.write((0..<40).map { ReplicaFixture.teacher($0) } + [ReplicaFixture.record("R1", minutes: 30)])
        try county.seal()
        try county.write([ReplicaFixture.teacher(100)])  // one pending operation travels too
        let file = f.dir.path("backups/county.sqlite")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)

        let report = try county.backup(to: file)
        let status = try county.status()
        #expect(report.storedSets == status.storedSets)
        #expect(report.pendingOperations == 1)
        #expect(report.bytes == (try Self.size(file)))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path) == [
                "county.sqlite"
            ])
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "personal data: readable by its owner only")
        // One self-contained file: the header says rollback journal (bytes 18 and 19 are 1), no -wal needed.
        let bytes = try Data(contentsOf: file)
        #expect(bytes.prefix(16) == Data("SQLite format 3\u{0}".utf8))
        #expect(bytes[18] == 1 && bytes[19] == 1)
        // The key is not in it, in either form.
        let keyText = try String(contentsOf: f.dir.path("county0/node.key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(bytes.range(of: Data(keyText.utf8)) == nil)
        #expect(bytes.range(of: try #require(Data(base64Encoded: keyText))) == nil)

        let restored = try Self.restore(file, keyOf: county, into: f.dir.path("restored"))
        #expect(restored.identity.origin == county.identity.origin)
        let verified = try restored.verifyStoredSets()
        #expect(verified.failures.isEmpty)
        #expect(verified.checked == status.storedSets)
        #expect(try restored.digest(county: nil) == (try county.digest(county: nil)))
        #expect(try restored.versionVector() == (try county.versionVector()))
        #expect(try restored.status().pendingOperations == 1)
    }

    @Test func aBackupTakenUnderConcurrentWritesIsConsistent() throws {
        let f = try ReplicaFixture { c in
            var c = c; c.sealMaxOperations = 4; return c
        }
        let county = f.counties[0]
        let writer = BackgroundWriter(replica: county, clock: f.clock)
        writer.waitForWrites(20)
        var backups = [(URL, BackupReport, writesBefore: Int, writesAfter: Int)]()
        for i in 0..<3 {
            let before = writer.writes
            let file = f.dir.path("backup-\(i).sqlite")
            let report = try county.backup(to: file)
            backups.append((file, report, before, writer.writes))
            writer.waitForWrites(writer.writes + 10)
        }
        let outcome = writer.stop()
        #expect(outcome.failure == nil)
        #expect(outcome.writes >= 40)
        #expect(backups.contains { $0.writesAfter > $0.writesBefore }, "writes went on while a backup ran")
        try county.seal()

        let source = try county.exportEnvelopes()
        for (i, (file, report, _, _)) in backups.enumerated() {
            let checked = try Replica.inspectBackup(at: file)
            #expect(checked.storedSets == report.storedSets)
            let restored = try Self.restore(file, keyOf: county, into: f.dir.path("restored-\(i)"))
            let verified = try restored.verifyStoredSets()
            #expect(verified.failures.isEmpty, "backup \(i)")
            #expect(verified.checked == report.storedSets)
            // A snapshot of one moment: playing the later sets on top of it gives the source's state exactly.
            let caughtUp = try restored.receive(source)
            #expect(caughtUp.rejected.isEmpty, "backup \(i)")
            #expect(try restored.digest(county: nil) == (try county.digest(county: nil)), "backup \(i)")
            #expect(try restored.versionVector() == (try county.versionVector()))
        }
    }

    @Test func aRestoredCountyKeepsWritingAndSealing() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        try county.write((0..<10).map { ReplicaFixture.teacher($0) })
        let sealed = try county.seal()
        #expect(try f.hub.receive(county.exportEnvelopes()).rejected.isEmpty)
        let file = f.dir.path("county.sqlite")
        try county.backup(to: file)

        let restored = try Self.restore(file, keyOf: county, into: f.dir.path("restored"))
        try restored.write([ReplicaFixture.teacher(10), ReplicaFixture.record("R9", minutes: 45)])
        let next = try restored.seal()
        #expect(next.map(\.sequence) == [sealed.last!.sequence + 1])
        #expect(try restored.verifyStoredSets().failures.isEmpty)
        let atHub = try f.hub.receive(restored.exportEnvelopes())
        #expect(atHub.rejected.isEmpty)
        #expect(atHub.applied == 1)
        #expect(try f.hub.digest(county: "130102") == (try restored.digest(county: "130102")))
    }

    /// A county restored from an old backup gets its own later sets back from the hub (its key signed them),
    /// then writes on from there.
    @Test func aCountyRestoredFromAnOldBackupPullsItsLaterSetsFromTheHub() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        try county.write((0..<5).map { ReplicaFixture.teacher($0) })
        try county.seal()
        _ = try f.hub.receive(county.exportEnvelopes())
        let file = f.dir.path("old.sqlite")
        try county.backup(to: file)
        try county.write((5..<9).map { ReplicaFixture.teacher($0) } + [ReplicaFixture.teacher(0, subject: "16")])
        try county.seal()
        #expect(try f.hub.receive(county.exportEnvelopes()).rejected.isEmpty)

        let restored = try Self.restore(file, keyOf: county, into: f.dir.path("restored"))
        #expect(try restored.digest(county: "130102") != (try county.digest(county: "130102")))
        let pulled = try restored.receive(f.hub.exportEnvelopes(county: "130102"))
        #expect(pulled.rejected.isEmpty)
        #expect(pulled.applied == 1, "the county's own later set")
        #expect(try restored.digest(county: "130102") == (try county.digest(county: "130102")))
        try restored.write([ReplicaFixture.teacher(9)])
        try restored.seal()
        #expect(try f.hub.receive(restored.exportEnvelopes()).rejected.isEmpty)
        #expect(try f.hub.digest(county: "130102") == (try restored.digest(county: "130102")))
    }

    /// A hub restored from an old backup gets its own later registry sets back from a county's bundle, then
    /// enrols on from there.
    @Test func aHubRestoredFromAnOldBackupRecoversItsStreamFromACounty() throws {
        let f = try ReplicaFixture()
        let file = f.dir.path("hub.sqlite")
        try f.hub.backup(to: file)
        let late = try Replica.create(at: f.dir.path("late"), role: .county, county: "130104")
        try f.hub.write([.registryEntry(late.identity.record)])
        try f.hub.seal()
        #expect(try f.counties[0].receive(f.hub.exportEnvelopes()).rejected.isEmpty)

        let restored = try Self.restore(file, keyOf: f.hub, into: f.dir.path("restored"))
        #expect(try restored.originRecord(for: late.identity.origin) == nil)
        #expect(try restored.receive(f.counties[0].exportEnvelopes()).rejected.isEmpty)
        #expect(try restored.originRecord(for: late.identity.origin) != nil)
        #expect(try restored.versionVector() == (try f.hub.versionVector()))
        let another = try Replica.create(at: f.dir.path("another"), role: .county, county: "130105")
        try restored.write([.registryEntry(another.identity.record)])
        try restored.seal()
        #expect(try f.counties[0].receive(restored.exportEnvelopes()).rejected.isEmpty)
    }

    /// Operations still pending in a backup were sealed by the original after the backup; when those sets
    /// come back from the hub, the restored node drops its pending copies instead of sealing them again.
    @Test func pendingOperationsInABackupAreResealedBehindTheirPublishedSets() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        try county.write([ReplicaFixture.teacher(1)])
        let file = f.dir.path("pending.sqlite")
        #expect(try county.backup(to: file).pendingOperations == 1)
        try county.write([ReplicaFixture.teacher(2)])
        try county.seal()
        _ = try f.hub.receive(county.exportEnvelopes())

        let restored = try Self.restore(file, keyOf: county, into: f.dir.path("restored"))
        #expect(try restored.receive(f.hub.exportEnvelopes(county: "130102")).rejected.isEmpty)
        #expect(try restored.digest(county: "130102") == (try county.digest(county: "130102")))
        #expect(try restored.status().pendingOperations == 0)
        #expect(try restored.seal().isEmpty)
        let atHub = try f.hub.receive(restored.exportEnvelopes())
        #expect(atHub.rejected.isEmpty)
        // The restored node goes on writing after its published head.
        try restored.write([ReplicaFixture.teacher(3)])
        #expect(try restored.seal().count == 1)
        #expect(try f.hub.receive(restored.exportEnvelopes()).rejected.isEmpty)
    }

    @Test func refusesToOverwriteUnlessAskedAndNeverTouchesTheLiveFiles() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        let folder = f.dir.path("backups")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("county.sqlite")
        try Data("an older backup".utf8).write(to: file)

        do {
            try county.backup(to: file)
            Issue.record("an existing file was overwritten")
        } catch {
            #expect(error.isUsageError)
            #expect(error.message.contains(file.path))
        }
        #expect(try Data(contentsOf: file) == Data("an older backup".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["county.sqlite"], "no leftovers")

        let report = try county.backup(to: file, replacing: true)
        let checked = try Replica.inspectBackup(at: file)
        #expect(checked.storedSets == report.storedSets && checked.bytes == report.bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["county.sqlite"])

        for own in ["replica.sqlite", "replica.sqlite-wal", "node.key"] {
            #expect(throws: ReplicaError.self) {
                try county.backup(to: f.dir.path("county0/\(own)"), replacing: true)
            }
        }
        #expect(try county.verifyStoredSets().failures.isEmpty)
        #expect(try Replica.open(at: f.dir.path("county0")).identity.origin == county.identity.origin)

        do {
            try county.backup(to: f.dir.path("no/such/folder/county.sqlite"))
            Issue.record("a backup into a missing folder succeeded")
        } catch {
            #expect(error.isRetryable)
        }
        // An empty file is a valid, empty SQLite database, but not a replica.
        let empty = f.dir.path("empty.sqlite")
        try Data().write(to: empty)
        do {
            _ = try Replica.inspectBackup(at: empty)
            Issue.record("an empty database passed for a backup")
        } catch {
            #expect(error.message.contains("not a replica"))
        }
    }

    // MARK: - Helpers

    /// Restores a backup the documented way: the file as `replica.sqlite` in a new folder, with the
    /// original key beside it.
    static func restore(_ backup: URL, keyOf original: Replica, into folder: URL) throws -> Replica {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        try fm.copyItem(at: backup, to: folder.appendingPathComponent(Replica.databaseName))
        try fm.copyItem(
            at: original.directory.appendingPathComponent(Replica.keyName),
            to: folder.appendingPathComponent(Replica.keyName))
        return try Replica.open(at: folder, configuration: original.configuration)
    }

    static func size(_ url: URL) throws -> Int64 {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? -1
    }
}

/// Writes one teacher at a time on its own thread, sealing every few writes, until stopped.
final class BackgroundWriter: Sendable {
    private struct State {
        var writes = 0
        var failure: String?
        var stopping = false
        var stopped = false
    }

    private let state = Mutex(State())

    init(replica: Replica, clock: ManualWallClock) {
        let thread = Thread { [self] in
            var n = 10_000
            while !state.withLock({ $0.stopping }) {
                do {
                    clock.advance(by: 1)
                    try replica.write([ReplicaFixture.teacher(n)])
                    if n % 3 == 0 { try replica.seal() }
                    n += 1
                    state.withLock { $0.writes += 1 }
                } catch {
                    state.withLock {
                        $0.failure = "\(error)"; $0.stopping = true
                    }
                }
            }
            state.withLock { $0.stopped = true }
        }
        thread.start()
    }

    var writes: Int { state.withLock { $0.writes } }

    /// Waits until at least `count` writes are done (or the writer failed, or 30 s passed).
    func waitForWrites(_ count: Int) {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let (done, failed) = state.withLock { ($0.writes >= count, $0.failure != nil) }
            if done || failed { return }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    /// Stops the writer and waits for its thread to finish.
    func stop() -> (writes: Int, failure: String?) {
        state.withLock { $0.stopping = true }
        while !state.withLock({ $0.stopped }) { Thread.sleep(forTimeInterval: 0.005) }
        return state.withLock { ($0.writes, $0.failure) }
    }
}
