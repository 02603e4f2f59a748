import CSV
import Foundation

/// The file-level part of every import: UTF-8 decoding, CSV structure, the header row and physical line numbers.
///
/// Fields are split by yaslab's `CSVReader`. Because that reader silently repairs some quoting errors (it drops the
/// character after a stray closing quote and keeps reading in quoted mode) and does not report line numbers, a strict
/// RFC 4180 scan runs first: it refuses the whole file on a quoting error, whose position it can name, and records the
/// physical line on which each row starts. On files it accepts, the two agree on where every row begins.
enum CSVTable {
    /// Decodes `data` as UTF-8. Returns `nil` if it is not valid UTF-8.
    static func decode(_ data: Data) -> String? {
        data.withUnsafeBytes { String(validating: $0.bindMemory(to: UInt8.self), as: UTF8.self) }
    }

    /// The issue for a file that is not valid UTF-8, naming the line of the first invalid byte sequence.
    static func invalidUTF8Issue(_ data: Data) -> ImportIssue {
        var line = 1
        var previous: Unicode.Scalar?
        var bytes = data.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        decoding: while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                if scalar == "\n" && previous != "\r" || scalar == "\r" { line += 1 }
                previous = scalar
            case .error, .emptyInput:
                break decoding
            }
        }
        return ImportIssue(
            line: line, column: nil, reason: .utf8Invalid,
            detail: "the file is not valid UTF-8 (save it as UTF-8; GBK exports are not accepted); nothing was imported"
        )
    }

    /// Reads the table in `text`, which must have a header row containing every name in `columns`.
    ///
    /// Calls `body` for each data row with the row's physical line and the trimmed values of `columns`, in the order of
    /// `columns`; `body` returns the row's issues. Unknown columns are ignored. Rows that are empty or have only empty
    /// fields are skipped silently; rows whose field count differs from the header's get a `csv.malformed` issue and
    /// are skipped. After a header or quoting problem no row is read.
    ///
    /// - Returns: every issue, the file's and the rows', in line order.
    static func read(
        _ text: String, columns: [String], row body: (_ line: Int, _ values: [String]) -> [ImportIssue]
    ) -> [ImportIssue] {
        var issues: [ImportIssue] = []
        var text = text
        if text.unicodeScalars.first == "\u{FEFF}" {
            text = String(text.unicodeScalars.dropFirst())
        }

        let scan =
            text.utf8.withContiguousStorageIfAvailable(RecordScan.init)
            ?? Array(text.utf8).withUnsafeBufferPointer(RecordScan.init)
        if let error = scan.error {
            return [ImportIssue(line: error.line, column: nil, reason: .csvMalformed, detail: error.detail)]
        }

        guard let reader = try? CSVReader(string: text, hasHeaderRow: true), let header = reader.headerRow else {
            for column in columns {
                issues.append(
                    ImportIssue(
                        line: 1, column: column, reason: .headerMissingColumn,
                        detail: "the file is empty; the header row must name this column"))
            }
            return issues
        }

        guard let positions = positions(of: columns, in: header, issues: &issues) else { return issues }

        var rowIndex = 0
        while let fields = reader.next() {
            rowIndex += 1
            let line = rowIndex < scan.rowStarts.count ? scan.rowStarts[rowIndex] : (scan.rowStarts.last ?? 0) + 1
            if fields.allSatisfy({ $0.trimmingWhitespace().isEmpty }) {
                continue
            }
            guard fields.count == header.count else {
                issues.append(
                    ImportIssue(
                        line: line, column: nil, reason: .csvMalformed,
                        detail: "the row has \(fields.count) fields but the header has \(header.count); row skipped"))
                continue
            }
            issues += body(line, positions.map { fields[$0].trimmingWhitespace() })
        }
        if reader.error != nil {
            issues.append(
                ImportIssue(
                    line: scan.rowStarts.last ?? 1, column: nil, reason: .csvMalformed,
                    detail: "the file could not be read to its end"))
        }
        return issues
    }

    /// The field index of each required column, or `nil` after reporting missing or repeated columns.
    private static func positions(
        of columns: [String], in header: [String], issues: inout [ImportIssue]
    ) -> [Int]? {
        var indices: [String: [Int]] = [:]
        for (index, name) in header.enumerated() {
            indices[name.trimmingWhitespace(), default: []].append(index)
        }
        var positions: [Int] = []
        var complete = true
        for column in columns {
            switch indices[column]?.count ?? 0 {
            case 1:
                positions.append(indices[column]![0])
            case 0:
                complete = false
                issues.append(
                    ImportIssue(
                        line: 1, column: column, reason: .headerMissingColumn,
                        detail: "the header row does not name this required column; nothing was imported"))
            default:
                complete = false
                issues.append(
                    ImportIssue(
                        line: 1, column: column, reason: .headerDuplicateColumn,
                        detail: "the header row names this column more than once; nothing was imported"))
            }
        }
        return complete ? positions : nil
    }
}

/// A strict RFC 4180 pass over the bytes of a CSV file: where each row starts, or the first quoting error.
///
/// Line breaks are LF, CRLF or a lone CR, as for `CSVReader`. A quote may only open a field or, doubled, stand for
/// itself inside a quoted field; a closing quote must be followed by a comma, a line break or the end of the file.
struct RecordScan {
    /// The physical line on which each row starts; the header row is row 0 and starts on line 1.
    private(set) var rowStarts: [Int] = []
    /// The first quoting error: its line and a description.
    private(set) var error: (line: Int, detail: String)?

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        let count = bytes.count
        var index = 0
        var line = 1

        /// Consumes the line break at `index` (LF, CR or CRLF).
        func lineBreak() {
            if bytes[index] == cr, index + 1 < count, bytes[index + 1] == lf { index += 1 }
            index += 1
            line += 1
        }

        rows: while index < count {
            rowStarts.append(line)
            fields: while true {
                if index < count, bytes[index] == quote {
                    let openingLine = line
                    index += 1
                    while true {
                        guard index < count else {
                            error = (openingLine, "a quoted field opened on this line is never closed")
                            return
                        }
                        let byte = bytes[index]
                        if byte == quote {
                            if index + 1 < count, bytes[index + 1] == quote {
                                index += 2
                                continue
                            }
                            index += 1
                            break
                        } else if byte == cr || byte == lf {
                            lineBreak()
                        } else {
                            index += 1
                        }
                    }
                    guard index < count else { break rows }
                    switch bytes[index] {
                    case comma:
                        index += 1
                        continue fields
                    case cr, lf:
                        lineBreak()
                        continue rows
                    default:
                        error = (line, "a closing quote is followed by more text; inside quotes write a quote as \"\"")
                        return
                    }
                } else {
                    while index < count {
                        switch bytes[index] {
                        case comma:
                            index += 1
                            continue fields
                        case cr, lf:
                            lineBreak()
                            continue rows
                        case quote:
                            error = (line, "a quote inside an unquoted field; quote the field and double the quote")
                            return
                        default:
                            index += 1
                        }
                    }
                    break rows
                }
            }
        }
    }
}
