/// The declaration of one synced table: its name, columns, key, kind and who may write it.
///
/// Tables are declared once (in the domain library); the store derives its SQL from the declaration and
/// the verifier its scope rules, so the two can never disagree.
public struct TableSchema: Sendable, Hashable {
    /// Whether rows change after they are written.
    public enum Kind: String, Sendable, Hashable {
        /// Mutable rows: last writer wins per field; deletions are tombstones.
        case mutable
        /// Immutable facts: inserted once, never edited or deleted (withdrawn by a later fact).
        case fact
    }

    /// The type of a column's values.
    public enum ColumnType: String, Sendable, Hashable {
        case integer
        case text
    }

    /// A declared column.
    public struct Column: Sendable, Hashable {
        public let name: String
        public let type: ColumnType
        /// Whether the column may be absent or null.
        public let optional: Bool

        public init(_ name: String, _ type: ColumnType, optional: Bool = false) {
            self.name = name
            self.type = type
            self.optional = optional
        }
    }

    /// The table name, lowercase ASCII with underscores.
    public let name: String
    /// All columns, key columns first, in declared order.
    public let columns: [Column]
    /// The names of the key columns, in declared order.
    public let keyColumns: [String]
    /// Mutable or fact.
    public let kind: Kind
    /// The column that holds the county code a row belongs to; `nil` for province-wide tables.
    ///
    /// It is always the first key column: a county's rows are keyed under its code, so no county can
    /// address, let alone change, another county's row, and the scope check needs only the operation.
    public let scopeColumn: String?
    /// The roles allowed to write the table.
    public let writers: Set<Role>

    public init(
        name: String, columns: [Column], keyColumns: [String], kind: Kind, scopeColumn: String?, writers: Set<Role>
    ) {
        precondition(keyColumns.allSatisfy { k in columns.contains { $0.name == k } }, "key columns must be declared")
        precondition(scopeColumn.map { keyColumns.first == $0 } ?? true, "the scope column is the first key column")
        self.name = name
        self.columns = columns
        self.keyColumns = keyColumns
        self.kind = kind
        self.scopeColumn = scopeColumn
        self.writers = writers
        let valueColumns = columns.filter { !keyColumns.contains($0.name) }
        self.valueColumns = valueColumns
        keyColumnDeclarations = keyColumns.map { k in columns.first { $0.name == k }! }
        valueColumnsByName = valueColumns.enumerated().map { SortedColumn(column: $1, position: $0) }.sorted {
            $0.column.name.utf8.lexicographicallyPrecedes($1.column.name.utf8)
        }
        // Facts only: the bit (by declared position) of each value column an operation must carry.
        requiredValueColumns = valueColumns.enumerated().reduce(0) { $1.element.optional ? $0 : $0 | 1 << $1.offset }
    }

    /// The columns that are not part of the key, in declared order.
    public let valueColumns: [Column]

    /// The declarations of ``keyColumns``, in the same order.
    let keyColumnDeclarations: [Column]
    /// The value columns in the order operations carry their fields (UTF-8 order of the name), each with its
    /// position in ``valueColumns``: the verifier pairs them with an operation's fields in one pass.
    let valueColumnsByName: [SortedColumn]
    /// A bit per value column (by position, the first 64) that is not optional.
    let requiredValueColumns: UInt64

    /// A value column and its position among the value columns.
    struct SortedColumn: Sendable, Hashable {
        let column: Column
        let position: Int
    }

    /// The column with this name.
    public func column(_ name: String) -> Column? { columns.first { $0.name == name } }

    /// The county a key belongs to, for a county-scoped table.
    public func county(ofKey key: [Value]) -> String? {
        guard scopeColumn != nil else { return nil }
        return key.first?.textValue
    }
}

/// All synced tables a node knows, looked up by name.
public struct SchemaCatalog: Sendable {
    /// The tables in declared order (the order the state digest walks them).
    public let tables: [TableSchema]
    private let byName: [String: TableSchema]

    public init(_ tables: [TableSchema]) {
        self.tables = tables
        self.byName = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
    }

    /// The table with this name, if declared.
    public subscript(name: String) -> TableSchema? { byName[name] }
}
