/// The order of rows in a table's SQLite b-tree, near enough: table name, then the key's values (null, then
/// integers, then text). Writing rows in this order instead of the order they come in takes SQLite about a fifth
/// less work (docs/BENCHMARKS.md, "Third pass").
///
/// Text compares as Swift orders strings, which for the ASCII codes and ids of keys is SQLite's byte order; where
/// it is not, rows are merely less well placed. Nothing depends on the order for correctness: operations on
/// different rows commute, and the sorts here are stable, so operations on one row keep theirs.
public enum KeyOrder {
    /// Whether the row `(tableA, keyA)` comes before `(tableB, keyB)`.
    @inlinable
    public static func precedes(_ tableA: String, _ keyA: [Value], _ tableB: String, _ keyB: [Value]) -> Bool {
        if tableA != tableB { return tableA < tableB }
        for (x, y) in zip(keyA, keyB) {
            switch (x, y) {
            case (.text(let p), .text(let q)):
                if p == q { continue }
                return p < q
            case (.integer(let p), .integer(let q)):
                if p == q { continue }
                return p < q
            case (.null, .null): continue
            case (.null, _): return true
            case (_, .null): return false
            case (.integer, .text): return true
            case (.text, .integer): return false
            }
        }
        return keyA.count < keyB.count
    }

    /// The indices of `items` in key order, stably (items of one row keep their order); `nil` when they are in
    /// that order already, which is checked first and costs one pass.
    ///
    /// Inlinable so that callers get it specialised for their element type: unspecialised, each comparison copied
    /// both elements through their value witnesses, which was a tenth of the hub's apply (docs/BENCHMARKS.md,
    /// "Seventh pass").
    @inlinable
    public static func order<T>(_ items: [T], table: (T) -> String, key: (T) -> [Value]) -> [Int]? {
        func before(_ a: Int, _ b: Int) -> Bool {
            precedes(table(items[a]), key(items[a]), table(items[b]), key(items[b]))
        }
        guard items.count > 1, items.indices.dropFirst().contains(where: { before($0, $0 - 1) }) else { return nil }
        return items.indices.sorted { a, b in before(a, b) || (!before(b, a) && a < b) }
    }
}
