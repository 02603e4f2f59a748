import Foundation

extension Replica {
    /// The remembered sync state (empty before the first attempt).
    public func syncState() throws(ReplicaError) -> SyncState {
        guard let text = try readMeta()["sync_state"],
            let state = try? JSONDecoder().decode(SyncState.self, from: Data(text.utf8))
        else { return SyncState() }
        return state
    }

    /// Stores the sync state durably.
    public func saveSyncState(_ state: SyncState) throws(ReplicaError) {
        guard let data = try? JSONEncoder().encode(state) else { return }
        try writeMeta(["sync_state": String(decoding: data, as: UTF8.self)])
    }
}
