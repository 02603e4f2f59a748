/// What a county node remembers of its sync attempts, for `status` and the scheduler.
public struct SyncState: Sendable, Hashable, Codable {
    /// When the last attempt started (ms since the epoch).
    public var lastAttemptAtMillis: Int64?
    /// `in_sync` or `failed`.
    public var lastOutcome: String?
    /// The reason code of the last failure.
    public var lastReason: String?
    /// Its detail, safe to show.
    public var lastDetail: String?
    /// When the last successful round ended.
    public var lastSuccessAtMillis: Int64?
    /// Consecutive failures since the last success.
    public var consecutiveFailures = 0
    /// When the next attempt is scheduled.
    public var nextAttemptAtMillis: Int64?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case lastAttemptAtMillis = "last_attempt_at_ms", lastOutcome = "last_outcome", lastReason = "last_reason"
        case lastDetail = "last_detail", lastSuccessAtMillis = "last_success_at_ms"
        case consecutiveFailures = "consecutive_failures", nextAttemptAtMillis = "next_attempt_at_ms"
    }
}
