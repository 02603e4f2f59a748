/// A decimal quantity with one decimal place, held as a whole number of tenths: hours (`51.9`) and points (`87.5`).
///
/// The engine never accumulates floating-point values: minutes are summed as integers and converted to tenths of an
/// hour once, by the policy's ``HourRounding``; scores are computed in tenths of a point with integer arithmetic.
public struct Tenths: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The quantity in tenths: `519` is 51.9.
    public let tenths: Int

    /// The quantity of `tenths` tenths.
    public init(tenths: Int) {
        self.tenths = tenths
    }

    /// The quantity of `whole` units: `Tenths(whole: 52)` is 52.0.
    public init(whole: Int) {
        self.tenths = whole * 10
    }

    /// Parses decimal text with at most one decimal place (`"52"`, `"51.9"`, `"-0.5"`); `nil` for anything else.
    public init?(_ text: String) {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Self.digitsValue(parts[0]) else { return nil }
        var fraction = 0
        if parts.count == 2 {
            guard parts[1].count == 1, let value = Self.digitsValue(parts[1]) else { return nil }
            fraction = value
        }
        let magnitude = whole * 10 + fraction
        self.tenths = negative ? -magnitude : magnitude
    }

    /// Zero.
    public static let zero = Tenths(tenths: 0)

    /// The shortest decimal text: `"52"`, `"51.9"`, `"0.1"`, `"-4.5"`. It is a function of the value alone, so it is
    /// also the form used in canonical encodings.
    public var description: String {
        let magnitude = tenths.magnitude
        let sign = tenths < 0 ? "-" : ""
        let fraction = magnitude % 10
        return fraction == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(fraction)"
    }

    /// Orders by value.
    public static func < (lhs: Tenths, rhs: Tenths) -> Bool {
        lhs.tenths < rhs.tenths
    }

    /// The sum.
    public static func + (lhs: Tenths, rhs: Tenths) -> Tenths {
        Tenths(tenths: lhs.tenths + rhs.tenths)
    }

    /// The difference.
    public static func - (lhs: Tenths, rhs: Tenths) -> Tenths {
        Tenths(tenths: lhs.tenths - rhs.tenths)
    }

    private static func digitsValue(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9,
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)
    }
}
