import Dispatch
public import SQLiteReplica

/// Runs the replica's blocking SQLite calls on a queue of their own, so they never block the event loops
/// that serve HTTP. SQLite has one writer anyway; a serial queue keeps writes in arrival order.
public final class ReplicaExecutor: Sendable {
    /// The replica.
    public let replica: Replica
    private let queue = DispatchQueue(label: "teachersync.replica")

    public init(_ replica: Replica) { self.replica = replica }

    /// Runs `body` with the replica, off the caller's thread.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Replica) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [replica] in
                continuation.resume(with: Result { try body(replica) })
            }
        }
    }
}
