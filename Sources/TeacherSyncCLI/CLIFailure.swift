public import SQLiteReplica
import SyncCore

/// A command failure: a one-line message and the process exit status it maps to.
///
/// Exit statuses are decided here and nowhere else (the systemd units of the network release honour them):
/// - 0: success;
/// - 1: an unexpected internal failure;
/// - 2: usage: wrong folder, wrong role, bad key file, bad argument value (argument-parser's own
///   usage errors exit 64);
/// - 3: input refused: an import file with invalid rows, a bundle with rejected sets;
/// - 4: verification failed: a stored set does not verify;
/// - 5: I/O: the database or a file could not be read or written, or the network failed; retrying may help;
/// - 6: configuration: a bad config file, environment variable or credential (the message names the key).
public struct CLIFailure: Error, CustomStringConvertible {
    public let message: String
    public let exitStatus: Int32

    public init(_ message: String, exitStatus: Int32) {
        self.message = message
        self.exitStatus = exitStatus
    }

    public static func usage(_ message: String) -> Self { .init(message, exitStatus: 2) }
    public static func refused(_ message: String) -> Self { .init(message, exitStatus: 3) }
    public static func verification(_ message: String) -> Self { .init(message, exitStatus: 4) }
    public static func io(_ message: String) -> Self { .init(message, exitStatus: 5) }
    public static func configuration(_ message: String) -> Self { .init(message, exitStatus: 6) }

    /// Maps a replica error to its exit status.
    public init(_ error: ReplicaError) {
        if error.isUsageError {
            self = .usage(error.message)
        } else if error.isRetryable {
            self = .io(error.message)
        } else {
            self = .refused(error.message)
        }
    }

    public var description: String { message }
}

/// Runs a replica call, turning its error into a ``CLIFailure``.
func replicaCall<T>(_ body: () throws(ReplicaError) -> T) throws(CLIFailure) -> T {
    do {
        return try body()
    } catch {
        throw CLIFailure(error)
    }
}
