/// The deterministic merge: what a row becomes when an operation is applied to it.
///
/// The result depends only on the set of operations applied, never on their order:
/// - mutable rows keep, per field, the write with the greatest ``WriteStamp`` (last writer wins);
/// - a delete keeps the greatest tombstone and drops every field written before it; writes older than the
///   tombstone are ignored, newer ones make the row visible again;
/// - facts are insert-only: the same fact again is a no-op; two facts with one key and different content
///   (only possible between different authors) keep the one with the smaller stamp (first writer wins).
public enum MergeRules {
    /// The outcome of applying one operation to one row.
    public struct Outcome: Sendable, Hashable {
        /// The row's new state.
        public var row: RowState
        /// Whether anything changed.
        public var changed: Bool
        /// Conflicts detected (same field, different origins, different values).
        public var conflicts: [FieldConflict]
    }

    /// Applies `op`, authored by `origin`, to `row` (`nil` when the replica has never seen the row).
    public static func apply(_ op: RowOperation, by origin: OriginID, to row: RowState?) -> Outcome {
        let stamp = WriteStamp(hlc: op.hlc, origin: origin)
        var state = row ?? RowState()
        var conflicts = [FieldConflict]()
        var changed = false
        switch op.kind {
        case .upsert:
            if let tomb = state.tombstone, stamp <= tomb { return Outcome(row: state, changed: false, conflicts: []) }
            for field in op.fields {
                if let current = state.fields[field.name] {
                    // Equal stamps come only from a misbehaving author; break the tie by value so every
                    // replica still picks the same one.
                    if current.stamp == stamp, current.value >= field.value { continue }
                    let incomingWins = stamp > current.stamp || (stamp == current.stamp && field.value > current.value)
                    if current.stamp.origin != origin, current.value != field.value {
                        conflicts.append(
                            FieldConflict(
                                table: op.table, key: op.key, field: field.name,
                                winner: incomingWins ? stamp : current.stamp,
                                loser: incomingWins ? current.stamp : stamp))
                    }
                    guard incomingWins else { continue }
                }
                state.fields[field.name] = .init(field.value, stamp)
                changed = true
            }
        case .delete:
            if let tomb = state.tombstone, stamp <= tomb { return Outcome(row: state, changed: false, conflicts: []) }
            state.tombstone = stamp
            state.fields = state.fields.filter { $0.value.stamp > stamp }
            changed = true
        case .insertFact:
            // A fact's stamp is the same on every field; compare against any one of them. The smallest
            // stamp wins even when the content is equal, so every replica ends up holding the same stamp.
            if let existing = state.fields.values.first?.stamp {
                let incoming = Dictionary(uniqueKeysWithValues: op.fields.map { ($0.name, $0.value) })
                let sameContent = incoming == state.fields.mapValues(\.value)
                if stamp >= existing {
                    if !sameContent { conflicts.append(factConflict(op, winner: existing, loser: stamp)) }
                    return Outcome(row: state, changed: false, conflicts: conflicts)
                }
                if !sameContent { conflicts.append(factConflict(op, winner: stamp, loser: existing)) }
            }
            state.fields = Dictionary(uniqueKeysWithValues: op.fields.map { ($0.name, .init($0.value, stamp)) })
            changed = true
        }
        return Outcome(row: state, changed: changed, conflicts: conflicts)
    }

    private static func factConflict(_ op: RowOperation, winner: WriteStamp, loser: WriteStamp) -> FieldConflict {
        FieldConflict(table: op.table, key: op.key, field: "*", winner: winner, loser: loser)
    }
}
