import ArgumentParser
import Foundation
import SQLiteReplica

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent snapshot of the replica to a file while the node keeps running.",
        discussion: """
            Pending local writes are sealed first. The snapshot is taken with SQLite's online backup, written \
            to a temporary file next to FILE, checked (PRAGMA integrity_check), flushed to disk and only then \
            renamed to FILE, so FILE is either a complete backup or absent. An existing FILE is refused \
            unless --force. The backup holds the replica only, never the node's private key: back up \
            node.key separately, once, and keep it secret; it cannot be recreated. Restoring: \
            docs/OPERATIONS.md, "Backup and restore".
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The backup file to write.", valueName: "file"))
    var out: String

    @Flag(help: "Replace FILE if it exists.")
    var force = false

    func run() throws {
        let replica = try data.open()
        let url = URL(fileURLWithPath: out)
        if !force, (try? FileManager.default.attributesOfItem(atPath: url.path)) != nil {
            throw CLIFailure.usage("\(out) already exists; pass --force to replace it")
        }
        // Sealed first, a backup rarely holds pending operations, which a restore could not seal again on
        // top of the sets it pulls back from the hub (docs/OPERATIONS.md). Best effort: a writer holding
        // the database for longer than the busy timeout must not stop the backup itself.
        do {
            try replica.seal()
        } catch {
            printError("teachersync: note: pending writes were not sealed first (\(error.message)); backing up as is")
        }
        let report: BackupReport
        do {
            report = try replica.backup(to: url, replacing: force)
        } catch {
            if error.isUsageError || error.isRetryable { throw CLIFailure(error) }
            // Neither usage nor I/O: the copy failed its integrity check.
            throw CLIFailure.verification(error.message)
        }
        print("backed up \(report.storedSets) sets, \(report.bytes) bytes to \(out)")
        print(
            "the backup holds the replica only, not the node's private key: keep one separate, secret copy of "
                + "\(data.url.appendingPathComponent(Replica.keyName).path); it cannot be recreated")
        if report.pendingOperations > 0 {
            printError(
                "teachersync: note: the backup holds \(report.pendingOperations) unsealed operation(s) written "
                    + "during the backup; see docs/OPERATIONS.md before restoring it")
        }
    }
}
