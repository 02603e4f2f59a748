import Foundation
import Testing

/// The key lifecycle as operators run it (docs/OPERATIONS.md, "Keys"): real processes, a hub on 127.0.0.1, a
/// county enrolled under its offline root key, a planned rotation handed over by `sync`, a county whose disk
/// died rebuilt with `restore --from-hub`, and the retired node refused.
@Suite("Key lifecycle between real processes", .serialized, .timeLimit(.minutes(3)))
struct KeyLifecycleEndToEndTests {
    /// `keys list --json` of a node: each key's origin, status and point.
    struct Registry: Decodable {
        struct Key: Decodable {
            let origin: String
            let status: String
            let county: String?
            let valid_through: Int?
            let trusted: Bool
        }
        struct State: Decodable {
            let version: Int
            let expired: Bool
        }
        let registry: State?
        let keys: [Key]
    }

    func registry(_ node: Node) async throws -> Registry {
        let r = try await node.ok(["keys", "list", "--json"])
        return try JSONDecoder().decode(Registry.self, from: Data(r.stdout.utf8))
    }

    @Test("enrol under a root, rotate over the network, restore a dead node from the hub; the retired node is refused")
    func rotationAndRestore() async throws {
        let sandbox = Sandbox()
        let daemons = DaemonRegistry()
        defer { daemons.killAll() }
        let hub = try await Node.hub(in: sandbox)
        let hubKey = try await hub.id().public_key

        // The county's root key, made offline; its public half goes to the provincial operator.
        let rootFile = sandbox.path("root.key")
        let made = try await teachersync(["keys", "make-root", "--out", rootFile])
        try #require(made.status == 0, "\(made)")
        let rootPublic = try #require(
            made.stdoutLines.first { $0.hasPrefix("root_public_key: ") }?.dropFirst("root_public_key: ".count))
        #expect(try await teachersync(["keys", "make-root", "--out", rootFile]).status == 2, "never overwritten")

        // First enrolment: the node's key, authorized by the root, enrolled with the root at the hub.
        let county = Node(sandbox: sandbox, path: sandbox.path("county"))
        try await county.ok(["init", "--role", "county", "--county", "130102", "--hub-key", hubKey])
        let first = try await county.id()
        let authorize = try await teachersync([
            "keys", "authorize", "--root", rootFile, "--county", "130102", "--node-key", first.public_key,
        ])
        try #require(authorize.status == 0, "\(authorize)")
        let token = authorize.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let withoutRoot = try await hub.run(["enroll", "--authorization", token])
        #expect(withoutRoot.status == 3 && withoutRoot.stderr.contains("key.unknown_root"), "\(withoutRoot)")
        try await hub.ok(["enroll", "--authorization", token, "--root-key", String(rootPublic)])
        let legacy = try await hub.run(["enroll", "--county", "130102", "--public-key", first.public_key])
        #expect(legacy.status == 3 && legacy.stderr.contains("--authorization"), "\(legacy)")

        let hubDaemon = try await Daemon.start(
            name: "hub", ["hub", "run", "--data", hub.path, "--listen", "127.0.0.1:0"],
            logPath: sandbox.path("hub.log"), registry: daemons)
        try await Province.importDemo(county, county: "130102", sandbox: sandbox)
        try await county.ok(["sync", "--hub", hubDaemon.url])

        // A planned rotation: the old key's stream ends at its head; the next sync hands the authorization over.
        let rotated = try await county.ok(["keys", "rotate", "--root", rootFile])
        #expect(rotated.stdout.contains("retired key: \(first.origin)"), "\(rotated)")
        let second = try await county.id()
        #expect(second.origin != first.origin)
        try await Province.importDemo(county, county: "130102", sandbox: sandbox, seed: 5)
        try await county.ok(["sync", "--hub", hubDaemon.url])
        #expect(try await county.digest() == hub.digest(county: "130102"))
        let atHub = try await registry(hub)
        let old = try #require(atHub.keys.first { $0.origin == first.origin })
        #expect(old.status == "rotated" && old.valid_through != nil && old.valid_through! >= 1)
        #expect(atHub.keys.first { $0.origin == second.origin }?.status == "active")
        let atCounty = try await registry(county)
        #expect(atCounty.keys.first { $0.origin == second.origin }?.trusted == true)
        #expect(atCounty.registry?.expired == false)

        // The county's disk dies. A new node, its root key and the hub's copy bring the county back.
        let wrongRoot = sandbox.path("other-root.key")
        try #require(try await teachersync(["keys", "make-root", "--out", wrongRoot]).status == 0)
        let refused = try await teachersync([
            "restore", "--from-hub", "--data", sandbox.path("refused"), "--county", "130102", "--root", wrongRoot,
            "--hub", hubDaemon.url, "--hub-key", hubKey,
        ])
        #expect(refused.status == 3 && refused.stderr.contains("key.wrong_root"), "\(refused)")
        let restored = Node(sandbox: sandbox, path: sandbox.path("restored"))
        let restore = try await teachersync([
            "restore", "--from-hub", "--data", restored.path, "--county", "130102", "--root", rootFile, "--hub",
            hubDaemon.url, "--hub-key", hubKey,
        ])
        try #require(restore.status == 0, "\(restore)")
        #expect(try await restored.digest() == hub.digest(county: "130102"))
        let provinceWide = try #require(try await provinceStream(hub))
        #expect(try await provinceStream(restored) == provinceWide, "the registry and province data came too")
        let third = try await restored.id()
        let afterRestore = try await registry(hub)
        #expect(afterRestore.keys.first { $0.origin == second.origin }?.status == "rotated")
        #expect(afterRestore.keys.first { $0.origin == third.origin }?.status == "active")

        // The restored node writes on; the dead node's key, if its disk comes back, is refused.
        try await Province.importDemo(restored, county: "130102", sandbox: sandbox, seed: 6)
        try await restored.ok(["sync", "--hub", hubDaemon.url])
        #expect(try await restored.digest() == hub.digest(county: "130102"))
        let zombie = try await county.run(["sync", "--hub", hubDaemon.url])
        #expect(zombie.status == 3 && zombie.allOutput.contains("origin.rotated"), "\(zombie)")
        #expect(try await hub.run(["verify"]).status == 0)
        _ = await hubDaemon.terminate()
    }
}
