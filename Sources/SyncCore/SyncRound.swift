/// One sync round between a node and the hub, as a pure state machine.
///
/// The machine holds no bytes and does no I/O: it is told what each side holds (version vectors) and what
/// happened, and it answers with the next ``Action``. The transport carries actions out. Because every
/// decision is derived from the two sides' heads, a round that was interrupted anywhere resumes exactly
/// where it stopped when the next one starts: an acknowledged set is in the hub's heads and is never sent
/// again, and nothing past a head is skipped.
public struct SyncRound: Sendable {
    /// A stored set the node may push: which stream, which number, how many bytes.
    public struct SetRef: Sendable, Hashable {
        public let stream: StreamID
        public let sequence: UInt64
        public let size: Int
        public init(stream: StreamID, sequence: UInt64, size: Int) {
            self.stream = stream
            self.sequence = sequence
            self.size = size
        }
    }

    /// What the transport should do next.
    public enum Action: Sendable, Hashable {
        /// Send the node's version vector; expect the hub's (restricted to what the node may read).
        case exchangeHeads(VersionVector)
        /// Upload these sets, in this order, as one batch.
        case upload([SetRef])
        /// Ask for the sets after this vector (one page).
        case download(after: VersionVector)
        /// The round is over.
        case finish(Outcome)
    }

    /// How a round ended.
    public enum Outcome: Sendable, Hashable {
        /// Both sides hold the same heads for every stream the node may read.
        case inSync(pushed: Int, pulled: Int)
        /// The round stopped; `reason` says why, `retryable` whether trying later may help.
        case failed(reason: ReasonCode, detail: String, retryable: Bool)
    }

    /// Limits on one upload batch.
    public struct Limits: Sendable, Hashable {
        public var maxSets: Int
        public var maxBytes: Int
        public var maxPages: Int
        public init(maxSets: Int = 64, maxBytes: Int = 8 << 20, maxPages: Int = 10_000) {
            self.maxSets = max(1, maxSets)
            self.maxBytes = max(1, maxBytes)
            self.maxPages = max(1, maxPages)
        }
    }

    private enum Phase: Sendable, Hashable {
        case start, exchanging, pushing, pulling, done
    }

    private var phase = Phase.start
    private var local: VersionVector
    private var hub = VersionVector()
    private var available: [SetRef]
    private let limits: Limits
    private var inFlight: [SetRef] = []
    private var pushed = 0
    private var pulled = 0
    private var pages = 0

    /// Starts a round.
    ///
    /// - Parameters:
    ///   - local: the node's version vector.
    ///   - available: the sets the node holds that it may push, any order (usually its own streams'; the
    ///     machine picks those past the hub's heads).
    public init(local: VersionVector, available: [SetRef], limits: Limits = .init()) {
        self.local = local
        self.available = available.sorted { ($0.stream, $0.sequence) < ($1.stream, $1.sequence) }
        self.limits = limits
    }

    /// The first action.
    public mutating func start() -> Action {
        precondition(phase == .start, "a round starts once")
        phase = .exchanging
        return .exchangeHeads(local)
    }

    /// The hub answered the exchange with its heads.
    public mutating func headsReceived(_ hubHeads: VersionVector) -> Action {
        guard phase == .exchanging else { return protocolError("heads received out of turn") }
        hub = hubHeads
        if let fork = forkedStream() {
            return finish(
                .failed(reason: .fork, detail: "stream \(fork) differs between this node and the hub", retryable: false)
            )
        }
        phase = .pushing
        return nextPushOrPull()
    }

    /// The hub acknowledged an upload: durably applied, its heads now `hubHeads`.
    public mutating func uploadAcknowledged(hubHeads: VersionVector) -> Action {
        guard phase == .pushing, !inFlight.isEmpty else { return protocolError("acknowledgement out of turn") }
        let before = inFlight
        inFlight = []
        hub = merged(hub, hubHeads)
        let accepted = before.filter { hub[$0.stream].sequence >= $0.sequence }
        pushed += accepted.count
        if accepted.count < before.count, let refused = before.first(where: { hub[$0.stream].sequence < $0.sequence }) {
            return finish(
                .failed(
                    reason: .storeFailure, detail: "the hub did not apply set \(refused.sequence) of \(refused.stream)",
                    retryable: true))
        }
        return nextPushOrPull()
    }

    /// The node sealed more of its writes while the round ran (it seals the next batch's sets while a batch is on
    /// its way): `available` replaces the sets the node may push, and `local` is its version vector with them.
    public mutating func setsSealed(available refs: [SetRef], local newLocal: VersionVector) {
        guard phase == .pushing || phase == .exchanging else { return }
        available = refs.sorted { ($0.stream, $0.sequence) < ($1.stream, $1.sequence) }
        local = newLocal
    }

    /// The hub refused an upload with a reason (the whole batch or a set in it).
    public mutating func uploadRefused(_ error: SyncError) -> Action {
        inFlight = []
        return finish(
            .failed(reason: error.reason, detail: error.detail, retryable: error.classification == .retryable))
    }

    /// A downloaded page was applied locally; the node now holds `local`; `more` when the hub has more.
    public mutating func pageApplied(local newLocal: VersionVector, received: Int, more: Bool) -> Action {
        guard phase == .pulling else { return protocolError("page out of turn") }
        let progressed = newLocal != local
        local = newLocal
        pulled += received
        pages += 1
        if more, progressed, pages < limits.maxPages { return .download(after: local) }
        return finish(compareHeads())
    }

    /// The transport failed (connection reset, timeout, bad response): the round ends, retryable.
    public mutating func transportFailed(_ detail: String) -> Action {
        finish(.failed(reason: .transportFailure, detail: detail, retryable: true))
    }

    /// Whether the round is over.
    public var isFinished: Bool { phase == .done }

    // MARK: - Decisions

    private mutating func nextPushOrPull() -> Action {
        let pending = available.filter { $0.sequence > hub[$0.stream].sequence }
        if let first = pending.first {
            // A gap at the hub (it lacks sets below what we hold past its head) cannot be filled from here.
            if first.sequence != hub[first.stream].sequence + 1 {
                return finish(
                    .failed(
                        reason: .chainGap,
                        detail: "this node no longer holds set \(hub[first.stream].sequence + 1) of \(first.stream)",
                        retryable: false))
            }
            var batch = [SetRef]()
            var bytes = 0
            for ref in pending {
                if !batch.isEmpty, batch.count >= limits.maxSets || bytes + ref.size > limits.maxBytes { break }
                batch.append(ref)
                bytes += ref.size
            }
            inFlight = batch
            return .upload(batch)
        }
        if hub.heads.contains(where: { $0.value.sequence > local[$0.key].sequence }) {
            phase = .pulling
            return .download(after: local)
        }
        return finish(compareHeads())
    }

    private func compareHeads() -> Outcome {
        for (stream, head) in hub.heads where local[stream] != head {
            if local[stream].sequence < head.sequence {
                return .failed(
                    reason: .chainGap,
                    detail: "this node holds \(local[stream].sequence) of \(head.sequence) sets of \(stream)",
                    retryable: true)
            }
        }
        for ref in available where hub[ref.stream].sequence < local[ref.stream].sequence {
            return .failed(reason: .chainGap, detail: "the hub lacks sets of \(ref.stream)", retryable: true)
        }
        return .inSync(pushed: pushed, pulled: pulled)
    }

    private func forkedStream() -> StreamID? {
        for (stream, head) in hub.heads {
            let mine = local[stream]
            if mine.sequence == head.sequence, mine.sequence > 0, mine.head != head.head { return stream }
        }
        return nil
    }

    private func merged(_ a: VersionVector, _ b: VersionVector) -> VersionVector {
        var out = a
        for (s, h) in b.heads where h.sequence >= out[s].sequence { out.heads[s] = h }
        return out
    }

    private mutating func finish(_ outcome: Outcome) -> Action {
        phase = .done
        return .finish(outcome)
    }

    private mutating func protocolError(_ detail: String) -> Action {
        finish(.failed(reason: .malformed, detail: detail, retryable: true))
    }
}
