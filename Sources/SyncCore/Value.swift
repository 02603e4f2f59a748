/// A column value carried by an operation: the protocol knows three kinds only.
///
/// Keeping the value model this small keeps the encoding canonical: no floating point, no
/// time zones, no collations. Domain types map onto it (dates as ISO 8601 text, minutes as integers).
public enum Value: Sendable, Hashable, Comparable, CustomStringConvertible {
    case null
    case integer(Int64)
    case text(String)

    /// The text payload, or `nil` for other kinds.
    public var textValue: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    /// The integer payload, or `nil` for other kinds.
    public var integerValue: Int64? {
        if case .integer(let i) = self { return i }
        return nil
    }

    /// Orders null before integers before text; used only to make sorting deterministic.
    public static func < (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return false
        case (.null, _): return true
        case (_, .null): return false
        case (.integer(let a), .integer(let b)): return a < b
        case (.integer, .text): return true
        case (.text, .integer): return false
        case (.text(let a), .text(let b)): return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
    }

    /// A description that never shows text content, so values are safe to log.
    public var description: String {
        switch self {
        case .null: return "null"
        case .integer: return "integer"
        case .text(let s): return "text(\(s.utf8.count) bytes)"
        }
    }
}
