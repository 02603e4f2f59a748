import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import Testing
import TrainingDomain

/// `teachersync certificates` across a hub and a county, in real processes: the hub issues certificates to
/// qualified teachers, the county receives them in a bundle and prints them, anyone verifies them, and a revoked
/// certificate verifies as revoked once the revocation has reached the county (docs/CERTIFICATES.md).
@Suite("Certificates: issue, print, verify, revoke")
struct CertificateEndToEndTests {
    /// Writes the hub's official assessments of 2019 straight into its replica (the hub's assessment run is
    /// another command): `qualified` for the teachers listed, `not_qualified` for the others.
    static func writeAssessments(
        hub: Node, county: String, teachers: [DemoData.Teacher], qualified: Int
    ) throws {
        let replica = try Replica.open(at: URL(fileURLWithPath: hub.path, isDirectory: true))
        let writes = teachers.enumerated().map { index, teacher in
            let ok = index < qualified
            return LocalWrite(
                kind: .upsert, table: TrainingTables.assessments.name,
                key: [.text(county), .integer(2019), .text("1"), .text(teacher.idNumber)],
                fields: [
                    .init("status", .text(ok ? "qualified" : "not_qualified")),
                    .init("hours", .text(ok ? "mandatory=200;elective=245;it=50;offline=30" : "mandatory=100")),
                    .init("total_hours", .integer(ok ? 525 : 100)), .init("score", .integer(ok ? 850 : 300)),
                    .init("reasons", .text(ok ? "" : "short of 42 hours")), .init("policy_version", .integer(1)),
                ])
        }
        try replica.write(writes)
        try replica.seal()
    }

    /// The sections of a printed document: serial, token and code of each page.
    struct Page: Sendable {
        let serial: String
        let token: String
        let code: String
    }

    static func pages(_ html: String) -> [Page] {
        html.matches(
            of:
                /<section class="certificate" data-serial="([^"]+)" data-token="([^"]+)">(?s:.*?)<p class="code">([^<]+)<\/p>/
        ).map { Page(serial: String($0.1), token: String($0.2), code: String($0.3)) }
    }

    @Test("issued at the hub, printed and verified at the county, revoked at the hub and reported revoked after sync")
    func lifecycle() async throws {
        let sandbox = Sandbox()
        let f = try await Federation.make(in: sandbox)
        let demo = DemoData(county: f.code, schools: 2, teachers: 5, recordsPerTeacher: 0, seed: 2019)
        let files = try sandbox.writeDemo(demo, prefix: "demo")
        try await f.county.ok(["import", "schools", files.schools])
        try await f.county.ok(["import", "teachers", files.teachers])
        try await f.countyToHub("teachers.bundle")
        let teachers = demo.teacherList()
        try Self.writeAssessments(hub: f.hub, county: f.code, teachers: teachers, qualified: 3)

        // Only the hub issues; it issues to the 3 qualified teachers once.
        let countyIssue = try await f.county.run(["certificates", "issue", "--year", "2019"])
        #expect(countyIssue.status == 2, "\(countyIssue)")
        let issued = try await f.hub.ok(["certificates", "issue", "--year", "2019"])
        #expect(issued.stdout.contains("issued 3 certificate(s) of 2019, 0 already issued"), "\(issued)")
        let again = try await f.hub.ok(["certificates", "issue", "--year", "2019", "--county", f.code])
        #expect(again.stdout.contains("issued 0 certificate(s) of 2019, 3 already issued"), "\(again)")

        // Nothing to print before the certificates arrive: refused, and no file.
        let early = sandbox.path("early.html")
        let empty = try await f.county.run(
            ["certificates", "print", "--county", f.code, "--year", "2019", "--out", early])
        #expect(empty.status == 3 && empty.stderr.contains("holds no certificates"), "\(empty)")
        #expect(!FileManager.default.fileExists(atPath: early))

        try await f.hubToCounty("certificates.bundle")
        let out = sandbox.path("certificates-2019.html")
        let printed = try await f.county.ok(
            ["certificates", "print", "--county", f.code, "--year", "2019", "--out", out])
        #expect(printed.stdout.contains("wrote 3 page(s)"), "\(printed)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        let pages = Self.pages(html)
        #expect(pages.count == 3)
        #expect(html.components(separatedBy: "<section class=\"certificate\"").count - 1 == 3)
        #expect(html.contains("<meta charset=\"utf-8\">") && html.contains("教师培训合格证书"))
        #expect(html.contains("长安区") && html.contains("52.5学时"))
        #expect(pages.map(\.serial) == (1...3).map { "HB2019-\(f.code)-00000\($0)" })
        for teacher in teachers.prefix(3) { #expect(html.contains(teacher.name)) }
        for teacher in teachers.dropFirst(3) { #expect(!html.contains(">\(teacher.name)<")) }

        // Every code and every QR text verifies as genuine at the county, naming its teacher.
        let qualifiedNames = Set(teachers.prefix(3).map(\.name))
        for page in pages {
            #expect(
                page.code.wholeMatch(of: /[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/) != nil)
            for text in [page.code, page.code.lowercased(), page.token] {
                let r = try await f.county.ok(["certificates", "verify", text])
                #expect(r.stdout.hasPrefix("genuine: \(page.serial), "), "\(r)")
                #expect(qualifiedNames.contains { r.stdout.contains($0) }, "\(r)")
                #expect(!r.stdout.contains("revocation not checked"), "\(r)")
            }
        }

        // With only the province's key: the QR text is genuine, revocation not known; a code cannot be checked.
        let hubKey = try await f.hub.id().public_key
        let offline = try await teachersync(["certificates", "verify", pages[0].token, "--hub-key", hubKey])
        #expect(offline.status == 0 && offline.stdout.contains("revocation not checked"), "\(offline)")
        let offlineCode = try await teachersync(["certificates", "verify", pages[0].code, "--hub-key", hubKey])
        #expect(offlineCode.status == 4 && offlineCode.stderr.contains("certificate.malformed"), "\(offlineCode)")
        // The county's own key is not the province's.
        let countyKey = try await f.county.id().public_key
        let wrongKey = try await teachersync(["certificates", "verify", pages[0].token, "--hub-key", countyKey])
        #expect(wrongKey.status == 4 && wrongKey.stderr.contains("certificate.unknown_key"), "\(wrongKey)")

        // A mistyped code is unknown; a token with another name in it is tampered.
        var typo = Array(pages[0].code)
        typo[0] = typo[0] == "A" ? "B" : "A"
        let unknown = try await f.county.run(["certificates", "verify", String(typo)])
        #expect(unknown.status == 4 && unknown.stderr.contains("certificate.unknown"), "\(unknown)")
        let forged = try Self.renamed(pages[0].token, to: "冒名者")
        for r in [
            try await f.county.run(["certificates", "verify", forged]),
            try await teachersync(["certificates", "verify", forged, "--hub-key", hubKey]),
        ] {
            #expect(r.status == 4 && r.stderr.contains("tampered (certificate.bad_signature)"), "\(r)")
            #expect(!r.stderr.contains("冒名者"), "\(r)")
        }

        // Revocation: refused with personal data in the reason, then done at the hub and reported after sync.
        let personal = try await f.hub.run(
            ["certificates", "revoke", "--serial", pages[0].serial, "--reason", "wrong id \(teachers[0].idNumber)"])
        #expect(personal.status == 3 && personal.stderr.contains("certificate.revoke_reason"), "\(personal)")
        #expect(!personal.stderr.contains(teachers[0].idNumber))
        let countyRevoke = try await f.county.run(
            ["certificates", "revoke", "--serial", pages[0].serial, "--reason", "audit"])
        #expect(countyRevoke.status == 2, "\(countyRevoke)")
        try await f.hub.ok(
            ["certificates", "revoke", "--serial", pages[0].serial, "--reason", "assessment corrected after audit"])
        let atHub = try await f.hub.run(["certificates", "verify", pages[0].code])
        #expect(atHub.status == 4 && atHub.stderr.contains("revoked (certificate.revoked)"), "\(atHub)")

        // Before the sync the county still holds it as genuine; after, revoked with the reason.
        #expect(try await f.county.run(["certificates", "verify", pages[0].code]).status == 0)
        try await f.hubToCounty("revocation.bundle")
        for text in [pages[0].code, pages[0].token] {
            let r = try await f.county.run(["certificates", "verify", text])
            #expect(r.status == 4, "\(r)")
            #expect(
                r.stderr.contains("revoked (certificate.revoked)")
                    && r.stderr.contains("assessment corrected after audit"), "\(r)")
        }
        #expect(try await f.county.run(["certificates", "verify", pages[1].code]).status == 0)

        // The revoked certificate is left out of the next print.
        let reprint = sandbox.path("reprint.html")
        let second = try await f.county.ok(
            ["certificates", "print", "--county", f.code, "--year", "2019", "--out", reprint])
        #expect(second.stdout.contains("wrote 2 page(s)") && second.stderr.contains(pages[0].serial), "\(second)")
        #expect(
            Self.pages(try String(contentsOfFile: reprint, encoding: .utf8)).map(\.serial)
                == pages.dropFirst().map(\.serial))
    }

    /// A token whose payload names someone else, its signature kept.
    static func renamed(_ token: String, to name: String) throws -> String {
        let parts = token.split(separator: ".").map(String.init)
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        var lines = String(decoding: try #require(Data(base64Encoded: b64)), as: UTF8.self)
            .components(separatedBy: "\n")
        lines[4] = name
        let encoded = Data(lines.joined(separator: "\n").utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "\(parts[0]).\(encoded).\(parts[2])"
    }
}
