import Foundation
import SyncTestSupport
import Testing

@Suite("Round trips between a county and the hub")
struct RoundTripTests {
    @Test("init, id, enroll, trust, import, bundles both ways: digests agree and verify passes")
    func roundTrip() async throws {
        let sandbox = Sandbox()
        let hub = Node(sandbox: sandbox, path: sandbox.path("hub"))
        let county = Node(sandbox: sandbox, path: sandbox.path("county"))
        let hubInit = try await hub.ok(["init", "--role", "hub"])
        let countyInit = try await county.ok(["init", "--role", "county", "--county", "130102"])

        // `id --json`: exactly the documented keys, the role and county given at init, a 32-byte key.
        for (node, initResult, role, code) in [(hub, hubInit, "hub", nil), (county, countyInit, "county", "130102")] {
            let r = try await node.ok(["id", "--json"])
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r)")
            #expect(Set(object.keys) == ["origin", "role", "county", "public_key", "encryption_key"], "\(r)")
            let encryption = try #require(object["encryption_key"] as? String)
            #expect(Data(base64Encoded: encryption)?.count == 32, "encryption_key is not 32 bytes of base64: \(r)")
            let id = try JSONDecoder().decode(NodeID.self, from: Data(r.stdout.utf8))
            #expect(id.role == role)
            #expect(id.county == code)
            let key = try #require(Data(base64Encoded: id.public_key), "public_key is not base64: \(r)")
            #expect(key.count == 32, "public_key is \(key.count) bytes")
            // The origin id is the first 16 bytes of SHA-256 of the public key, as init printed it.
            #expect(id.origin == SHA256Digest.hex(Array(SHA256Digest.hash(Array(key)).prefix(16))), "\(r)")
            #expect(initResult.stdout.contains("origin: \(id.origin)"), "\(initResult)")
            #expect(initResult.stdout.contains("public_key: \(id.public_key)"), "\(initResult)")
        }
        let hubID = try await hub.id()
        let countyID = try await county.id()
        #expect(hubID.origin != countyID.origin)

        let enrolled = try await hub.ok(["enroll", "--county", "130102", "--public-key", countyID.public_key])
        #expect(enrolled.stdout.contains(countyID.origin), "\(enrolled)")
        try await county.ok(["trust", "--hub-key", hubID.public_key])

        // The CSVs come from `demo-data`, which writes what DemoData generates.
        let csvDir = sandbox.path("csv")
        let demoRun = try await teachersync([
            "demo-data", "--county", "130102", "--out", csvDir, "--teachers", "80", "--schools", "6", "--seed", "11",
        ])
        try #require(demoRun.status == 0, "\(demoRun)")
        let demo = DemoData(county: "130102", schools: 6, teachers: 80, recordsPerTeacher: 2, seed: 11)
        let files = DemoFiles(
            schools: csvDir + "/schools.csv", teachers: csvDir + "/teachers.csv",
            studyRecords: csvDir + "/study-records.csv")
        #expect(try String(contentsOfFile: files.teachers, encoding: .utf8) == demo.teachersCSV())

        let emptyCountyDigest = try await county.digest()
        for (kind, file, count) in [
            ("schools", files.schools, 6), ("teachers", files.teachers, 80), ("study-records", files.studyRecords, 160),
        ] {
            let r = try await county.ok(["import", kind, file])
            let summary = try #require(CSVImportSummary(r), "\(r)")
            #expect(summary.written == count && summary.unchanged == 0, "\(r)")
            #expect(summary.sealed >= 1, "\(r)")
        }
        let countyDigest = try await county.digest()
        #expect(countyDigest != emptyCountyDigest, "importing rows did not change the county's digest")

        // Hub → county: the registry (the hub's own entry and the county's enrolment).
        let toCounty = try await hub.exportBundle("hub-1.bundle", county: "130102")
        let r1 = try await county.importBundle(toCounty.path)
        #expect(r1.status == 0, "\(r1)")
        #expect(BundleImportSummary(r1) == .init(applied: toCounty.sets, alreadyPresent: 0, rejected: 0), "\(r1)")

        // County → hub: the county's rows.
        let hubBefore = try await hub.digest(county: "130102")
        let toHub = try await county.exportBundle("county-1.bundle")
        let r2 = try await hub.importBundle(toHub.path)
        #expect(r2.status == 0, "\(r2)")
        let s2 = try #require(BundleImportSummary(r2), "\(r2)")
        #expect(s2.applied >= 3 && s2.rejected == 0, "\(r2)")
        #expect(s2.applied + s2.alreadyPresent == toHub.sets, "\(r2)")
        #expect(r2.stdout.contains("(\(6 + 80 + 160) operations applied)"), "\(r2)")

        let hubAfter = try await hub.digest(county: "130102")
        #expect(hubAfter != hubBefore, "the hub's digest of 130102 did not change")
        #expect(hubAfter == countyDigest, "hub and county disagree after county → hub")

        // Back the other way: the hub's bundle for the county changes nothing there; the digests still agree.
        let toCounty2 = try await hub.exportBundle("hub-2.bundle", county: "130102")
        let r3 = try await county.importBundle(toCounty2.path)
        #expect(r3.status == 0, "\(r3)")
        #expect(BundleImportSummary(r3) == .init(applied: 0, alreadyPresent: toCounty2.sets, rejected: 0), "\(r3)")
        #expect(try await county.digest() == countyDigest)
        #expect(try await hub.digest(county: "130102") == countyDigest)

        for node in [hub, county] {
            let v = try await node.run(["verify"])
            #expect(v.status == 0, "\(v)")
            #expect(v.stdout.contains(", 0 failed"), "\(v)")
            let status = try await node.status()
            #expect(status.quarantinedTotal == 0 && status.pendingOperations == 0 && status.conflicts == 0)
        }
        #expect(try await hub.status().storedSets == county.status().storedSets)
    }

    @Test("vector + bundle export --since carries only the new sets, and the hub converges")
    func incrementalBundle() async throws {
        let sandbox = Sandbox()
        let fed = try await Federation.make(in: sandbox)
        // 120 teachers in a stable order: the first 70 now, all 120 later (the first 70 unchanged).
        let demo = DemoData(county: "130102", schools: 5, teachers: 120, recordsPerTeacher: 1, seed: 5)
        var teachers = CSVRows(demo.teachersCSV())
        var records = CSVRows(demo.studyRecordsCSV())
        let allTeachers = teachers.rows
        let allRecords = records.rows
        teachers.rows = Array(allTeachers.prefix(70))
        records.rows = Array(allRecords.prefix(70))
        try await fed.county.ok(["import", "schools", try sandbox.write(demo.schoolsCSV(), to: "schools.csv")])
        try await fed.county.ok(["import", "teachers", try sandbox.write(teachers.text, to: "teachers-1.csv")])
        try await fed.county.ok(["import", "study-records", try sandbox.write(records.text, to: "records-1.csv")])
        try await fed.hubToCounty("h1.bundle")
        try await fed.countyToHub("c1.bundle")
        let firstDigest = try await fed.county.digest()
        #expect(try await fed.hub.digest(county: "130102") == firstDigest)

        // The hub's version vector, carried to the county.
        let vectorFile = sandbox.path("hub-vector.json")
        try await fed.hub.ok(["vector", "--out", vectorFile])
        let vector = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: vectorFile))) as? [String: Any]
        )
        #expect(vector["streams"] != nil, "the vector file has no streams: \(vector)")

        // The county writes more: 50 new teachers, their records, and one changed subject.
        let subject = teachers.column("subject")
        teachers.rows = allTeachers
        teachers.rows[0][subject] = teachers.rows[0][subject] == "14" ? "16" : "14"
        records.rows = allRecords
        let t2 = try await fed.county.ok(["import", "teachers", try sandbox.write(teachers.text, to: "teachers-2.csv")])
        let r2 = try await fed.county.ok([
            "import", "study-records", try sandbox.write(records.text, to: "records-2.csv"),
        ])
        let t2s = try #require(CSVImportSummary(t2), "\(t2)")
        let r2s = try #require(CSVImportSummary(r2), "\(r2)")
        #expect(t2s.written == 51 && t2s.unchanged == 69, "\(t2)")
        #expect(r2s.written == 50 && r2s.unchanged == 70, "\(r2)")
        let newSets = t2s.sealed + r2s.sealed
        let countyDigest = try await fed.county.digest()
        #expect(countyDigest != firstDigest)

        let full = try await fed.county.exportBundle("full.bundle")
        let delta = try await fed.county.exportBundle("delta.bundle", since: vectorFile)
        #expect(delta.sets == newSets, "the bundle since the hub's vector holds \(delta.sets) sets, not \(newSets)")
        #expect(full.sets > delta.sets)
        #expect(try sandbox.bytes(atPath: delta.path).count < sandbox.bytes(atPath: full.path).count)

        let hubBefore = try await fed.hub.status()
        let imported = try await fed.hub.importBundle(delta.path)
        #expect(imported.status == 0, "\(imported)")
        #expect(BundleImportSummary(imported) == .init(applied: newSets, alreadyPresent: 0, rejected: 0), "\(imported)")
        #expect(imported.stdout.contains("(\(51 + 50) operations applied)"), "\(imported)")
        #expect(try await fed.hub.status().storedSets == hubBefore.storedSets + newSets)
        #expect(try await fed.hub.digest(county: "130102") == countyDigest, "the hub did not converge")

        // Nothing is left to send: a bundle since the hub's new vector is empty.
        try await fed.hub.ok(["vector", "--out", vectorFile])
        let nothing = try await fed.county.exportBundle("nothing.bundle", since: vectorFile)
        #expect(nothing.sets == 0)
        let v = try await fed.hub.run(["verify"])
        #expect(v.status == 0, "\(v)")
    }
}
