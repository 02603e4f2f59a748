import Synchronization

/// The request nonces seen within the skew window, so a captured request cannot be replayed.
///
/// Entries older than the window are dropped: a replay older than that is refused as stale anyway.
final class NonceCache: Sendable {
    private let seen = Mutex<[String: Int64]>([:])
    private let windowMillis: Int64

    init(windowMillis: Int64) { self.windowMillis = windowMillis }

    /// Records a nonce; returns `false` if it was already seen.
    func insert(origin: String, nonce: String, nowMillis: Int64) -> Bool {
        seen.withLock { seen in
            if seen.count > 100_000 || Int.random(in: 0..<1024) == 0 {
                let horizon = nowMillis - 2 * windowMillis
                seen = seen.filter { $0.value >= horizon }
            }
            let key = origin + "/" + nonce
            if seen[key] != nil { return false }
            seen[key] = nowMillis
            return true
        }
    }
}
