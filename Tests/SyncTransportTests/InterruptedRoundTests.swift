import Dispatch
import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Synchronization
import Testing

/// Fires an action once, when a replica's `afterApplyingOperation` hook has been called `at` times.
final class Tripwire: Sendable {
    private let state = Mutex<(count: Int, at: Int, action: (@Sendable () -> Void)?)>((0, 0, nil))

    func arm(at: Int, _ action: @escaping @Sendable () -> Void) {
        state.withLock { $0 = (0, at, action) }
    }

    func tick() {
        let action = state.withLock { s -> (@Sendable () -> Void)? in
            s.count += 1
            guard s.count == s.at, let a = s.action else { return nil }
            s.action = nil
            return a
        }
        action?()
    }

    var fired: Bool { state.withLock { $0.action == nil && $0.count >= $0.at && $0.at > 0 } }
}

private let oneOperationSets: @Sendable (ReplicaConfiguration) -> ReplicaConfiguration = {
    var c = $0
    c.sealMaxOperations = 1
    return c
}

/// Rounds cut off by a hub that stops: they end retryable, and the next round against the restarted hub (same
/// data folder) converges with every set held once.
@Suite struct InterruptedRoundTests {
    @Test func roundAgainstAStoppedHubFailsRetryablyThenConverges() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try county.write([TransportFixture.teacher(1)])
        let first = try await f.startHub()
        try await first.stop()

        // The client points at the closed port (a short deadline: see `TransportFixture.client`).
        let report = await f.driver(county, first, timeout: .seconds(2)).runRound()
        #expect(report.outcome.reason == .transportFailure)
        #expect(report.outcome.isRetryable == true)
        #expect(try f.hub.sequences(of: county.ownCountyStream).isEmpty)
        #expect(try county.status().pendingOperations == 0)  // sealed before the network was tried
        #expect(try county.sequences(of: county.ownCountyStream) == [1])

        let second = try await f.startHub(port: first.port)
        let resumed = await f.driver(county, second).runRound()
        #expect(resumed.outcome == .inSync(pushed: 1, pulled: 2))
        #expect(try f.hub.sequences(of: county.ownCountyStream) == [1])
        try await second.stop()
    }

    /// `teachersync sync` uses `HubClient`'s defaults: `HTTPClient.shared` and a 60 s deadline. AsyncHTTPClient's
    /// `retryConnectionEstablishment` (on by default) retries a refused connection with back-off until the
    /// deadline, so a round against a hub that is down waits the whole minute before saying `transport.failed`.
    @Test
    func roundAgainstADownHubFailsPromptly() async throws {
        let f = try TransportFixture()
        let stopped = try await f.startHub()
        try await stopped.stop()
        let started = ContinuousClock.now
        let report = await f.driver(f.counties[0], stopped).runRound()
        let elapsed = ContinuousClock.now - started
        #expect(report.outcome.reason == .transportFailure)
        #expect(elapsed < .seconds(30), "the round took \(elapsed) to fail (the deadline is 60 s)")
    }

    @Test func uploadInterruptedByHubStopResumesAfterRestart() async throws {
        let wire = Tripwire()
        let f = try TransportFixture(
            countyConfig: oneOperationSets,
            hubConfig: {
                var c = $0
                c.afterApplyingOperation = { _ in wire.tick() }
                return c
            })
        let county = f.counties[0]
        try county.write((1...6).map { TransportFixture.teacher($0) })
        let storedBefore = try f.hub.status().storedSets
        let limits = SyncRound.Limits(maxSets: 2)

        // The hub stops while it applies the first set of the second batch of two.
        let hub = try await f.startHub()
        wire.arm(at: 3) { hub.task.cancel() }
        let interrupted = await f.driver(county, hub, limits: limits, timeout: .seconds(5)).runRound()
        #expect(wire.fired)
        // The hub committed the batch but its answer was lost with the connection.
        if case .failed(_, let detail, _) = interrupted.outcome { #expect(detail.hasPrefix("/v1/sets:")) }
        #expect(interrupted.outcome.reason == .transportFailure)
        #expect(interrupted.outcome.isRetryable == true)
        try await hub.stop()
        let held = try f.hub.sequences(of: county.ownCountyStream)
        // Batch 1 and the batch being applied when the hub stopped are durable; batch 3 never arrived.
        #expect(held == Array(1...4))

        // The hub restarts on the same data folder and port.
        let reopened = try Replica.open(at: f.dir.path("hub"), configuration: ReplicaConfiguration(wallClock: f.clock))
        let restarted = try await RunningHub.start(replica: reopened, port: hub.port, clock: f.clock)
        let resumed = await f.driver(county, restarted, limits: limits).runRound()
        #expect(resumed.outcome == .inSync(pushed: 6 - held.count, pulled: 2))
        #expect(try reopened.sequences(of: county.ownCountyStream) == Array(1...6))
        #expect(try reopened.status().storedSets == storedBefore + 6)
        #expect(try reopened.status().quarantined.isEmpty)
        #expect(try reopened.digest(county: "130102") == county.digest(county: "130102"))
        #expect(await f.driver(county, restarted, limits: limits).runRound().outcome == .inSync(pushed: 0, pulled: 0))
        try await restarted.stop()
    }

    @Test func pullInterruptedByHubStopResumesAfterRestart() async throws {
        let wire = Tripwire()
        let f = try TransportFixture(
            countyConfig: {
                var c = $0
                c.afterApplyingOperation = { _ in wire.tick() }
                return c
            }, hubConfig: oneOperationSets)
        let county = f.counties[0]
        try f.hub.write((1...5).map { TransportFixture.teacher($0, name: "王五") })
        try f.hub.seal()
        let readable = try f.hub.exportEnvelopes(county: "130102").count
        #expect(readable == 3 + 5)  // the hub registry (its entry, the registry version), the county entry
        let limits = SyncRound.Limits(maxSets: 2)

        // The hub is stopped (for good, before the county asks again) while the county applies page 1.
        let hub = try await f.startHub()
        wire.arm(at: 1) {
            let done = DispatchSemaphore(value: 0)
            Task {
                try? await hub.stop()
                done.signal()
            }
            done.wait()
        }
        let interrupted = await f.driver(county, hub, limits: limits, timeout: .seconds(6)).runRound()
        #expect(wire.fired)
        #expect(interrupted.outcome.reason == .transportFailure)
        #expect(interrupted.outcome.isRetryable == true)
        #expect(try county.status().storedSets == 2)

        let reopened = try Replica.open(at: f.dir.path("hub"), configuration: ReplicaConfiguration(wallClock: f.clock))
        let restarted = try await RunningHub.start(replica: reopened, port: hub.port, clock: f.clock)
        let resumed = await f.driver(county, restarted, limits: limits).runRound()
        #expect(resumed.outcome == .inSync(pushed: 0, pulled: readable - 2))
        #expect(try county.status().storedSets == readable)
        #expect(try county.versionVector() == reopened.versionVector().readable(by: "130102"))
        #expect(try county.digest(county: "130102") == reopened.digest(county: "130102"))
        try await restarted.stop()
    }
}
