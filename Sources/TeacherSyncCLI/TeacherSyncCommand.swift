public import ArgumentParser
import Foundation

/// The `teachersync` command: one subcommand per file in this folder.
public struct TeacherSyncCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "teachersync",
        abstract: "Keep a province's teacher-training records in sync across county offices.",
        discussion: """
            Each node keeps a SQLite replica and signs its writes into hash-chained change sets. Bundles \
            carry sets between nodes without a network. See README.md and docs/.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, IdCommand.self, EnrollCommand.self, TrustCommand.self, ImportCommand.self,
            BundleCommand.self, VerifyCommand.self, DigestCommand.self, StatusCommand.self, VectorCommand.self,
            DemoDataCommand.self, HubCommand.self, CountyCommand.self, SyncCommand.self, BackupCommand.self,
            FingerprintCommand.self, AuditCommand.self, KeysCommand.self, RestoreCommand.self,
            PolicyCommand.self, AssessCommand.self, ReportCommand.self, DemoCommand.self, CertificatesCommand.self,
            CohortsCommand.self,
        ])

    public init() {}

    /// Parses the arguments, runs the command, and exits with the status its outcome maps to.
    public static func runAndExit() async -> Never {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let failure as CLIFailure {
            printError("teachersync: \(failure.message)")
            Foundation.exit(failure.exitStatus)
        } catch {
            exit(withError: error)
        }
    }
}
