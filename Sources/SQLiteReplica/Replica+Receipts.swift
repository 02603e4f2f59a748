public import Crypto
import Foundation
import GRDB
public import SyncCore

extension Replica {
    // MARK: - The ingest log (every replica keeps one; the hub's is the one that is audited)

    /// The signed head of this replica's ingest log (the hub signs with its own key).
    public func signedLogHead() throws(ReplicaError) -> LogHead {
        let (size, head) = try runRead { db -> (UInt64, [UInt8]) in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT position, log_head FROM ingest_log ORDER BY position DESC LIMIT 1")
            else { return (0, IngestLog.emptyHead) }
            return (UInt64(row["position"] as Int64), Array(row["log_head"] as Data))
        }
        return LogHead.sign(
            size: size, head: head, issuedAtMillis: configuration.wallClock.nowMillis(), signer: identity.signer)
    }

    /// The set ids of the ingest log from `position` (1-based), at most `limit` of them.
    public func logEntries(from position: UInt64, limit: Int) throws(ReplicaError) -> [[UInt8]] {
        try runRead { db in
            try Data.fetchAll(
                db, sql: "SELECT set_id FROM ingest_log WHERE position >= ? ORDER BY position LIMIT ?",
                arguments: [Int64(clamping: position), limit]
            ).map { Array($0) }
        }
    }

    /// Receipts, signed with this replica's key, for the current head of each of `streams` it holds: the
    /// acknowledgement the hub sends with every upload.
    public func receipts(for streams: Set<StreamID>) throws(ReplicaError) -> [Receipt] {
        let now = configuration.wallClock.nowMillis()
        let signer = identity.signer
        return try runRead { db in
            var out = [Receipt]()
            for stream in streams.sorted() {
                let head = try Self.head(db, stream)
                guard head.sequence > 0,
                    let row = try Row.fetchOne(
                        db, sql: "SELECT position, log_head FROM ingest_log WHERE set_id = ?",
                        arguments: [Data(head.head)])
                else { continue }
                let position: Int64 = row["position"]
                let previous =
                    try Data.fetchOne(
                        db, sql: "SELECT log_head FROM ingest_log WHERE position = ?", arguments: [position - 1]
                    ).map { Array($0) } ?? IngestLog.emptyHead
                out.append(
                    Receipt.sign(
                        stream: stream, sequence: head.sequence, head: head.head, position: UInt64(position),
                        previousLogHead: previous, logHead: Array(row["log_head"] as Data), issuedAtMillis: now,
                        signer: signer))
            }
            return out
        }
    }

    // MARK: - Receipts kept by a county

    /// The key the hub signs receipts and log heads with now: this hub's own key, or at a county the hub key
    /// it trusts that is active (the pinned one, or the one the pinned hub root authorized after a rotation).
    public func receiptKey() throws(ReplicaError) -> Curve25519.Signing.PublicKey? {
        try receiptKeys().first
    }

    /// Every hub key a kept receipt may be signed by: the active one first, then retired ones (receipts
    /// issued before a rotation).
    public func receiptKeys() throws(ReplicaError) -> [Curve25519.Signing.PublicKey] {
        if identity.role == .hub { return [identity.signer.publicKey] }
        return try runRead { db in try keyDirectory(db).hubKeys.map(\.publicKey) }
    }

    /// Keeps the receipts that are signed by the pinned hub key, name one of this node's own streams and match
    /// the set this node holds at that sequence; returns the others with the reason they were not kept.
    @discardableResult
    public func keepReceipts(_ receipts: [Receipt]) throws(ReplicaError) -> [(Receipt, String)] {
        let keys = try receiptKeys()
        guard !keys.isEmpty else { return receipts.map { ($0, "no hub key is pinned") } }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try run { db in
            var refused = [(Receipt, String)]()
            for r in receipts {
                guard keys.contains(where: { r.isValid(signedBy: $0) }) else {
                    refused.append((r, "not signed by a trusted hub key, or its log entry does not add up"))
                    continue
                }
                guard r.stream.origin == identity.origin else {
                    refused.append((r, "names a stream this node does not author"))
                    continue
                }
                let held = try Data.fetchOne(
                    db, sql: "SELECT id FROM change_sets WHERE origin = ? AND scope = ? AND sequence = ?",
                    arguments: [Data(r.stream.origin.bytes), r.stream.scope.wireValue, Int64(r.sequence)])
                guard let held, Array(held) == r.head else {
                    refused.append((r, "names a set this node did not write at sequence \(r.sequence)"))
                    continue
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO receipts (origin, scope, sequence, receipt) VALUES (?, ?, ?, ?)",
                    arguments: [
                        Data(r.stream.origin.bytes), r.stream.scope.wireValue, Int64(r.sequence),
                        String(decoding: try encoder.encode(r), as: UTF8.self),
                    ])
            }
            return refused
        }
    }

    /// Every receipt kept, by stream and sequence.
    public func keptReceipts() throws(ReplicaError) -> [Receipt] {
        try runRead { db in
            try String.fetchAll(db, sql: "SELECT receipt FROM receipts ORDER BY origin, scope, sequence").map {
                try JSONDecoder().decode(Receipt.self, from: Data($0.utf8))
            }
        }
    }

    /// What `verify --receipts` reports for one of this node's own streams.
    public struct ReceiptCheck: Sendable, Hashable {
        public let stream: StreamID
        /// The stream's last sequence here.
        public let localSequence: UInt64
        /// The highest sequence a valid receipt proves delivered (0 when none).
        public let deliveredSequence: UInt64
        /// The receipt proving it.
        public let receipt: Receipt?
        /// Receipts kept for this stream that no longer check out (signature, or a set that differs).
        public let problems: [String]
    }

    /// Checks every kept receipt again against the pinned hub key and the sets held, per own stream.
    public func checkReceipts() throws(ReplicaError) -> [ReceiptCheck] {
        let keys = try receiptKeys()
        let receipts = try keptReceipts()
        let vector = try versionVector()
        return try runRead { db in
            var out = [ReceiptCheck]()
            for stream in vector.heads.keys.sorted() where stream.origin == identity.origin {
                var best: Receipt?
                var problems = [String]()
                for r in receipts where r.stream == stream {
                    let held = try Data.fetchOne(
                        db, sql: "SELECT id FROM change_sets WHERE origin = ? AND scope = ? AND sequence = ?",
                        arguments: [Data(stream.origin.bytes), stream.scope.wireValue, Int64(r.sequence)])
                    guard keys.contains(where: { r.isValid(signedBy: $0) }) else {
                        problems.append("receipt for sequence \(r.sequence): signature does not verify")
                        continue
                    }
                    guard held.map({ Array($0) }) == r.head else {
                        problems.append("receipt for sequence \(r.sequence): names another set than the one held")
                        continue
                    }
                    if r.sequence > (best?.sequence ?? 0) { best = r }
                }
                out.append(
                    ReceiptCheck(
                        stream: stream, localSequence: vector[stream].sequence, deliveredSequence: best?.sequence ?? 0,
                        receipt: best, problems: problems))
            }
            return out
        }
    }

    /// The last signed log head this node accepted from the hub (for `audit`: a hub's log never shrinks).
    public func lastAuditedLogHead() throws(ReplicaError) -> LogHead? {
        guard let text = try readMeta()["audited_log_head"] else { return nil }
        return try? JSONDecoder().decode(LogHead.self, from: Data(text.utf8))
    }

    /// Records the log head an audit accepted.
    public func recordAuditedLogHead(_ head: LogHead) throws(ReplicaError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(head) else { return }
        try writeMeta(["audited_log_head": String(decoding: data, as: UTF8.self)])
    }
}
