import Foundation
import SQLiteReplica
public import SyncCore

/// Checks that a request comes from an enrolled, active origin: signature, timestamp, nonce.
public struct HubAuthenticator: Sendable {
    let executor: ReplicaExecutor
    let wallClock: any WallClock
    let maxSkewMillis: Int64

    public init(executor: ReplicaExecutor, wallClock: any WallClock, maxSkewMillis: Int64 = 5 * 60 * 1000) {
        self.executor = executor
        self.wallClock = wallClock
        self.maxSkewMillis = maxSkewMillis

    }

    /// The caller's registry entry, or a refusal with its reason code.
    public func authenticate(
        method: String, path: String, body: [UInt8], newKey: OriginRecord? = nil, header: (String) -> String?
    )
        async throws -> OriginRecord
    {
        let signature = try RequestSignature(header: header)
        let origin = signature.origin
        // A key presenting its own root-signed authorization is not enrolled yet: it proves that it holds the
        // key it asks to enrol by signing the request with it.
        let candidate = newKey.flatMap { $0.origin == origin ? $0 : nil }
        let enrolled = try await executor.run { try $0.originRecord(for: origin) }
        guard let record = enrolled ?? candidate else {
            throw SyncError(.unknownOrigin, "origin \(origin) is not enrolled")
        }
        switch record.status {
        case .active: break
        case .rotated: throw SyncError(.rotatedOrigin, "origin \(origin) has been rotated out")
        case .revoked: throw SyncError(.revokedOrigin, "origin \(origin) has been revoked")
        }
        let now = wallClock.nowMillis()
        try signature.verify(
            method: method, path: path, body: body, key: record.publicKey, nowMillis: now, maxSkewMillis: maxSkewMillis)
        // Nonces are kept in the replica, so a captured request cannot be replayed even after a restart.
        let (nonce, skew) = (signature.nonce, maxSkewMillis)
        let fresh = try await executor.run {
            try $0.recordRequestNonce(
                origin: origin.hex, nonce: nonce, timestampMillis: signature.timestampMillis,
                forgetBeforeMillis: now - 2 * skew,
                // Only an enrolled key counts as its county's contact (not a key still asking to be enrolled).
                county: enrolled?.role == .county ? enrolled?.county : nil,
                nowMillis: now)
        }
        guard fresh else { throw SyncError(.authReplayed, "nonce already used") }
        return record
    }
}
