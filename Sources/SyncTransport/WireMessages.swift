public import Foundation
public import SyncCore

/// The JSON bodies of the sync endpoints (docs/API.md).
public enum WireMessages {
    /// The newest protocol version this build speaks. A node sends it as `TS-Protocol` in every request; the hub
    /// answers with the version it speaks for that request, the lower of the node's and its own newest, so each
    /// side uses only what both understand (docs/API.md, "Protocol versions").
    public static let protocolVersion = 3
    /// Every protocol version this build speaks, as a node or as the hub.
    public static let supportedProtocols: ClosedRange<Int> = 1...3
    /// The first protocol version with compressed bodies (`Content-Encoding: deflate`).
    public static let compressionSince = 2
    /// The first protocol version whose uploads and pages carry the sets in their stored forms, deflated one by one
    /// (bundle format 2), instead of a bundle deflated whole.
    public static let storedFormsSince = 3
    public static let protocolHeader = "TS-Protocol"
    /// Response header of a page download: `1` when the hub holds more sets after this page.
    public static let moreHeader = "TS-More"

    /// What the hub says after an upload: what it applied, what it refused, and its heads afterwards.
    public struct UploadResult: Codable, Sendable {
        public struct Rejection: Codable, Sendable {
            public let set: String
            public let stream: String?
            public let sequence: UInt64?
            public let reason: String
            public let detail: String
        }

        public let applied: Int
        public let alreadyPresent: Int
        public let rejected: [Rejection]
        /// The hub's heads for the streams the caller may read, as a version-vector document.
        public let heads: Data
        /// The hub's signed receipts, one per uploaded stream, for its head at the hub (absent from hubs older
        /// than receipts).
        public let receipts: [Receipt]?

        enum CodingKeys: String, CodingKey {
            case applied, alreadyPresent = "already_present", rejected, heads, receipts
        }
    }

    /// A refusal: reason code and detail, safe to log.
    public struct Refusal: Codable, Sendable {
        public let reason: String
        public let detail: String
    }

    /// A page request.
    public struct PullRequest: Codable, Sendable {
        /// The caller's version vector document.
        public let after: Data
        public let maxSets: Int
        public let maxBytes: Int

        public init(after: Data, maxSets: Int, maxBytes: Int) {
            self.after = after
            self.maxSets = maxSets
            self.maxBytes = maxBytes
        }

        enum CodingKeys: String, CodingKey { case after, maxSets = "max_sets", maxBytes = "max_bytes" }
    }

    /// A page of the hub's ingest log: the set ids from position `from`, concatenated (32 bytes each).
    public struct LogEntries: Codable, Sendable {
        public let from: UInt64
        public let setIDs: Data

        enum CodingKeys: String, CodingKey { case from, setIDs = "set_ids" }
    }

    /// The hub's answer to a key authorization (`POST /v1/keys/authorize`).
    public struct Enrolment: Codable, Sendable {
        /// The enrolled origin, hex.
        public let origin: String
        /// The origins it retired, hex.
        public let retired: [String]
        /// The authorization had been enrolled before.
        public let alreadyEnrolled: Bool

        public init(origin: String, retired: [String], alreadyEnrolled: Bool) {
            self.origin = origin
            self.retired = retired
            self.alreadyEnrolled = alreadyEnrolled
        }

        enum CodingKeys: String, CodingKey { case origin, retired, alreadyEnrolled = "already_enrolled" }
    }

    /// The hub's receipts for the caller's own streams (`POST /v1/receipts`).
    public struct ReceiptList: Codable, Sendable {
        public let receipts: [Receipt]
    }

    /// A request for a page of the ingest log.
    public struct LogEntriesRequest: Codable, Sendable {
        public let from: UInt64
        public let limit: Int
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()
}

extension VersionVector {
    /// The heads of the streams a reader of `county` may see (all for `nil`): the province-wide streams
    /// and that county's.
    public func readable(by county: String?) -> VersionVector {
        guard let county else { return self }
        return VersionVector(heads.filter { $0.key.scope == .province || $0.key.scope == .county(county) })
    }
}
