import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// The hub flags a county that has not contacted it within `counties.stale_after_hours`, in its status and
/// metrics, from a record kept in its database (so a restart forgets nothing).
@Suite struct StaleCountyTests {
    static let hour: Int64 = 3_600_000

    @Test func aQuietCountyIsFlaggedInStatusAndMetricsAndStaysFlaggedAcrossARestart() async throws {
        let f = try TransportFixture(counties: ["130102", "130104"])
        let (active, quiet) = (f.counties[0], f.counties[1])
        // Before any contact, every enrolled county is stale ("never").
        let initial = try #require(try f.hub.status(staleAfterHours: 48).counties)
        #expect(initial.map(\.county) == ["130102", "130104"])
        #expect(initial.allSatisfy { $0.stale && $0.lastContactAtMillis == nil })

        try await f.withHub { hub in
            #expect(await f.driver(active, hub).runRound().outcome.isFailure == false)
            let contactAt = f.clock.nowMillis()
            let status = try f.hub.status(staleAfterHours: 48)
            #expect(status.staleCounties == 1)
            let counties = try #require(status.counties)
            #expect(
                counties[0].county == "130102" && counties[0].lastContactAtMillis == contactAt && !counties[0].stale)
            #expect(counties[1].county == "130104" && counties[1].stale)

            // The same over HTTP: /v1/status and /metrics.
            let answer = try await RawHTTP.send("GET", hub.url + "/v1/status")
            #expect(answer.text.contains("\"stale\""))
            let metrics = try await RawHTTP.metrics(hub)
            #expect(metrics.contains(#"teachersync_county_stale{county="130102"} 0"#), "\(metrics)")
            #expect(metrics.contains(#"teachersync_county_stale{county="130104"} 1"#))
            #expect(metrics.contains("teachersync_counties_stale 1"))
            #expect(metrics.contains(#"teachersync_county_last_sync_seconds{county="130102"}"#))
            #expect(!metrics.contains(#"teachersync_county_last_sync_seconds{county="130104"}"#))

            // 47 hours later the active county is still fresh; after 48 it is stale as well.
            f.clock.advance(by: 47 * Self.hour)
            #expect(try f.hub.status(staleAfterHours: 48).staleCounties == 1)
            f.clock.advance(by: 1 * Self.hour + 1)
            #expect(try f.hub.status(staleAfterHours: 48).staleCounties == 2)
            #expect(try await RawHTTP.metrics(hub).contains("teachersync_counties_stale 2"))

            // The quiet county calls: only it is fresh now. A refused request (a stranger's) counts for nothing.
            #expect(await f.driver(quiet, hub).runRound().outcome.isFailure == false)
            let stranger = try f.extraCounty("stranger", county: "130102")
            _ = await f.driver(stranger, hub).runRound()
            let after = try f.hub.status(staleAfterHours: 48)
            #expect(after.counties?.map(\.stale) == [true, false])
        }

        // A restarted hub reads the contacts from its database.
        let reopened = try Replica.open(at: f.dir.path("hub"), configuration: ReplicaConfiguration(wallClock: f.clock))
        #expect(try reopened.status(staleAfterHours: 48).counties?.map(\.stale) == [true, false])
        // A county's replica has no such list.
        #expect(try active.status().counties == nil)
    }
}
