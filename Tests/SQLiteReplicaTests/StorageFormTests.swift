import Foundation
import GRDB
import SyncCore
import SyncTestSupport
import Testing
import TrainingDomain

@testable import SQLiteReplica

/// How the replica lays rows and sets down in its file (docs/ARCHITECTURE.md, "The replica's file"): compact write
/// stamps, sets applied in key order, sealing from the stored operation bytes, background checkpoints, and a
/// store that a newer release has migrated.
@Suite struct StorageFormTests {
    /// The `_stamps` lengths of a table's rows, by the key's last column.
    static func stampLengths(_ replica: Replica, table: String, keyColumn: String) throws -> [String: Int] {
        let queue = try DatabaseQueue(path: replica.directory.appendingPathComponent(Replica.databaseName).path)
        return try queue.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(
                    db, sql: "SELECT \(keyColumn) AS k, length(_stamps) AS n FROM \(table)"
                ).map { ($0["k"] as String, $0["n"] as Int) })
        }
    }

    @Test func rowsOneOperationMadeKeepOneStampAndEditedRowsKeepOnePerColumn() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        try county.write([
            ReplicaFixture.record("R1", minutes: 30), ReplicaFixture.teacher(1), ReplicaFixture.teacher(2),
        ])
        try county.seal()
        // Teacher 2's subject changes later: its row then carries two stamps.
        try county.write([ReplicaFixture.teacher(2, subject: "07")])
        try county.seal()
        #expect(try f.hub.receive(county.exportEnvelopes()).rejected.isEmpty)

        for replica in [county, f.hub] {
            #expect(try Self.stampLengths(replica, table: "study_records", keyColumn: "record_id") == ["R1": 33])
            // Six value columns: compact (33 bytes) for one stamp, 6 × 25 bytes once they differ.
            #expect(
                try Self.stampLengths(replica, table: "teachers", keyColumn: "id_number") == ["ID1": 33, "ID2": 150])
        }
        #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))

        // A row read back from the compact form merges as before: a newer write of one field wins, the others
        // keep their stamp, and the same fact again is no change at all.
        try county.write([ReplicaFixture.teacher(1, name: "李四")])
        let again = try county.write([ReplicaFixture.record("R1", minutes: 30)])
        #expect(again.written == 0 && again.unchanged == 1)
        try county.seal()
        #expect(try f.hub.receive(county.exportEnvelopes()).rejected.isEmpty)
        #expect(try Self.stampLengths(f.hub, table: "teachers", keyColumn: "id_number") == ["ID1": 150, "ID2": 150])
        #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))
    }

    /// Runs `body` in a write transaction of an in-memory database holding the teacher and study-record tables, with
    /// a `RowWriter` for them.
    static func withTeachersAndRecords(
        _ body: (Database, RowWriter, _ teachers: TableSQL, _ records: TableSQL) throws -> Void
    ) throws {
        let teachers = TableSQL(TrainingTables.teachers)
        let records = TableSQL(TrainingTables.studyRecords)
        try DatabaseQueue().write { db in
            try db.execute(sql: teachers.createTable)
            try db.execute(sql: records.createTable)
            try body(db, RowWriter(tables: ["teachers": teachers, "study_records": records]), teachers, records)
        }
    }

    /// The hub writes held rows through SQLite's C API (`HeldRows`): random upserts of some fields, deletes and
    /// facts by three origins with clashing clocks, applied one by one to two rows of each table; after each, the
    /// stored row (read back through GRDB) and the conflicts reported are what `MergeRules` makes in memory.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func aHeldRowIsMergedIntoTheRowMergeRulesMakes(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let origins = (1...3).map { OriginID(bytes: Array(repeating: UInt8($0), count: OriginID.byteCount))! }
        try Self.withTeachersAndRecords { db, writer, teachers, records in
            var expected: [[Value]: RowState] = [:]
            var conflicts = 0
            for _ in 0..<400 {
                let origin = origins[Int(rng.next() % 3)]
                let hlc = HybridTimestamp(physicalMillis: 1_000 + rng.next() % 40, logical: UInt16(rng.next() % 2))
                let op: RowOperation
                let table: TableSQL
                if rng.next() % 4 == 0 {
                    table = records
                    op = RowOperation(
                        kind: .insertFact, hlc: hlc, table: "study_records",
                        key: [.text("130102"), .text("R\(rng.next() % 2)")],
                        fields: [
                            .init("activity_code", .text("A\(rng.next() % 2)")), .init("minutes", .integer(30)),
                        ])
                } else {
                    table = teachers
                    let key: [Value] = [.text("130102"), .text("1"), .text("ID\(rng.next() % 2)")]
                    if rng.next() % 6 == 0 {
                        op = RowOperation(kind: .delete, hlc: hlc, table: "teachers", key: key, fields: [])
                    } else {
                        let fields: [RowOperation.Field] = [
                            .init("dev_stage", .text(["new", "mature"][Int(rng.next() % 2)])),
                            .init("name", .text(["李", "王"][Int(rng.next() % 2)])),
                            .init("subject", .text(["13", "14"][Int(rng.next() % 2)])),
                        ].filter { _ in rng.next() % 2 == 0 }
                        op = RowOperation(
                            kind: .upsert, hlc: hlc, table: "teachers", key: key,
                            fields: fields.isEmpty ? [.init("name", .text("张"))] : fields)
                    }
                }
                let outcome = MergeRules.apply(op, by: origin, to: expected[op.key])
                expected[op.key] = outcome.row
                let reported = try writer.merge(db, op, by: origin)
                #expect(reported == outcome.conflicts, "seed \(seed): \(op)")
                conflicts += reported.count
                #expect(try table.load(db, key: op.key) == outcome.row, "seed \(seed): \(op)")
            }
            // The sequence did reach the merge paths: clashing writes by different origins.
            #expect(conflicts > 0)
        }
    }

    /// Text and blobs are bound from memory the writer reuses row to row (`StaticBindings`): values empty, small,
    /// larger than that memory, and small again after it grew, inserted and written back over held rows, are stored
    /// whole, and no row keeps another's bytes.
    @Test func valuesOfEveryLengthAreBoundWhole() throws {
        let origin = OriginID(bytes: Array(repeating: 7, count: OriginID.byteCount))!
        try Self.withTeachersAndRecords { db, writer, teachers, records in
            var expected: [[Value]: RowState] = [:]
            let lengths = [0, 1, 15, 16, 4_000, 5_000, 20_000, 3, 0, 70_000, 2]
            for (i, length) in lengths.enumerated() {
                // Distinct bytes per row, multi-byte characters included, so that a stale or shared buffer shows.
                let text = String(repeating: i % 2 == 0 ? "a\(i)" : "张\(i)", count: length).prefixString(length)
                let hlc = HybridTimestamp(physicalMillis: 1_000 + UInt64(i), logical: 0)
                let ops = [
                    RowOperation(
                        kind: .insertFact, hlc: hlc, table: "study_records",
                        key: [.text("130102"), .text("R\(i)\(text)")],
                        fields: [.init("activity_code", .text(text)), .init("minutes", .integer(Int64(length)))]),
                    RowOperation(
                        kind: .upsert, hlc: hlc, table: "teachers", key: [.text("130102"), .text("1"), .text("ID")],
                        fields: [.init("name", .text(text)), .init("subject", .text("s\(text)"))]),
                ]
                for op in ops {
                    let outcome = MergeRules.apply(op, by: origin, to: expected[op.key])
                    expected[op.key] = outcome.row
                    _ = try writer.merge(db, op, by: origin)
                }
            }
            for (key, row) in expected {
                let table = key.count == 3 ? teachers : records
                #expect(try table.load(db, key: key) == row, "row of \(key.count)-column key")
            }
            #expect(expected.count == lengths.count + 1)
        }
    }

    @Test func aSetAppliedInKeyOrderLeavesTheStateItsClockOrderWould() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        // Written (and so sealed) in descending key order, with several operations on some rows: the hub applies
        // them sorted by key.
        var writes = [LocalWrite]()
        for n in stride(from: 40, through: 1, by: -1) {
            writes.append(ReplicaFixture.record(String(format: "R%03d", n), minutes: Int64(n)))
            writes.append(ReplicaFixture.teacher(n))
        }
        try county.write(writes)
        try county.write(stride(from: 40, through: 1, by: -3).map { ReplicaFixture.teacher($0, name: "王五") })
        try county.write([
            LocalWrite(kind: .delete, table: "teachers", key: [.text("130102"), .text("1"), .text("ID5")], fields: [])
        ])
        let sealed = try county.seal()
        #expect(sealed.count == 1)

        let report = try f.hub.receive(county.exportEnvelopes())
        #expect(report.rejected.isEmpty && report.operationsApplied == sealed[0].operations)
        #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))
        // The conflict log stays empty: nothing was applied against a newer write of its own row.
        #expect(try f.hub.status().conflicts == 0)
    }

    @Test func sealingRefusesStoredOperationsThatAreNotOperations() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        try county.write([ReplicaFixture.teacher(1), ReplicaFixture.teacher(2)])
        let held = try county.exportEnvelopes().count
        let queue = try DatabaseQueue(path: county.directory.appendingPathComponent(Replica.databaseName).path)
        try queue.write { db in
            try db.execute(
                sql: "UPDATE pending_ops SET op = x'07' || substr(op, 2) WHERE seq = (SELECT MAX(seq) FROM pending_ops)"
            )
        }
        #expect {
            try county.seal()
        } throws: { error in
            (error as? ReplicaError)?.message.contains("is not an operation") == true
        }
        // Nothing was sealed: both operations are still pending.
        #expect(try county.status().pendingOperations == 2)
        #expect(try county.exportEnvelopes().count == held)
    }

    @Test func checkpointsRunInTheBackgroundAfterALargeCommit() async throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        let file = county.directory.appendingPathComponent(Replica.databaseName).path
        let before = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
        // About 3,000 pages of WAL: past the 1,000 pages at which a checkpoint starts.
        try county.write((0..<20_000).map { ReplicaFixture.record("R\($0)", minutes: 1) })
        var after = before
        for _ in 0..<100 where after < before + 4_000_000 {
            try await Task.sleep(for: .milliseconds(100))
            after = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
        }
        // The rows reached the database file without another commit or a close.
        #expect(after >= before + 4_000_000)
        #expect(try county.status().pendingOperations == 20_000)
    }

    @Test func aStoreANewerReleaseMigratedIsRefused() throws {
        let f = try ReplicaFixture()
        let dir = f.counties[0].directory
        let queue = try DatabaseQueue(path: dir.appendingPathComponent(Replica.databaseName).path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-a-later-release')")
        }
        #expect {
            _ = try Replica.open(at: dir)
        } throws: { error in
            (error as? ReplicaError)?.message.contains("newer release") == true
        }
    }

    @Test func noSeparateCountyIndexBesideAKeyThatStartsWithTheCounty() throws {
        let f = try ReplicaFixture()
        let queue = try DatabaseQueue(path: f.hub.directory.appendingPathComponent(Replica.databaseName).path)
        let indexes = try queue.read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%_by_county_code'")
        }
        #expect(indexes.isEmpty)
    }

    @Test func setsReceivedTogetherShareTransactionsAndARefusedOneLeavesNothing() throws {
        let f = try ReplicaFixture(
            counties: ["130102", "130104"],
            config: ReplicaFixture.configured {
                $0.sealMaxOperations = 2
                $0.groupCommitOperations = 3
            })
        let (a, b) = (f.counties[0], f.counties[1])
        try a.write((0..<10).map { ReplicaFixture.teacher($0) })
        try a.seal()
        try b.write((0..<4).map { ReplicaFixture.teacher($0, county: "130104") })
        try b.seal()
        // B's first set carries a broken signature: it is refused, and B's second set waits for it in vain.
        var forged = try b.exportEnvelopes(county: "130104").filter {
            try ChangeSet.decode(envelope: $0).stream.origin == b.identity.origin
        }
        #expect(forged.count == 2)
        forged[0][forged[0].count - 1] ^= 0xFF
        let own = try a.exportEnvelopes(county: "130102").filter {
            try ChangeSet.decode(envelope: $0).stream.origin == a.identity.origin
        }
        let before = try f.hub.digest(county: "130104")

        let report = try f.hub.receive(own + forged)
        // A's five sets went through in groups of at least three operations, each group one commit.
        #expect(report.applied == 5 && report.operationsApplied == 10)
        #expect(report.rejected.map(\.reason).sorted { $0.rawValue < $1.rawValue } == [.chainGap, .badSignature])
        #expect(try f.hub.digest(county: "130102") == a.digest(county: "130102"))
        #expect(try f.hub.digest(county: "130104") == before, "nothing of a refused set is applied")
        #expect(try f.hub.status().quarantined.values.reduce(0, +) == 2)
    }

    @Test func localWritesGoInKeyOrderAndReportTheCallersPositions() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        try county.write([ReplicaFixture.record("R2", minutes: 1), ReplicaFixture.record("R4", minutes: 1)])
        try county.seal()
        // Descending ids; R4 and R2 again with other minutes conflict at the caller's positions 0 and 2.
        let writes = [
            ReplicaFixture.record("R4", minutes: 9), ReplicaFixture.record("R3", minutes: 1),
            ReplicaFixture.record("R2", minutes: 9), ReplicaFixture.record("R1", minutes: 1),
        ]
        #expect {
            try county.write(writes)
        } throws: { error in
            (error as? ReplicaError)?.conflictingIndices == [0, 2]
        }
        let report = try county.write(writes, factConflicts: .skip)
        #expect(report.written == 2 && report.skippedFacts == [0, 2])
        // The set holds the two new rows in key order, though they were written in the reverse one.
        let sealed = try #require(try county.seal().first)
        let set = try #require(
            try county.exportEnvelopes().map { try ChangeSet.decode(envelope: $0) }.first { $0.idHex == sealed.id })
        #expect(set.operations.map(\.key) == [[.text("130102"), .text("R1")], [.text("130102"), .text("R3")]])
        #expect(try f.hub.receive(county.exportEnvelopes()).rejected.isEmpty)
        #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))
    }

    @Test func theWriterHasTheConfiguredPageCacheAndReadersSQLitesDefault() throws {
        let f = try ReplicaFixture(config: ReplicaFixture.configured { $0.writerCacheKiB = 8_192 })
        let county = f.counties[0]
        #expect(try county.run { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -8_192)
        #expect(try county.runRead { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -2_000)
        #expect(try f.hub.run { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -8_192)
        // Opened with the default configuration: 64 MiB, for the hub's writer and a county's alike.
        let reopened = try Replica.open(at: county.directory)
        #expect(try reopened.run { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -65_536)
    }

    /// Every commit is durable: the writer syncs the WAL when it commits (`synchronous = FULL`, 2), although GRDB's
    /// pool sets its writer to `NORMAL` (1), which does not, when it turns WAL on.
    @Test func theWriterSyncsTheWALAtEveryCommit() throws {
        let f = try ReplicaFixture()
        let synchronous = { (r: Replica) in try r.run { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } }
        #expect(try synchronous(f.hub) == 2)
        #expect(try synchronous(f.counties[0]) == 2)
        #expect(try synchronous(Replica.open(at: f.counties[0].directory)) == 2)
    }

    /// Seals `count` sets of 40 teachers each (large enough to be stored deflated) at `county`.
    static func sealTeacherSets(_ count: Int, at county: Replica) throws {
        for n in 1...count {
            try county.write((1...40).map { ReplicaFixture.teacher($0 + 100 * n) })
            try county.seal()
        }
    }

    /// A node's own sets: their references and their stored forms.
    static func ownSets(_ node: Replica) throws -> (refs: [SyncRound.SetRef], stored: [StoredEnvelope]) {
        let refs = try node.setReferences().filter { $0.stream.origin == node.identity.origin }
        return (refs, try node.storedEnvelopes(refs))
    }

    /// Enrols a county node of another fixture at `hub`.
    static func enrol(_ county: Replica, at hub: Replica) throws {
        try hub.write([.registryEntry(county.identity.record)])
        try hub.seal()
    }

    /// The forms of a replica's stored sets: `inflated_size` per set, by stream sequence (nil: stored plain).
    static func storedForms(_ replica: Replica) throws -> [Int?] {
        let queue = try DatabaseQueue(path: replica.directory.appendingPathComponent(Replica.databaseName).path)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT inflated_size FROM change_sets WHERE local = 1 ORDER BY rowid").map {
                $0[0] as Int?
            }
        }
    }

    /// A node deflates the sets it seals (small ones stay plain); every reader gets the envelope itself back, and a
    /// set received deflated is stored in the very bytes it came in, one received plain as it is.
    @Test func sealedSetsAreStoredDeflatedAndReadBackAsTheirEnvelopes() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        try county.write((1...40).map { ReplicaFixture.teacher($0) })
        try county.seal()
        try county.write([ReplicaFixture.record("R1", minutes: 30)])
        try county.seal()
        let forms = try Self.storedForms(county)
        #expect(forms.count == 2)
        #expect(forms[0] != nil && forms[1] == nil, "the large set deflated, the small one as it is: \(forms)")

        let (refs, stored) = try Self.ownSets(county)
        let envelopes = try county.envelopes(refs)
        #expect(stored[0].form == .deflated && stored[0].bytes.count * 3 < stored[0].size)
        #expect(refs.map(\.size) == envelopes.map(\.count), "references give the envelopes' own sizes")
        #expect(try stored.map { try $0.envelope() } == envelopes)
        let sets = try envelopes.map { try ChangeSet.decode(envelope: $0) }
        #expect(sets.map(\.sequence) == [1, 2])
        #expect(try county.verifyStoredSets().failures.isEmpty)
        #expect(Set(try county.exportEnvelopes()).isSuperset(of: envelopes))

        // Received in stored forms: the deflated set is kept as it came, byte for byte.
        let report = try f.hub.receive(stored: stored)
        #expect(report.rejected.isEmpty && report.applied == 2)
        #expect(try f.hub.storedEnvelopes(refs) == stored)
        // Received as envelopes (an older node, a bundle file): stored as they are.
        let other = try ReplicaFixture(counties: [])
        try Self.enrol(county, at: other.hub)
        #expect(try other.hub.receive(envelopes).applied == 2)
        #expect(try other.hub.storedEnvelopes(refs).allSatisfy { $0.form == .plain })
        #expect(try f.hub.digest(county: "130102") == other.hub.digest(county: "130102"))
        #expect(try f.hub.verifyStoredSets().failures.isEmpty)
    }

    /// The stored forms as protocol 3 carries them (bundle format 2) read the same in the independent verifier written
    /// from docs/PROTOCOL.md (`tools/reference_verifier.py`): framing, inflating, ids, signatures, chain.
    @Test func theReferenceVerifierReadsABundleOfStoredForms() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        try Self.sealTeacherSets(2, at: county)
        try county.write([ReplicaFixture.record("R1", minutes: 30)])
        try county.seal()
        let stored = try Self.ownSets(county).stored
        #expect(stored.map(\.form) == [.deflated, .deflated, .plain])
        let dir = TemporaryDirectory()
        let file = dir.url.appendingPathComponent("stored.tsb")
        try Data(BundleFile.encode(stored: stored)).write(to: file)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            root.appendingPathComponent("tools/reference_verifier.py").path, "bundle", file.path, "--key",
            county.identity.signer.publicKeyBase64, "--quiet",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
    }

    /// A deflated form that does not inflate to exactly its stated size, or carries bytes after its stream, is
    /// quarantined with `format.malformed` as an envelope that does not decode; the sets beside it are applied.
    @Test func aDeflatedFormThatDoesNotInflateToItsSizeIsQuarantined() throws {
        let f = try ReplicaFixture()
        let county = f.counties[0]
        try Self.sealTeacherSets(3, at: county)
        let stored = try Self.ownSets(county).stored
        #expect(stored.allSatisfy { $0.form == .deflated })
        let broken: [(StoredEnvelope, String)] = [
            (StoredEnvelope(deflated: stored[2].bytes, size: stored[2].size - 1), "not its stated"),
            (StoredEnvelope(deflated: stored[2].bytes, size: stored[2].size + 1), "not its stated"),
            (StoredEnvelope(deflated: stored[2].bytes + [0], size: stored[2].size), "follow its deflate"),
            (StoredEnvelope(deflated: Array(stored[2].bytes.dropLast(9)), size: stored[2].size), "not its stated"),
            (StoredEnvelope(deflated: [0x78, 0x01, 0xff, 0xff], size: stored[2].size), "not a valid deflate"),
        ]
        for (bad, detail) in broken {
            let g = try ReplicaFixture(counties: [])
            try Self.enrol(county, at: g.hub)
            let report = try g.hub.receive(stored: [stored[0], stored[1], bad])
            #expect(report.applied == 2)
            #expect(report.rejected.map(\.reason) == [.malformed], "\(report.rejected)")
            #expect(report.rejected.first?.detail.contains(detail) == true, "\(detail): \(report.rejected)")
            #expect(try g.hub.status().quarantined == ["format.malformed": 1])
        }
        // Deflating and inflating are exact for any bytes, and small envelopes stay plain.
        var generator = SeededGenerator(seed: 7)
        for length in [0, 1, 511, 512, 4096, 100_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...3, using: &generator) }
            let form = try StoredEnvelope.deflating(bytes)
            #expect(form.form == (length < StoredEnvelope.minimumToDeflate ? .plain : .deflated))
            #expect(try form.envelope() == bytes)
            #expect(try form.prefix(10) == Array(bytes.prefix(10)))
        }
    }
}
