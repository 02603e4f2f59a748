import Synchronization

/// Bounds the uploads the hub works on at once, across all counties (`limits.concurrent_uploads`).
///
/// An upload is read and authenticated, then waits for a slot before it is inflated and decoded, so a
/// waiting upload costs its compressed body (a few hundred kilobytes for a nightly delta) and one arriving
/// slowly over a bad line holds no slot; one that has waited `limits.upload_wait_seconds` is answered 503
/// `limit.busy` and its county retries later, with back-off. Without it, 170 counties arriving at once have
/// their batches inflated and decoded side by side while the one replica applies them in turn.
final class UploadGate: Sendable {
    private struct State {
        var inUse = 0
        var nextID: UInt64 = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = max(limit, 1) }

    /// Takes a slot, waiting up to `wait` for one; false if none came free in time. A `true` must be
    /// followed by ``release()``.
    func acquire(wait: Duration) async -> Bool {
        let id: UInt64? = state.withLock { s in
            if s.inUse < limit {
                s.inUse += 1
                return nil
            }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return true }
        return await withCheckedContinuation { continuation in
            let queued = state.withLock { s -> Bool in
                if s.inUse < limit {  // a slot came free in between
                    s.inUse += 1
                    return false
                }
                s.waiters.append((id, continuation))
                return true
            }
            guard queued else { return continuation.resume(returning: true) }
            Task {
                try? await Task.sleep(for: wait)
                self.giveUp(id)
            }
        }
    }

    /// Hands the slot to the longest waiting upload, or frees it.
    func release() {
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            guard !s.waiters.isEmpty else {
                s.inUse -= 1
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }

    /// Ends a wait that lasted too long (unless the upload got a slot meanwhile).
    private func giveUp(_ id: UInt64) {
        let expired = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: i).continuation
        }
        expired?.resume(returning: false)
    }

    /// Uploads waiting for a slot (for tests and metrics).
    var waiting: Int { state.withLock { $0.waiters.count } }
}
