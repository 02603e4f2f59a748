import Foundation
import Testing

/// The training year from a county operator's and the provincial center's seat, in real processes, on a
/// synthetic province (`teachersync demo province`): the catalogue and policy at the hub; the county's roster,
/// cohort, offline research and season of records; the county's preview; the hub's official run, which the
/// county's preview must agree with; the at-risk report; certificates issued at the hub and printed at the
/// county.
@Suite("The training year, end to end")
struct TrainingYearEndToEndTests {
    static let afterDeadline = "2020-01-02T00:00:00+08:00"

    @Test("demo province → imports → preview → official run → agreement → at-risk → certificates")
    func wholeYear() async throws {
        let sandbox = Sandbox()
        let data = sandbox.path("province")
        let generated = try await teachersync([
            "demo", "province", "--out", data, "--counties", "1", "--teachers", "30", "--schools", "5",
        ])
        try #require(generated.status == 0, "\(generated)")
        #expect(generated.stdout.contains("130102"))
        let f = try await Federation.make(in: sandbox)
        for kind in ["providers", "projects", "courses", "contacts"] {
            try await f.hub.ok(["import", kind, "\(data)/province/\(kind).csv"])
        }
        let policy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/policy-2019.json").path
        try await f.hub.ok(["policy", "publish", "--file", policy])
        try await f.hubToCounty("catalogue.bundle")
        // The county's own records, in the order RECORDS.md gives.
        for kind in [
            "schools", "teachers", "cohorts", "activities", "study-records", "attendance", "homework", "exemptions",
            "make-ups",
        ] {
            try await f.county.ok(["import", kind, "\(data)/130102/\(kind).csv"])
        }
        let members = try await f.county.ok(["cohorts", "members", "--year", "2019", "--cohort", "C1"])
        #expect(!members.stdoutLines.isEmpty)

        let preview = try await f.county.ok(["assess", "--year", "2019", "--as-of", Self.afterDeadline])
        #expect(preview.stdout.contains("2019: 30 teacher(s)"), "\(preview)")
        #expect(preview.stdout.contains("official: none received yet"))
        let qualified = try #require(
            preview.stdout.firstMatch(of: /(\d+) qualified/).flatMap { Int($0.1) }, "\(preview)")
        #expect(qualified > 10, "most synthetic teachers finish the season")

        try await f.countyToHub("records.bundle")
        let official = try await f.hub.ok(["assess", "--year", "2019", "--as-of", Self.afterDeadline, "--publish"])
        #expect(official.stdout.contains("assessed 30 teacher(s)"), "\(official)")
        try await f.hub.ok(["certificates", "issue", "--year", "2019"])
        try await f.hubToCounty("official.bundle")
        let agreed = try await f.county.ok(["assess", "--year", "2019", "--as-of", Self.afterDeadline])
        #expect(agreed.stdout.contains("the preview agrees with the official assessments"), "\(agreed)")

        let atRisk = sandbox.path("at-risk.html")
        try await f.county.ok([
            "report", "at-risk", "--year", "2019", "--as-of", "2019-10-01T00:00:00+08:00", "--format", "html",
            "--out", atRisk,
        ])
        let page = try String(contentsOfFile: atRisk, encoding: .utf8)
        #expect(page.contains("<table") && page.contains("for their own county only"))

        let printed = sandbox.path("certificates.html")
        let result = try await f.county.ok([
            "certificates", "print", "--county", "130102", "--year", "2019", "--out", printed,
        ])
        #expect(result.stdout.contains("wrote \(qualified) page(s)"), "\(result)")
        let html = try String(contentsOfFile: printed, encoding: .utf8)
        #expect(html.components(separatedBy: "<section class=\"certificate\"").count - 1 == qualified)
    }
}
