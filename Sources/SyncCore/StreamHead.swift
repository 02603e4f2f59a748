public import Foundation

/// The newest set a node holds of one stream.
public struct StreamHead: Sendable, Hashable, Codable {
    /// Its sequence number (0 when none is held).
    public let sequence: UInt64
    /// Its id (``ChangeSet/genesis`` when none is held).
    public let head: [UInt8]

    /// The head of a stream with no sets.
    public static let empty = StreamHead(sequence: 0, head: ChangeSet.genesis)

    public init(sequence: UInt64, head: [UInt8]) {
        self.sequence = sequence
        self.head = head
    }
}

/// Per stream, the newest set held: what a node tells a peer so the peer can send only what it lacks.
public struct VersionVector: Sendable, Hashable {
    /// The heads, by stream.
    public var heads: [StreamID: StreamHead]

    public init(_ heads: [StreamID: StreamHead] = [:]) { self.heads = heads }

    /// The head of `stream` (``StreamHead/empty`` when none is held).
    public subscript(stream: StreamID) -> StreamHead { heads[stream] ?? .empty }

    /// The JSON form used in version-vector files and later on the wire, with streams sorted.
    public func jsonData() throws -> Data {
        let entries = heads.keys.sorted().map { s in
            Entry(
                origin: s.origin.hex, scope: s.scope.wireValue, sequence: heads[s]!.sequence,
                head: Hex.encode(heads[s]!.head))
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try enc.encode(File(format: 1, streams: entries))
    }

    /// Parses the JSON form.
    public init(jsonData: Data) throws(SyncError) {
        guard let file = try? JSONDecoder().decode(File.self, from: jsonData), file.format == 1 else {
            throw SyncError(.malformed, "not a version-vector file (expected JSON with format 1)")
        }
        var heads = [StreamID: StreamHead]()
        for (i, e) in file.streams.enumerated() {
            guard let origin = OriginID(hex: e.origin), let scope = Scope(wireValue: e.scope),
                let head = Hex.decode(e.head), head.count == 32
            else { throw SyncError(.malformed, "version-vector entry \(i + 1) is malformed") }
            heads[StreamID(origin: origin, scope: scope)] = StreamHead(sequence: e.sequence, head: head)
        }
        self.heads = heads
    }

    private struct File: Codable {
        var format: Int
        var streams: [Entry]
    }

    private struct Entry: Codable {
        var origin: String
        var scope: String
        var sequence: UInt64
        var head: String
    }
}
