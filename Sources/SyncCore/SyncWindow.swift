public import Foundation

/// The nightly sync window (e.g. 01:00–05:00 local time) and each county's place in it.
///
/// Pure: the caller passes the time in. Local times go through `Calendar` in the window's time zone, so
/// windows that cross midnight and days with daylight-saving changes come out right.
public struct SyncWindow: Sendable, Hashable {
    /// Start and end as minutes after local midnight; `end < start` means the window crosses midnight,
    /// `end == start` means all day.
    public let startMinute: Int
    public let endMinute: Int
    public let timeZone: TimeZone

    public init(startMinute: Int, endMinute: Int, timeZone: TimeZone) {
        self.startMinute = ((startMinute % 1440) + 1440) % 1440
        self.endMinute = ((endMinute % 1440) + 1440) % 1440
        self.timeZone = timeZone
    }

    /// Parses `HH:MM` (00:00–23:59) into minutes after midnight.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
            (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        return h * 60 + m
    }

    /// The window's length in minutes.
    public var lengthMinutes: Int {
        let d = (endMinute - startMinute + 1440) % 1440
        return d == 0 ? 1440 : d
    }

    /// A county's stable start offset within the first half of the window, so 170 counties do not all
    /// arrive at the window's first minute.
    public func offsetMinutes(forCounty county: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in county.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(max(1, lengthMinutes / 2)))
    }

    /// Whether the instant falls inside the window.
    public func contains(millis: Int64) -> Bool {
        let minute = localMinute(millis)
        let offset = (minute - startMinute + 1440) % 1440
        return offset < lengthMinutes
    }

    /// The first instant at or after `millis` whose local time is the window's start plus `offsetMinutes`.
    public func nextStart(atOrAfter millis: Int64, offsetMinutes: Int = 0) -> Int64 {
        nextLocalTime(minuteOfDay: (startMinute + offsetMinutes) % 1440, atOrAfter: millis)
    }

    /// The end of the window that contains `millis`, or `nil` outside the window.
    public func end(ofWindowContaining millis: Int64) -> Int64? {
        guard contains(millis: millis) else { return nil }
        return nextLocalTime(minuteOfDay: endMinute, atOrAfter: millis + 1)
    }

    private var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    private func localMinute(_ millis: Int64) -> Int {
        let parts = calendar.dateComponents([.hour, .minute], from: Date(timeIntervalSince1970: Double(millis) / 1000))
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    private func nextLocalTime(minuteOfDay: Int, atOrAfter millis: Int64) -> Int64 {
        let cal = calendar
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        let day = cal.startOfDay(for: date)
        for dayOffset in 0...2 {
            guard let d = cal.date(byAdding: .day, value: dayOffset, to: day),
                let candidate = cal.date(bySettingHour: minuteOfDay / 60, minute: minuteOfDay % 60, second: 0, of: d)
            else { continue }
            let c = Int64((candidate.timeIntervalSince1970 * 1000).rounded())
            if c >= millis { return c }
        }
        return millis + 86_400_000
    }
}

/// Exponential backoff with jitter and a cap.
public struct RetryPolicy: Sendable, Hashable {
    public let baseMillis: Int64
    public let maxMillis: Int64
    /// The fraction of each delay that is randomised, up or down.
    public let jitter: Double

    public init(baseMillis: Int64 = 30_000, maxMillis: Int64 = 1_800_000, jitter: Double = 0.2) {
        self.baseMillis = max(1, baseMillis)
        self.maxMillis = max(self.baseMillis, maxMillis)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay after `failures` consecutive failures (1 for the first), given `random` in 0..<1.
    public func delayMillis(failures: Int, random: Double) -> Int64 {
        let exponent = min(max(failures - 1, 0), 40)
        let raw = Double(baseMillis) * pow(2, Double(exponent))
        let capped = min(raw, Double(maxMillis))
        let jittered = capped * (1 + jitter * (2 * random - 1))
        return Int64(min(max(jittered, 0), Double(maxMillis) * (1 + jitter)))
    }
}

/// When a county's next sync attempt is due.
public struct SyncSchedule: Sendable, Hashable {
    public let window: SyncWindow
    public let retry: RetryPolicy
    /// This county's offset into the window.
    public let offsetMinutes: Int

    public init(window: SyncWindow, retry: RetryPolicy, county: String) {
        self.window = window
        self.retry = retry
        self.offsetMinutes = window.offsetMinutes(forCounty: county)
    }

    /// After a success: the county's start time in the next window (never again in the current one).
    public func nextAfterSuccess(nowMillis: Int64) -> Int64 {
        let from = window.end(ofWindowContaining: nowMillis) ?? nowMillis + 1
        return window.nextStart(atOrAfter: from, offsetMinutes: offsetMinutes)
    }

    /// After the `failures`-th consecutive failure: a backoff delay if it still falls inside the current
    /// window, otherwise the county's start in the next window.
    public func nextAfterFailure(nowMillis: Int64, failures: Int, random: Double) -> Int64 {
        let retryAt = nowMillis + retry.delayMillis(failures: failures, random: random)
        if let end = window.end(ofWindowContaining: nowMillis), retryAt < end { return retryAt }
        return window.nextStart(atOrAfter: max(retryAt, nowMillis + 1), offsetMinutes: offsetMinutes)
    }
}
