/// A hybrid logical clock (Kulkarni et al.): monotonic, close to wall time, and causally ordered.
///
/// The clock is a value: the caller passes the wall-clock reading in, so it is pure and testable.
/// It survives the wall clock going backwards (readings keep increasing through the logical counter),
/// and it refuses a remote reading too far ahead of the local wall clock, so one node with a wrong
/// clock cannot drag every replica into the future.
public struct HybridClock: Sendable, Hashable {
    /// The last reading handed out or observed.
    public private(set) var last: HybridTimestamp
    /// How far ahead of the local wall clock a remote reading may be before it is refused.
    public let maxForwardDriftMillis: UInt64

    /// Creates a clock that resumes after `last` (persisted by the replica across restarts).
    public init(last: HybridTimestamp = .zero, maxForwardDriftMillis: UInt64 = 5 * 60 * 1000) {
        self.last = last
        self.maxForwardDriftMillis = maxForwardDriftMillis
    }

    /// Returns a new reading strictly greater than every earlier one.
    public mutating func now(wallMillis: Int64) -> HybridTimestamp {
        let wall = UInt64(max(0, wallMillis))
        let next: HybridTimestamp
        if wall > last.physicalMillis {
            next = HybridTimestamp(physicalMillis: wall, logical: 0)
        } else if last.logical == UInt16.max {
            // The counter is exhausted: borrow the next millisecond rather than repeat a reading.
            next = HybridTimestamp(physicalMillis: last.physicalMillis + 1, logical: 0)
        } else {
            next = HybridTimestamp(physicalMillis: last.physicalMillis, logical: last.logical + 1)
        }
        last = next
        return next
    }

    /// Observes a remote reading; later local readings order after it.
    ///
    /// - Throws: ``SyncError`` with reason ``ReasonCode/hlcFuture`` when `remote` is more than
    ///   ``maxForwardDriftMillis`` ahead of `wallMillis`; the clock is left unchanged.
    public mutating func receive(_ remote: HybridTimestamp, wallMillis: Int64) throws(SyncError) {
        try checkNotTooFarAhead(remote, wallMillis: wallMillis)
        if remote > last { last = remote }
    }

    /// Checks a remote reading without observing it.
    public func checkNotTooFarAhead(_ remote: HybridTimestamp, wallMillis: Int64) throws(SyncError) {
        let wall = UInt64(max(0, wallMillis))
        if remote.physicalMillis > wall &+ maxForwardDriftMillis {
            throw SyncError(.hlcFuture, "timestamp is \(remote.physicalMillis - wall) ms ahead of the local clock")
        }
    }
}
