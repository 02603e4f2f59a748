public import SyncCore
import TrainingDomain

/// A write a local user or import asks for; the replica stamps it and records its operation.
public struct LocalWrite: Sendable, Hashable {
    /// Upsert, fact insert or delete.
    public var kind: RowOperation.Kind
    /// The table written.
    public var table: String
    /// The key values, in the table's key-column order.
    public var key: [Value]
    /// The fields to write (none for a delete).
    public var fields: [RowOperation.Field]

    public init(kind: RowOperation.Kind, table: String, key: [Value], fields: [RowOperation.Field]) {
        self.kind = kind
        self.table = table
        self.key = key
        self.fields = fields
    }

    /// The hub's write of one key-registry entry.
    public static func registryEntry(_ record: OriginRecord) -> LocalWrite {
        LocalWrite(
            kind: .upsert, table: TrainingTables.origins.name, key: [.text(record.origin.hex)],
            fields: [
                .init("public_key", .text(record.publicKey.rawRepresentation.base64EncodedString())),
                .init("role", .text(record.role.rawValue)),
                .init("county", record.county.map { .text($0) } ?? .null),
                .init("status", .text(record.status.rawValue)),
            ])
    }
}

/// What a batch of local writes did.
public struct WriteReport: Sendable, Hashable {
    /// Writes that changed the replica and recorded an operation.
    public var written = 0
    /// Writes that matched what the replica already held: no operation recorded.
    public var unchanged = 0

    /// Under ``FactConflictPolicy/skip``: the indices of facts skipped because they already exist with
    /// different content.
    public var skippedFacts: [Int] = []

    public init(written: Int = 0, unchanged: Int = 0, skippedFacts: [Int] = []) {
        self.written = written
        self.unchanged = unchanged
        self.skippedFacts = skippedFacts
    }
}

/// What to do with a fact that already exists with different content.
public enum FactConflictPolicy: Sendable {
    /// Refuse the whole batch (nothing written).
    case refuse
    /// Skip the conflicting facts and write the rest.
    case skip
}
