public import Foundation

/// A report: a title, what it was computed from, and sections of tabular data, rendered as CSV, JSON or HTML
/// (docs/REPORTS.md).
///
/// A report says in ``containsPersonalData`` whether it names teachers; only reports scoped to one county do,
/// and they are meant for that county only.
public struct Report: Sendable, Hashable {
    /// One table of the report, optionally drawn as a horizontal bar chart of one numeric column.
    public struct Section: Sendable, Hashable {
        public let title: String
        public let columns: [String]
        public let rows: [[String]]
        /// The column whose numbers the HTML page draws as bars (labelled by the first column), if any.
        public let chartColumn: String?

        public init(title: String, columns: [String], rows: [[String]], chartColumn: String? = nil) {
            self.title = title
            self.columns = columns
            self.rows = rows
            self.chartColumn = chartColumn
        }
    }

    public let kind: String
    public let title: String
    /// Lines about what the figures rest on: year, policy version, official or preview, the instant.
    public let notes: [String]
    public let sections: [Section]
    public let containsPersonalData: Bool

    public init(kind: String, title: String, notes: [String], sections: [Section], containsPersonalData: Bool = false) {
        self.kind = kind
        self.title = title
        self.notes = notes
        self.sections = sections
        self.containsPersonalData = containsPersonalData
    }

    /// The output formats.
    public enum Format: String, Sendable, CaseIterable {
        case csv, json, html
    }

    /// The report in `format`, as UTF-8 text.
    public func rendered(_ format: Format) -> String {
        switch format {
        case .csv: return csv
        case .json: return json
        case .html: return html
        }
    }

    /// Every section as RFC 4180 CSV with its header row, after `# ` lines with the title, the notes and, for a
    /// report naming teachers, a warning; each section follows an empty line and its own `# title` line.
    public var csv: String {
        var out = "# " + title + "\r\n"
        for note in notes { out += "# " + note + "\r\n" }
        if containsPersonalData { out += "# " + Self.personalDataWarning + "\r\n" }
        for section in sections {
            out += "\r\n"
            out += "# " + section.title + "\r\n"
            out += section.columns.map(Self.csvField).joined(separator: ",") + "\r\n"
            for row in section.rows { out += row.map(Self.csvField).joined(separator: ",") + "\r\n" }
        }
        return out
    }

    /// `{"kind", "title", "notes", "personal_data", "sections": [{"title", "columns", "rows"}]}`, keys sorted.
    public var json: String {
        let object: [String: Any] = [
            "kind": kind, "title": title, "notes": notes, "personal_data": containsPersonalData,
            "sections": sections.map { ["title": $0.title, "columns": $0.columns, "rows": $0.rows] as [String: Any] },
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A self-contained page: the tables, and a bar chart (inline SVG, no script) for each section that names a
    /// chart column.
    public var html: String {
        var out = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(HTMLText.escape(title))</title>
            <style>
            body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; margin: 2em; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; } th { background: #eee; }
            .notes { color: #555; } svg text { font-size: 12px; }
            </style></head><body>
            <h1>\(HTMLText.escape(title))</h1>

            """
        if containsPersonalData {
            out += "<p><strong>\(Self.personalDataWarning)</strong></p>\n"
        }
        out += "<ul class=\"notes\">" + notes.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul>\n"
        for section in sections {
            out += "<h2>\(HTMLText.escape(section.title))</h2>\n"
            if let chart = section.chartColumn, let index = section.columns.firstIndex(of: chart) {
                out += Self.barChart(section, valueIndex: index)
            }
            out += "<table><tr>" + section.columns.map { "<th>\(HTMLText.escape($0))</th>" }.joined() + "</tr>\n"
            for row in section.rows {
                out += "<tr>"
                out += row.map {
                    Double($0) != nil
                        ? "<td class=\"n\">\(HTMLText.escape($0))</td>" : "<td>\(HTMLText.escape($0))</td>"
                }
                .joined()
                out += "</tr>\n"
            }
            out += "</table>\n"
        }
        return out + "</body></html>\n"
    }

    private static func barChart(_ section: Section, valueIndex: Int) -> String {
        let values = section.rows.map { Double($0[valueIndex]) ?? 0 }
        let maximum = max(values.max() ?? 0, 1)
        let labelWidth = 160.0, barWidth = 360.0, rowHeight = 18.0
        let height = rowHeight * Double(section.rows.count) + 4
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + barWidth + 80))\" "
        svg +=
            "height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(section.columns[valueIndex]))\">\n"
        for (i, row) in section.rows.enumerated() {
            let y = Double(i) * rowHeight + 2
            let w = barWidth * values[i] / maximum
            let label = row.count > 1 && Double(row[0]) != nil ? row[1] : row[0]
            svg += "<text x=\"0\" y=\"\(Int(y + 13))\">\(HTMLText.escape(String(label.prefix(14))))</text>"
            svg += "<rect x=\"\(Int(labelWidth))\" y=\"\(Int(y))\" width=\"\(String(format: "%.1f", w))\" "
            svg += "height=\"\(Int(rowHeight - 4))\" fill=\"#4a7ab5\"/>"
            svg +=
                "<text x=\"\(Int(labelWidth + w + 4))\" y=\"\(Int(y + 13))\">\(HTMLText.escape(row[valueIndex]))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// The line every rendering of a report that names teachers carries.
    public static let personalDataWarning = "This report names teachers: it is for their own county only."

    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
