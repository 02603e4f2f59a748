/// Decodes an enumeration written in documents as one of a few codes, with an error that lists them.
enum CodeList {
    static func decode<Value: RawRepresentable<String> & CaseIterable>(
        _ type: Value.Type, from decoder: any Decoder
    ) throws -> Value {
        let container = try decoder.singleValueContainer()
        let code = try container.decode(String.self)
        guard let value = Value(rawValue: code) else {
            let codes = Value.allCases.map(\.rawValue)
            let list = codes.dropLast().joined(separator: ", ") + (codes.count > 1 ? " or " : "") + (codes.last ?? "")
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected \(list)")
        }
        return value
    }
}
