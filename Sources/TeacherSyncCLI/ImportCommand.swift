import ArgumentParser
import Foundation
import SQLiteReplica
import SyncCore
import TrainingDomain

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Validate and import a CSV file of schools, teachers or study records.",
        discussion: """
            UTF-8 CSV with a header row; the columns are listed in README.md. Every row is validated and \
            every bad row reported with its line, column and reason code. A file with a bad row imports \
            nothing unless --skip-invalid is given. Re-importing updates only what changed; a study record \
            imported again unchanged is a no-op, and one with the same record_id and different content is \
            refused (facts are never edited). The writes are sealed into signed change sets at once.
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case schools
        case teachers
        case studyRecords = "study-records"
    }

    @Argument(help: ArgumentHelp("What the file holds: schools, teachers or study-records.", valueName: "kind"))
    var kind: Kind

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
        let context = try ReplicaImportContext(replica)
        let (rows, issues): ([(line: Int, row: SyncedRow)], [ImportIssue])
        switch kind {
        case .schools: (rows, issues) = Self.rows(CSVImport.parseSchools(csv: contents, context: context), \.syncedRow)
        case .teachers:
            (rows, issues) = Self.rows(CSVImport.parseTeachers(csv: contents, context: context), \.syncedRow)
        case .studyRecords:
            (rows, issues) = Self.rows(CSVImport.parseStudyRecords(csv: contents, context: context), \.syncedRow)
        }
        let name = URL(fileURLWithPath: file).lastPathComponent
        for issue in issues { printError("\(name): \(issue)") }
        let invalidLines = Set(issues.map(\.line)).count
        if !issues.isEmpty, !skipInvalid {
            throw CLIFailure.refused(
                "\(name): \(invalidLines) invalid row(s); nothing imported (fix them, or use --skip-invalid)")
        }
        let writes = rows.map { entry in
            LocalWrite(
                kind: entry.row.table.kind == .fact ? .insertFact : .upsert, table: entry.row.table.name,
                key: entry.row.key, fields: entry.row.fields)
        }
        var progress = Progress("importing \(name)")
        defer { progress.finish() }
        let report: WriteReport
        do {
            report = try replica.write(writes, factConflicts: skipInvalid ? .skip : .refuse) { done, total in
                progress.update(done, of: total)
            }
        } catch {
            guard !error.conflictingIndices.isEmpty else { throw CLIFailure(error) }
            Self.reportFactConflicts(error.conflictingIndices, rows: rows, file: name)
            throw CLIFailure.refused("\(name): \(error.conflictingIndices.count) record(s) conflict; nothing imported")
        }
        Self.reportFactConflicts(report.skippedFacts, rows: rows, file: name)
        let sealed = try replicaCall { () throws(ReplicaError) in try replica.seal() }
        var summary = "\(name): \(report.written) written, \(report.unchanged) unchanged"
        if skipInvalid { summary += ", \(invalidLines + report.skippedFacts.count) skipped" }
        summary += "; sealed \(sealed.count) change set(s)"
        print(summary)
    }
}

extension ImportCommand {
    static func reportFactConflicts(_ indices: [Int], rows: [(line: Int, row: SyncedRow)], file: String) {
        for i in indices {
            printError(
                "\(file): line \(rows[i].line), column record_id: fact.conflict (a record with this id exists with "
                    + "different content; facts are never edited)")
        }
    }

    /// The valid rows of a parsed file as synced rows with their lines, and the file's issues.
    static func rows<Record>(
        _ batch: ImportBatch<Record>, _ row: (Record) -> SyncedRow
    )
        -> ([(line: Int, row: SyncedRow)], [ImportIssue])
    {
        (batch.records.map { ($0.line, row($0.record)) }, batch.issues)
    }
}

/// Import lookups answered from memory: the replica's schools and teachers, loaded once per import.
struct ReplicaImportContext: ImportContext {
    let allowedCounty: String?
    let schools: [String: String]
    let teachers: [String: String]

    init(_ replica: Replica) throws(CLIFailure) {
        allowedCounty = replica.identity.role == .county ? replica.identity.county : nil
        schools = try replicaCall { () throws(ReplicaError) in try replica.schoolCounties() }
        teachers = try replicaCall { () throws(ReplicaError) in try replica.teacherCounties() }
    }

    func schoolCounty(code: String) -> String? { schools[code] }

    func teacherCounty(idType: IdentityDocumentType, idNumber: String) -> String? {
        teachers[idType.code + " " + idNumber]
    }
}
