extension Tenths: Codable {
    /// Decodes a JSON number with at most one decimal place (`52`, `4.5`); `4.55` or `1e400` is refused.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(Double.self)
        // The number is read once and scaled once; nothing is accumulated in floating point.
        let scaled = value * 10
        let rounded = scaled.rounded()
        guard value.isFinite, abs(value) <= 1_000_000, abs(scaled - rounded) < 1e-6 else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a number with at most one decimal place")
        }
        self.init(tenths: Int(rounded))
    }

    /// Encodes the quantity as a JSON number (`52`, `4.5`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if tenths % 10 == 0 {
            try container.encode(tenths / 10)
        } else {
            try container.encode(Double(tenths) / 10)
        }
    }
}
