/// A JSON object key named by its text, so that a document's fields can be listed and checked against the schema.
struct FieldKey: CodingKey, ExpressibleByStringLiteral {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }

    init(stringLiteral value: String) {
        self.init(stringValue: value)
    }
}

/// Reads one JSON object of a policy document: refuses fields the schema does not define, and names fields in errors
/// by their path from the document's root.
struct FieldReader {
    private let container: KeyedDecodingContainer<FieldKey>
    /// The path of the object being read.
    let path: [any CodingKey]

    /// Opens the object `decoder` is at, refusing any field not in `fields` (the first in sorted order, so the error
    /// does not depend on the order of the document's keys).
    init(_ decoder: any Decoder, fields: Set<String>) throws {
        container = try decoder.container(keyedBy: FieldKey.self)
        path = decoder.codingPath
        if let unknown = container.allKeys.map(\.stringValue).filter({ !fields.contains($0) }).sorted().first {
            throw PolicyError(
                .unknownField, field: Self.describe(path + [FieldKey(stringValue: unknown)]),
                detail: "not a field of this object")
        }
    }

    /// The value of a required field.
    func required<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T {
        try container.decode(T.self, forKey: FieldKey(stringValue: key))
    }

    /// The value of an optional field; `nil` when absent or `null`.
    func optional<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T? {
        try container.decodeIfPresent(T.self, forKey: FieldKey(stringValue: key))
    }

    /// The value of a required whole-number field.
    ///
    /// Read as a number and checked here, because Foundation's decoder reports a fraction where an `Int` belongs as
    /// invalid JSON with no path.
    func integer(_ key: String) throws -> Int {
        let value = try container.decode(Double.self, forKey: FieldKey(stringValue: key))
        guard value.isFinite, value.rounded() == value, abs(value) <= 1_000_000_000 else {
            throw error(.wrongType, key, "expected a whole number")
        }
        return Int(value)
    }

    /// Whether the object has the field.
    func has(_ key: String) -> Bool {
        container.contains(FieldKey(stringValue: key))
    }

    /// An error about the field `key` of this object.
    func error(_ kind: PolicyError.Kind, _ key: String, _ detail: String) -> PolicyError {
        PolicyError(kind, field: Self.describe(path + [FieldKey(stringValue: key)]), detail: detail)
    }

    /// The document path of `keys`: `categories[1].minimum_hours`; `(document)` for the root.
    static func describe(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? PolicyError.documentField : text
    }
}
