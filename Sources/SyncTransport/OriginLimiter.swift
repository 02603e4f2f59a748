public import SyncCore
import Synchronization

/// The hub's limits on what one request and one origin may cost (docs/API.md, "Limits").
public struct HubLimits: Sendable, Hashable {
    /// The largest request body accepted as sent (compressed or not), and the most it may inflate to.
    public var maxBodyBytes = 64 << 20
    /// Requests per minute one origin may make, on average; bursts up to this many at once.
    public var requestsPerMinute = 120
    /// Requests of one origin the hub serves at the same time.
    public var concurrentRequestsPerOrigin = 4
    /// Uploads the hub works on at once, across all origins; the others wait, received but not inflated.
    public var concurrentUploads = 2
    /// How long an upload waits for a slot before it is answered 503 `limit.busy`.
    public var uploadWaitSeconds = 20

    public init() {}
}

/// Per-origin rate (a token bucket refilled continuously) and concurrency limits. Applied after a request is
/// authenticated, so one origin's traffic never uses up another's budget.
final class OriginLimiter: Sendable {
    private struct State {
        var tokens: Double
        var refilledAtMillis: Int64
        var inFlight = 0
    }

    private let limits: HubLimits
    private let state = Mutex<[OriginID: State]>([:])

    init(limits: HubLimits) { self.limits = limits }

    /// Admits one request of `origin` at `nowMillis`, or refuses it with `limit.rate` or `limit.concurrency`.
    /// Every admitted request must be ended with ``finish(_:)``.
    func admit(_ origin: OriginID, nowMillis: Int64) throws(SyncError) {
        let capacity = Double(max(limits.requestsPerMinute, 1))
        let perMilli = capacity / 60_000
        let refusal: SyncError? = state.withLock { all in
            var s = all[origin] ?? State(tokens: capacity, refilledAtMillis: nowMillis)
            s.tokens = min(capacity, s.tokens + Double(max(nowMillis - s.refilledAtMillis, 0)) * perMilli)
            s.refilledAtMillis = nowMillis
            defer { all[origin] = s }
            guard s.inFlight < limits.concurrentRequestsPerOrigin else {
                return SyncError(
                    .limitConcurrency,
                    "\(limits.concurrentRequestsPerOrigin) requests of this origin are already being served")
            }
            guard s.tokens >= 1 else {
                return SyncError(.limitRate, "more than \(limits.requestsPerMinute) requests a minute from this origin")
            }
            s.tokens -= 1
            s.inFlight += 1
            return nil
        }
        if let refusal { throw refusal }
    }

    /// Ends an admitted request.
    func finish(_ origin: OriginID) {
        state.withLock { all in all[origin]?.inFlight -= 1 }
    }
}
