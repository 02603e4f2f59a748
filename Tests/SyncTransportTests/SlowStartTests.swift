import Foundation
import SQLiteReplica
import SyncCore
import SyncTransport
import Testing

/// `SyncDriver(firstSeal:)`: the daemon and `teachersync sync` seal one set before the first upload, and the rest
/// while the hub applies it.
@Suite struct SlowStartTests {
    /// Uploads the hub has answered (`POST /v1/sets`, endpoint `upload` of its latency histogram).
    static func uploads(_ hub: RunningHub) async throws -> Int {
        let text = try await RawHTTP.metrics(hub)
        for line in text.split(separator: "\n")
        where line.hasPrefix(#"teachersync_request_duration_seconds_count{endpoint="upload"}"#) {
            return Int(line.split(separator: " ").last.flatMap { Double($0) } ?? 0)
        }
        return 0
    }

    @Test func theFirstUploadCarriesOneSetAndTheRestFollowInOneBatch() async throws {
        let f = try TransportFixture(countyConfig: {
            var c = $0
            c.sealMaxOperations = 2
            return c
        })
        let county = f.counties[0]
        try county.write((1...10).map { TransportFixture.teacher($0) })
        try await f.withHub { hub in
            var client = f.client(county, hub)
            client.timeout = .seconds(60)
            let driver = SyncDriver(
                executor: ReplicaExecutor(county), client: client, firstSeal: SyncDriver.slowStart)
            #expect(await driver.runRound().outcome == .inSync(pushed: 5, pulled: 2))
            // One set first, then the four sealed meanwhile, in one batch.
            #expect(try await Self.uploads(hub) == 2)
            #expect(try county.status().pendingOperations == 0)
            #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))

            // Without it, the whole batch is sealed first and goes in one upload.
            try county.write((11...20).map { TransportFixture.teacher($0) })
            let whole = SyncDriver(executor: ReplicaExecutor(county), client: client)
            #expect(await whole.runRound().outcome == .inSync(pushed: 5, pulled: 0))
            #expect(try await Self.uploads(hub) == 3)
        }
    }
}
