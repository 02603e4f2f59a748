import Testing
import TrainingDomain

@Suite struct OffsetTimestampTests {
    @Test(
        "accepted timestamps",
        arguments: [
            ("2019-09-01T20:15:00+08:00", "2019-09-01T20:15:00+08:00", Int64(1_567_340_100)),
            ("2019-09-01T12:15:00Z", "2019-09-01T12:15:00+00:00", 1_567_340_100),
            ("2019-09-01T07:45:00-04:30", "2019-09-01T07:45:00-04:30", 1_567_340_100),
            ("2019-09-01T20:15:00.987+08:00", "2019-09-01T20:15:00+08:00", 1_567_340_100),
            ("2019-09-01T12:15:00-00:00", "2019-09-01T12:15:00+00:00", 1_567_340_100),
            ("1970-01-01T08:00:00+08:00", "1970-01-01T08:00:00+08:00", 0),
            ("2020-02-29T23:59:59+08:00", "2020-02-29T23:59:59+08:00", 1_582_991_999),
            ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59+00:00", -1),
        ])
    func accepted(input: String, text: String, epochSeconds: Int64) throws {
        let timestamp = try #require(OffsetTimestamp(iso8601: input))
        #expect(timestamp.text == text)
        #expect(timestamp.epochSeconds == epochSeconds)
        #expect(timestamp.description == text)
    }

    @Test(
        "refused timestamps",
        arguments: [
            "2019-09-01T20:15:00",  // no offset
            "2019-09-01 20:15:00+08:00",
            "2019-09-01",
            "2019/09/01T20:15:00+08:00",
            "2019-9-1T20:15:00+08:00",
            "2019-02-29T20:15:00+08:00",
            "2019-09-31T20:15:00+08:00",
            "2019-13-01T20:15:00+08:00",
            "2019-09-01T24:00:00+08:00",
            "2019-09-01T20:60:00+08:00",
            "2019-09-01T20:15:60+08:00",
            "2019-09-01T20:15:00+0800",
            "2019-09-01T20:15:00+08",
            "2019-09-01T20:15:00+19:00",
            "2019-09-01T20:15:00+08:60",
            "2019-09-01T20:15:00.+08:00",
            "2019-09-01T20:15:00.1234567890+08:00",
            "2019-09-01T20:15:00Z ",
            "2019-09-01T20:15:00z",
            "２019-09-01T20:15:00+08:00",
            "",
        ])
    func refused(input: String) {
        #expect(OffsetTimestamp(iso8601: input) == nil)
    }

    @Test func ordersByInstant() throws {
        let beijing = try #require(OffsetTimestamp(iso8601: "2019-09-01T20:15:00+08:00"))
        let utcLater = try #require(OffsetTimestamp(iso8601: "2019-09-01T12:15:01Z"))
        #expect(beijing < utcLater)
        #expect(beijing != OffsetTimestamp(iso8601: "2019-09-01T12:15:00Z"))
    }
}
