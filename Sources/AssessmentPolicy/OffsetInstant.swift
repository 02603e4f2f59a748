public import Foundation

/// An instant written with its UTC offset, as policies give their opening and deadline instants:
/// `2020-01-01T00:00:00+08:00`.
///
/// Accepted text is `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`, nothing else: no fractional seconds, no
/// missing offset (a local time alone names no instant), no `24:00`. The text is kept as written apart from `Z` and
/// `-00:00`, which become `+00:00`, so that reasons quote a deadline the way the policy's author wrote it.
public struct OffsetInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The normalised text, for example `"2020-01-01T00:00:00+08:00"`.
    public let text: String
    /// Seconds since 1970-01-01T00:00:00Z.
    public let epochSeconds: Int64

    /// Parses `text`; `nil` if it is not of the accepted form or names a date that does not exist.
    public init?(_ text: String) {
        let b = Array(text.utf8)
        guard b.count == 20 || b.count == 25, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = Self.number(b, 0, 4), let month = Self.number(b, 5, 2), let day = Self.number(b, 8, 2),
            let hour = Self.number(b, 11, 2), let minute = Self.number(b, 14, 2), let second = Self.number(b, 17, 2),
            (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= Self.daysInMonth(year: year, month: month), hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var offset = 0
        if b.count == 20 {
            guard b[19] == UInt8(ascii: "Z") else { return nil }
        } else {
            guard b[19] == UInt8(ascii: "+") || b[19] == UInt8(ascii: "-"), b[22] == UInt8(ascii: ":"),
                let offsetHours = Self.number(b, 20, 2), let offsetMinutes = Self.number(b, 23, 2),
                offsetMinutes <= 59, offsetHours * 60 + offsetMinutes <= 18 * 60
            else { return nil }
            offset = (offsetHours * 60 + offsetMinutes) * 60 * (b[19] == UInt8(ascii: "-") ? -1 : 1)
        }
        let local =
            Self.daysSinceEpoch(year: year, month: month, day: day) * 86400 + Int64(hour * 3600 + minute * 60 + second)
        self.epochSeconds = local - Int64(offset)
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset) / 60
        self.text =
            String(decoding: b[0..<19], as: UTF8.self) + sign + Self.twoDigits(magnitude / 60) + ":"
            + Self.twoDigits(magnitude % 60)
    }

    /// The instant as a `Date`, for comparing with the engine's inputs.
    public var date: Date {
        Date(timeIntervalSince1970: TimeInterval(epochSeconds))
    }

    /// The normalised text.
    public var description: String {
        text
    }

    /// Orders by instant, then by text so that the order is total and agrees with `==`.
    public static func < (lhs: OffsetInstant, rhs: OffsetInstant) -> Bool {
        (lhs.epochSeconds, lhs.text) < (rhs.epochSeconds, rhs.text)
    }

    private static func number(_ b: [UInt8], _ start: Int, _ length: Int) -> Int? {
        var value = 0
        for byte in b[start..<(start + length)] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a valid proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}

extension OffsetInstant: Codable {
    /// Decodes the text form; anything else is refused with the accepted form in the error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let instant = OffsetInstant(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected an instant like 2020-01-01T00:00:00+08:00")
        }
        self = instant
    }

    /// Encodes the normalised text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
