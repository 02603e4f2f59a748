public import SyncCore
import Synchronization

/// A wall clock tests set and move by hand (including backwards).
public final class ManualWallClock: WallClock {
    private let millis: Mutex<Int64>

    /// Starts at `millis` (default 2019-09-01T00:00:00Z).
    public init(millis: Int64 = 1_567_296_000_000) { self.millis = Mutex(millis) }

    public func nowMillis() -> Int64 { millis.withLock { $0 } }

    /// Moves the clock by `delta` milliseconds (negative moves it back).
    public func advance(by delta: Int64) { millis.withLock { $0 += delta } }

    /// Sets the clock.
    public func set(_ value: Int64) { millis.withLock { $0 = value } }
}
