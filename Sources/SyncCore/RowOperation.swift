/// One write, as it travels inside a change set.
public struct RowOperation: Sendable, Hashable {
    /// What the write does.
    public enum Kind: UInt8, Sendable, Hashable, CaseIterable {
        /// Sets some fields of a mutable row, creating it if needed (last writer wins per field).
        case upsert = 1
        /// Inserts an immutable fact; never edited afterwards.
        case insertFact = 2
        /// Deletes a mutable row, leaving a tombstone that wins over older writes.
        case delete = 3
    }

    /// The kind of write.
    public let kind: Kind
    /// The clock reading of the write; with the set's author it orders concurrent writes.
    public let hlc: HybridTimestamp
    /// The table written.
    public let table: String
    /// The values of the table's key columns, in declared order.
    public let key: [Value]
    /// The fields written, sorted by name, names unique. A delete carries none.
    public let fields: [Field]

    /// A named value.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: Value
        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }
    }

    /// Creates an operation; fields are sorted by name so the encoding is canonical.
    public init(kind: Kind, hlc: HybridTimestamp, table: String, key: [Value], fields: [Field]) {
        self.kind = kind
        self.hlc = hlc
        self.table = table
        self.key = key
        self.fields = fields.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// Creates an operation whose fields the caller has already put in canonical order (decoding checks it).
    init(kind: Kind, hlc: HybridTimestamp, table: String, key: [Value], canonicalFields fields: [Field]) {
        self.kind = kind
        self.hlc = hlc
        self.table = table
        self.key = key
        self.fields = fields
    }

    /// The value of a field, if the operation writes it.
    public func value(of name: String) -> Value? {
        // Comparing lengths first skips the slower comparison of most unequal names.
        let count = name.utf8.count
        return fields.first { $0.name.utf8.count == count && $0.name == name }?.value
    }
}
