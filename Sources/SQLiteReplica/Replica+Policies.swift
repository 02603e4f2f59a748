import Foundation
import GRDB
public import SyncCore
import TrainingDomain

/// A year's assessment policy as a node holds it.
public struct PublishedPolicy: Sendable, Hashable {
    public let year: Int
    public let version: Int
    /// The document's bytes exactly as the hub published them (JSON, docs/POLICY.md).
    public let document: String
    public let publishedAtMillis: Int64
}

extension Replica {
    /// Refuses a policy row older than the one held for its year, or as old with another document: a
    /// rolled-back or frozen policy.
    static func checkPolicyNotOlder(_ db: Database, _ op: RowOperation, author: OriginID) throws {
        var year = "?"
        if case .integer(let y)? = op.key.first { year = String(y) }
        try checkVersionNotOlder(
            db, op, author: author, table: TrainingTables.policies, reason: .policyRollback,
            what: "the policy of \(year)")
    }

    /// At the hub: publishes a year's policy document (already validated by the caller), sealed at once.
    /// The version must be higher than the one published before for the year.
    public func publishPolicy(year: Int, version: Int, document: String) throws(ReplicaError) {
        guard identity.role == .hub else { throw .wrongRole("the assessment policy is published by the hub") }
        let now = configuration.wallClock.nowMillis()
        try run { db in
            if let held = try Int64.fetchOne(
                db, sql: "SELECT version FROM policies WHERE year = ? AND _live = 1", arguments: [year]),
                Int64(version) <= held
            {
                throw ReplicaError.scope(
                    SyncError(
                        .policyRollback,
                        "the \(year) policy is at version \(held); a new document needs a higher version"))
            }
            _ = try applyLocalWrites(
                db,
                [
                    LocalWrite(
                        kind: .upsert, table: TrainingTables.policies.name, key: [.integer(Int64(year))],
                        fields: [
                            .init("version", .integer(Int64(version))), .init("document", .text(document)),
                            .init("published_at", .integer(now)),
                        ])
                ])
        }
        try seal()
    }

    /// The policy this node holds for a year, if any.
    public func policy(year: Int) throws(ReplicaError) -> PublishedPolicy? {
        try runRead { db in
            try Row.fetchOne(
                db, sql: "SELECT year, version, document, published_at FROM policies WHERE year = ? AND _live = 1",
                arguments: [year]
            ).map {
                PublishedPolicy(
                    year: $0["year"], version: $0["version"], document: $0["document"],
                    publishedAtMillis: $0["published_at"])
            }
        }
    }
}
