import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import Synchronization
import Testing

@testable import SyncTransport

/// The hub's per-request and per-origin limits: each refusal has its reason code and is counted.
@Suite struct LimitsTests {
    @Test func anOriginOverItsRateIsRefusedUntilItsBucketRefills() async throws {
        let f = try TransportFixture(counties: ["130102", "130104"])
        var limits = HubLimits()
        limits.requestsPerMinute = 3
        let hub = try await RunningHub.start(replica: f.hub, port: 0, clock: f.clock, limits: limits)
        func heads(_ replica: Replica) async throws -> RawHTTP.Answer {
            let signed = RawHTTP.signed(
                "/v1/heads", on: hub, body: try emptyVectorJSON(), signer: replica.identity.signer,
                nowMillis: f.clock.nowMillis())
            return try await RawHTTP.send("POST", signed.url, body: signed.body, headers: signed.headers)
        }
        for _ in 0..<3 { #expect(try await heads(f.counties[0]).status == 200) }
        let refused = try await heads(f.counties[0])
        #expect(refused.status == 429)
        #expect(refused.reason == ReasonCode.limitRate.rawValue)
        // Another origin has its own budget.
        #expect(try await heads(f.counties[1]).status == 200)
        // 20 seconds refill one request of a 3-a-minute budget.
        f.clock.advance(by: 20_000)
        #expect(try await heads(f.counties[0]).status == 200)
        #expect(try await heads(f.counties[0]).status == 429)
        let metrics = try await RawHTTP.metrics(hub)
        #expect(metrics.contains(#"teachersync_requests_refused_total{reason="limit.rate"} 2"#), "\(metrics)")
        try await hub.stop()
    }

    @Test func aRoundAgainstAHubOverItsLimitFailsRetryably() async throws {
        let f = try TransportFixture()
        var limits = HubLimits()
        limits.requestsPerMinute = 1
        let hub = try await RunningHub.start(replica: f.hub, port: 0, clock: f.clock, limits: limits)
        try f.counties[0].write([TransportFixture.teacher(1)])
        let report = await f.driver(f.counties[0], hub).runRound()
        #expect(report.outcome.reason == .limitRate)
        #expect(report.outcome.isRetryable == true)
        try await hub.stop()
    }

    @Test func aBodyOverTheLimitIsRefusedWithItsReason() async throws {
        let f = try TransportFixture()
        var limits = HubLimits()
        limits.maxBodyBytes = 1 << 20
        let hub = try await RunningHub.start(replica: f.hub, port: 0, clock: f.clock, limits: limits)
        let body = [UInt8](repeating: 0x41, count: 2 << 20)
        let signed = RawHTTP.signed(
            "/v1/sets", on: hub, body: body, signer: f.counties[0].identity.signer, nowMillis: f.clock.nowMillis())
        let answer = try await RawHTTP.send("POST", signed.url, body: signed.body, headers: signed.headers)
        #expect(answer.status == 413)
        #expect(answer.reason == ReasonCode.tooLarge.rawValue)
        let metrics = try await RawHTTP.metrics(hub)
        #expect(metrics.contains(#"teachersync_requests_refused_total{reason="format.too_large"} 1"#))
        try await hub.stop()
    }

    @Test func concurrentRequestsOfOneOriginAreCapped() throws {
        var limits = HubLimits()
        limits.concurrentRequestsPerOrigin = 2
        let limiter = OriginLimiter(limits: limits)
        let a = KeyFixtures.identity(1).origin
        let b = KeyFixtures.identity(2).origin
        try limiter.admit(a, nowMillis: 0)
        try limiter.admit(a, nowMillis: 0)
        #expect(throws: SyncError.self) { try limiter.admit(a, nowMillis: 0) }
        do { try limiter.admit(a, nowMillis: 0) } catch { #expect(error.reason == .limitConcurrency) }
        try limiter.admit(b, nowMillis: 0)
        limiter.finish(a)
        try limiter.admit(a, nowMillis: 0)
    }
}

/// The hub's bound on uploads in progress across all counties.
@Suite struct UploadGateTests {
    @Test func slotsAreHandedOverInOrderAndAWaitCanRunOut() async throws {
        let gate = UploadGate(limit: 2)
        #expect(await gate.acquire(wait: .seconds(1)))
        #expect(await gate.acquire(wait: .seconds(1)))
        // Full: a third waits, and gets the slot the moment one is released.
        async let third = gate.acquire(wait: .seconds(30))
        while gate.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        gate.release()
        #expect(await third)
        // Full again: a short wait runs out, and leaves no waiter behind.
        #expect(await gate.acquire(wait: .milliseconds(50)) == false)
        #expect(gate.waiting == 0)
        gate.release()
        gate.release()
        // Both slots free: two acquire at once without waiting.
        #expect(await gate.acquire(wait: .milliseconds(1)))
        #expect(await gate.acquire(wait: .milliseconds(1)))
    }

    @Test func manyWaitersEachGetASlotOnce() async throws {
        final class Counter: Sendable {
            let value = Mutex(0)
        }
        let gate = UploadGate(limit: 1)
        let served = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    if await gate.acquire(wait: .seconds(300)) {
                        served.value.withLock { $0 += 1 }
                        try? await Task.sleep(for: .milliseconds(2))
                        gate.release()
                    }
                }
            }
        }
        #expect(served.value.withLock { $0 } == 20)
        #expect(gate.waiting == 0)
        #expect(await gate.acquire(wait: .milliseconds(1)))
    }
}
