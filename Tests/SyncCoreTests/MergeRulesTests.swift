import SyncCore
import SyncTestSupport
import Testing

@Suite struct MergeRulesTests {
    let a = KeyFixtures.identity(1).origin
    let b = KeyFixtures.identity(2).origin

    func upsert(_ hlc: UInt64, _ fields: [String: Value]) -> RowOperation {
        RowOperation(
            kind: .upsert, hlc: HybridTimestamp(rawValue: hlc), table: "t", key: [.text("k")],
            fields: fields.map { .init($0.key, $0.value) })
    }

    func apply(_ ops: [(RowOperation, OriginID)]) -> RowState? {
        var row: RowState?
        for (op, origin) in ops { row = MergeRules.apply(op, by: origin, to: row).row }
        return row
    }

    @Test func lastWriterWinsPerFieldWhateverTheOrder() {
        let ops = [
            (upsert(10, ["x": .text("a1"), "y": .text("a1")]), a),
            (upsert(20, ["x": .text("b2")]), b),
            (upsert(15, ["y": .text("a3")]), a),
        ]
        let forward = apply(ops)
        let backward = apply(ops.reversed())
        #expect(forward == backward)
        #expect(forward?.fields["x"]?.value == .text("b2"))
        #expect(forward?.fields["y"]?.value == .text("a3"))
    }

    @Test func equalClocksAreOrderedByOrigin() {
        let ops = [(upsert(10, ["x": .text("from a")]), a), (upsert(10, ["x": .text("from b")]), b)]
        let winner = a > b ? "from a" : "from b"
        #expect(apply(ops)?.fields["x"]?.value == .text(winner))
        #expect(apply(ops.reversed())?.fields["x"]?.value == .text(winner))
    }

    @Test func tombstonesWinOverOlderWritesOnly() {
        let delete = RowOperation(
            kind: .delete, hlc: HybridTimestamp(rawValue: 15), table: "t", key: [.text("k")], fields: [])
        let older = upsert(10, ["x": .text("old")])
        let newer = upsert(20, ["y": .text("new")])
        for order in [[older, delete, newer], [newer, delete, older], [delete, newer, older]] {
            let row = apply(order.map { ($0, a) })
            #expect(row?.fields["x"] == nil)
            #expect(row?.fields["y"]?.value == .text("new"))
            #expect(row?.isLive == true)
        }
        #expect(apply([(older, a), (delete, b)])?.isLive == false)
    }

    @Test func applyingTwiceChangesNothing() {
        let op = upsert(10, ["x": .text("v")])
        let once = MergeRules.apply(op, by: a, to: nil)
        let twice = MergeRules.apply(op, by: a, to: once.row)
        #expect(twice.row == once.row)
        #expect(!twice.changed)
    }

    @Test func concurrentWritesOfDifferentOriginsAreLoggedAsConflicts() {
        let first = MergeRules.apply(upsert(10, ["x": .text("a")]), by: a, to: nil)
        let second = MergeRules.apply(upsert(11, ["x": .text("b")]), by: b, to: first.row)
        #expect(second.conflicts.count == 1)
        #expect(second.conflicts.first?.field == "x")
        let same = MergeRules.apply(upsert(12, ["x": .text("b")]), by: a, to: second.row)
        #expect(same.conflicts.isEmpty, "equal values are not a conflict")
    }

    @Test func factsAreInsertOnlyAndTheSmallestStampWins() {
        func fact(_ hlc: UInt64, _ minutes: Int64) -> RowOperation {
            RowOperation(
                kind: .insertFact, hlc: HybridTimestamp(rawValue: hlc), table: "f", key: [.text("r")],
                fields: [.init("minutes", .integer(minutes))])
        }
        let ops = [(fact(30, 45), a), (fact(20, 60), b), (fact(25, 45), a)]
        var results = Set<RowState?>()
        for perm in [[0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1]] {
            results.insert(apply(perm.map { ops[$0] }))
        }
        #expect(results.count == 1)
        #expect(results.first??.fields["minutes"]?.value == .integer(60))
        let again = MergeRules.apply(fact(20, 60), by: b, to: results.first!)
        #expect(!again.changed && again.conflicts.isEmpty)
    }
}
