public import SQLiteReplica
public import SyncCore

/// Carries out a ``SyncRound`` between a replica and the hub.
public struct SyncDriver: Sendable {
    let executor: ReplicaExecutor
    let client: HubClient
    let limits: SyncRound.Limits
    /// How many sets are sealed before the first upload: `nil` for a whole batch's worth.
    let firstSeal: Int?

    /// How many sets the daemon and `teachersync sync` seal before the first upload: one. The first upload then
    /// leaves after one set is sealed, and the next batch is sealed while the hub applies it (a slow start, like
    /// TCP's): a night's delta of 22,000 operations reached the hub about a fifth sooner (docs/BENCHMARKS.md,
    /// "Third pass"), at the cost of one more request when more than one set is pending.
    public static let slowStart = 1

    /// - Parameter firstSeal: sets to seal before the first upload (``slowStart`` in production); `nil` seals a
    ///   whole batch first, so that batches are exactly `limits.maxSets` sets from the start.
    public init(
        executor: ReplicaExecutor, client: HubClient, limits: SyncRound.Limits = .init(), firstSeal: Int? = nil
    ) {
        self.executor = executor
        self.client = client
        self.limits = limits
        self.firstSeal = firstSeal.map { max(1, $0) }
    }

    /// What a round did, for status and logs.
    public struct Report: Sendable, Hashable {
        public var outcome: SyncRound.Outcome
        /// Sets the hub refused, with reasons.
        public var rejectedByHub: [String] = []
        /// Sets received from the hub that this node refused.
        public var rejectedHere: [RejectedSet] = []
        /// Receipts the hub sent that this node could not keep (bad signature, wrong set), or uploads the hub
        /// acknowledged without a receipt: what an auditor should look at.
        public var receiptProblems: [String] = []
    }

    /// Runs one round: seal pending writes, exchange heads, push, pull.
    /// After a round in sync: when the hub holds sets of this node's own streams that no kept receipt covers
    /// (their upload's answer was lost), asks for the receipts. Returns the problems, if any.
    func fetchMissingReceipts() async -> [String] {
        do {
            let missing = try await executor.run { replica in
                try replica.checkReceipts().filter { $0.deliveredSequence < $0.localSequence }
            }
            guard !missing.isEmpty else { return [] }
            let receipts = try await client.receipts()
            let refused = try await executor.run { try $0.keepReceipts(receipts) }
            return refused.map { "receipt for \($0.0.stream) #\($0.0.sequence): \($0.1)" }
        } catch {
            return ["fetching receipts failed: \(error)"]
        }
    }

    public func runRound() async -> Report {
        var rejectedByHub = [String]()
        var rejectedHere = [RejectedSet]()
        var receiptProblems = [String]()
        var round: SyncRound
        var action: SyncRound.Action
        // A hub that cannot be reached here is reported by the round itself; sealing goes ahead so that
        // local writes are ready for a bundle.
        // The hub's heads as the catch-up found them, when it pulled nothing: the round's own exchange of heads
        // would ask again for the same answer, one more round trip on a slow line.
        var headsAtStart = try? await catchUpOwnStreams()
        do {
            // A rotated or restored node first hands the hub its new key's authorization.
            if let pending = try await executor.run({ try $0.pendingAuthorization() }) {
                _ = try await client.submitAuthorization(pending)
                try await executor.run { try $0.clearPendingAuthorization(pending) }
                headsAtStart = nil
            }
        } catch let error as SyncError {
            return Report(
                outcome: .failed(
                    reason: error.reason, detail: "enrolling the new key: \(error.detail)",
                    retryable: error.classification == .retryable))
        } catch {
            return Report(outcome: .failed(reason: .storeFailure, detail: "\(error)", retryable: true))
        }
        // One batch's sets are sealed before the first upload; the next batch's are sealed while a batch is on its
        // way, so that a large delta is sealed while the hub applies it. Whatever is still pending when the round
        // ends is sealed then, so that local writes are ready for a bundle whatever the outcome.
        var unsealed: Bool
        var hubKnown: VersionVector
        do {
            let perBatch = firstSeal ?? limits.maxSets
            let (local, refs, more) = try await executor.run { replica in
                let more = try replica.seal(maxSets: perBatch).more
                return (try replica.versionVector(), try replica.setReferences(), more)
            }
            unsealed = more
            round = SyncRound(local: local, available: refs, limits: limits)
            action = round.start()
            hubKnown = VersionVector()
            if case .exchangeHeads = action, let heads = headsAtStart {
                hubKnown = heads
                action = round.headsReceived(heads)
            }
        } catch {
            return Report(outcome: .failed(reason: .storeFailure, detail: "\(error)", retryable: true))
        }
        var prefetched: Ahead.Batch?
        while true {
            switch action {
            case .finish(let outcome):
                if unsealed { _ = try? await executor.run { try $0.seal() } }
                if case .inSync = outcome { receiptProblems += await fetchMissingReceipts() }
                return Report(
                    outcome: outcome, rejectedByHub: rejectedByHub, rejectedHere: rejectedHere,
                    receiptProblems: receiptProblems)
            case .exchangeHeads(let local):
                do {
                    let heads = try await client.exchangeHeads(local)
                    hubKnown = heads
                    action = round.headsReceived(heads)
                } catch {
                    action = fail(&round, error)
                }
            case .upload(let refs):
                do {
                    let body: HubClient.PreparedUpload
                    if let prefetched, prefetched.refs == refs {
                        body = prefetched.body
                    } else {
                        let stored = try await executor.run { try $0.storedEnvelopes(refs) }
                        body = try client.prepareUpload(stored)
                    }
                    prefetched = nil
                    // While the batch is on its way and applied: seal the next batch and prepare its body.
                    async let ahead = workAhead(after: refs, sealing: unsealed, hub: hubKnown)
                    let sent: Result<(WireMessages.UploadResult, VersionVector), SyncError>
                    do {
                        sent = .success(try await client.upload(body))
                    } catch {
                        sent = .failure(error)
                    }
                    if let done = await ahead {
                        unsealed = done.more
                        if let sealed = done.sealed { round.setsSealed(available: sealed.refs, local: sealed.local) }
                        prefetched = done.next
                    }
                    let (result, heads) = try sent.get()
                    hubKnown = Self.merged(hubKnown, heads)
                    rejectedByHub += result.rejected.map { "\($0.set): \($0.reason) (\($0.detail))" }
                    let receipts = result.receipts ?? []
                    let refused = try await executor.run { try $0.keepReceipts(receipts) }
                    receiptProblems += refused.map { "receipt for \($0.0.stream) #\($0.0.sequence): \($0.1)" }
                    let uploaded = Set(refs.map(\.stream))
                    for stream in uploaded.sorted() where !receipts.contains(where: { $0.stream == stream }) {
                        if result.applied + result.alreadyPresent > 0 {
                            receiptProblems.append("the hub acknowledged \(stream) without a receipt")
                        }
                    }
                    if let first = result.rejected.first {
                        action = round.uploadRefused(SyncError(ReasonCode(first.reason), first.detail))
                    } else {
                        action = round.uploadAcknowledged(hubHeads: heads)
                    }
                } catch {
                    action = fail(&round, error)
                }
            case .download(let after):
                do {
                    let page = try await client.pull(after: after, maxSets: limits.maxSets, maxBytes: limits.maxBytes)
                    let (report, local) = try await executor.run { replica -> (ReceiveReport, VersionVector) in
                        var report = try replica.receive(stored: page.envelopes)
                        if report.applied > 0 {
                            let retried = try replica.retryQuarantined()
                            report.applied += retried.applied
                        }
                        return (report, try replica.versionVector())
                    }
                    rejectedHere += report.rejected
                    action = round.pageApplied(local: local, received: report.applied, more: page.more)
                } catch {
                    action = fail(&round, error)
                }
            }
        }
    }

    /// What was done while a batch was on its way.
    struct Ahead: Sendable {
        /// Whether writes may still be pending after sealing.
        var more: Bool
        /// The sets the node may push and its version vector, when more sets were sealed.
        var sealed: (refs: [SyncRound.SetRef], local: VersionVector)?
        /// The body of the batch the round is expected to ask for next.
        var next: Batch?

        struct Batch: Sendable {
            let refs: [SyncRound.SetRef]
            let body: HubClient.PreparedUpload
        }
    }

    /// Seals the next batch's sets (when writes are pending) and prepares the body of the batch the round will ask
    /// for next if the one on its way is accepted. `nil` when that fails: the round then goes on as without it.
    private func workAhead(after batch: [SyncRound.SetRef], sealing: Bool, hub: VersionVector) async -> Ahead? {
        let perBatch = limits.maxSets
        do {
            var ahead = Ahead(more: false)
            var refs: [SyncRound.SetRef]
            if sealing {
                let (more, local, all) = try await executor.run { replica in
                    let more = try replica.seal(maxSets: perBatch).more
                    return (more, try replica.versionVector(), try replica.setReferences())
                }
                ahead.more = more
                ahead.sealed = (all, local)
                refs = all
            } else {
                refs = try await executor.run { try $0.setReferences() }
            }
            let next = Self.predictedBatch(refs, hub: hub, after: batch, limits: limits)
            if !next.isEmpty {
                let stored = try await executor.run { try $0.storedEnvelopes(next) }
                ahead.next = .init(refs: next, body: try client.prepareUpload(stored))
            }
            return ahead
        } catch {
            return nil
        }
    }

    /// The batch ``SyncRound`` asks for after `batch` is accepted, picked as it picks one: the sets past the hub's
    /// heads, in stream and sequence order, up to the batch limits. A guess only: a body is used only for the
    /// batch it was made for.
    static func predictedBatch(
        _ refs: [SyncRound.SetRef], hub: VersionVector, after batch: [SyncRound.SetRef], limits: SyncRound.Limits
    ) -> [SyncRound.SetRef] {
        var held = hub.heads.mapValues(\.sequence)
        for ref in batch where ref.sequence > held[ref.stream] ?? 0 { held[ref.stream] = ref.sequence }
        var next = [SyncRound.SetRef]()
        var bytes = 0
        for ref in refs.sorted(by: { ($0.stream, $0.sequence) < ($1.stream, $1.sequence) })
        where ref.sequence > held[ref.stream] ?? 0 {
            if !next.isEmpty, next.count >= limits.maxSets || bytes + ref.size > limits.maxBytes { break }
            next.append(ref)
            bytes += ref.size
        }
        return next
    }

    /// `a` with each stream's head replaced by `b`'s where `b`'s is not older.
    static func merged(_ a: VersionVector, _ b: VersionVector) -> VersionVector {
        var out = a
        for (stream, head) in b.heads where head.sequence >= out[stream].sequence { out.heads[stream] = head }
        return out
    }

    /// Before sealing new writes: if the hub holds later sets of this node's own streams (the node was
    /// restored from an older backup), fetch them first, so new writes are sealed after them instead of
    /// forking the stream, and pending copies of already published operations are dropped. Returns the hub's
    /// heads when there was nothing to fetch.
    private func catchUpOwnStreams() async throws -> VersionVector? {
        let own = executor.replica.identity.origin
        var local = try await executor.run { try $0.versionVector() }
        let hub = try await client.exchangeHeads(local)
        guard hub.heads.contains(where: { $0.key.origin == own && $0.value.sequence > local[$0.key].sequence }) else {
            return hub
        }
        while true {
            let page = try await client.pull(after: local, maxSets: limits.maxSets, maxBytes: limits.maxBytes)
            let next = try await executor.run { replica in
                _ = try replica.receive(stored: page.envelopes)
                return try replica.versionVector()
            }
            guard page.more, next != local else { return nil }
            local = next
        }
    }

    private func fail(_ round: inout SyncRound, _ error: any Error) -> SyncRound.Action {
        if let e = error as? SyncError {
            if e.reason == .transportFailure { return round.transportFailed(e.detail) }
            return round.uploadRefused(e)
        }
        return round.transportFailed("\(error)")
    }
}
