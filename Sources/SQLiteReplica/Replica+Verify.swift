import Foundation
import GRDB
import SyncCore

/// What re-verifying the stored sets found.
public struct VerifyReport: Sendable, Hashable {
    /// Sets checked.
    public var checked = 0
    /// Sets that failed, with reasons.
    public var failures: [RejectedSet] = []
}

extension Replica {
    /// Re-verifies every stored set: its bytes decode to the stored id, its signature verifies against the
    /// registry, each stream's chain is unbroken from sequence 1 to its head, and every operation is within
    /// its author's scope. A key revoked since is still checked against: the set was valid when accepted.
    public func verifyStoredSets(progress: ((Int, Int) -> Void)? = nil) throws(ReplicaError) -> VerifyReport {
        let verifier = SetVerifier(catalog: catalog)
        return try runRead { db in
            var report = VerifyReport()
            let directory = try keyDirectory(db)
            let heads = try Row.fetchAll(db, sql: "SELECT origin, scope, sequence, head FROM stream_heads")
            var headByStream = [String: (Int64, Data)]()
            for h in heads {
                headByStream[(h["origin"] as Data).hexString + "/" + (h["scope"] as String)] = (
                    h["sequence"], h["head"]
                )
            }
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM change_sets") ?? 0
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, origin, scope, sequence, envelope, inflated_size FROM change_sets
                    ORDER BY origin, scope, sequence
                    """)
            var previous: (stream: String, sequence: Int64, id: [UInt8], hlcMax: HybridTimestamp)?
            while let row = try rows.next() {
                report.checked += 1
                progress?(report.checked, total)
                let streamKey = (row["origin"] as Data).hexString + "/" + (row["scope"] as String)
                let storedID = Array(row["id"] as Data)
                let sequence: Int64 = row["sequence"]
                let sameStream = previous?.stream == streamKey
                // A set that fails to decode keeps the stream's last good reading, so the next set is still
                // checked against it.
                var lastMax = sameStream ? previous!.hlcMax : .zero
                func fail(_ reason: ReasonCode, _ detail: String) {
                    report.failures.append(
                        RejectedSet(
                            setID: Hex.encode(storedID).prefixString(16), stream: streamKey,
                            sequence: UInt64(sequence), reason: reason, detail: detail))
                }
                do {
                    let set = try ChangeSet.decode(envelope: try Self.storedEnvelope(row, at: 4).envelope())
                    guard set.id == storedID else {
                        throw SyncError(.malformed, "stored bytes do not hash to the set id")
                    }
                    guard var author = directory.record(for: set.stream.origin) else {
                        throw SyncError(.unknownOrigin, "author is not in the registry")
                    }
                    if author.status != .active {
                        // A retired key's sets up to its point stay valid; a revocation without a point (an
                        // older registry) keeps what was accepted before it.
                        if author.validThrough != nil || author.streamPoints != nil {
                            try author.checkStillValid(set.stream.scope, sequence: UInt64(sequence))
                        }
                        author = OriginRecord(
                            publicKey: author.publicKey, role: author.role, county: author.county, status: .active)
                    }
                    try set.verifySignature(with: author.publicKey)
                    let expectedPrevious: [UInt8]
                    if let p = previous, p.stream == streamKey {
                        guard sequence == p.sequence + 1 else {
                            throw SyncError(.chainGap, "sets \(p.sequence + 1)..\(sequence - 1) missing")
                        }
                        expectedPrevious = p.id
                    } else {
                        guard sequence == 1 else { throw SyncError(.chainGap, "stream does not start at 1") }
                        expectedPrevious = ChangeSet.genesis
                    }
                    guard set.previous == expectedPrevious else {
                        throw SyncError(.brokenChain, "previous hash does not match")
                    }
                    let previousMax = lastMax
                    lastMax = set.hlcRange.upperBound
                    try verifier.checkClockContinuity(set, previousMax: previousMax)
                    try verifier.checkScope(set, author: author)
                } catch let e as SyncError {
                    fail(e.reason, e.detail)
                }
                previous = (streamKey, sequence, storedID, lastMax)
                if let head = headByStream[streamKey], head.0 == sequence, Array(head.1) != storedID {
                    fail(.brokenChain, "stream head does not match the stored set")
                }
            }
            return report
        }
    }
}

extension Data {
    var hexString: String { Hex.encode(self) }
}
