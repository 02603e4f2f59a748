import SQLiteReplica
public import SyncCore

/// `teachersync audit`: checks, against the hub's current signed log head, that every set the hub gave this
/// county a receipt for is still in the hub's ingest log, at the position and with the log head the receipt
/// names, and that the log only grew since the last audit (docs/PROTOCOL.md, "Receipts and the ingest log").
public struct Audit: Sendable {
    let executor: ReplicaExecutor
    let client: HubClient

    public init(executor: ReplicaExecutor, client: HubClient) {
        self.executor = executor
        self.client = client
    }

    /// The outcome of an audit.
    public struct Report: Sendable, Hashable {
        /// The log head the audit checked against.
        public var logHead: LogHead?
        /// Receipts checked.
        public var receiptsChecked = 0
        /// Log entries fetched and folded.
        public var entriesChecked = 0
        /// What does not add up; empty when the audit passed.
        public var problems: [String] = []
        public var passed: Bool { problems.isEmpty && logHead != nil }
    }

    public func run() async throws(SyncError) -> Report {
        var report = Report()
        let (key, receipts, previous) = try await local { replica in
            (try replica.receiptKey(), try replica.keptReceipts(), try replica.lastAuditedLogHead())
        }
        guard let key else { throw SyncError(.unknownOrigin, "no hub key is pinned: nothing to check against") }
        let head = try await client.logHead()
        guard head.isSigned(by: key) else {
            report.problems.append("the hub's log head is not signed by the pinned hub key")
            return report
        }
        report.logHead = head
        if let previous, head.size < previous.size {
            report.problems.append(
                "the hub's log shrank from \(previous.size) to \(head.size) entries since the last audit")
            return report
        }
        // Fold the log from the earliest point this node can anchor: the oldest receipt, or the last audited
        // head. Every receipt and the previous head must fall on the chain, which must end at the signed head.
        var anchors = [(position: UInt64, before: [UInt8], setID: [UInt8]?, after: [UInt8], what: String)]()
        for r in receipts {
            anchors.append((r.position, r.previousLogHead, r.head, r.logHead, "receipt for \(r.stream) #\(r.sequence)"))
        }
        guard let start = anchors.min(by: { $0.position < $1.position }) else {
            if let previous, previous.size == head.size, previous.head != head.head {
                report.problems.append("the hub's log was rewritten: same size, another head")
            }
            if report.problems.isEmpty { try await local { try $0.recordAuditedLogHead(head) } }
            return report
        }
        if let previous, previous.size >= start.position {
            anchors.append((previous.size, [], nil, previous.head, "the log head of the last audit"))
        }
        guard start.position <= head.size else {
            report.problems.append(
                "\(start.what) is at position \(start.position), beyond the hub's log (\(head.size))")
            return report
        }
        let byPosition = Dictionary(grouping: anchors, by: \.position)
        var current = start.before
        var position = start.position
        while position <= head.size {
            let page = try await client.logEntries(from: position)
            guard !page.isEmpty else {
                report.problems.append("the hub served no log entry at position \(position) of \(head.size)")
                return report
            }
            for setID in page where position <= head.size {
                current = IngestLog.next(current, setID)
                for anchor in byPosition[position] ?? [] {
                    if let expected = anchor.setID, expected != setID {
                        report.problems.append("\(anchor.what): the hub's log holds another set at \(position)")
                    } else if anchor.after != current {
                        report.problems.append("\(anchor.what): the hub's log differs at or before \(position)")
                    }
                    report.receiptsChecked += anchor.setID == nil ? 0 : 1
                }
                report.entriesChecked += 1
                position += 1
            }
        }
        if current != head.head {
            report.problems.append("the hub's log entries do not lead to its signed head")
        }
        if report.problems.isEmpty { try await local { try $0.recordAuditedLogHead(head) } }
        return report
    }

    private func local<T: Sendable>(
        _ body: @escaping @Sendable (Replica) throws -> T
    )
        async throws(SyncError) -> T
    {
        do { return try await executor.run(body) } catch {
            throw SyncError(.storeFailure, "\(error)")
        }
    }
}
