import ArgumentParser
import Foundation
import SQLiteReplica
import SyncCore
import SyncTransport

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Run one sync round with the hub now.",
        discussion: """
            Seals pending writes, exchanges heads with the hub, pushes what the hub lacks and pulls what this \
            node lacks. Exits 0 when both sides hold the same heads for this node's scope; otherwise prints \
            one line with the reason and exits 3 (refused) or 5 (network or store; retrying may help). An \
            interrupted round resumes where it stopped. The hub's signed receipts for the uploads are kept \
            (`verify --receipts`, `audit`).
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var connection: HubConnectionOptions

    func run() async throws {
        let replica = try data.open()
        guard replica.identity.role == .county else { throw CLIFailure.usage("sync runs at a county node") }
        try await Self.runRound(replica, connection: connection)
    }

    /// Runs one round and prints its outcome; throws the failure with its exit status.
    static func runRound(_ replica: Replica, connection: HubConnectionOptions) async throws {
        let report = try await connection.withClient(replica) { client in
            await SyncDriver(executor: ReplicaExecutor(replica), client: client, firstSeal: SyncDriver.slowStart)
                .runRound()
        }
        for r in report.rejectedByHub { print("refused by the hub: \(r)") }
        for r in report.rejectedHere { print("refused here: \(r)") }
        for r in report.receiptProblems { print("receipt problem: \(r)") }
        switch report.outcome {
        case .inSync(let pushed, let pulled):
            print("in sync: pushed \(pushed) sets, pulled \(pulled) sets")
            if let r = try? replica.registryState(), r.expired {
                print(
                    "warning: the key registry expired on \(Timestamps.iso(r.expiresAtMillis)); the hub has not re-issued it"
                )
            }
        case .failed(let reason, let detail, let retryable):
            let message = "sync failed: \(reason): \(detail)"
            throw retryable ? CLIFailure.io(message) : CLIFailure.refused(message)
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check that the hub still holds every set it gave this county a receipt for.",
        discussion: """
            Fetches the hub's signed ingest-log head and the log from this county's oldest receipt on, and \
            checks that each receipt's set is still at the position and under the log head it names, that the \
            log leads to the signed head, and that the log has only grown since the last audit. Exits 0 when \
            everything adds up, 4 when the hub dropped or rewrote something (each problem is printed), 5 when \
            the hub cannot be reached.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var connection: HubConnectionOptions

    func run() async throws {
        let replica = try data.open()
        guard replica.identity.role == .county else { throw CLIFailure.usage("audit runs at a county node") }
        let report: Audit.Report
        do {
            report = try await connection.withClient(replica) { client in
                try await Audit(executor: ReplicaExecutor(replica), client: client).run()
            }
        } catch let error as SyncError {
            let message = "audit failed: \(error.reason): \(error.detail)"
            throw error.classification == .retryable ? CLIFailure.io(message) : CLIFailure.refused(message)
        }
        for p in report.problems { print("problem: \(p)") }
        if let head = report.logHead {
            print(
                "hub log: \(head.size) entries, head \(Hex.encode(head.head).prefix(16))…, signed "
                    + Timestamps.iso(head.issuedAtMillis))
        }
        print("checked \(report.receiptsChecked) receipt(s) against \(report.entriesChecked) log entries")
        guard report.passed else {
            throw CLIFailure.verification("audit failed: \(report.problems.count) problem(s)")
        }
        print("audit passed")
    }
}
