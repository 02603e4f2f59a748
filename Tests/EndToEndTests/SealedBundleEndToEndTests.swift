import Foundation
import SyncTestSupport
import Testing

/// `bundle export --to`: a bundle a lost USB stick does not disclose, opened only by its recipient.
@Suite("Encrypted bundles between real nodes", .serialized, .timeLimit(.minutes(3)))
struct SealedBundleEndToEndTests {
    struct Keys: Decodable {
        let encryption_key: String
    }

    @Test("a bundle encrypted to one county imports there, is refused by another, and shows no identity number")
    func encryptedBundle() async throws {
        let province = try await Province.make()
        let county = province.county("130102")
        let other = province.county("130104")
        let keys = try JSONDecoder().decode(
            Keys.self, from: Data(try await county.ok(["id", "--json"]).stdout.utf8))
        // The county's writes go to the hub in a bundle encrypted for the hub.
        let hubKeys = try JSONDecoder().decode(
            Keys.self, from: Data(try await province.hub.ok(["id", "--json"]).stdout.utf8))
        let up = province.sandbox.path("up.tsbe")
        let exported = try await county.ok(["bundle", "export", "--out", up, "--to", hubKeys.encryption_key])
        #expect(exported.stdout.contains("encrypted"))
        // No identity number of the county's teachers appears in the file.
        let csv = try String(contentsOfFile: province.sandbox.path("csv-130102-default/teachers.csv"), encoding: .utf8)
        let firstNumber = try #require(csv.split(separator: "\n").dropFirst().first?.split(separator: ",")[1])
        let file = try province.sandbox.bytes(atPath: up)
        let needle = Array(firstNumber.utf8)
        #expect(!(0...(file.count - needle.count)).contains { Array(file[$0..<$0 + needle.count]) == needle })

        // Another county cannot open it; nothing is applied there.
        let before = try await other.digest()
        let wrong = try await other.run(["bundle", "import", up])
        #expect(wrong.status == 3 && wrong.stderr.contains("bundle.wrong_recipient"), "\(wrong)")
        #expect(try await other.digest() == before)
        // The hub opens it and holds the county's data.
        try await province.hub.ok(["bundle", "import", up])
        #expect(try await province.hub.digest(county: "130102") == county.digest())

        // And back down, encrypted to the county; an altered copy is refused whole.
        let down = province.sandbox.path("down.tsbe")
        try await province.hub.ok([
            "bundle", "export", "--out", down, "--county", "130102", "--to", keys.encryption_key,
        ])
        var altered = try province.sandbox.bytes(atPath: down)
        altered[altered.count / 2] ^= 0x01
        let alteredPath = try province.sandbox.write(bytes: altered, to: "altered.tsbe")
        let refused = try await county.run(["bundle", "import", alteredPath])
        #expect(refused.status == 3 && refused.stderr.contains("bundle.decryption_failed"), "\(refused)")
        try await county.ok(["bundle", "import", down])
        // A bad --to is an argument error.
        let bad = try await county.run(["bundle", "export", "--out", down, "--to", "not-a-key"])
        #expect(bad.status == 64, "\(bad)")
    }
}
