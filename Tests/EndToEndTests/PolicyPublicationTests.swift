import Foundation
import Testing

/// `teachersync policy publish` at the hub and `policy show` at a county: the document is checked before it
/// is published, reaches the county byte for byte, and only ever moves forward (docs/POLICY.md).
@Suite("Publishing the assessment policy")
struct PolicyPublicationTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Config/policy-2019.json")

    @Test(
        "a checked policy reaches the county unchanged; a bad document, a reused version and a county write are refused"
    )
    func publishAndShow() async throws {
        let sandbox = Sandbox()
        let f = try await Federation.make(in: sandbox)
        let original = try String(contentsOf: Self.example, encoding: .utf8)

        // A document with a bad field is refused with the field's path, and nothing is published.
        let broken = try sandbox.write(
            original.replacingOccurrences(of: "\"year\": 2019", with: "\"year\": \"2019\""), to: "broken.json")
        let refused = try await f.hub.run(["policy", "publish", "--file", broken])
        #expect(refused.status == 3 && refused.stderr.contains("year"), "\(refused)")
        #expect(try await f.hub.run(["policy", "show", "--year", "2019"]).status == 3)

        let published = try await f.hub.ok(["policy", "publish", "--file", Self.example.path])
        #expect(published.stdout.contains("published the 2019 policy, version 1"), "\(published)")
        let again = try await f.hub.run(["policy", "publish", "--file", Self.example.path])
        #expect(again.status == 3 && again.stderr.contains("policy.rollback"), "\(again)")
        #expect(try await f.county.run(["policy", "publish", "--file", Self.example.path]).status == 2)

        try await f.hubToCounty("policy.bundle")
        let shown = try await f.county.ok(["policy", "show", "--year", "2019"])
        #expect(shown.stdout == original + (original.hasSuffix("\n") ? "" : "\n"))
        #expect(shown.stderr.contains("version 1"), "\(shown)")

        // Version 2 replaces it everywhere.
        let second = try sandbox.write(
            original.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2"), to: "v2.json")
        try await f.hub.ok(["policy", "publish", "--file", second])
        try await f.hubToCounty("policy-2.bundle")
        #expect(try await f.county.ok(["policy", "show", "--year", "2019"]).stderr.contains("version 2"))
    }
}
