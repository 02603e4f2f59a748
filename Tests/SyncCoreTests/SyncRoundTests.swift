import SyncCore
import SyncTestSupport
import Testing

@Suite struct SyncRoundTests {
    static let mine = StreamID(origin: KeyFixtures.identity(1).origin, scope: .county("130102"))
    static let hubStream = StreamID(origin: KeyFixtures.identity(9).origin, scope: .province)

    static func head(_ n: UInt64, _ tag: UInt8 = 0) -> StreamHead {
        StreamHead(sequence: n, head: [UInt8](repeating: UInt8(n) &+ tag, count: 32))
    }

    static func refs(_ range: ClosedRange<UInt64>, size: Int = 100) -> [SyncRound.SetRef] {
        range.map { .init(stream: mine, sequence: $0, size: size) }
    }

    @Test func pushesWhatTheHubLacksInBoundedBatchesThenPulls() {
        let local = VersionVector([Self.mine: Self.head(5), Self.hubStream: Self.head(1)])
        var round = SyncRound(local: local, available: Self.refs(1...5), limits: .init(maxSets: 2))
        #expect(round.start() == .exchangeHeads(local))
        let hubHeads = VersionVector([Self.mine: Self.head(1), Self.hubStream: Self.head(3)])
        #expect(round.headsReceived(hubHeads) == .upload(Self.refs(2...3)))
        var acked = hubHeads
        acked.heads[Self.mine] = Self.head(3)
        #expect(round.uploadAcknowledged(hubHeads: acked) == .upload(Self.refs(4...5)))
        acked.heads[Self.mine] = Self.head(5)
        #expect(round.uploadAcknowledged(hubHeads: acked) == .download(after: local))
        let pulled = VersionVector([Self.mine: Self.head(5), Self.hubStream: Self.head(3)])
        #expect(round.pageApplied(local: pulled, received: 2, more: false) == .finish(.inSync(pushed: 4, pulled: 2)))
    }

    @Test func batchesAreBoundedByBytesButNeverEmpty() {
        let local = VersionVector([Self.mine: Self.head(3)])
        var round = SyncRound(
            local: local, available: Self.refs(1...3, size: 600), limits: .init(maxSets: 10, maxBytes: 1000))
        _ = round.start()
        #expect(round.headsReceived(VersionVector()) == .upload(Array(Self.refs(1...1, size: 600))))
    }

    /// Interrupting a round at any step and starting a new one from the two sides' heads sends exactly the
    /// sets not yet acknowledged: none twice, none skipped.
    @Test(arguments: 0...4)
    func aNewRoundResumesWhereAnInterruptedOneStopped(acknowledgedBatches: Int) {
        let local = VersionVector([Self.mine: Self.head(9)])
        var hub = VersionVector()
        var sent = [UInt64]()
        var round = SyncRound(local: local, available: Self.refs(1...9), limits: .init(maxSets: 2))
        _ = round.start()
        var action = round.headsReceived(hub)
        for _ in 0..<acknowledgedBatches {
            guard case .upload(let batch) = action else { break }
            sent += batch.map(\.sequence)
            hub.heads[Self.mine] = Self.head(batch.last!.sequence)
            action = round.uploadAcknowledged(hubHeads: hub)
        }
        // The connection drops here, with a batch in flight that the hub never acknowledged.
        _ = round.transportFailed("connection reset")
        var next = SyncRound(local: local, available: Self.refs(1...9), limits: .init(maxSets: 2))
        _ = next.start()
        action = next.headsReceived(hub)
        while case .upload(let batch) = action {
            sent += batch.map(\.sequence)
            hub.heads[Self.mine] = Self.head(batch.last!.sequence)
            action = next.uploadAcknowledged(hubHeads: hub)
        }
        #expect(sent == Array(1...9), "sent \(sent)")
        #expect(action == .finish(.inSync(pushed: 9 - min(acknowledgedBatches * 2, 9), pulled: 0)))
    }

    @Test func aForkIsRefusedNotMerged() {
        let local = VersionVector([Self.mine: Self.head(4)])
        var round = SyncRound(local: local, available: Self.refs(1...4))
        _ = round.start()
        let action = round.headsReceived(VersionVector([Self.mine: Self.head(4, 7)]))
        guard case .finish(.failed(let reason, _, let retryable)) = action else {
            Issue.record("expected a refusal, got \(action)")
            return
        }
        #expect(reason == .fork)
        #expect(!retryable)
    }

    @Test func aSetTheHubDidNotApplyEndsTheRoundRetryably() {
        let local = VersionVector([Self.mine: Self.head(2)])
        var round = SyncRound(local: local, available: Self.refs(1...2))
        _ = round.start()
        #expect(round.headsReceived(VersionVector()) == .upload(Self.refs(1...2)))
        let action = round.uploadAcknowledged(hubHeads: VersionVector([Self.mine: Self.head(1)]))
        guard case .finish(.failed(_, _, let retryable)) = action else {
            Issue.record("expected a failure, got \(action)")
            return
        }
        #expect(retryable)
    }

    @Test func aGapAtTheHubThatThisNodeCannotFillIsReported() {
        let local = VersionVector([Self.mine: Self.head(5)])
        var round = SyncRound(local: local, available: Self.refs(3...5))  // sets 1–2 pruned or lost here
        _ = round.start()
        let action = round.headsReceived(VersionVector())
        guard case .finish(.failed(let reason, _, _)) = action else {
            Issue.record("expected a gap, got \(action)")
            return
        }
        #expect(reason == .chainGap)
    }

    @Test func pullsPageByPageUntilTheHubHasNoMore() {
        let local = VersionVector()
        var round = SyncRound(local: local, available: [])
        _ = round.start()
        let hubHeads = VersionVector([Self.hubStream: Self.head(3)])
        #expect(round.headsReceived(hubHeads) == .download(after: local))
        let page1 = VersionVector([Self.hubStream: Self.head(2)])
        #expect(round.pageApplied(local: page1, received: 2, more: true) == .download(after: page1))
        #expect(round.pageApplied(local: hubHeads, received: 1, more: false) == .finish(.inSync(pushed: 0, pulled: 3)))
    }

    @Test func aPageThatBringsNothingEndsTheRoundInsteadOfLooping() {
        var round = SyncRound(local: VersionVector(), available: [])
        _ = round.start()
        _ = round.headsReceived(VersionVector([Self.hubStream: Self.head(3)]))
        let action = round.pageApplied(local: VersionVector(), received: 0, more: true)
        guard case .finish(.failed(let reason, _, true)) = action else {
            Issue.record("expected a retryable failure, got \(action)")
            return
        }
        #expect(reason == .chainGap)
    }
}
