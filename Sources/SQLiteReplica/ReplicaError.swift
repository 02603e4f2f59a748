public import SyncCore

/// An error of the replica: what went wrong, where, and how a caller should treat it.
///
/// A struct over a private code so that adding a case never breaks callers. Messages are safe to log:
/// they name files, tables, lines and reason codes, never identity numbers, names or keys.
public struct ReplicaError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case alreadyInitialised, notInitialised, badKeyFile, wrongRole, scope, factConflict, io, corruptStore, missing
    }

    private let code: Code
    /// A one-line explanation, safe to log.
    public let message: String
    /// The protocol reason code, where one applies.
    public let reason: ReasonCode?
    /// For a refused fact import: the indices (in the submitted batch) of facts that conflict.
    public let conflictingIndices: [Int]

    private init(_ code: Code, _ message: String, reason: ReasonCode? = nil, conflicting: [Int] = []) {
        self.code = code
        self.message = message
        self.reason = reason
        self.conflictingIndices = conflicting
    }

    /// `init` found a replica already in the folder.
    public static func alreadyInitialised(_ path: String) -> Self {
        .init(.alreadyInitialised, "a replica already exists at \(path); refusing to overwrite it")
    }
    /// No replica in the folder.
    public static func notInitialised(_ path: String) -> Self {
        .init(.notInitialised, "no replica at \(path); create one with `teachersync init`")
    }
    /// The key file is missing, unreadable, or does not match the replica.
    public static func badKeyFile(_ detail: String) -> Self { .init(.badKeyFile, detail) }
    /// The command needs another role.
    public static func wrongRole(_ detail: String) -> Self { .init(.wrongRole, detail) }
    /// A local write outside the node's scope.
    public static func scope(_ error: SyncError) -> Self { .init(.scope, error.description, reason: error.reason) }
    /// Facts that already exist with different content.
    public static func factConflict(_ indices: [Int]) -> Self {
        .init(
            .factConflict, "\(indices.count) fact(s) already exist with different content; facts are never edited",
            reason: "fact.conflict", conflicting: indices)
    }
    /// An I/O or database failure.
    public static func io(_ detail: String) -> Self { .init(.io, detail, reason: .storeFailure) }
    /// Something the operation needs is not in the replica yet (a policy not published, a year not assessed).
    public static func missing(_ detail: String) -> Self { .init(.missing, detail) }
    /// The stored data is inconsistent.
    public static func corruptStore(_ detail: String) -> Self { .init(.corruptStore, detail) }

    /// Whether retrying later could succeed.
    public var isRetryable: Bool { code == .io }
    /// Whether the failure is a usage error (wrong folder, wrong role), not a data problem.
    public var isUsageError: Bool { [.alreadyInitialised, .notInitialised, .badKeyFile, .wrongRole].contains(code) }

    public var description: String { message }
}
