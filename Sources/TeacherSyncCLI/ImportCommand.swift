public import ArgumentParser
import Foundation
import SQLiteReplica
import SyncCore
import TrainingDomain

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Validate and import a CSV file of schools, teachers, study records or training-year records.",
        discussion: """
            UTF-8 CSV with a header row; the columns are listed in README.md and docs/RECORDS.md. Every row is \
            validated and every bad row reported with its line, column and reason code. A file with a bad row \
            imports nothing unless --skip-invalid is given. Re-importing updates only what changed; a fact \
            (study record, homework, withdrawal) imported again unchanged is a no-op, and one with the same key \
            and different content is refused (facts are never edited). Providers, projects, courses and \
            contacts are the province's: only the hub imports them. Importing cohorts also assigns each \
            member teacher the cohort's courses. The writes are sealed into signed change sets at once.
            """)

    @Argument(
        help: ArgumentHelp(
            "What the file holds: schools, teachers, study-records, providers, projects, courses, contacts, "
                + "cohorts, selections, activities, attendance, exemptions, make-ups, homework or withdrawals.",
            valueName: "kind"))
    var kind: CSVKind

    @OptionGroup var data: DataOptions

    @Argument(help: ArgumentHelp("The CSV file.", valueName: "file"))
    var file: String

    @Flag(help: "Import the valid rows and skip the invalid ones (each is still reported).")
    var skipInvalid = false

    func run() throws {
        let replica = try data.open()
        guard let contents = FileManager.default.contents(atPath: file) else {
            throw CLIFailure.usage("cannot read \(file)")
        }
        let name = URL(fileURLWithPath: file).lastPathComponent
        var progress = Progress("importing \(name)")
        let result = try replicaCall { () throws(ReplicaError) in
            try replica.importCSV(kind, data: contents, skipInvalid: skipInvalid) {
                done, total in progress.update(done, of: total)
            }
        }
        progress.finish()
        for issue in result.issues { printError("\(name): \(issue)") }
        for line in result.conflictingLines {
            printError(
                "\(name): line \(line), column record_id: fact.conflict (a record with this id exists with "
                    + "different content; facts are never edited)")
        }
        guard result.imported else {
            if result.issues.contains(where: { $0.reason == .tableNotWritable }) {
                throw CLIFailure.refused(
                    "\(name): \(kind.rawValue) belong to the province and are imported at the hub; nothing imported")
            }
            if !result.conflictingLines.isEmpty {
                throw CLIFailure.refused(
                    "\(name): \(result.conflictingLines.count) record(s) conflict; nothing imported")
            }
            throw CLIFailure.refused(
                "\(name): \(result.invalidLines) invalid row(s); nothing imported (fix them, or use --skip-invalid)")
        }
        var summary = "\(name): \(result.report.written) written, \(result.report.unchanged) unchanged"
        if skipInvalid { summary += ", \(result.invalidLines + result.conflictingLines.count) skipped" }
        summary += "; sealed \(result.sealed) change set(s)"
        print(summary)
        if kind == .cohorts {
            print(
                "\(name): \(result.assignedSelections) selection(s) assigned to members, "
                    + "\(result.removedSelections) removed (no longer assigned)")
        }
    }
}

extension CSVKind: ExpressibleByArgument {}
