import SyncCore
import SyncTestSupport
import Testing

/// ``SyncRound/setsSealed(available:local:)``: sets a node seals while its first batches go up join the round.
@Suite struct SyncRoundSealingTests {
    static let mine = SyncRoundTests.mine

    @Test func setsSealedDuringARoundArePushedInOrderAndTheRoundEndsInSync() {
        let sealedFirst = VersionVector([Self.mine: SyncRoundTests.head(2)])
        var round = SyncRound(local: sealedFirst, available: SyncRoundTests.refs(1...2), limits: .init(maxSets: 2))
        #expect(round.start() == .exchangeHeads(sealedFirst))
        #expect(round.headsReceived(VersionVector()) == .upload(SyncRoundTests.refs(1...2)))
        // While batch 1 was on its way, the node sealed sets 3 to 5.
        let sealedAll = VersionVector([Self.mine: SyncRoundTests.head(5)])
        round.setsSealed(available: SyncRoundTests.refs(1...5), local: sealedAll)
        #expect(
            round.uploadAcknowledged(hubHeads: VersionVector([Self.mine: SyncRoundTests.head(2)]))
                == .upload(SyncRoundTests.refs(3...4)))
        #expect(
            round.uploadAcknowledged(hubHeads: VersionVector([Self.mine: SyncRoundTests.head(4)]))
                == .upload(SyncRoundTests.refs(5...5)))
        #expect(
            round.uploadAcknowledged(hubHeads: sealedAll) == .finish(.inSync(pushed: 5, pulled: 0)))
    }

    @Test func withoutTheSealedSetsTheRoundStopsAfterWhatItKnew() {
        let sealedFirst = VersionVector([Self.mine: SyncRoundTests.head(2)])
        var round = SyncRound(local: sealedFirst, available: SyncRoundTests.refs(1...2), limits: .init(maxSets: 2))
        _ = round.start()
        #expect(round.headsReceived(VersionVector()) == .upload(SyncRoundTests.refs(1...2)))
        #expect(round.uploadAcknowledged(hubHeads: sealedFirst) == .finish(.inSync(pushed: 2, pulled: 0)))
        // A round that is over ignores sets sealed afterwards.
        round.setsSealed(
            available: SyncRoundTests.refs(1...3), local: VersionVector([Self.mine: SyncRoundTests.head(3)]))
        #expect(round.isFinished)
    }
}
