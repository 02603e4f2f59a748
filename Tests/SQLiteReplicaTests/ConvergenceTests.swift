import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import Testing

/// Seeded, randomised convergence: several writers of one county and the hub make random writes to the same
/// rows, exchange sets in random orders with duplicates, gaps and delays, and must end with equal digests.
@Suite struct ConvergenceTests {
    static let seeds: [UInt64] =
        Array(1...12) + [ProcessInfo.processInfo.environment["CONVERGENCE_SEED"].flatMap(UInt64.init) ?? 20191009]

    @Test(arguments: seeds)
    func replicasConvergeWhateverTheOrder(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let writers = 2 + Int(rng.next() % 3)  // 2–4 county origins plus the hub: 3–5 replicas
        let f = try ReplicaFixture(counties: Array(repeating: "130102", count: writers))
        let nodes = [f.hub] + f.counties
        let names = ["李", "王", "张", "刘", "陈"]
        for step in 0..<120 {
            let node = nodes[Int(rng.next() % UInt64(nodes.count))]
            f.clock.advance(by: Int64(rng.next() % 50) - 10)  // sometimes backwards
            switch rng.next() % 10 {
            case 0...4:
                let n = Int(rng.next() % 6)
                var w = ReplicaFixture.teacher(
                    n, name: names[Int(rng.next() % 5)], subject: ["13", "14", "16"][Int(rng.next() % 3)])
                w.fields = w.fields.filter { _ in rng.next() % 2 == 0 }
                if w.fields.isEmpty { w.fields.append(.init("name", .text(names[step % 5]))) }
                _ = try node.write([w])
            case 5:
                _ = try node.write([
                    LocalWrite(
                        kind: .delete, table: "teachers",
                        key: [.text("130102"), .text("1"), .text("ID\(rng.next() % 6)")], fields: [])
                ])
            case 6:
                _ = try node.write(
                    [ReplicaFixture.record("R\(rng.next() % 5)", minutes: Int64(1 + rng.next() % 3))],
                    factConflicts: .skip)
            case 7:
                try node.seal()
            default:
                // Send a random subset of what this node holds to another node, shuffled, with duplicates.
                try node.seal()
                let target = nodes[Int(rng.next() % UInt64(nodes.count))]
                var sets = try node.exportEnvelopes().filter { _ in rng.next() % 3 != 0 }
                sets += sets.prefix(Int(rng.next() % 3))
                sets.shuffle(using: &rng)
                _ = try target.receive(sets)
            }
        }
        // Settle: everyone seals, then full exchanges until every node holds every set.
        for n in nodes { try n.seal() }
        for _ in 0..<2 {
            for source in nodes {
                for target in nodes where target !== source {
                    _ = try target.receive(source.exportEnvelopes().shuffled(using: &rng))
                    _ = try target.retryQuarantined()
                }
            }
        }
        let digests = try nodes.map { try $0.digest(county: "130102") }
        let province = try nodes.map { try $0.digest(county: nil) }
        #expect(Set(digests).count == 1, "seed \(seed): county digests differ: \(digests)")
        #expect(Set(province).count == 1, "seed \(seed): province digests differ")
        let vectors = try nodes.map { try $0.versionVector() }
        #expect(Set(vectors.map { $0.heads.count }).count == 1, "seed \(seed): nodes hold different streams")
        for n in nodes {
            #expect(try n.verifyStoredSets().failures.isEmpty, "seed \(seed)")
            let quarantined = try n.status().quarantined
            #expect(quarantined.isEmpty, "seed \(seed): \(quarantined)")
        }
    }
}
