import Foundation
import SyncTestSupport
import Testing

@Suite("Command line: init, help, usage errors")
struct CommandLineTests {
    static let subcommands: [[String]] = [
        [], ["init"], ["id"], ["enroll"], ["trust"], ["import"], ["bundle"], ["bundle", "export"],
        ["bundle", "import"],
        ["verify"], ["digest"], ["status"], ["vector"], ["demo-data"], ["policy"], ["assess"], ["report"],
        ["demo"], ["demo", "province"], ["certificates"], ["certificates", "print"], ["certificates", "verify"],
        ["cohorts"], ["cohorts", "members"], ["keys"],
    ]

    @Test("init refuses to overwrite a replica, and the key file is readable by its owner only")
    func initRefusesOverwrite() async throws {
        let sandbox = Sandbox()
        let hub = try await Node.hub(in: sandbox)
        let county = try await Node.county("130102", in: sandbox, name: "county")
        let asHub = ["init", "--role", "hub"]
        let asCounty = ["init", "--role", "county", "--county", "130102"]
        for node in [hub, county] {
            let keyPath = node.path + "/node.key"
            let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
            let mode = try #require(attributes[.posixPermissions] as? NSNumber).intValue
            #expect(mode & 0o777 == 0o600, "node.key has mode \(String(mode & 0o777, radix: 8))")
            let key = try sandbox.bytes(atPath: keyPath)
            let id = try await node.id()

            for retry in [asHub, asCounty] {
                let r = try await node.run(retry)
                #expect(r.status == 2, "\(r)")
                #expect(r.stderr.lowercased().contains("refusing"), "\(r)")
                #expect(try sandbox.bytes(atPath: keyPath) == key, "init replaced the key")
                #expect(try await node.id().origin == id.origin)
                #expect(try await node.id().role == id.role)
            }
        }
    }

    @Test("--help works for every subcommand", arguments: subcommands)
    func help(_ command: [String]) async throws {
        for flag in ["--help", "-h"] {
            let r = try await teachersync(command + [flag])
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.contains("USAGE:"), "\(r)")
            #expect(r.stdout.contains("teachersync \(command.joined(separator: " "))"), "\(r)")
        }
    }

    @Test("a wrong --role gives a one-line error and creates nothing")
    func wrongRole() async throws {
        let sandbox = Sandbox()
        for role in ["boss", "HUB", ""] {
            let folder = sandbox.path("node-\(role)")
            let r = try await teachersync(["init", "--data", folder, "--role", role])
            #expect(r.status == 2, "\(r)")
            #expect(r.stderrLines.count == 1, "\(r)")
            #expect(r.stderr.contains("--role"), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/replica.sqlite"), "\(r)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/node.key"), "\(r)")
        }
        // A county node needs a county-level code; a hub takes none.
        for args in [
            ["--role", "county"], ["--role", "county", "--county", "130100"],
            ["--role", "county", "--county", "999999"],
            ["--role", "hub", "--county", "130102"],
        ] {
            let folder = sandbox.path("node-\(UUID().uuidString)")
            let r = try await teachersync(["init", "--data", folder] + args)
            #expect(r.status == 2, "\(r)")
            #expect(r.stderrLines.count == 1, "\(r)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/replica.sqlite"), "\(r)")
        }
    }

    @Test("a command on a folder without a replica exits 2 with a one-line reason")
    func noReplica() async throws {
        let sandbox = Sandbox()
        let empty = sandbox.path("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let missing = sandbox.path("missing")
        let csv = try sandbox.write("school_code,name,county_code,stages\n", to: "schools.csv")
        let bundle = sandbox.path("x.bundle")
        let commands: [[String]] = [
            ["id"], ["id", "--json"], ["status"], ["status", "--json"], ["digest"], ["verify"], ["vector"],
            ["import", "schools", csv], ["bundle", "export", "--out", bundle], ["bundle", "import", bundle],
            ["trust", "--hub-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
            ["enroll", "--county", "130102", "--public-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
        ]
        for folder in [empty, missing] {
            for command in commands {
                let r = try await teachersync(command + ["--data", folder])
                #expect(r.status == 2, "\(r)")
                #expect(r.stderrLines.count == 1, "\(r)")
                #expect(r.stderr.contains("no replica"), "\(r)")
                #expect(r.stdout.isEmpty, "\(r)")
            }
            #expect(!FileManager.default.fileExists(atPath: folder + "/replica.sqlite"))
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test("argument errors of the parser exit 64")
    func parserUsageErrors() async throws {
        for args in [["status"], ["import", "pupils", "--data", "/nonexistent", "x.csv"], ["frobnicate"]] {
            let r = try await teachersync(args)
            #expect(r.status == 64, "\(r)")
            #expect(!r.stderr.isEmpty, "\(r)")
        }
    }

    @Test(
        "init with an invalid --hub-key leaves no half-made replica behind")
    func initWithBadHubKey() async throws {
        let sandbox = Sandbox()
        let hub = try await Node.hub(in: sandbox)
        let hubKey = try await hub.id().public_key
        let county = Node(sandbox: sandbox, path: sandbox.path("county"))
        let bad = try await county.run(["init", "--role", "county", "--county", "130102", "--hub-key", "not-a-key"])
        #expect(bad.status == 2, "\(bad)")
        #expect(!FileManager.default.fileExists(atPath: county.path + "/replica.sqlite"), "\(bad)")
        #expect(!FileManager.default.fileExists(atPath: county.path + "/node.key"), "\(bad)")
        // The operator fixes the typo and runs init again.
        let retry = try await county.run(["init", "--role", "county", "--county", "130102", "--hub-key", hubKey])
        #expect(retry.status == 0, "\(retry)")
        #expect(try await county.status().hubKey == hubKey)
    }

    @Test(
        "verify passes at a county that has imported data but not yet received its enrolment")
    func verifyBeforeFirstSync() async throws {
        let sandbox = Sandbox()
        let county = try await Node.county("130102", in: sandbox, name: "county")
        let demo = DemoData(county: "130102", schools: 2, teachers: 10, recordsPerTeacher: 1, seed: 1)
        try await county.importAll(try sandbox.writeDemo(demo, prefix: "demo"))
        let r = try await county.run(["verify"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("verified 3 sets, 0 failed"), "\(r)")
    }
}
