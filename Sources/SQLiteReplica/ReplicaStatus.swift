/// What `teachersync status` reports: who the node is and what it holds, owes and refused.
public struct ReplicaStatus: Sendable, Codable, Hashable {
    /// One stream's head.
    public struct Stream: Sendable, Codable, Hashable {
        public let origin: String
        public let scope: String
        public let sequence: UInt64
        public let head: String
        /// Whether this node authors the stream.
        public let own: Bool
    }

    public let role: String
    public let origin: String
    public let county: String?
    public let publicKey: String
    /// The pinned hub key (base64), if any.
    public let hubKey: String?
    public let streams: [Stream]
    /// Operations written locally and not yet sealed.
    public let pendingOperations: Int
    /// When the oldest pending operation was written (milliseconds since the epoch).
    public let oldestPendingAtMillis: Int64?
    /// Sets held in quarantine, by reason code.
    public let quarantined: [String: Int]
    /// Entries in the conflict log.
    public let conflicts: Int
    /// Sets stored.
    public let storedSets: Int
    /// The sync attempts so far (county nodes).
    public let sync: SyncState?
    /// Every enrolled county's last contact and whether it is stale (the hub only).
    public var counties: [CountyContact]? = nil
    /// How many enrolled counties are stale (the hub only).
    public var staleCounties: Int? = nil
    /// The key registry's version and expiry as this node holds it; `expired` means this node's trust data
    /// is stale (it has not heard from the hub within the registry's validity).
    public var registry: RegistryState? = nil
}
