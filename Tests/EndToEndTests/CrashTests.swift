import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// Real processes on 127.0.0.1, killed with SIGKILL in the middle of a sync round: the hub while it ingests a large
// upload, a county daemon while its round is in flight. After a restart on the same data folder, one more round
// converges: the county's digest equals the hub's, both equal the digest of a reference copy that synced without a
// crash (nothing lost, nothing extra), both replicas verify, nothing is quarantined, and the hub applies only what
// it lacked (nothing applied twice).

extension Daemon {
    /// Sends SIGKILL and waits (at most `limit`) until the process is gone. True when it died of that signal.
    func sigkill(limit: Duration = .seconds(10)) async -> Bool {
        let clock = ContinuousClock()
        let start = clock.now
        if process.isRunning { _ = kill(pid, SIGKILL) }
        while process.isRunning, clock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return !process.isRunning && process.terminationReason == .uncaughtSignal
            && process.terminationStatus == SIGKILL
    }

    /// A counter or gauge of this server's `/metrics` (nil when absent or unreadable).
    func metric(_ line: String) async -> Int? {
        guard let answer = try? await http("GET", url + "/metrics"), answer.status == 200 else { return nil }
        for l in answer.body.split(separator: "\n") where l.hasPrefix(line + " ") {
            return l.split(separator: " ").last.flatMap { Double($0) }.map { Int($0) }
        }
        return nil
    }
}

/// A hub and one county (130102) prepared once per test in a template folder (initialised, enrolled, the county's
/// large import done and sealed); each attempt runs on its own copy of both data folders.
struct CrashWorld: Sendable {
    static let code = "130102"

    let sandbox: Sandbox
    let template: Province
    /// How many sets of its own the county holds (all unsynced in the template).
    let countySets: Int
    /// The county's digest once synced without a crash; the hub's digest of the county must equal it too.
    let reference: String

    /// `teachers` teachers and `recordsPerTeacher` study records each at the county (with 20 schools); with `hubTeachers` > 0, that
    /// many teachers of the county written at the hub (with 3 schools) for the county to pull.
    ///
    /// The reference digest: with nothing to pull, the county's own digest (a round only pushes its rows); otherwise
    /// the county's digest after a round, without a crash, on a copy.
    static func make(
        teachers: Int, recordsPerTeacher: Int = 1, hubTeachers: Int = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> CrashWorld {
        let sandbox = Sandbox()
        let hub = try await Node.hub(in: sandbox, name: "template-hub", sourceLocation: sourceLocation)
        let hubKey = try await hub.id(sourceLocation: sourceLocation).public_key
        let county = try await Province.newCounty(
            code, sandbox: sandbox, hub: hub, hubKey: hubKey, sourceLocation: sourceLocation)
        try await importDemo(
            county, into: sandbox, name: "county-data", teachers: teachers, schools: 20, records: recordsPerTeacher,
            seed: nil,
            sourceLocation: sourceLocation)
        if hubTeachers > 0 {
            try await importDemo(
                hub, into: sandbox, name: "hub-data", teachers: hubTeachers, schools: 3, records: 0, seed: 7,
                sourceLocation: sourceLocation)
        }
        let template = Province(sandbox: sandbox, hub: hub, counties: [code: county], hubKey: hubKey)
        let countySets = try await ownSets(county, sourceLocation: sourceLocation)
        guard hubTeachers > 0 else {
            let reference = try await county.digest(sourceLocation: sourceLocation)
            return CrashWorld(sandbox: sandbox, template: template, countySets: countySets, reference: reference)
        }
        let copy = try template.copy("reference")
        defer { copy.registry.killAll() }
        let hubDaemon = try await copy.startHub(sourceLocation: sourceLocation)
        let countyDaemon = try await copy.startQuietCounty(hub: hubDaemon, sourceLocation: sourceLocation)
        let answer = try await syncNow(countyDaemon, sourceLocation: sourceLocation)
        #expect(answer.pushed == countySets, "\(answer)", sourceLocation: sourceLocation)
        try await expectDigestsMatch(copy, codes: [code], sourceLocation: sourceLocation)
        let reference = try await copy.county(code).digest(sourceLocation: sourceLocation)
        return CrashWorld(sandbox: sandbox, template: template, countySets: countySets, reference: reference)
    }

    /// `demo-data` then `import` of its schools, teachers and (when `records` > 0) study records at `node`.
    static func importDemo(
        _ node: Node, into sandbox: Sandbox, name: String, teachers: Int, schools: Int, records: Int, seed: Int?,
        sourceLocation: SourceLocation
    ) async throws {
        let out = sandbox.path(name)
        let r = try await teachersync(
            [
                "demo-data", "--county", code, "--out", out, "--teachers", String(teachers), "--schools",
                String(schools), "--records-per-teacher", String(records),
            ] + (seed.map { ["--seed", String($0)] } ?? []))
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        for kind in ["schools", "teachers"] + (records > 0 ? ["study-records"] : []) {
            try await node.ok(["import", kind, "\(out)/\(kind).csv"], sourceLocation: sourceLocation)
        }
    }

    /// The number of sets of the node's own county stream.
    static func ownSets(_ node: Node, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int {
        let status = try await node.status(sourceLocation: sourceLocation)
        return status.streams.first { $0.own && $0.scope == code }?.sequence ?? 0
    }
}

extension Province {
    /// A copy of this province's data folders (taken while no process has them open), with its own registry.
    func copy(_ name: String) throws -> Province {
        let fm = FileManager.default
        let hubCopy = Node(sandbox: sandbox, path: sandbox.path("\(name)-hub"))
        try fm.copyItem(atPath: hub.path, toPath: hubCopy.path)
        var copies: [String: Node] = [:]
        for (code, node) in counties {
            let c = Node(sandbox: sandbox, path: sandbox.path("\(name)-county-\(code)"))
            try fm.copyItem(atPath: node.path, toPath: c.path)
            copies[code] = c
        }
        return Province(sandbox: sandbox, hub: hubCopy, counties: copies, hubKey: hubKey)
    }

    /// Starts the county daemon with a sync window 12 hours away (so it never syncs by itself during the test) and
    /// batches of one set (so a large upload or download is several requests).
    func startQuietCounty(
        _ code: String = CrashWorld.code, hub daemon: Daemon, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Daemon {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let hour = (calendar.component(.hour, from: Date()) + 12) % 24
        let h = hour < 10 ? "0\(hour)" : "\(hour)"
        let config = try sandbox.write(
            """
            sync:
              window:
                start: "\(h):00"
                end: "\(h):30"
                time_zone: Asia/Shanghai
              batch:
                max_sets: 1
            """, to: "county-\(code)-\(UUID().uuidString.prefix(8)).yaml")
        return try await Daemon.start(
            name: "county \(code)",
            [
                "county", "run", "--data", county(code).path, "--hub", daemon.url, "--listen", "127.0.0.1:0",
                "--config", config,
            ],
            logPath: sandbox.path("county-\(code)-\(UUID().uuidString.prefix(8)).log"), registry: registry,
            sourceLocation: sourceLocation)
    }

    /// Restarts the hub on its data folder and on the port it had (the county daemon's hub URL).
    func restartHub(port: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Daemon {
        try await Daemon.start(
            name: "hub (restarted)", ["hub", "run", "--data", hub.path, "--listen", "127.0.0.1:\(port)"],
            logPath: sandbox.path("hub-restarted-\(UUID().uuidString.prefix(8)).log"), registry: registry,
            sourceLocation: sourceLocation)
    }
}

/// `POST /v1/sync` started in a task, so that the caller can kill a process while the round runs. The task's value is
/// nil when the request failed (the daemon died before answering).
func startSyncInBackground(_ daemon: Daemon) -> Task<HTTPAnswer?, Never> {
    Task { try? await http("POST", daemon.url + "/v1/sync") }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
func waitUntil(timeout: Duration, _ condition: () async -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// When, in a round, a process is killed: right after `POST /v1/sync` (`after` 0), or once the hub has answered
/// `after` requests of `endpoint` (`upload` or `pull`); then after a random delay in `delay` (ms).
struct KillPoint: Sendable, CustomStringConvertible {
    let endpoint: String
    let after: Int
    let delay: ClosedRange<Int>

    var description: String {
        after == 0
            ? "\(delay) ms after the round started" : "\(delay) ms after the hub answered \(after) \(endpoint)(s)"
    }

    /// Waits for the point; returns the delay drawn (nil when the hub never got there).
    func wait(hub: Daemon) async -> Int? {
        if after > 0 {
            let metric = #"teachersync_request_duration_seconds_count{endpoint=""# + endpoint + #""}"#
            guard await waitUntil(timeout: .seconds(30), { (await hub.metric(metric) ?? 0) >= after }) else {
                return nil
            }
        }
        let ms = Int.random(in: delay)
        try? await Task.sleep(for: .milliseconds(ms))
        return ms
    }
}

@Suite("Processes killed with SIGKILL mid-round", .serialized, .timeLimit(.minutes(30)))
struct CrashTests {
    /// Kills per test: the kill points are cycled through this many times over (each attempt on a fresh copy).
    /// `CRASH_KILLS` sets the total over both tests: 20 by default (CI), e.g. 100 for the long version.
    static let killsPerTest: Int = {
        let total = ProcessInfo.processInfo.environment["CRASH_KILLS"].flatMap { Int($0) } ?? 20
        return max(total / 2, 3)
    }()

    /// The hub is killed while it ingests a large upload: 2,500 teachers and 5,000 study records imported at the
    /// county, in 3 sets (20 schools, the teachers, the study records) sent one set per request. The kill points are
    /// cycled over attempts, each on a fresh copy of the folders: a random 0–60 ms and a random 60–150 ms after the
    /// hub answered the first upload (while it ingests the 2,500 teachers), and a random 0–30 ms after it answered the
    /// second (while it ingests the 5,000 study records). The round fails with `transport.failed`; the dead hub's
    /// folder verifies and holds a prefix of the county's stream; restarted on its folder and port, the hub gets
    /// exactly the sets it lacks from the county's next round (its `sets_applied` counter says so) and converges on
    /// the county's digest.
    ///
    /// A kill is a race with the hub's work: on a fast day the hub may have committed and answered the last set
    /// before the signal lands. Such an attempt must still be consistent (the round succeeded, the hub holds every
    /// set, the next round pushes nothing); it is counted, and every kill point must land mid-round at least once,
    /// so the test cannot pass without killing the hub while it ingests.
    @Test("the hub killed while ingesting a large upload converges after restart, nothing lost or applied twice")
    func hubKilledWhileIngesting() async throws {
        let world = try await CrashWorld.make(teachers: 2_500, recordsPerTeacher: 2)
        try #require(world.countySets == 3, "schools, teachers and study records: one set each")
        let points = [
            KillPoint(endpoint: "upload", after: 1, delay: 0...60),
            KillPoint(endpoint: "upload", after: 1, delay: 60...150),
            KillPoint(endpoint: "upload", after: 2, delay: 0...30),
        ]
        var midRound = Array(repeating: 0, count: points.count)
        for i in 0..<Self.killsPerTest {
            let p = i % points.count
            if try await hubCrash(world, name: "hub-crash-\(i)", point: points[p], "attempt \(i + 1)") {
                midRound[p] += 1
            }
        }
        for (point, landed) in zip(points, midRound) {
            #expect(landed > 0, "no kill \(point) landed before the round ended")
        }
        let late = Self.killsPerTest - midRound.reduce(0, +)
        print(
            "crash tests: hub killed \(Self.killsPerTest) times while ingesting (\(late) after the round had ended);"
                + " converged each time")
    }

    /// One attempt; true when the kill landed before the round ended (the hub held a strict prefix of the stream).
    private func hubCrash(_ world: CrashWorld, name: String, point: KillPoint, _ attempt: String) async throws -> Bool {
        let province = try world.template.copy(name)
        defer { province.registry.killAll() }
        let code = CrashWorld.code
        let hub = try await province.startHub()
        let county = try await province.startQuietCounty(hub: hub)

        let sync = startSyncInBackground(county)
        let delay = try #require(await point.wait(hub: hub), "\(attempt): the hub never got to \(point)\n\(county.log)")
        let after = point.after == 0 ? "the start" : "\(point.after) upload(s)"
        let label = "\(attempt): hub killed \(delay) ms after \(after)"
        #expect(await hub.sigkill(), "\(label): the hub did not die of SIGKILL")

        // What the hub committed before it died is intact, and a prefix of the county's stream.
        let verify = try await province.hub.run(["verify"])
        #expect(verify.status == 0, "\(label): \(verify)")
        let held = try await province.hub.status().streams.first { $0.scope == code }?.sequence ?? 0
        #expect(held <= world.countySets, "\(label): the hub holds \(held) of the county's \(world.countySets) sets")
        let landedMidRound = held < world.countySets

        // Cut mid-round, the county reports a failure; killed after the last set's commit, the round may have
        // ended in sync (or failed reading an answer the hub had committed but not finished sending).
        let answer = await sync.value
        let outcome = answer.flatMap { try? JSONDecoder().decode(SyncAnswer.self, from: Data($0.body.utf8)) }
        let failed = answer?.status == 503 && outcome?.outcome == "failed" && outcome?.reason == "transport.failed"
        #expect(
            failed || (!landedMidRound && answer?.status == 200 && outcome?.outcome == "in_sync"),
            "\(label): the hub held \(held) of \(world.countySets) sets: \(String(describing: answer))")

        let restarted = try await province.restartHub(port: hub.port)
        #expect(restarted.port == hub.port)
        let again = try await syncNow(county)
        let lacking = world.countySets - held
        #expect(again.pushed == lacking, "\(label): the hub held \(held) of \(world.countySets) sets: \(again)")
        #expect(
            await restarted.metric("teachersync_sets_applied_total") == lacking,
            "\(label): the restarted hub applied other than the \(lacking) sets it lacked")
        try await expectConverged(province, world, label)
        return landedMidRound
    }

    /// The county daemon is killed while its round is in flight. The county pushes 3 large sets (2,000 teachers and
    /// 2,000 study records, one set per request) and pulls 2 sets the hub wrote for it (3 schools, then 2,000
    /// teachers), after the 2 registry sets. Three attempts, each on a fresh copy: a random 0–100 ms after the round
    /// starts, a random 0–150 ms after the hub answered the first upload (the county is sending its teachers), and a
    /// random 0–60 ms after the hub answered the third pull (the county is fetching and applying the hub's 2,000
    /// teachers). The dead county's folder verifies; restarted, its next round converges on the digest of a copy that
    /// synced without a crash, and the hub applied each of the county's sets once.
    @Test("a county daemon killed mid-round converges after restart, nothing lost or applied twice")
    func countyKilledMidRound() async throws {
        let world = try await CrashWorld.make(teachers: 2_000, hubTeachers: 2_000)
        try #require(world.countySets == 3, "schools, teachers and study records: one set each")
        let points = [
            KillPoint(endpoint: "upload", after: 0, delay: 0...100),
            KillPoint(endpoint: "upload", after: 1, delay: 0...150),
            KillPoint(endpoint: "pull", after: 3, delay: 0...60),
        ]
        for i in 0..<Self.killsPerTest {
            try await countyCrash(
                world, name: "county-crash-\(i)", point: points[i % points.count], "attempt \(i + 1)")
        }
        print("crash tests: county daemon killed \(Self.killsPerTest) times mid-round; converged each time")
    }

    private func countyCrash(_ world: CrashWorld, name: String, point: KillPoint, _ attempt: String) async throws {
        let province = try world.template.copy(name)
        defer { province.registry.killAll() }
        let hub = try await province.startHub()
        let county = try await province.startQuietCounty(hub: hub)

        let sync = startSyncInBackground(county)
        let delay = try #require(await point.wait(hub: hub), "\(attempt): the hub never got to \(point)\n\(county.log)")
        let after = point.after == 0 ? "the start" : "\(point.after) \(point.endpoint)(s)"
        let label = "\(attempt): county killed \(delay) ms after \(after)"
        #expect(await county.sigkill(), "\(label): the county did not die of SIGKILL")
        let answer = await sync.value
        #expect(answer == nil, "\(label): the round answered before the kill: \(String(describing: answer))")

        // What the county committed before it died is intact.
        let verify = try await province.county(CrashWorld.code).run(["verify"])
        #expect(verify.status == 0, "\(label): \(verify)")

        let restarted = try await province.startQuietCounty(hub: hub)
        let again = try await syncNow(restarted)
        // The hub may still have been applying the county's last batch when the county died; either way each of the
        // county's sets was applied there once.
        #expect(
            await hub.metric("teachersync_sets_applied_total") == world.countySets,
            "\(label): the hub's sets_applied counter after the round \(again)")
        try await expectConverged(province, world, label)
    }

    /// The county's digest equals the hub's and the reference; both replicas verify, with nothing quarantined or
    /// pending; the hub holds the county's whole stream with the county's head; the county holds exactly the streams
    /// it may read at the hub, at the hub's heads, and no other set.
    private func expectConverged(
        _ province: Province, _ world: CrashWorld, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let code = CrashWorld.code
        let county = province.county(code)
        let local = try await county.digest(sourceLocation: sourceLocation)
        let atHub = try await province.hub.digest(county: code, sourceLocation: sourceLocation)
        #expect(local == atHub, "\(label): county \(local) != hub \(atHub)", sourceLocation: sourceLocation)
        #expect(
            local == world.reference, "\(label): differs from the digest without a crash",
            sourceLocation: sourceLocation)
        var statuses: [NodeStatus] = []
        for node in [county, province.hub] {
            let verify = try await node.run(["verify"])
            #expect(verify.status == 0, "\(label): \(verify)", sourceLocation: sourceLocation)
            let status = try await node.status(sourceLocation: sourceLocation)
            #expect(
                status.quarantinedTotal == 0 && status.pendingOperations == 0, "\(label): \(status)",
                sourceLocation: sourceLocation)
            statuses.append(status)
        }
        let (countyStatus, hubStatus) = (statuses[0], statuses[1])
        let own = countyStatus.streams.first { $0.own && $0.scope == code }
        let ownAtHub = hubStatus.streams.first { $0.origin == own?.origin && $0.scope == code }
        #expect(own?.sequence == world.countySets, "\(label): \(countyStatus.streams)", sourceLocation: sourceLocation)
        #expect(
            own?.sequence == ownAtHub?.sequence && own?.head == ownAtHub?.head, "\(label)",
            sourceLocation: sourceLocation)
        let readable = hubStatus.streams.filter { $0.scope == "province" || $0.scope == code }
        func heads(_ streams: [NodeStatus.Stream]) -> Set<String> {
            Set(streams.map { "\($0.origin)/\($0.scope)/\($0.sequence)/\($0.head)" })
        }
        #expect(heads(countyStatus.streams) == heads(readable), "\(label)", sourceLocation: sourceLocation)
        #expect(
            countyStatus.storedSets == readable.reduce(0) { $0 + $1.sequence }, "\(label): \(countyStatus)",
            sourceLocation: sourceLocation)
    }
}
