import SyncCore
import Testing

@Suite struct HybridClockTests {
    @Test func readingsIncreaseWhileTheWallClockStandsStill() {
        var clock = HybridClock()
        let a = clock.now(wallMillis: 1000)
        let b = clock.now(wallMillis: 1000)
        #expect(a < b)
        #expect(b.physicalMillis == 1000)
        #expect(b.logical == 1)
    }

    @Test func survivesTheWallClockGoingBackwards() {
        var clock = HybridClock()
        let a = clock.now(wallMillis: 10_000)
        let b = clock.now(wallMillis: 5_000)  // someone set the clock back
        let c = clock.now(wallMillis: 5_001)
        #expect(a < b && b < c)
        #expect(c.physicalMillis == 10_000)
        let d = clock.now(wallMillis: 20_000)
        #expect(d == HybridTimestamp(physicalMillis: 20_000, logical: 0))
    }

    @Test func logicalOverflowBorrowsTheNextMillisecond() {
        var clock = HybridClock(last: HybridTimestamp(physicalMillis: 50, logical: .max))
        let t = clock.now(wallMillis: 10)
        #expect(t == HybridTimestamp(physicalMillis: 51, logical: 0))
    }

    @Test func receiveOrdersLaterReadingsAfterTheRemoteOne() throws {
        var clock = HybridClock(maxForwardDriftMillis: 60_000)
        let remote = HybridTimestamp(physicalMillis: 30_000, logical: 7)
        try clock.receive(remote, wallMillis: 1_000)
        #expect(clock.now(wallMillis: 1_000) > remote)
    }

    @Test func refusesARemoteReadingTooFarInTheFuture() {
        var clock = HybridClock(maxForwardDriftMillis: 60_000)
        let before = clock.last
        do {
            try clock.receive(HybridTimestamp(physicalMillis: 61_001, logical: 0), wallMillis: 1_000)
            Issue.record("accepted a reading 60.001 s ahead")
        } catch {
            #expect(error.reason == .hlcFuture)
        }
        #expect(clock.last == before)
        #expect(throws: Never.self) {
            try clock.receive(HybridTimestamp(physicalMillis: 61_000, logical: 0), wallMillis: 1_000)
        }
    }

    @Test func packingKeepsOrderAndParts() {
        let t = HybridTimestamp(physicalMillis: 1_567_296_000_123, logical: 42)
        #expect(t.physicalMillis == 1_567_296_000_123)
        #expect(t.logical == 42)
        #expect(HybridTimestamp(physicalMillis: 2, logical: 0) > HybridTimestamp(physicalMillis: 1, logical: .max))
    }
}
