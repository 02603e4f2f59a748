import Foundation
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// Real processes on 127.0.0.1: a provincial hub (`hub run`) and three county daemons (`county run`), each with
// its own SQLite replica, syncing over HTTP. The daemons are started with `--listen 127.0.0.1:0` and their port
// is read from the `listening on ...PORT` line they print, as scripts/demo.sh does.

// MARK: - Daemons

/// One running server process. Its standard output and standard error go to one log file in the sandbox.
final class Daemon: @unchecked Sendable {
    let name: String
    let process: Process
    let logPath: String
    let port: Int

    var url: String { "http://127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var pid: Int32 { process.processIdentifier }

    private init(name: String, process: Process, logPath: String, port: Int) {
        (self.name, self.process, self.logPath, self.port) = (name, process, logPath, port)
    }

    /// Starts `teachersync <arguments>` and waits (at most `timeout`) for its `listening on ...PORT` line.
    /// `register` sees the process as soon as it runs, so the caller can kill it even when startup fails. With a
    /// `launcher` (e.g. `/usr/sbin/ip netns exec NAME`, which execs, so the process is still the server's), the server
    /// runs under it.
    static func start(
        name: String, _ arguments: [String], logPath: String, registry: DaemonRegistry, launcher: [String] = [],
        timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Daemon {
        let binary = try #require(
            TeacherSyncBinary.url, Comment(rawValue: TeacherSyncBinary.notFound), sourceLocation: sourceLocation)
        let fm = FileManager.default
        try #require(fm.createFile(atPath: logPath, contents: nil), sourceLocation: sourceLocation)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = launcher.first.map { URL(fileURLWithPath: $0) } ?? binary
        process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [binary.path] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        registry.add(process)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let port = Self.port(in: text) {
                return Daemon(name: name, process: process, logPath: logPath, port: port)
            }
            if !process.isRunning {
                let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                Issue.record(
                    "\(name) exited with status \(process.terminationStatus) before listening; its log:\n\(text)",
                    sourceLocation: sourceLocation)
                throw DaemonError.didNotStart(name)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        Issue.record(
            "\(name) did not report `listening on` within \(timeout); its log:\n\(text)", sourceLocation: sourceLocation
        )
        throw DaemonError.didNotStart(name)
    }

    /// The port of the first line that starts with `listening on ` (`listening on HOST:PORT` or `listening on PORT`).
    static func port(in log: String) -> Int? {
        for line in log.split(whereSeparator: \.isNewline) where line.hasPrefix("listening on ") {
            if let m = line.firstMatch(of: /(\d+)\s*$/), let port = Int(m.1), port > 0 { return port }
        }
        return nil
    }

    /// Sends SIGTERM and waits up to `limit` for the process to exit. Returns its exit status (nil when it is still
    /// running after `limit`; the caller's cleanup kills it) and how long it took.
    func terminate(limit: Duration = .seconds(10)) async -> (status: Int32?, signalled: Bool, elapsed: Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        if process.isRunning { _ = kill(pid, SIGTERM) }
        while process.isRunning, clock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = clock.now - start
        if process.isRunning { return (nil, false, elapsed) }
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal, elapsed)
    }
}

enum DaemonError: Error { case didNotStart(String) }

/// Every process a test started, so that a `defer` can kill whatever still runs, however the test ends.
final class DaemonRegistry: Sendable {
    private let processes = Mutex<[Process]>([])

    func add(_ process: Process) { processes.withLock { $0.append(process) } }

    /// SIGKILLs every process still running and waits (briefly) until they are gone, so their folders can go.
    func killAll() {
        let all = processes.withLock { $0 }
        for p in all where p.isRunning { _ = kill(p.processIdentifier, SIGKILL) }
        let deadline = Date().addingTimeInterval(5)
        while all.contains(where: \.isRunning), Date() < deadline { usleep(20_000) }
    }
}

// MARK: - HTTP

struct HTTPAnswer: Sendable, CustomStringConvertible {
    let status: Int
    let body: String
    var description: String { "HTTP \(status): \(body)" }
}

/// One HTTP request to a local server (no proxy: the servers are on 127.0.0.1).
func http(_ method: String, _ url: String, body: Data? = nil) async throws -> HTTPAnswer {
    var request = URLRequest(url: try #require(URL(string: url)))
    request.httpMethod = method
    request.timeoutInterval = 30
    if method == "POST" { request.httpBody = body ?? Data() }
    let configuration = URLSessionConfiguration.ephemeral
    configuration.connectionProxyDictionary = [:]
    let session = URLSession(configuration: configuration)
    defer { session.finishTasksAndInvalidate() }
    let (data, response) = try await session.data(for: request)
    let status = try #require(response as? HTTPURLResponse).statusCode
    return HTTPAnswer(status: status, body: String(decoding: data, as: UTF8.self))
}

/// What `POST /v1/sync` answers.
struct SyncAnswer: Decodable, Sendable {
    let outcome: String
    let pushed: Int?
    let pulled: Int?
    let reason: String?
    let detail: String?
}

/// What a county's `GET /v1/status` answers (the parts read here).
struct DaemonStatus: Decodable, Sendable {
    struct Sync: Decodable, Sendable {
        let last_outcome: String?
        let last_success_at_ms: Int64?
        let consecutive_failures: Int
    }
    struct Stream: Decodable, Sendable {
        let origin: String
        let scope: String
        let sequence: Int
        let head: String
    }
    let role: String
    let county: String?
    let streams: [Stream]
    let sync: Sync?
}

// MARK: - The federation

/// A hub and three counties (130102, 130104, 130105), each county initialised with `--hub-key`, enrolled at the
/// hub and holding a little demo data (30 teachers, 3 schools, 60 study records). Nothing runs yet.
struct Province: Sendable {
    static let codes = ["130102", "130104", "130105"]

    let sandbox: Sandbox
    let hub: Node
    let counties: [String: Node]
    let hubKey: String
    let registry = DaemonRegistry()

    func county(_ code: String) -> Node { counties[code]! }

    static func make(sourceLocation: SourceLocation = #_sourceLocation) async throws -> Province {
        let sandbox = Sandbox()
        let hub = try await Node.hub(in: sandbox, sourceLocation: sourceLocation)
        let hubKey = try await hub.id(sourceLocation: sourceLocation).public_key
        var counties: [String: Node] = [:]
        for code in codes {
            let node = try await newCounty(
                code, sandbox: sandbox, hub: hub, hubKey: hubKey, sourceLocation: sourceLocation)
            try await importDemo(node, county: code, sandbox: sandbox, sourceLocation: sourceLocation)
            counties[code] = node
        }
        return Province(sandbox: sandbox, hub: hub, counties: counties, hubKey: hubKey)
    }

    /// `init --role county --hub-key`, then `enroll` at the hub.
    static func newCounty(
        _ code: String, sandbox: Sandbox, hub: Node, hubKey: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Node {
        let node = Node(sandbox: sandbox, path: sandbox.path("county-\(code)"))
        try await node.ok(
            ["init", "--role", "county", "--county", code, "--hub-key", hubKey], sourceLocation: sourceLocation)
        let key = try await node.id(sourceLocation: sourceLocation).public_key
        try await hub.ok(["enroll", "--county", code, "--public-key", key], sourceLocation: sourceLocation)
        return node
    }

    /// `demo-data --teachers 30 --schools 3 [--seed]`, then `import` of its files. With a seed other than the
    /// default, only the teachers are imported: the study records would reuse record ids with other content, which
    /// `import` rightly refuses (facts are never edited).
    static func importDemo(
        _ node: Node, county code: String, sandbox: Sandbox, seed: Int? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let out = sandbox.path("csv-\(code)-\(seed.map(String.init) ?? "default")")
        let r = try await teachersync(
            ["demo-data", "--county", code, "--out", out, "--teachers", "30", "--schools", "3"]
                + (seed.map { ["--seed", String($0)] } ?? []))
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        let kinds = seed == nil ? ["schools", "teachers", "study-records"] : ["teachers"]
        for kind in kinds {
            let result = try await node.ok(["import", kind, "\(out)/\(kind).csv"], sourceLocation: sourceLocation)
            let summary = try #require(CSVImportSummary(result), "\(result)", sourceLocation: sourceLocation)
            #expect(summary.written > 0 && summary.sealed >= 1, "\(result)", sourceLocation: sourceLocation)
        }
    }

    func startHub(sourceLocation: SourceLocation = #_sourceLocation) async throws -> Daemon {
        try await Daemon.start(
            name: "hub", ["hub", "run", "--data", hub.path, "--listen", "127.0.0.1:0"],
            logPath: sandbox.path("hub-\(UUID().uuidString.prefix(8)).log"), registry: registry,
            sourceLocation: sourceLocation)
    }

    func startCounty(
        _ code: String, hub daemon: Daemon, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Daemon {
        try await Daemon.start(
            name: "county \(code)",
            ["county", "run", "--data", county(code).path, "--hub", daemon.url, "--listen", "127.0.0.1:0"],
            logPath: sandbox.path("county-\(code)-\(UUID().uuidString.prefix(8)).log"), registry: registry,
            sourceLocation: sourceLocation)
    }

    /// Starts the hub and every county daemon.
    func startAll(
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (
        hub: Daemon, counties: [String: Daemon]
    ) {
        let hub = try await startHub(sourceLocation: sourceLocation)
        var daemons: [String: Daemon] = [:]
        for code in Self.codes {
            daemons[code] = try await startCounty(code, hub: hub, sourceLocation: sourceLocation)
        }
        return (hub, daemons)
    }
}

/// `POST /v1/sync` on a county daemon; the answer must be 200 with outcome `in_sync`.
@discardableResult
func syncNow(_ daemon: Daemon, sourceLocation: SourceLocation = #_sourceLocation) async throws -> SyncAnswer {
    let answer = try await http("POST", daemon.url + "/v1/sync")
    let decoded = try? JSONDecoder().decode(SyncAnswer.self, from: Data(answer.body.utf8))
    try #require(
        answer.status == 200 && decoded?.outcome == "in_sync",
        "\(daemon.name): POST /v1/sync: \(answer)\n--- log ---\n\(daemon.log)", sourceLocation: sourceLocation)
    return decoded!
}

/// Every county's digest equals the hub's digest of that county.
func expectDigestsMatch(
    _ province: Province, codes: [String] = Province.codes, sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    for code in codes {
        let local = try await province.county(code).digest(sourceLocation: sourceLocation)
        let atHub = try await province.hub.digest(county: code, sourceLocation: sourceLocation)
        #expect(
            local == atHub, "county \(code): county digest \(local) != hub digest \(atHub)",
            sourceLocation: sourceLocation)
    }
}

/// A stream's head as every node sees it (`own` differs between the hub and a county, so it is left out).
struct StreamHead: Equatable, Sendable {
    let origin: String
    let sequence: Int
    let head: String
}

/// The province-wide stream (scope `province`) of a node's `status --json`.
func provinceStream(_ node: Node, sourceLocation: SourceLocation = #_sourceLocation) async throws -> StreamHead? {
    try await node.status(sourceLocation: sourceLocation).streams.first { $0.scope == "province" }
        .map { StreamHead(origin: $0.origin, sequence: $0.sequence, head: $0.head) }
}

// MARK: - Tests

@Suite("Hub and county daemons over HTTP on 127.0.0.1", .serialized, .timeLimit(.minutes(3)))
struct NetworkTests {
    @Test("GET /healthz answers ok on the hub and the counties; a county's /v1/status shows in_sync after a sync")
    func healthAndStatus() async throws {
        let province = try await Province.make()
        defer { province.registry.killAll() }
        let (hub, counties) = try await province.startAll()

        let hubHealth = try await http("GET", hub.url + "/healthz")
        #expect(
            hubHealth.status == 200 && hubHealth.body.trimmingCharacters(in: .whitespacesAndNewlines) == "ok",
            "hub: \(hubHealth)")
        let hubStatus = try await http("GET", hub.url + "/v1/status")
        #expect(hubStatus.status == 200, "hub: \(hubStatus)")
        let hubDecoded = try? JSONDecoder().decode(DaemonStatus.self, from: Data(hubStatus.body.utf8))
        #expect(hubDecoded?.role == "hub", "hub: \(hubStatus)")

        for code in Province.codes {
            let daemon = counties[code]!
            let health = try await http("GET", daemon.url + "/healthz")
            #expect(
                health.status == 200 && health.body.trimmingCharacters(in: .whitespacesAndNewlines) == "ok",
                "\(daemon.name): \(health)")

            let before = try await http("GET", daemon.url + "/v1/status")
            try #require(before.status == 200, "\(daemon.name): \(before)")
            let b = try JSONDecoder().decode(DaemonStatus.self, from: Data(before.body.utf8))
            #expect(b.role == "county" && b.county == code, "\(daemon.name): \(before)")
            #expect(b.sync?.last_outcome == nil, "no sync has run yet: \(before)")

            let answer = try await syncNow(daemon)
            #expect((answer.pushed ?? 0) >= 3, "the three import sets go up: \(answer)")
            #expect((answer.pulled ?? 0) >= 1, "the hub's registry comes down: \(answer)")

            let after = try await http("GET", daemon.url + "/v1/status")
            try #require(after.status == 200, "\(daemon.name): \(after)")
            let a = try JSONDecoder().decode(DaemonStatus.self, from: Data(after.body.utf8))
            #expect(a.sync?.last_outcome == "in_sync", "\(daemon.name): \(after)")
            #expect(a.sync?.consecutive_failures == 0, "\(daemon.name): \(after)")
            #expect(a.sync?.last_success_at_ms != nil, "\(daemon.name): \(after)")
            let metrics = try await http("GET", daemon.url + "/metrics")
            #expect(metrics.body.contains("teachersync_registry_expired 0"), "\(daemon.name): \(metrics)")
        }
    }

    @Test("three counties syncing at once: each county's digest equals the hub's digest of that county")
    func threeCountiesConverge() async throws {
        let province = try await Province.make()
        defer { province.registry.killAll() }
        let (hub, counties) = try await province.startAll()

        // Before any sync the hub holds nothing of the counties.
        for code in Province.codes {
            let local = try await province.county(code).digest()
            let atHub = try await province.hub.digest(county: code)
            #expect(local != atHub, "county \(code) has data the hub has not seen yet")
        }

        // All three sync at the same time: the hub serves them concurrently.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for code in Province.codes {
                let daemon = counties[code]!
                group.addTask { try await syncNow(daemon) }
            }
            try await group.waitForAll()
        }
        try await expectDigestsMatch(province)

        // Each county holds the province-wide stream and its own, never another county's.
        let hubProvince = try #require(try await provinceStream(province.hub))
        var digests: Set<String> = []
        for code in Province.codes {
            let status = try await province.county(code).status()
            #expect(Set(status.streams.map(\.scope)) == ["province", code], "county \(code): \(status.streams)")
            #expect(try await provinceStream(province.county(code)) == hubProvince, "county \(code)")
            digests.insert(try await province.county(code).digest())
        }
        #expect(digests.count == 3, "three counties with different data have different digests")

        // A second round changes nothing.
        for code in Province.codes {
            let answer = try await syncNow(counties[code]!)
            #expect(answer.pushed == 0 && answer.pulled == 0, "county \(code): \(answer)")
        }
        _ = hub
    }

    @Test("a county stopped while the others keep writing converges after its restart and next sync")
    func stoppedCountyConvergesAfterRestart() async throws {
        let province = try await Province.make()
        defer { province.registry.killAll() }
        let (hub, counties) = try await province.startAll()
        for code in Province.codes { try await syncNow(counties[code]!) }
        try await expectDigestsMatch(province)

        // 130104 stops (SIGTERM).
        let stopped = await counties["130104"]!.terminate()
        #expect(stopped.status == 0 && !stopped.signalled, "county 130104 exit \(String(describing: stopped))")

        // The others keep writing while their daemons run, and sync: 130102 through its local API, 130105 with
        // `teachersync sync` run beside its daemon.
        try await Province.importDemo(province.county("130102"), county: "130102", sandbox: province.sandbox, seed: 7)
        try await Province.importDemo(province.county("130105"), county: "130105", sandbox: province.sandbox, seed: 8)
        let pushed = try await syncNow(counties["130102"]!)
        #expect(pushed.pushed == 1, "one set of teachers: \(pushed)")
        let cli = try await province.county("130105").run(["sync", "--hub", hub.url])
        #expect(cli.status == 0, "\(cli)")
        // The hub also changes the province-wide data meanwhile (a new county's enrolment).
        let hubBefore = try #require(try await provinceStream(province.hub))
        _ = try await Province.newCounty(
            "130107", sandbox: province.sandbox, hub: province.hub, hubKey: province.hubKey)
        let hubAfter = try #require(try await provinceStream(province.hub))
        #expect(hubAfter.sequence == hubBefore.sequence + 1, "enrolment seals one hub set")
        // And the stopped county's office writes offline.
        try await Province.importDemo(province.county("130104"), county: "130104", sandbox: province.sandbox, seed: 9)
        let offline = try await province.county("130104").digest()
        let hubOf130104 = try await province.hub.digest(county: "130104")
        #expect(offline != hubOf130104, "the offline write is not at the hub yet")
        try await expectDigestsMatch(province, codes: ["130102", "130105"])

        // 130104 restarts and syncs: pushes its offline write, pulls the enrolment.
        let restarted = try await province.startCounty("130104", hub: hub)
        let answer = try await syncNow(restarted)
        #expect(answer.pushed == 1 && answer.pulled == 1, "\(answer)")
        try await expectDigestsMatch(province)
        #expect(try await provinceStream(province.county("130104")) == hubAfter)
        let status = try await http("GET", restarted.url + "/v1/status")
        let decoded = try? JSONDecoder().decode(DaemonStatus.self, from: Data(status.body.utf8))
        #expect(decoded?.sync?.last_outcome == "in_sync", "\(status)")
    }

    @Test("the enrolment of a late fourth county, made at the running hub, reaches every county after sync")
    func lateEnrolmentReachesEveryCounty() async throws {
        let province = try await Province.make()
        defer { province.registry.killAll() }
        let (hub, counties) = try await province.startAll()
        for code in Province.codes { try await syncNow(counties[code]!) }
        let first = try #require(try await provinceStream(province.hub))
        for code in Province.codes {
            #expect(try await provinceStream(province.county(code)) == first, "county \(code)")
        }

        // The fourth county is enrolled while the hub runs.
        let late = try await Province.newCounty(
            "130107", sandbox: province.sandbox, hub: province.hub, hubKey: province.hubKey)
        let second = try #require(try await provinceStream(province.hub))
        #expect(second.origin == first.origin && second.sequence == first.sequence + 1 && second.head != first.head)
        for code in Province.codes {
            #expect(try await provinceStream(province.county(code)) == first, "county \(code) has not synced yet")
        }

        for code in Province.codes {
            let answer = try await syncNow(counties[code]!)
            #expect(answer.pushed == 0 && answer.pulled == 1, "county \(code): \(answer)")
            #expect(try await provinceStream(province.county(code)) == second, "county \(code)")
        }
        try await expectDigestsMatch(province)

        // The running hub accepts the new key at once: the fourth county syncs (no restart of the hub).
        try await Province.importDemo(late, county: "130107", sandbox: province.sandbox)
        let r = try await late.run(["sync", "--hub", hub.url])
        #expect(r.status == 0, "\(r)")
        #expect(try await provinceStream(late) == second)
        let lateDigest = try await late.digest()
        let hubLate = try await province.hub.digest(county: "130107")
        #expect(lateDigest == hubLate)
    }

    @Test("with the hub down a county's sync fails with 503 and /v1/status says so; it recovers when the hub is back")
    func hubOutageIsReportedAndRecovered() async throws {
        let province = try await Province.make()
        defer { province.registry.killAll() }
        let hub = try await province.startHub()
        let county = try await province.startCounty("130102", hub: hub)
        try await syncNow(county)

        let stopped = await hub.terminate()
        #expect(stopped.status == 0 && !stopped.signalled, "hub: \(String(describing: stopped))")
        try await Province.importDemo(province.county("130102"), county: "130102", sandbox: province.sandbox, seed: 7)

        let failed = try await http("POST", county.url + "/v1/sync")
        #expect(failed.status == 503, "\(failed)")
        let answer = try? JSONDecoder().decode(SyncAnswer.self, from: Data(failed.body.utf8))
        #expect(answer?.outcome == "failed" && answer?.reason != nil, "\(failed)")
        let status = try await http("GET", county.url + "/v1/status")
        let s = try JSONDecoder().decode(DaemonStatus.self, from: Data(status.body.utf8))
        #expect(s.sync?.last_outcome == "failed" && s.sync?.consecutive_failures == 1, "\(status)")
        #expect(try await province.county("130102").digest() != (try await province.hub.digest(county: "130102")))

        // The hub comes back on the same address; the county's next sync pushes what it wrote meanwhile.
        let back = try await Daemon.start(
            name: "hub (restarted)", ["hub", "run", "--data", province.hub.path, "--listen", "127.0.0.1:\(hub.port)"],
            logPath: province.sandbox.path("hub-restarted.log"), registry: province.registry)
        #expect(back.port == hub.port)
        let recovered = try await syncNow(county)
        #expect(recovered.pushed == 1, "\(recovered)")
        try await expectDigestsMatch(province, codes: ["130102"])
        let after = try await http("GET", county.url + "/v1/status")
        let a = try JSONDecoder().decode(DaemonStatus.self, from: Data(after.body.utf8))
        #expect(a.sync?.last_outcome == "in_sync" && a.sync?.consecutive_failures == 0, "\(after)")
    }

    @Test("SIGTERM makes the hub and every county daemon exit with status 0 within 10 s")
    func sigtermExitsCleanly() async throws {
        let province = try await Province.make()
        defer { province.registry.killAll() }
        let (hub, counties) = try await province.startAll()
        for code in Province.codes { try await syncNow(counties[code]!) }

        for code in Province.codes {
            let daemon = counties[code]!
            let r = await daemon.terminate(limit: .seconds(10))
            #expect(
                r.status == 0 && !r.signalled,
                "\(daemon.name) after SIGTERM: status \(String(describing: r.status)) signalled \(r.signalled) after \(r.elapsed)\n\(daemon.log)"
            )
        }
        let r = await hub.terminate(limit: .seconds(10))
        #expect(
            r.status == 0 && !r.signalled,
            "hub after SIGTERM: status \(String(describing: r.status)) signalled \(r.signalled) after \(r.elapsed)\n\(hub.log)"
        )

        // What they held is intact after the stop.
        try await expectDigestsMatch(province)
        let verify = try await province.hub.run(["verify"])
        #expect(verify.status == 0, "\(verify)")
    }
}
