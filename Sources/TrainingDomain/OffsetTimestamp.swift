/// An instant as written by the party that recorded it: a date and time with an explicit UTC offset, kept both as
/// normalised text and as seconds since the Unix epoch.
///
/// Accepted input is the RFC 3339 profile of ISO 8601: `YYYY-MM-DDTHH:MM:SS`, optional fractional seconds, then `Z`
/// or `±HH:MM` (up to 18:00). A timestamp without an offset is refused: a local time alone does not name an instant.
/// Fractional seconds are truncated. The text is normalised to `YYYY-MM-DDTHH:MM:SS±HH:MM`, keeping the writer's own
/// offset (`Z` and `-00:00` become `+00:00`), so that two spellings of one moment at one offset compare equal.
public struct OffsetTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The normalised text, for example `"2019-09-01T20:15:00+08:00"`.
    public let text: String
    /// Seconds since 1970-01-01T00:00:00Z.
    public let epochSeconds: Int64
    /// The writer's UTC offset in seconds (for `+08:00`, 28800).
    public let offsetSeconds: Int

    /// Parses an ISO 8601 date and time with an explicit offset; returns `nil` if `iso8601` is not one, names a date
    /// that does not exist, or has no offset.
    public init?(iso8601: String) {
        let utf8 = iso8601.utf8
        // One pass over the UTF-8 bytes; a native string provides them contiguously.
        guard
            let parsed = utf8.withContiguousStorageIfAvailable(Self.parse)
                ?? Array(utf8).withUnsafeBufferPointer(Self.parse)
        else { return nil }
        self = parsed
    }

    private init(text: String, epochSeconds: Int64, offsetSeconds: Int) {
        self.text = text
        self.epochSeconds = epochSeconds
        self.offsetSeconds = offsetSeconds
    }

    /// The normalised text.
    public var description: String {
        text
    }

    /// Orders timestamps by instant, then by offset so that the order is total and agrees with `==`.
    public static func < (lhs: OffsetTimestamp, rhs: OffsetTimestamp) -> Bool {
        (lhs.epochSeconds, lhs.offsetSeconds) < (rhs.epochSeconds, rhs.offsetSeconds)
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> OffsetTimestamp? {
        // YYYY-MM-DDTHH:MM:SS is 19 bytes; the shortest offset is "Z".
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = number(b, 0, 4), let month = number(b, 5, 2), let day = number(b, 8, 2),
            let hour = number(b, 11, 2), let minute = number(b, 14, 2), let second = number(b, 17, 2),
            CivilCalendar.isValid(year: year, month: month, day: day), hour <= 23, minute <= 59, second <= 59
        else { return nil }

        var index = 19
        if b[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < b.count, isDigit(b[index]) { index += 1 }
            guard index > fractionStart, index - fractionStart <= 9 else { return nil }
        }
        guard index < b.count else { return nil }

        let offsetSeconds: Int
        if b[index] == UInt8(ascii: "Z") {
            guard index + 1 == b.count else { return nil }
            offsetSeconds = 0
        } else {
            guard b[index] == UInt8(ascii: "+") || b[index] == UInt8(ascii: "-"), index + 6 == b.count,
                b[index + 3] == UInt8(ascii: ":"), let offsetHours = number(b, index + 1, 2),
                let offsetMinutes = number(b, index + 4, 2), offsetMinutes <= 59,
                offsetHours * 60 + offsetMinutes <= 18 * 60
            else { return nil }
            let magnitude = offsetHours * 3600 + offsetMinutes * 60
            offsetSeconds = b[index] == UInt8(ascii: "-") ? -magnitude : magnitude
        }

        let days = CivilCalendar.daysSinceEpoch(year: year, month: month, day: day)
        let local = days * 86400 + Int64(hour * 3600 + minute * 60 + second)
        let sign = offsetSeconds < 0 ? "-" : "+"
        let text =
            String(decoding: UnsafeBufferPointer(rebasing: b[0..<19]), as: UTF8.self) + sign
            + twoDigits(abs(offsetSeconds) / 3600) + ":" + twoDigits(abs(offsetSeconds) % 3600 / 60)
        return OffsetTimestamp(text: text, epochSeconds: local - Int64(offsetSeconds), offsetSeconds: offsetSeconds)
    }

    private static func number(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Int? {
        var value = 0
        for index in start..<(start + length) {
            guard isDigit(b[index]) else { return nil }
            value = value * 10 + Int(b[index] - UInt8(ascii: "0"))
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
