import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// A county restored from an older backup writes before its first sync: the round fetches the county's own
/// later sets first, so the new writes follow them instead of forking the stream, and nothing is lost.
@Suite struct RestoredNodeTests {
    @Test func aRestoredCountyThatWritesBeforeSyncingNeitherForksNorLosesAnything() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try await f.withHub { hub in
            try county.write([TransportFixture.teacher(1)])
            #expect(await f.driver(county, hub).runRound().outcome.isInSync)
            let backup = f.dir.path("county-backup.sqlite")
            try county.backup(to: backup)
            // After the backup, the original writes and syncs more; then its disk dies.
            try county.write([TransportFixture.teacher(2), TransportFixture.teacher(3)])
            #expect(await f.driver(county, hub).runRound().outcome.isInSync)

            let folder = f.dir.path("restored")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: backup, to: folder.appendingPathComponent(Replica.databaseName))
            try FileManager.default.copyItem(
                at: county.directory.appendingPathComponent(Replica.keyName),
                to: folder.appendingPathComponent(Replica.keyName))
            let restored = try Replica.open(at: folder, configuration: county.configuration)
            f.clock.advance(by: 1_000)
            try restored.write([TransportFixture.teacher(4)])  // written before the first sync

            let report = await f.driver(restored, hub).runRound()
            #expect(report.outcome.isInSync, "\(report.outcome)")
            #expect(report.rejectedByHub.isEmpty)
            #expect(try f.hub.status().quarantined.isEmpty)
            #expect(try restored.digest(county: "130102") == (try f.hub.digest(county: "130102")))
            #expect(try restored.teacherCounties().count == 4, "a write was lost")
        }
    }
}

extension SyncRound.Outcome {
    fileprivate var isInSync: Bool {
        if case .inSync = self { return true }
        return false
    }
}
