import BenchSupport
import Foundation

/// Which raw SQLite insert rate a figure is compared with.
enum Shape: String {
    /// `(id INTEGER PRIMARY KEY, v INTEGER)`.
    case simple
    /// Text key of two columns and seven text columns, like `teachers`.
    case teachers
    /// Text key and six text columns plus one integer, like `study_records`.
    case studyRecords = "study_records"
}

/// One printed figure.
struct Figure {
    let id: String
    let name: String
    /// The rate (per second) or, for `unit == "ms"`, the time.
    let value: Double
    let unit: String
    /// The shape whose raw insert rate the value is divided by; `nil` for figures that are not row rates.
    let shape: Shape?
    let seconds: Double
    let count: Int
}

/// Collects figures and prints them as a table.
final class Report {
    private(set) var figures: [Figure] = []
    /// Raw SQLite insert rate (GRDB, prepared statement, one transaction) per shape.
    var baseline: [Shape: Double] = [:]

    /// Records a rate: `count` items in `seconds`.
    func rate(_ id: String, _ name: String, count: Int, seconds: Double, unit: String, shape: Shape?) {
        let f = Figure(
            id: id, name: name, value: Double(count) / seconds, unit: unit, shape: shape, seconds: seconds, count: count
        )
        figures.append(f)
        print(
            "  \(id.padding(toLength: 5, withPad: " ", startingAt: 0)) \(name): \(format(f.value)) \(unit) "
                + "(\(count) in \(String(format: "%.3f", seconds)) s)")
    }

    /// Records a duration in milliseconds.
    func time(_ id: String, _ name: String, count: Int, seconds: Double) {
        let f = Figure(
            id: id, name: name, value: seconds * 1000, unit: "ms", shape: nil, seconds: seconds, count: count)
        figures.append(f)
        print(
            "  \(id.padding(toLength: 5, withPad: " ", startingAt: 0)) \(name): \(String(format: "%.1f", seconds * 1000)) ms "
                + "(\(count) items)")
    }

    func ratio(_ f: Figure) -> String {
        guard let shape = f.shape, let base = baseline[shape], base > 0 else { return "—" }
        return String(format: "%.3f", f.value / base)
    }

    /// The table: figure, value, unit, ratio to the raw insert rate of the same shape, items, seconds.
    func printTable() {
        let header = ["#", "figure", "value", "unit", "vs raw", "shape", "items", "time s"]
        var rows = [header]
        for f in figures.sorted(by: { $0.id < $1.id }) {
            rows.append([
                f.id, f.name, f.unit == "ms" ? String(format: "%.1f", f.value) : format(f.value), f.unit, ratio(f),
                f.shape?.rawValue ?? "—", format(Double(f.count), integer: true), String(format: "%.3f", f.seconds),
            ])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        let rightAligned: Set<Int> = [2, 4, 6, 7]
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, c -> String in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return rightAligned.contains(i) ? pad + c : c + pad
            }
            return "| " + padded.joined(separator: " | ") + " |"
        }
        print(line(rows[0]))
        print(
            "|"
                + widths.enumerated().map { i, w in
                    rightAligned.contains(i)
                        ? String(repeating: "-", count: w + 1) + ":" : String(repeating: "-", count: w + 2)
                }.joined(separator: "|") + "|")
        for r in rows.dropFirst() { print(line(r)) }
    }
}

/// A number with thousands separators; below 100 (unless `integer`), three significant digits.
func format(_ v: Double, integer: Bool = false) -> String {
    if v >= 100 || integer {
        let digits = String(Int(v.rounded()))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return out
    }
    return String(format: v >= 10 ? "%.1f" : "%.2f", v)
}
