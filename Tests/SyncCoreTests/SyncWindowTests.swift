import Foundation
import SyncCore
import Testing

@Suite struct SyncWindowTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    /// Milliseconds of a local wall-clock time in a zone.
    static func at(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, in zone: TimeZone = shanghai) -> Int64 {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        let date = c.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi))!
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    @Test func parsesHoursAndMinutes() {
        #expect(SyncWindow.minutes("01:00") == 60)
        #expect(SyncWindow.minutes("23:59") == 1439)
        for bad in ["1:00", "24:00", "12:60", "ab:cd", "12", ""] { #expect(SyncWindow.minutes(bad) == nil, "\(bad)") }
    }

    @Test func aWindowInsideOneNight() {
        let w = SyncWindow(startMinute: 60, endMinute: 300, timeZone: Self.shanghai)
        #expect(w.lengthMinutes == 240)
        #expect(w.contains(millis: Self.at(2019, 9, 2, 1, 0)))
        #expect(w.contains(millis: Self.at(2019, 9, 2, 4, 59)))
        #expect(!w.contains(millis: Self.at(2019, 9, 2, 5, 0)))
        #expect(w.nextStart(atOrAfter: Self.at(2019, 9, 2, 12, 0)) == Self.at(2019, 9, 3, 1, 0))
        #expect(w.nextStart(atOrAfter: Self.at(2019, 9, 2, 0, 30)) == Self.at(2019, 9, 2, 1, 0))
        #expect(w.end(ofWindowContaining: Self.at(2019, 9, 2, 2, 0)) == Self.at(2019, 9, 2, 5, 0))
    }

    @Test func aWindowAcrossMidnight() {
        let w = SyncWindow(startMinute: 23 * 60, endMinute: 2 * 60, timeZone: Self.shanghai)
        #expect(w.lengthMinutes == 180)
        #expect(w.contains(millis: Self.at(2019, 12, 31, 23, 30)))
        #expect(w.contains(millis: Self.at(2020, 1, 1, 1, 30)))
        #expect(!w.contains(millis: Self.at(2020, 1, 1, 2, 30)))
        #expect(w.end(ofWindowContaining: Self.at(2019, 12, 31, 23, 30)) == Self.at(2020, 1, 1, 2, 0))
        #expect(w.nextStart(atOrAfter: Self.at(2020, 1, 1, 1, 30)) == Self.at(2020, 1, 1, 23, 0))
    }

    @Test func localTimeFollowsTheZoneIncludingDaylightSaving() {
        // 2019-03-31 is the spring-forward night in Berlin: 02:00 local does not exist, 01:00 does.
        let w = SyncWindow(startMinute: 60, endMinute: 300, timeZone: Self.berlin)
        let start = w.nextStart(atOrAfter: Self.at(2019, 3, 30, 12, 0, in: Self.berlin))
        #expect(start == Self.at(2019, 3, 31, 1, 0, in: Self.berlin))
        // The same window in Shanghai starts seven hours earlier in absolute time (UTC+8 vs UTC+1).
        let shanghai = SyncWindow(startMinute: 60, endMinute: 300, timeZone: Self.shanghai)
        #expect(start - shanghai.nextStart(atOrAfter: Self.at(2019, 3, 30, 19, 0)) == 7 * 3_600_000)
    }

    @Test func countiesSpreadOverTheFirstHalfOfTheWindow() {
        let w = SyncWindow(startMinute: 60, endMinute: 300, timeZone: Self.shanghai)
        let offsets = ["130102", "130104", "130105", "130107", "130108", "130109", "130110", "130111"].map {
            w.offsetMinutes(forCounty: $0)
        }
        #expect(offsets.allSatisfy { (0..<120).contains($0) })
        #expect(Set(offsets).count > 4, "offsets barely differ: \(offsets)")
        #expect(w.offsetMinutes(forCounty: "130102") == w.offsetMinutes(forCounty: "130102"))
    }

    @Test func backoffDoublesUpToTheCapWithBoundedJitter() {
        let p = RetryPolicy(baseMillis: 30_000, maxMillis: 1_800_000, jitter: 0.2)
        #expect(p.delayMillis(failures: 1, random: 0.5) == 30_000)
        #expect(p.delayMillis(failures: 2, random: 0.5) == 60_000)
        #expect(p.delayMillis(failures: 7, random: 0.5) == 1_800_000)
        #expect(p.delayMillis(failures: 100, random: 0.5) == 1_800_000)
        #expect(p.delayMillis(failures: 1, random: 0) == 24_000)
        #expect(p.delayMillis(failures: 1, random: 0.999_999) <= 36_000)
    }

    @Test func failuresRetryInsideTheWindowThenWaitForTheNextNight() {
        let w = SyncWindow(startMinute: 60, endMinute: 300, timeZone: Self.shanghai)
        let s = SyncSchedule(
            window: w, retry: RetryPolicy(baseMillis: 60_000, maxMillis: 3_600_000, jitter: 0), county: "130102")
        let early = Self.at(2019, 9, 2, 1, 30)
        #expect(s.nextAfterFailure(nowMillis: early, failures: 1, random: 0.5) == early + 60_000)
        let late = Self.at(2019, 9, 2, 4, 50)
        let next = s.nextAfterFailure(nowMillis: late, failures: 6, random: 0.5)  // 32 minutes: past 05:00
        #expect(next == Self.at(2019, 9, 3, 1, 0) + Int64(s.offsetMinutes) * 60_000)
        let success = s.nextAfterSuccess(nowMillis: early)
        #expect(success == Self.at(2019, 9, 3, 1, 0) + Int64(s.offsetMinutes) * 60_000)
    }
}
