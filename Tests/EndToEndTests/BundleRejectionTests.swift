import Foundation
import SyncTestSupport
import Testing

@Suite("Bundles that must be refused, and bundles imported twice")
struct BundleRejectionTests {
    /// A federation whose county holds a little data (one set each for schools, teachers and study records).
    private func federationWithData(_ sandbox: Sandbox, teachers: Int = 50) async throws -> Federation {
        let fed = try await Federation.make(in: sandbox)
        let demo = DemoData(county: "130102", schools: 5, teachers: teachers, recordsPerTeacher: 1, seed: 3)
        try await fed.county.importAll(try sandbox.writeDemo(demo, prefix: "demo"))
        return fed
    }

    private func flipped(_ bytes: [UInt8], at offset: Int) -> [UInt8] {
        var copy = bytes
        copy[offset] ^= 0x01
        return copy
    }

    /// Replaces a bundle's trailing SHA-256 with the checksum of its (altered) content.
    private func resealed(_ bytes: [UInt8]) -> [UInt8] {
        let content = Array(bytes.dropLast(32))
        return content + SHA256Digest.hash(content)
    }

    @Test("a bundle with one byte changed is refused whole and changes nothing")
    func damagedBundle() async throws {
        let sandbox = Sandbox()
        let fed = try await federationWithData(sandbox)
        let bundle = try await fed.county.exportBundle("county.bundle")
        let good = try sandbox.bytes(atPath: bundle.path)
        try #require(good.count > 200)

        let before = try await fed.hub.snapshot(county: "130102")
        let quarantineBefore = try await fed.hub.status().quarantined
        let positions: [(String, Int)] = [
            ("magic", 0), ("format", 5), ("set count", 9), ("first set's length", 12), ("first set's header", 30),
            ("middle of the first set", 14 + 200), ("middle of the file", good.count / 2),
            ("last byte before the checksum", good.count - 33), ("checksum", good.count - 20),
            ("last byte", good.count - 1),
        ]
        var damaged = positions.map { (name, offset) in ("byte \(offset) (\(name)) changed", flipped(good, at: offset))
        }
        damaged.append(("last byte cut off", Array(good.dropLast())))
        damaged.append(("one byte appended", good + [0]))
        for (index, (what, bytes)) in damaged.enumerated() {
            let file = try sandbox.write(bytes: bytes, to: "damaged-\(index).bundle")
            let r = try await fed.hub.importBundle(file)
            #expect(r.status == 3, "\(what): \(r)")
            #expect(r.stderr.contains("format."), "\(what): no format reason: \(r)")
            #expect(BundleImportSummary(r).map { $0.applied == 0 } ?? true, "\(what): \(r)")
            #expect(try await fed.hub.snapshot(county: "130102") == before, "\(what) changed the hub")
            #expect(try await fed.hub.status().quarantined == quarantineBefore, "\(what) was partly read")
        }

        // The undamaged file is accepted: the refusals above were the damage, not the bundle.
        let r = try await fed.hub.importBundle(bundle.path)
        #expect(r.status == 0, "\(r)")
        #expect(BundleImportSummary(r) == .init(applied: bundle.sets, alreadyPresent: 0, rejected: 0), "\(r)")
        #expect(try await fed.hub.digest(county: "130102") == fed.county.digest())
    }

    @Test("a set altered inside a bundle whose checksum was recomputed is rejected on its own and applies nothing")
    func alteredSetWithValidChecksum() async throws {
        let sandbox = Sandbox()
        let fed = try await federationWithData(sandbox)
        // The county has not imported the hub's sets, so the bundle holds only its own stream, set 1 first.
        let bundle = try await fed.county.exportBundle("county.bundle")
        let good = try sandbox.bytes(atPath: bundle.path)
        #expect(bundle.sets == 3)
        // Layout: "TSBN" u16 u32 | u32 envelope length | envelope = u32 body length ‖ body ‖ 64-byte signature.
        func u32(at offset: Int) -> Int { good[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        let bodyStart = 18
        let bodyLength = u32(at: 14)
        try #require(u32(at: 10) == 4 + bodyLength + 64, "unexpected bundle layout")
        // Where a byte is changed, and the reasons the hub may give for the altered set.
        let positions: [(String, Int, [String])] = [
            ("the origin", bodyStart + 8, ["origin.unknown"]),
            ("the stream's county", bodyStart + 4 + 2 + 16 + 4 + 5, ["signature.invalid", "scope."]),
            ("an operation", bodyStart + bodyLength / 2, ["signature.invalid", "format."]),
            ("the last body byte", bodyStart + bodyLength - 1, ["signature.invalid", "format."]),
            ("the signature", bodyStart + bodyLength + 10, ["signature.invalid"]),
        ]
        let before = try await fed.hub.snapshot(county: "130102")
        for (index, (what, offset, reasons)) in positions.enumerated() {
            let file = try sandbox.write(bytes: resealed(flipped(good, at: offset)), to: "altered-\(index).bundle")
            let r = try await fed.hub.importBundle(file)
            #expect(r.status == 3, "\(what): \(r)")
            #expect(reasons.contains { r.stdout.contains($0) }, "altering \(what): expected one of \(reasons): \(r)")
            let summary = try #require(BundleImportSummary(r), "\(what): \(r)")
            #expect(summary.applied == 0 && summary.rejected >= 1, "\(what): \(r)")
            #expect(try await fed.hub.snapshot(county: "130102") == before, "altering \(what) changed the hub")
        }

        let r = try await fed.hub.importBundle(bundle.path)
        #expect(r.status == 0, "\(r)")
        #expect(BundleImportSummary(r)?.applied == 3, "\(r)")
        #expect(try await fed.hub.digest(county: "130102") == fed.county.digest())
    }

    @Test("importing the same bundle twice: the second import applies nothing and succeeds")
    func sameBundleTwice() async throws {
        let sandbox = Sandbox()
        let fed = try await federationWithData(sandbox)
        let bundle = try await fed.county.exportBundle("county.bundle")

        let first = try await fed.hub.importBundle(bundle.path)
        #expect(first.status == 0, "\(first)")
        #expect(BundleImportSummary(first) == .init(applied: bundle.sets, alreadyPresent: 0, rejected: 0), "\(first)")
        let after = try await fed.hub.snapshot(county: "130102")

        let second = try await fed.hub.importBundle(bundle.path)
        #expect(second.status == 0, "\(second)")
        #expect(
            BundleImportSummary(second) == .init(applied: 0, alreadyPresent: bundle.sets, rejected: 0), "\(second)")
        #expect(second.stdout.contains("(0 operations applied)"), "\(second)")
        #expect(try await fed.hub.snapshot(county: "130102") == after)
        #expect(try await fed.hub.status().quarantinedTotal == 0)
    }

    @Test("a bundle signed by a key the hub never enrolled is rejected with origin.unknown")
    func unenrolledOrigin() async throws {
        let sandbox = Sandbox()
        let fed = try await federationWithData(sandbox)
        try await fed.countyToHub("enrolled.bundle")

        // A second node for the same county whose key nobody enrolled.
        let stranger = try await Node.county("130102", in: sandbox, name: "stranger")
        let demo = DemoData(county: "130102", schools: 3, teachers: 20, recordsPerTeacher: 0, seed: 99)
        let files = try sandbox.writeDemo(demo, prefix: "stranger")
        try await stranger.ok(["import", "schools", files.schools])
        try await stranger.ok(["import", "teachers", files.teachers])
        let bundle = try await stranger.exportBundle("stranger.bundle")

        let before = try await fed.hub.snapshot(county: "130102")
        let provinceBefore = try await fed.hub.digest()
        let r = try await fed.hub.importBundle(bundle.path)
        #expect(r.status == 3, "\(r)")
        #expect(r.stdout.contains("origin.unknown"), "\(r)")
        #expect(r.stderr.contains("origin.unknown"), "\(r)")
        #expect(BundleImportSummary(r) == .init(applied: 0, alreadyPresent: 0, rejected: bundle.sets), "\(r)")
        #expect(try await fed.hub.snapshot(county: "130102") == before)
        #expect(try await fed.hub.digest() == provinceBefore)
        #expect(try await fed.hub.status().quarantined["origin.unknown"] == bundle.sets)
    }

    @Test("a county node cannot import rows of another county")
    func importOutsideCounty() async throws {
        let sandbox = Sandbox()
        let fed = try await Federation.make(in: sandbox)
        let own = DemoData(county: "130102", schools: 4, teachers: 30, recordsPerTeacher: 0, seed: 21)
        try await fed.county.ok(["import", "schools", try sandbox.write(own.schoolsCSV(), to: "schools.csv")])
        let before = try await fed.county.snapshot()

        // A teacher of 130104 among the county's own teachers, at a school the county knows.
        var teachers = CSVRows(own.teachersCSV())
        teachers.rows[3][teachers.column("county_code")] = "130104"
        let file = try sandbox.write(teachers.text, to: "teachers.csv")
        let r = try await fed.county.importCSV("teachers", file)
        #expect(r.status == 3, "\(r)")
        let reported = r.stderrLines.filter { $0.contains(": line ") }
        #expect(reported.count == 1, "\(r)")
        #expect(
            reported.first?.contains("line \(CSVRows.line(ofRow: 3)), column county_code: county.out_of_scope") == true,
            "\(r)")
        #expect(try await fed.county.snapshot() == before)

        // A whole file of another county's schools and teachers.
        let other = DemoData(county: "130104", schools: 2, teachers: 5, recordsPerTeacher: 0, seed: 22)
        for (kind, text) in [("schools", other.schoolsCSV()), ("teachers", other.teachersCSV())] {
            let r = try await fed.county.importCSV(kind, try sandbox.write(text, to: "other-\(kind).csv"))
            #expect(r.status == 3, "\(r)")
            let rows = CSVRows(text).rows.count
            for line in 2..<(2 + rows) {
                #expect(
                    r.stderr.contains("line \(line), column county_code: county.out_of_scope"),
                    "\(kind) line \(line): \(r)")
            }
            #expect(try await fed.county.snapshot() == before)
        }
        #expect(try await fed.county.digest(county: "130104") == fed.hub.digest(county: "130104"))
    }

    @Test("the hub rejects sets that write outside the county the author is enrolled for")
    func forgedCountyScope() async throws {
        let sandbox = Sandbox()
        let fed = try await federationWithData(sandbox)
        try await fed.countyToHub("honest.bundle")

        // A node initialised for 130104 whose key the hub enrolled for 130102.
        let forger = try await Node.county("130104", in: sandbox, name: "forger")
        let forgerID = try await forger.id()
        try await fed.hub.ok(["enroll", "--county", "130102", "--public-key", forgerID.public_key])
        let demo = DemoData(county: "130104", schools: 2, teachers: 10, recordsPerTeacher: 1, seed: 44)
        try await forger.importAll(try sandbox.writeDemo(demo, prefix: "forged"))
        let bundle = try await forger.exportBundle("forged.bundle")

        let before = try await fed.hub.snapshot(county: "130104")
        let countyBefore = try await fed.hub.digest(county: "130102")
        let provinceBefore = try await fed.hub.digest()
        let r = try await fed.hub.importBundle(bundle.path)
        #expect(r.status == 3, "\(r)")
        #expect(r.stdout.contains("scope.stream") || r.stdout.contains("scope.outside_county"), "\(r)")
        #expect(r.stderr.contains("scope."), "\(r)")
        let summary = try #require(BundleImportSummary(r), "\(r)")
        #expect(summary.applied == 0 && summary.rejected == bundle.sets, "\(r)")
        #expect(try await fed.hub.snapshot(county: "130104") == before)
        #expect(try await fed.hub.digest(county: "130102") == countyBefore)
        #expect(try await fed.hub.digest() == provinceBefore)
        #expect(try await !fed.hub.status().streams.contains { $0.origin == forgerID.origin })
        let v = try await fed.hub.run(["verify"])
        #expect(v.status == 0, "\(v)")
    }
}
