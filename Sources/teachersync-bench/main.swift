// teachersync-bench: measures the replica against raw SQLite on this machine, in one run.
//
//     swift run -c release teachersync-bench [--operations N] [--quick]
//
// Every figure is measured on real SQLite files (WAL, synchronous=FULL) in a fresh temporary folder,
// which is removed at the end. See docs/BENCHMARKS.md for what each figure measures.

import BenchSupport
import Foundation
import GRDB
import SQLiteReplica
import SyncCore
import SyncTestSupport
import TrainingDomain

// MARK: - Arguments

struct Options {
    var operations = 100_000
    var quick = false

    static let usage = """
        usage: teachersync-bench [--operations N] [--quick]
          --operations N  rows, operations and CSV lines per figure (default 100000; 10000 with --quick)
          --quick         a smaller smoke run
        """

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var explicit: Int?
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--quick": o.quick = true
            case "--operations", "-n":
                guard i + 1 < args.count, let n = Int(args[i + 1].replacingOccurrences(of: "_", with: "")), n >= 100
                else { fail("--operations needs a whole number of at least 100") }
                explicit = n
                i += 1
            case "-h", "--help":
                print(usage)
                exit(0)
            default: fail("unknown argument \(args[i])")
            }
            i += 1
        }
        o.operations = explicit ?? (o.quick ? 10_000 : 100_000)
        return o
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("teachersync-bench: \(message)\n\(usage)\n".utf8))
        exit(2)
    }
}

struct CheckFailed: Error, CustomStringConvertible {
    let description: String
}

/// Throws (rather than exits) so the temporary folder is still removed when a check fails.
func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw CheckFailed(description: "check failed: \(message())") }
}

/// Import lookups from memory, as the CLI's import does.
typealias BenchImportContext = ReplicaImportContext

func writes(_ rows: [SyncedRow]) -> [LocalWrite] {
    rows.map {
        LocalWrite(
            kind: $0.table.kind == .fact ? .insertFact : .upsert, table: $0.table.name, key: $0.key, fields: $0.fields)
    }
}

let readOnly: Configuration = {
    var c = Configuration()
    c.readonly = true
    return c
}()

func databaseValue(_ v: Value) -> DatabaseValue {
    switch v {
    case .null: return .null
    case .integer(let i): return i.databaseValue
    case .text(let s): return s.databaseValue
    }
}

/// The median of three runs of a raw baseline, each on a fresh database file (removed afterwards).
func median3(_ dir: TemporaryDirectory, _ name: String, _ body: (URL) throws -> Double) throws -> Double {
    var times = [Double]()
    for i in 1...3 {
        let url = dir.path("\(name)-\(i).sqlite")
        times.append(try body(url))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url.path + suffix) }
    }
    return times.sorted()[1]
}

// MARK: - Run

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let n = options.operations
let countyCode = "130102"
let total: Double
do {
    total = try measure { () throws -> Void in
        let dir = TemporaryDirectory(prefix: "teachersync-bench")
        let report = Report()

        print("teachersync-bench: N = \(n)\(options.quick ? " (--quick)" : "")")
        Machine.printFacts(tempDir: dir.url)

        // Test data: the same synthetic county the demo uses, one study record per teacher.
        let demo = DemoData(county: countyCode, schools: 50, teachers: n, recordsPerTeacher: 1)
        let teacherCSV = Data(demo.teachersCSV().utf8)
        let recordCSV = Data(demo.studyRecordsCSV().utf8)
        let schools = Dictionary(uniqueKeysWithValues: (0..<demo.schools).map { (demo.schoolCode($0), countyCode) })

        // MARK: 6. CSV parse and validate (measured first: the writes below use its records)
        print("\n6. CSV parse + validate")
        let teacherContext = BenchImportContext(allowedCounty: countyCode, schools: schools, teachers: [:])
        let (teacherBatch, teacherParse) = measure { CSVImport.parseTeachers(csv: teacherCSV, context: teacherContext) }
        try check(
            teacherBatch.issues.isEmpty && teacherBatch.records.count == n,
            "teacher CSV: \(teacherBatch.issues.prefix(3))")
        let teachers = teacherBatch.records.map(\.record)
        let recordContext = BenchImportContext(
            allowedCounty: countyCode, schools: schools,
            teachers: Dictionary(
                uniqueKeysWithValues: teachers.map { ($0.idType.code + " " + $0.idNumber, countyCode) }))
        let (recordBatch, recordParse) = measure { CSVImport.parseStudyRecords(csv: recordCSV, context: recordContext) }
        try check(
            recordBatch.issues.isEmpty && recordBatch.records.count == n, "record CSV: \(recordBatch.issues.prefix(3))")
        let records = recordBatch.records.map(\.record)
        report.rate(
            "6a", "CSV parse + validate: teachers", count: n, seconds: teacherParse, unit: "rows/s", shape: .teachers)
        report.rate(
            "6b", "CSV parse + validate: study records", count: n, seconds: recordParse, unit: "rows/s",
            shape: .studyRecords)

        // Row values for the raw baselines: exactly the values the replica stores.
        let teacherRows = teachers.map { t in
            [
                t.idType.code, t.idNumber, t.name, t.gender.rawValue, t.schoolCode, t.countyCode, t.stage.rawValue,
                t.subject.code, t.devStage.rawValue,
            ]
        }
        let recordRows = records.map { r in
            [r.recordID, r.idType.code, r.idNumber, r.countyCode, r.activityCode, r.recordedAt.text, r.source.rawValue]
        }
        let teacherWrites = writes(teachers.map(\.syncedRow))
        let recordWrites = writes(records.map(\.syncedRow))
        // A hub with the county enrolled, as Tests/SQLiteReplicaTests/ReplicaFixture.swift sets it up.
        let config = ReplicaConfiguration(wallClock: SystemWallClock())
        let hub = try Replica.create(at: dir.path("hub"), role: .hub, county: nil, configuration: config)
        let county = try Replica.create(
            at: dir.path("county"), role: .county, county: countyCode, hubKey: hub.identity.signer.publicKeyBase64,
            configuration: config)
        try hub.write([.registryEntry(county.identity.record)])
        try hub.seal()
        let enrol = try county.receive(hub.exportEnvelopes())
        try check(enrol.rejected.isEmpty && enrol.applied >= 1, "enrolment: \(enrol.rejected)")

        // The teachers table and the operation log exactly as a replica creates them (read back from the
        // county's file, so the baselines follow the schema), each new row's values with a stamps blob of the
        // replica's size (25 bytes per value column), and each write's encoded operation.
        let (storedTeachers, pendingDDL) = try DatabaseQueue(
            path: dir.path("county").appendingPathComponent(Replica.databaseName).path,
            configuration: readOnly
        ).read { db in
            (
                try StoredTable.read(db, name: TrainingTables.teachers.name),
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'pending_ops'") ?? ""
            )
        }
        let stamps = Data(repeating: 0x5A, count: 25 * TrainingTables.teachers.valueColumns.count)
        let storedRows = teachers.map { t -> [DatabaseValue] in
            let row = t.syncedRow
            var values = [String: Value]()
            for (name, v) in zip(row.table.keyColumns, row.key) { values[name] = v }
            for f in row.fields { values[f.name] = f.value }
            return storedTeachers.columns.map { c -> DatabaseValue in
                switch c {
                case "_stamps": return stamps.databaseValue
                case "_tomb": return .null
                case "_live": return 1.databaseValue
                default: return databaseValue(values[c] ?? .null)
                }
            }
        }
        let encodedOps = teacherWrites.enumerated().map { i, w in
            Data(
                RowOperation(
                    kind: w.kind, hlc: HybridTimestamp(physicalMillis: 1_567_296_000_000, logical: UInt16(i & 0xFFFF)),
                    table: w.table, key: w.key, fields: w.fields
                ).encoded)
        }
        print(
            "teachers as a replica stores them: key (\(storedTeachers.keyColumns.joined(separator: ", "))), "
                + "\(storedTeachers.columns.count) columns, \(storedTeachers.ddl.count - 1) explicit index(es)")
        for index in storedTeachers.ddl.dropFirst() { print("  \(index)") }

        // MARK: 1. Raw SQLite baselines
        print("\n1. raw SQLite inserts, one transaction, prepared statement, WAL + synchronous=FULL (median of 3)")
        let simpleGRDB = try median3(dir, "raw-simple-grdb") { try Baselines.grdbSimple($0, n: n) }
        report.rate(
            "1a", "raw insert, integer key (GRDB)", count: n, seconds: simpleGRDB, unit: "rows/s", shape: .simple)
        report.baseline[.simple] = Double(n) / simpleGRDB
        let simpleC = try median3(dir, "raw-simple-c") { try Baselines.cSimple($0, n: n) }
        report.rate("1b", "raw insert, integer key (C API)", count: n, seconds: simpleC, unit: "rows/s", shape: .simple)
        let teachersGRDB = try median3(dir, "raw-teachers-grdb") { try Baselines.grdbTeachers($0, rows: teacherRows) }
        report.rate(
            "1c", "raw insert, teachers shape (GRDB)", count: n, seconds: teachersGRDB, unit: "rows/s", shape: .teachers
        )
        report.baseline[.teachers] = Double(n) / teachersGRDB
        let teachersC = try median3(dir, "raw-teachers-c") { try Baselines.cTeachers($0, rows: teacherRows) }
        report.rate(
            "1d", "raw insert, teachers shape (C API)", count: n, seconds: teachersC, unit: "rows/s", shape: .teachers)
        let stored = try median3(dir, "raw-teachers-stored") {
            try Baselines.grdbStoredInsert($0, table: storedTeachers, rows: storedRows)
        }
        report.rate(
            "1e", "raw insert, teachers table as the replica creates it", count: n, seconds: stored,
            unit: "rows/s", shape: .teachers)
        if storedTeachers.ddl.count > 1 {
            let tableOnly = StoredTable(
                name: storedTeachers.name, ddl: [storedTeachers.ddl[0]], columns: storedTeachers.columns,
                keyColumns: storedTeachers.keyColumns)
            let noIndex = try median3(dir, "raw-teachers-no-index") {
                try Baselines.grdbStoredInsert($0, table: tableOnly, rows: storedRows)
            }
            report.rate(
                "1i", "raw insert, the same without its explicit index(es)", count: n, seconds: noIndex,
                unit: "rows/s", shape: .teachers)
        }
        let sqlOnly = try median3(dir, "raw-write-sql") {
            try Baselines.grdbWriteSQLOnly(
                $0, table: storedTeachers, pendingDDL: pendingDDL, rows: storedRows, ops: encodedOps)
        }
        report.rate(
            "1f", "SQL of a local write only (SELECT + upsert + op log)", count: n, seconds: sqlOnly, unit: "rows/s",
            shape: .teachers)
        let sqlOnlyGeneric = try median3(dir, "raw-write-sql-generic") {
            try Baselines.grdbWriteSQLOnly(
                $0, table: storedTeachers, pendingDDL: pendingDDL, rows: storedRows, ops: encodedOps,
                genericArguments: true)
        }
        report.rate(
            "1j", "1f with arguments built as TableSQL builds them", count: n, seconds: sqlOnlyGeneric,
            unit: "rows/s", shape: .teachers)
        let teachersGeneric = try median3(dir, "raw-teachers-generic") {
            try Baselines.grdbTeachers($0, rows: teacherRows, genericArguments: true)
        }
        report.rate(
            "1h", "raw insert, teachers shape (GRDB, generic StatementArguments)", count: n,
            seconds: teachersGeneric, unit: "rows/s", shape: .teachers)
        let recordsGRDB = try median3(dir, "raw-records-grdb") {
            try Baselines.grdbStudyRecords($0, rows: recordRows, minutes: records.map(\.minutes))
        }
        report.rate(
            "1g", "raw insert, study_records shape (GRDB)", count: n, seconds: recordsGRDB, unit: "rows/s",
            shape: .studyRecords)
        report.baseline[.studyRecords] = Double(n) / recordsGRDB

        // MARK: 2. Local writes
        print("\n2. local writes (Replica.write, one transaction)")
        let (written, writeTime) = try measure { try county.write(teacherWrites) }
        try check(written.written == n, "wrote \(written.written) of \(n)")
        report.rate(
            "2a", "write: teacher upserts (new rows)", count: n, seconds: writeTime, unit: "ops/s", shape: .teachers)

        // MARK: 3. Sealing
        print("\n3. sealing (Replica.seal, sealMaxOperations \(config.sealMaxOperations))")
        let (sealed, sealTime) = try measure { try county.seal() }
        try check(
            sealed.reduce(0) { $0 + $1.operations } == n, "sealed \(sealed.reduce(0) { $0 + $1.operations }) of \(n)")
        report.rate("3a", "seal: teacher operations", count: n, seconds: sealTime, unit: "ops/s", shape: .teachers)
        report.rate("3b", "seal: change sets", count: sealed.count, seconds: sealTime, unit: "sets/s", shape: nil)

        let (unchanged, unchangedTime) = try measure { try county.write(teacherWrites) }
        try check(unchanged.unchanged == n, "unchanged \(unchanged.unchanged) of \(n)")
        report.rate(
            "2b", "write: same upserts again (no change, no op)", count: n, seconds: unchangedTime, unit: "ops/s",
            shape: .teachers)

        // MARK: 4. Verify and apply at the hub
        print("\n4. verify + apply at the hub (Replica.receive)")
        let vector = try hub.versionVector()
        let (envelopes, exportTime) = try measure { try county.exportEnvelopes(since: vector) }
        try check(envelopes.count == sealed.count, "exported \(envelopes.count) sets, sealed \(sealed.count)")
        let envelopeBytes = envelopes.reduce(0) { $0 + $1.count }
        report.rate(
            "4a", "export: envelopes read from the store", count: envelopes.count, seconds: exportTime, unit: "sets/s",
            shape: nil)
        print("        \(envelopes.count) sets, \(envelopeBytes) bytes, \(envelopeBytes / n) bytes per operation")
        let (received, receiveTime) = try measure { try hub.receive(envelopes) }
        try check(
            received.rejected.isEmpty && received.operationsApplied == n, "receive: \(received.rejected.prefix(3))")
        report.rate(
            "4b", "receive: teacher operations (new rows)", count: n, seconds: receiveTime, unit: "ops/s",
            shape: .teachers)
        report.rate(
            "4c", "receive: change sets", count: envelopes.count, seconds: receiveTime, unit: "sets/s", shape: nil)
        let (again, againTime) = try measure { try hub.receive(envelopes) }
        try check(again.alreadyPresent == envelopes.count && again.applied == 0, "duplicates: \(again)")
        report.rate(
            "4d", "receive again: all duplicates", count: envelopes.count, seconds: againTime, unit: "sets/s",
            shape: nil)

        // MARK: 5. Study-record facts
        print("\n5. study-record facts: write → seal → receive")
        let (factWritten, factWriteTime) = try measure { try county.write(recordWrites) }
        try check(factWritten.written == n, "wrote \(factWritten.written) facts of \(n)")
        report.rate(
            "5a", "write: study-record facts", count: n, seconds: factWriteTime, unit: "ops/s", shape: .studyRecords)
        let (factSealed, factSealTime) = try measure { try county.seal() }
        report.rate(
            "5b", "seal: study-record facts", count: n, seconds: factSealTime, unit: "ops/s", shape: .studyRecords)
        let factEnvelopes = try county.exportEnvelopes(since: try hub.versionVector())
        try check(factEnvelopes.count == factSealed.count, "exported \(factEnvelopes.count) fact sets")
        let (factReceived, factReceiveTime) = try measure { try hub.receive(factEnvelopes) }
        try check(
            factReceived.rejected.isEmpty && factReceived.operationsApplied == n,
            "facts: \(factReceived.rejected.prefix(3))")
        report.rate(
            "5c", "receive: study-record facts", count: n, seconds: factReceiveTime, unit: "ops/s", shape: .studyRecords
        )

        // MARK: 7. Re-verification and digest
        print("\n7. verifyStoredSets and digest on the hub")
        let hubOps = try DatabaseQueue(
            path: dir.path("hub").appendingPathComponent(Replica.databaseName).path,
            configuration: readOnly
        ).read { db in try Int.fetchOne(db, sql: "SELECT SUM(op_count) FROM change_sets") ?? 0 }
        let (verified, verifyTime) = try measure { try hub.verifyStoredSets() }
        try check(verified.failures.isEmpty, "verify: \(verified.failures.prefix(3))")
        report.rate(
            "7a", "verifyStoredSets: operations", count: hubOps, seconds: verifyTime, unit: "ops/s", shape: .teachers)
        report.rate(
            "7b", "verifyStoredSets: change sets", count: verified.checked, seconds: verifyTime, unit: "sets/s",
            shape: nil)
        let (hubDigest, digestTime) = try measure { try hub.digest(county: countyCode) }
        report.time("7c", "digest(county:) at the hub (N teachers + N facts)", count: 2 * n, seconds: digestTime)
        report.rate("7d", "digest(county:) rows", count: 2 * n, seconds: digestTime, unit: "rows/s", shape: .teachers)
        let countyDigest = try county.digest(county: countyCode)
        try check(hubDigest == countyDigest, "the hub's and the county's digests differ")
        print("        digests of hub and county agree: \(hubDigest.prefix(16))…")

        // MARK: 8. Ed25519
        print("\n8. Ed25519 over a set id (context)")
        let signer = SigningIdentity.generate()
        let input = ChangeSet.signatureInput(id: Array(repeating: 0xA5, count: 32))
        let signs = options.quick ? 1_000 : 5_000
        let (signature, signTime) = try measure { () throws -> Data in
            var last = Data()
            for _ in 0..<signs { last = try signer.privateKey.signature(for: input) }
            return last
        }
        report.rate("8a", "Ed25519 sign (set id)", count: signs, seconds: signTime, unit: "signs/s", shape: nil)
        let verifies = options.quick ? 500 : 2_000
        let publicKey = signer.publicKey
        let (allValid, verifyKeyTime) = measure { () -> Bool in
            var ok = true
            for _ in 0..<verifies { ok = publicKey.isValidSignature(signature, for: input) && ok }
            return ok
        }
        try check(allValid, "a signature did not verify")
        report.rate(
            "8b", "Ed25519 verify (set id)", count: verifies, seconds: verifyKeyTime, unit: "verifies/s", shape: nil)

        // MARK: 9. Drift check: the machine's speed may change during a run (shared host, other work).
        print("\n9. drift check")
        let teachersAgain = try median3(dir, "raw-teachers-grdb-again") {
            try Baselines.grdbTeachers($0, rows: teacherRows)
        }
        report.rate(
            "9a", "1c again, at the end of the run (drift check)", count: n, seconds: teachersAgain, unit: "rows/s",
            shape: .teachers)

        print("\nload average after the run: \(Machine.loadAverage())")
        print(
            "\nResults (N = \(n); \"vs raw\" = value ÷ the GRDB raw insert rate of the same shape, rows 1a, 1c, 1g)\n")
        report.printTable()
    }.seconds
} catch {
    FileHandle.standardError.write(Data("teachersync-bench: \(error)\n".utf8))
    exit(1)
}
print(String(format: "\ntotal run time %.1f s", total))
