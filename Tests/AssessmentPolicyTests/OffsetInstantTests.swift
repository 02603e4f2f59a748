import AssessmentPolicy
import Foundation
import Testing

@Suite struct OffsetInstantTests {
    @Test(
        arguments: [
            ("2020-01-01T00:00:00+08:00", "2020-01-01T00:00:00+08:00", Int64(1_577_808_000)),
            ("2019-12-31T16:00:00Z", "2019-12-31T16:00:00+00:00", 1_577_808_000),
            ("2019-12-31T16:00:00-00:00", "2019-12-31T16:00:00+00:00", 1_577_808_000),
            ("2019-12-31T11:30:00-04:30", "2019-12-31T11:30:00-04:30", 1_577_808_000),
            ("2020-02-29T23:59:59+08:00", "2020-02-29T23:59:59+08:00", 1_582_991_999),
            ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59+00:00", -1),
        ])
    func parses(text: String, normalised: String, epochSeconds: Int64) throws {
        let instant = try #require(OffsetInstant(text))
        #expect(instant.text == normalised)
        #expect(instant.epochSeconds == epochSeconds)
        #expect(instant.date == Date(timeIntervalSince1970: TimeInterval(epochSeconds)))
    }

    @Test(
        arguments: [
            "2020-01-01T00:00:00", "2020-01-01", "2020-01-01 00:00:00+08:00", "2020-01-01T00:00:00.5+08:00",
            "2019-02-29T00:00:00+08:00", "2020-01-01T24:00:00+08:00", "2020-01-01T00:00:00+0800",
            "2020-01-01T00:00:00+19:00", "2020-01-01T00:00:00z", "2020-13-01T00:00:00Z", "",
        ])
    func refuses(text: String) {
        #expect(OffsetInstant(text) == nil)
    }

    @Test func ordersByInstantThenText() throws {
        let beijing = try #require(OffsetInstant("2020-01-01T00:00:00+08:00"))
        let utc = try #require(OffsetInstant("2019-12-31T16:00:00Z"))
        #expect(beijing.epochSeconds == utc.epochSeconds)
        #expect(beijing != utc)
        #expect(utc < beijing)
        #expect(try #require(OffsetInstant("2019-12-31T23:59:59+08:00")) < beijing)
    }
}
