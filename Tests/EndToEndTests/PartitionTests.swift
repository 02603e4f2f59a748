import Foundation
import Synchronization
import Testing

// Partitions (docs/SECURITY.md): the hub and each county in a network namespace of its own, joined by veth pairs,
// with a county's link cut (`ip link set … down` at the hub's end), slowed (`tc tbf`), delayed or made lossy
// (`tc netem`) while they sync over plain HTTP to a non-loopback address. The hub runs in its namespace
// (`ip netns exec NS teachersync hub run`), each county's rounds in the county's (`ip netns exec NS teachersync sync`);
// the test process stays in the root namespace and reads the replicas' files. Needs root and iproute2; where network
// namespaces are not available, FaultInjectionTests (SyncTransportTests) cover the same cases through the fault proxy.
//
// How long a cut round takes to fail depends on what the county was doing. With bytes of its own unacknowledged (an
// upload on the wire), TCP gives up after net.ipv4.tcp_retries2 retransmissions: the county namespaces set it to 4
// (about 6 s; with the kernel's 15 it takes minutes, and the client's 60 s request deadline ends the round instead).
// Waiting for the hub's answer with nothing unacknowledged, only that deadline ends the round; waiting for the rest of
// a page, nothing does (the known issue of cutMidDownload). Those two tests take over a minute each, so the tests run
// in parallel, each in namespaces of its own, which keeps the suite near 80 s.

// MARK: - System tools

/// How a system tool (ip, tc, sqlite3, sh) exited and what it printed.
struct ToolResult: Sendable, CustomStringConvertible {
    let command: [String]
    let status: Int32
    /// Standard output and standard error together, trimmed.
    let output: String

    var succeeded: Bool { status == 0 }
    var description: String { "`\(command.joined(separator: " "))` exited \(status): \(output)" }
}

enum SystemTool {
    /// The tool's path: the folders of PATH, then root's sbin folders (a test runner's PATH may lack them).
    static func path(_ name: String) -> String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return (folders + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]).map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a tool to completion (they all take milliseconds) without blocking a thread.
    static func run(_ name: String, _ arguments: [String]) async -> ToolResult {
        let output = outputFile()
        let status: Int32 = await withCheckedContinuation { continuation in
            let started = launch(name, arguments, output: output) {
                continuation.resume(returning: $0.terminationStatus)
            }
            if started == nil { continuation.resume(returning: 127) }
        }
        return result([name] + arguments, status, output)
    }

    /// The same, blocking: for `defer` blocks, which cannot await.
    static func runBlocking(_ name: String, _ arguments: [String]) -> ToolResult {
        let output = outputFile()
        guard let process = launch(name, arguments, output: output, onExit: nil) else {
            return result([name] + arguments, 127, output)
        }
        process.waitUntilExit()
        return result([name] + arguments, process.terminationStatus, output)
    }

    private static func outputFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("teachersync-e2e-tool-\(UUID().uuidString)")
    }

    private static func launch(
        _ name: String, _ arguments: [String], output: URL, onExit: (@Sendable (Process) -> Void)?
    ) -> Process? {
        guard let path = path(name), FileManager.default.createFile(atPath: output.path, contents: nil),
            let handle = try? FileHandle(forWritingTo: output)
        else { return nil }
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        process.terminationHandler = onExit
        do { try process.run() } catch { return nil }
        return process
    }

    private static func result(_ command: [String], _ status: Int32, _ output: URL) -> ToolResult {
        defer { try? FileManager.default.removeItem(at: output) }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? "\(command[0]) not found or not started"
        return ToolResult(
            command: command, status: status, output: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

// MARK: - The lab

/// What this machine lets the tests do, found once per run by trying it on two throwaway namespaces.
struct NetworkLab: Sendable {
    /// Why network namespaces cannot be used; nil when they can.
    var namespaceProblem: String? = "not probed"
    /// Whether `tc qdisc … tbf` (a slow line) works in a namespace.
    var tbf = false
    /// Why `tc qdisc … netem` (delay, loss) cannot be used; nil when it can.
    var netemProblem: String? = "not probed"
    /// Whether the sqlite3 shell is there (rows are counted with it).
    var sqlite = false

    /// Every namespace of this suite is named `teachersync-part-PID-…`, so a run never touches another's.
    static let prefix = "teachersync-part-"
    static var own: String { "\(prefix)\(getpid())-" }

    static var current: NetworkLab { get async { await probe.value } }
    private static let probe = Task { await find() }

    private static func find() async -> NetworkLab {
        var lab = NetworkLab()
        lab.sqlite = SystemTool.path("sqlite3") != nil
        defer {
            print(
                "partition tests: network namespaces \(lab.namespaceProblem.map { "unavailable (\($0))" } ?? "yes"), "
                    + "tc tbf \(lab.tbf ? "yes" : "no"), tc netem \(lab.netemProblem.map { "no (\($0))" } ?? "yes"), "
                    + "sqlite3 \(lab.sqlite ? "yes" : "no")")
        }
        guard geteuid() == 0 else {
            lab.namespaceProblem = "not running as root"
            return lab
        }
        guard let tc = SystemTool.path("tc"), SystemTool.path("ip") != nil else {
            lab.namespaceProblem = "no `ip` or `tc` (iproute2)"
            return lab
        }
        await removeLeftovers()
        let (a, b) = (own + "probe-a", own + "probe-b")
        defer { for ns in [a, b] { _ = SystemTool.runBlocking("ip", ["netns", "delete", ns]) } }
        for step in [
            ["netns", "add", a], ["netns", "add", b],
            ["link", "add", "probe", "netns", a, "type", "veth", "peer", "name", "probe", "netns", b],
        ] {
            let r = await SystemTool.run("ip", step)
            guard r.succeeded else {
                lab.namespaceProblem = r.description
                return lab
            }
        }
        lab.namespaceProblem = nil
        lab.tbf =
            await SystemTool.run(
                "ip",
                ["netns", "exec", a, tc, "qdisc", "add", "dev", "probe", "root", "tbf", "rate", "1mbit"] + tbfQueue
            ).succeeded
        let netem = ["netns", "exec", b, tc, "qdisc", "add", "dev", "probe", "root", "netem", "delay", "1ms"]
        var tried = await SystemTool.run("ip", netem)
        if !tried.succeeded, SystemTool.path("modprobe") != nil {
            _ = await SystemTool.run("modprobe", ["sch_netem"])
            tried = await SystemTool.run("ip", netem)
        }
        lab.netemProblem = tried.succeeded ? nil : tried.output
        return lab
    }

    /// The queue of every `tbf` qdisc: 4 KB bursts (so the line stays slow after a pause), at most 1 s of queue.
    static let tbfQueue = ["burst", "4kb", "latency", "1s"]

    /// Deletes namespaces left by earlier runs of this suite whose process is gone (a crashed or killed run).
    private static func removeLeftovers() async {
        let list = await SystemTool.run("ip", ["netns", "list"])
        for line in list.output.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix),
                let pid = Int32(name.dropFirst(prefix.count).prefix { $0.isNumber }),
                kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            _ = await SystemTool.run("ip", ["netns", "delete", name])
        }
    }
}

// MARK: - One test's network

/// One test's network. The hub has a namespace of its own, and so has each county, joined to the hub by a veth pair
/// in a /30 of 10.77.NET.0/24 (the i-th county: .4i+1 at the hub's end, .4i+2 at the county's). The hub listens on
/// 10.77.NET.254, an address of its loopback device that each county reaches through its own link, as a county reaches
/// the real hub over its own line: cutting one county's link leaves the others up.
final class PartitionNetwork: Sendable {
    let name: String
    let net: Int
    let counties: [String]

    var hubNamespace: String { name + "-hub" }
    func namespace(_ county: String) -> String { "\(name)-\(county)" }
    var hubAddress: String { "10.77.\(net).254" }
    /// The hub's end of a county's link, a device in the hub's namespace.
    func hubEnd(_ county: String) -> String { "to-\(county)" }
    /// The county's end of its link, a device in the county's namespace.
    static let countyEnd = "uplink"

    /// How a process is run in a namespace (`ip netns exec` execs, so the process keeps its id).
    func launcher(_ namespace: String) -> [String] { [SystemTool.path("ip") ?? "ip", "netns", "exec", namespace] }

    private init(name: String, net: Int, counties: [String]) {
        (self.name, self.net, self.counties) = (name, net, counties)
    }

    /// Builds the namespaces and links; on failure removes what it made.
    static func make(label: String, net: Int, counties: [String]) async throws -> PartitionNetwork {
        let network = PartitionNetwork(name: NetworkLab.own + label, net: net, counties: counties)
        do {
            try await network.build()
        } catch {
            network.remove()
            throw error
        }
        return network
    }

    private func build() async throws {
        let hub = hubNamespace
        try await ip("netns", "add", hub)
        try await ip("-n", hub, "link", "set", "lo", "up")
        try await ip("-n", hub, "address", "add", hubAddress + "/32", "dev", "lo")
        for (i, code) in counties.enumerated() {
            let ns = namespace(code)
            let hubSide = "10.77.\(net).\(4 * i + 1)"
            try await ip("netns", "add", ns)
            try await ip(
                "link", "add", hubEnd(code), "netns", hub, "type", "veth", "peer", "name", Self.countyEnd, "netns", ns)
            try await ip("-n", hub, "address", "add", hubSide + "/30", "dev", hubEnd(code))
            try await ip("-n", ns, "address", "add", "10.77.\(net).\(4 * i + 2)/30", "dev", Self.countyEnd)
            try await ip("-n", hub, "link", "set", hubEnd(code), "up")
            try await ip("-n", ns, "link", "set", Self.countyEnd, "up")
            try await ip("-n", ns, "link", "set", "lo", "up")
            try await ip("-n", ns, "route", "add", hubAddress + "/32", "via", hubSide)
            // Per namespace: TCP gives up on unacknowledged bytes after about 6 s instead of 15 minutes.
            try await run(in: ns, ["sh", "-c", "echo 4 > /proc/sys/net/ipv4/tcp_retries2"])
        }
    }

    /// Cuts a county's link at the hub's end: whatever the county sends goes nowhere, as on a dead line.
    func cut(_ county: String) async throws { try await ip("-n", hubNamespace, "link", "set", hubEnd(county), "down") }

    /// Brings a county's link back.
    func heal(_ county: String) async throws { try await ip("-n", hubNamespace, "link", "set", hubEnd(county), "up") }

    enum Direction { case toHub, toCounty }

    /// A slow line (`tc tbf`, 256 kbit/s) in one direction of a county's link.
    func slow(_ county: String, _ direction: Direction) async throws {
        let (ns, device) =
            direction == .toHub ? (namespace(county), Self.countyEnd) : (hubNamespace, hubEnd(county))
        try await run(
            in: ns, ["tc", "qdisc", "add", "dev", device, "root", "tbf", "rate", "256kbit"] + NetworkLab.tbfQueue)
    }

    /// The hub's end of a county's link lets through only packets of at most 200 bytes (`tc tbf` with a 200-byte
    /// bucket drops any larger packet): the hub's TCP acknowledgements pass, so an upload keeps arriving, but
    /// nothing the hub answers does. `release` takes it away.
    func holdAnswers(_ county: String) async throws {
        try await run(
            in: hubNamespace,
            [
                "tc", "qdisc", "add", "dev", hubEnd(county), "root", "tbf", "rate", "256kbit", "burst", "200", "limit",
                "20000",
            ])
    }

    /// Takes away what `holdAnswers` put at the hub's end of a county's link.
    func release(_ county: String) async throws {
        try await run(in: hubNamespace, ["tc", "qdisc", "del", "dev", hubEnd(county), "root"])
    }

    /// Both directions of a county's link delayed or made lossy: `tc qdisc add … netem <netem>` at both ends.
    func impair(_ county: String, netem: [String]) async throws {
        for (ns, device) in [(namespace(county), Self.countyEnd), (hubNamespace, hubEnd(county))] {
            try await run(in: ns, ["tc", "qdisc", "add", "dev", device, "root", "netem"] + netem)
        }
    }

    /// The bytes the hub's end of a county's link received and sent so far, from /proc/PID/net/dev of a process in
    /// the hub's namespace.
    func hubEndBytes(_ county: String, hubPID: Int32) -> (received: Int, sent: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(hubPID)/net/dev", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == hubEnd(county) else { continue }
            let fields = parts[1].split(separator: " ").compactMap { Int($0) }
            return fields.count >= 9 ? (fields[0], fields[8]) : nil
        }
        return nil
    }

    /// Established TCP connections to `port` in the hub's namespace, from /proc/PID/net/tcp of a process in it.
    static func establishedConnections(hubPID: Int32, port: Int) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(hubPID)/net/tcp", encoding: .utf8)) ?? ""
        let local = ":" + String(port, radix: 16, uppercase: true).leftPadded(to: 4)
        return text.split(separator: "\n").dropFirst().count { line in
            let fields = line.split(separator: " ")
            return fields.count > 3 && fields[1].hasSuffix(local) && fields[3] == "01"
        }
    }

    /// Deletes the namespaces; their veth pairs go with them. Blocking, for `defer`.
    func remove() {
        for ns in [hubNamespace] + counties.map(namespace) {
            _ = SystemTool.runBlocking("ip", ["netns", "delete", ns])
        }
    }

    private func ip(_ arguments: String...) async throws {
        let r = await SystemTool.run("ip", arguments)
        try #require(r.succeeded, "\(r)")
    }

    private func run(in namespace: String, _ command: [String]) async throws {
        let r = await SystemTool.run(
            "ip", ["netns", "exec", namespace, SystemTool.path(command[0]) ?? command[0]] + command.dropFirst())
        try #require(r.succeeded, "\(r)")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

// MARK: - Hub and counties in the network

/// What `sync` prints when a round ends in sync: `in sync: pushed P sets, pulled Q sets`.
struct SyncSummary: Sendable, Equatable {
    let pushed: Int
    let pulled: Int

    init?(_ result: CLIResult) {
        guard result.status == 0, let m = result.stdout.firstMatch(of: /in sync: pushed (\d+) sets, pulled (\d+) sets/),
            let pushed = Int(m.1), let pulled = Int(m.2)
        else { return nil }
        (self.pushed, self.pulled) = (pushed, pulled)
    }
    init(pushed: Int, pulled: Int) { (self.pushed, self.pulled) = (pushed, pulled) }
}

/// The sets and operations a node holds of one origin's stream for one scope.
struct HeldStream: Sendable, Equatable, CustomStringConvertible {
    let sets: Int
    let operations: Int
    var description: String { "\(sets) sets, \(operations) operations" }
}

/// A hub and its counties, each node's folder in a sandbox and each node's network in a ``PartitionNetwork``.
struct PartitionWorld: Sendable {
    let network: PartitionNetwork
    let sandbox: Sandbox
    let hub: Node
    let hubKey: String
    let counties: [String: Node]
    let registry = DaemonRegistry()

    func county(_ code: String) -> Node { counties[code]! }

    /// The network, then the nodes: each county initialised with the hub's key and enrolled at the hub.
    static func make(
        label: String, net: Int, counties codes: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PartitionWorld {
        let network = try await PartitionNetwork.make(label: label, net: net, counties: codes)
        do {
            let sandbox = Sandbox()
            let hub = try await Node.hub(in: sandbox, sourceLocation: sourceLocation)
            let hubKey = try await hub.id(sourceLocation: sourceLocation).public_key
            var counties: [String: Node] = [:]
            for code in codes {
                counties[code] = try await Province.newCounty(
                    code, sandbox: sandbox, hub: hub, hubKey: hubKey, sourceLocation: sourceLocation)
            }
            return PartitionWorld(network: network, sandbox: sandbox, hub: hub, hubKey: hubKey, counties: counties)
        } catch {
            network.remove()
            throw error
        }
    }

    /// Kills every process the test started, then deletes the namespaces.
    func tearDown() {
        registry.killAll()
        network.remove()
    }

    /// Starts `hub run` in the hub's namespace on the hub's address, plain HTTP allowed (TLSEndToEndTests test TLS).
    func startHub(sourceLocation: SourceLocation = #_sourceLocation) async throws -> (daemon: Daemon, url: String) {
        let daemon = try await Daemon.start(
            name: "hub",
            ["hub", "run", "--data", hub.path, "--listen", network.hubAddress + ":0", "--allow-plain-http"],
            logPath: sandbox.path("hub.log"), registry: registry, launcher: network.launcher(network.hubNamespace),
            sourceLocation: sourceLocation)
        return (daemon, "http://\(network.hubAddress):\(daemon.port)")
    }

    /// One `teachersync sync` of a county, run in the county's namespace. The runner kills it after `timeout`: a
    /// round must end by itself before that (the client's deadline is 60 s a request, its connect timeout 10 s).
    func sync(_ code: String, hub url: String, timeout: Duration = .seconds(90)) async throws -> CLIResult {
        try await teachersync(
            ["sync", "--data", county(code).path, "--hub", url, "--allow-plain-http"],
            launcher: network.launcher(network.namespace(code)), timeout: timeout)
    }

    /// Starts a round of a county, cuts the county's link once `ready` holds (polled every 10 ms, for at most 30 s),
    /// and returns the round's result and how long after the cut it ended.
    func roundCut(
        _ code: String, hub url: String, timeout: Duration = .seconds(90),
        when ready: @escaping @Sendable () async -> Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (result: CLIResult, afterCut: Duration) {
        let round = Task { try await sync(code, hub: url, timeout: timeout) }
        let reached = await waitUntil(timeout: .seconds(30), ready)
        try await network.cut(code)
        let cutAt = ContinuousClock.now
        let result = try await round.value
        try #require(reached, "the round never got to the cut: \(result)", sourceLocation: sourceLocation)
        return (result, ContinuousClock.now - cutAt)
    }

    /// What an import wrote: operations (one a written row) and the sets they were sealed in.
    struct Writes: Sendable {
        var operations = 0
        var sets = 0
    }

    /// `demo-data` for `county`, then `import` at `node` of its schools, teachers and (when `records` > 0) study
    /// records.
    func importDemo(
        _ node: Node, county code: String, teachers: Int, schools: Int, records: Int, seed: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Writes {
        let out = sandbox.path("csv-\(code)-\(seed)-\(UUID().uuidString.prefix(8))")
        let r = try await teachersync([
            "demo-data", "--county", code, "--out", out, "--teachers", String(teachers), "--schools", String(schools),
            "--records-per-teacher", String(records), "--seed", String(seed),
        ])
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        var writes = Writes()
        for kind in ["schools", "teachers"] + (records > 0 ? ["study-records"] : []) {
            let result = try await node.ok(["import", kind, "\(out)/\(kind).csv"], sourceLocation: sourceLocation)
            let summary = try #require(CSVImportSummary(result), "\(result)", sourceLocation: sourceLocation)
            writes.operations += summary.written
            writes.sets += summary.sealed
        }
        return writes
    }

    /// The integers one query prints, from the node's replica opened read-only with the sqlite3 shell (the node may be
    /// running); nil when the shell fails.
    func query(_ node: Node, _ sql: String) async -> [Int]? {
        let r = await SystemTool.run("sqlite3", ["-readonly", "-batch", node.path + "/replica.sqlite", sql])
        guard r.succeeded else { return nil }
        return r.output.split(whereSeparator: { $0 == "\n" || $0 == "|" }).compactMap { Int($0) }
    }

    /// The sets and operations `node` holds of `origin`'s stream for `scope`.
    func held(
        _ node: Node, origin: String, scope: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> HeldStream {
        try #require(origin.wholeMatch(of: /[0-9a-f]{32}/) != nil && scope.wholeMatch(of: /\w+/) != nil)
        let sql = """
            SELECT count(*), coalesce(sum(op_count), 0) FROM change_sets
            WHERE lower(hex(origin)) = '\(origin)' AND scope = '\(scope)'
            """
        let values = try #require(
            await query(node, sql), "sqlite3 failed on \(node.path)", sourceLocation: sourceLocation)
        try #require(values.count == 2, "\(values)", sourceLocation: sourceLocation)
        return HeldStream(sets: values[0], operations: values[1])
    }

    /// Live rows of each county table for `county` at `node`.
    func rows(
        _ node: Node, county code: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Int] {
        try #require(code.wholeMatch(of: /\d{6}/) != nil)
        var rows: [String: Int] = [:]
        for table in ["schools", "teachers", "study_records"] {
            let sql = "SELECT count(*) FROM \(table) WHERE county_code = '\(code)' AND _live = 1"
            let values = try #require(await query(node, sql), "sqlite3 failed", sourceLocation: sourceLocation)
            rows[table] = values.first
        }
        return rows
    }

    /// After the heal. For each county: its digest equals the hub's digest of it; it holds exactly the streams it may
    /// read at the hub, at the hub's heads (so the province-wide data reached it); its own stream is at the hub with the
    /// same sets and operations, `written[code]` of them (every acknowledged write arrived, none twice); its tables
    /// have the same live rows as the hub's rows of the county. Every replica verifies, with nothing pending or
    /// quarantined.
    func expectConverged(
        written: [String: Int], _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let hubStatus = try await hub.status(sourceLocation: sourceLocation)
        for (code, node) in counties.sorted(by: { $0.key < $1.key }) {
            let local = try await node.digest(sourceLocation: sourceLocation)
            let atHub = try await hub.digest(county: code, sourceLocation: sourceLocation)
            #expect(local == atHub, "\(label): county \(code) \(local) != hub \(atHub)", sourceLocation: sourceLocation)
            let status = try await node.status(sourceLocation: sourceLocation)
            let readable = hubStatus.streams.filter { $0.scope == "province" || $0.scope == code }
            #expect(
                heads(status.streams) == heads(readable), "\(label): county \(code)'s streams differ from the hub's",
                sourceLocation: sourceLocation)
            let origin = status.origin
            let own = try await held(node, origin: origin, scope: code, sourceLocation: sourceLocation)
            let ownAtHub = try await held(hub, origin: origin, scope: code, sourceLocation: sourceLocation)
            #expect(
                own == ownAtHub && own.operations == written[code],
                "\(label): county \(code) wrote \(written[code] ?? -1) operations; it holds \(own), the hub \(ownAtHub)",
                sourceLocation: sourceLocation)
            let rowsHere = try await rows(node, county: code, sourceLocation: sourceLocation)
            let rowsAtHub = try await rows(hub, county: code, sourceLocation: sourceLocation)
            #expect(
                rowsHere == rowsAtHub, "\(label): county \(code): \(rowsHere) != hub \(rowsAtHub)",
                sourceLocation: sourceLocation)
        }
        for node in [hub] + counties.values {
            let verify = try await node.run(["verify"])
            #expect(verify.status == 0, "\(label): \(verify)", sourceLocation: sourceLocation)
            let status = try await node.status(sourceLocation: sourceLocation)
            #expect(
                status.pendingOperations == 0 && status.quarantinedTotal == 0, "\(label): \(node.path): \(status)",
                sourceLocation: sourceLocation)
        }
    }

    private func heads(_ streams: [NodeStatus.Stream]) -> Set<String> {
        Set(streams.map { "\($0.origin)/\($0.scope)/\($0.sequence)/\($0.head)" })
    }
}

/// A round that could not reach the hub fails as a user must see it: exit status 5 (the network failed; retrying may
/// help), one line on standard error naming `transport.failed`, on its own (not killed by the runner).
func expectRoundFailedOnTheNetwork(
    _ r: CLIResult, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(r.status == 5 && !r.timedOut, "\(label): \(r)", sourceLocation: sourceLocation)
    #expect(
        r.stderrLines.count == 1 && r.stderrLines[0].hasPrefix("teachersync: sync failed: transport.failed: "),
        "\(label): not one line naming transport.failed: \(r)", sourceLocation: sourceLocation)
}

/// Seconds with one decimal, for the summaries the tests print.
private func seconds(_ d: Duration) -> String {
    String(format: "%.1f s", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
}

// MARK: - Tests

@Suite(
    "Partitions: hub and counties in network namespaces, links cut, slowed, delayed or lossy during sync",
    .enabled(
        """
        network namespaces are not available here (they need root and `ip netns` from iproute2; the reason is \
        printed above): FaultInjectionTests (SyncTransportTests) cover the same cases through the fault proxy
        """
    ) { await NetworkLab.current.namespaceProblem == nil },
    .enabled("the sqlite3 shell is missing: these tests count rows with it (apt-get install sqlite3)") {
        await NetworkLab.current.sqlite
    },
    .timeLimit(.minutes(3)))
struct PartitionTests {
    static let code = "130102"

    /// 3,000 teachers, 20 schools and 3,000 study records imported at county 130102, unsynced: 6,020 operations in 3
    /// sets, about 110 KB on the wire (compressed).
    private func sizeableCounty(_ world: PartitionWorld) async throws -> PartitionWorld.Writes {
        try await world.importDemo(
            world.county(Self.code), county: Self.code, teachers: 3_000, schools: 20, records: 1, seed: 2019)
    }

    @Test(
        "a link cut mid-upload on a slow line: the round fails with one line, the hub holds none of the batch; after the heal one round pushes it and converges",
        .enabled("tc tbf is not available: over a bare veth the upload takes milliseconds, too short to cut mid-body") {
            await NetworkLab.current.tbf
        })
    func cutMidUpload() async throws {
        let code = Self.code
        let world = try await PartitionWorld.make(label: "upload", net: 1, counties: [code])
        defer { world.tearDown() }
        let written = try await sizeableCounty(world)
        let origin = try await world.county(code).id().origin
        let hub = try await world.startHub()
        try await world.network.slow(code, .toHub)

        // The link goes down once the hub has received 40 KB of the round (the upload is on the wire).
        let (network, pid) = (world.network, hub.daemon.pid)
        let base = try #require(network.hubEndBytes(code, hubPID: pid)).received
        let (failed, afterCut) = try await world.roundCut(code, hub: hub.url) {
            (network.hubEndBytes(code, hubPID: pid)?.received ?? base) - base >= 40_000
        }
        expectRoundFailedOnTheNetwork(failed, "upload cut")
        #expect(afterCut < .seconds(30), "TCP gives up after about 6 s; the round took \(afterCut) to fail")
        // The hub authenticates a body only once all of it is there: it applied nothing of the cut batch.
        let heldAfterCut = try await world.held(world.hub, origin: origin, scope: code)
        #expect(heldAfterCut.sets == 0, "the hub applied part of a batch whose body was cut: \(heldAfterCut)")

        try await world.network.heal(code)
        let healed = try await world.sync(code, hub: hub.url)
        #expect(SyncSummary(healed) == SyncSummary(pushed: written.sets, pulled: 2), "the registry: \(healed)")
        try await world.expectConverged(written: [code: written.operations], "after the upload cut")
        let open = PartitionNetwork.establishedConnections(hubPID: pid, port: hub.daemon.port)
        print(
            "partition tests: upload cut: the round failed \(seconds(afterCut)) after the cut "
                + "(\(failed.stderrLines.first ?? "")); after the heal one round pushed \(written.sets) sets, "
                + "\(written.operations) operations, and converged; the hub still holds \(open) connection(s) open")
    }

    @Test(
        "a link cut after the hub received the upload, before its answer: the round fails at the client's deadline; after the heal the next round pushes nothing and converges",
        .enabled("tc tbf is not available: the hub's answer cannot be held back until the cut") {
            await NetworkLab.current.tbf
        })
    func cutBeforeTheAnswer() async throws {
        let code = Self.code
        let world = try await PartitionWorld.make(label: "answer", net: 2, counties: [code])
        defer { world.tearDown() }
        let written = try await sizeableCounty(world)
        let origin = try await world.county(code).id().origin
        let hub = try await world.startHub()
        try await world.network.slow(code, .toHub)

        // Once 16 KB of the round reached the hub (the upload is on the wire, for some seconds on the slow line), the
        // hub's end lets only its TCP acknowledgements out: the upload arrives whole, the answer does not. The link
        // goes down once the hub holds the three sets, that is once it committed them and answered into the void.
        let (network, pid) = (world.network, hub.daemon.pid)
        let base = try #require(network.hubEndBytes(code, hubPID: pid)).received
        let holding = Mutex(false)
        let (failed, afterCut) = try await world.roundCut(code, hub: hub.url) {
            if !holding.withLock({ $0 }) {
                guard (network.hubEndBytes(code, hubPID: pid)?.received ?? base) - base >= 16_000 else { return false }
                try? await network.holdAnswers(code)
                holding.withLock { $0 = true }
            }
            return (try? await world.held(world.hub, origin: origin, scope: code).sets) == written.sets
        }
        try #require(failed.status != 0, "the hub's answer got through before the cut; nothing was tested: \(failed)")
        expectRoundFailedOnTheNetwork(failed, "answer cut")
        #expect(afterCut < .seconds(70), "the client's deadline is 60 s; the round took \(afterCut) to fail")
        // The hub finished what it had received: it holds every set, though the county has not heard.
        #expect(try await world.held(world.hub, origin: origin, scope: code).sets == written.sets)

        try await world.network.release(code)
        try await world.network.heal(code)
        let healed = try await world.sync(code, hub: hub.url)
        #expect(SyncSummary(healed) == SyncSummary(pushed: 0, pulled: 2), "nothing is sent again: \(healed)")
        try await world.expectConverged(written: [code: written.operations], "after the answer cut")
        // The lost answer's receipt is fetched by the round that found nothing to push: the county holds a receipt
        // for the head of its stream, which proves every set up to it delivered.
        let receipts = await world.query(world.county(code), "SELECT max(sequence) FROM receipts")?.first ?? -1
        #expect(receipts == written.sets, "a receipt up to set \(written.sets)")
        print(
            "partition tests: link cut after the hub committed an upload, its answer held back: the round failed \(seconds(afterCut)) after the "
                + "cut (\(failed.stderrLines.first ?? "")); after the heal one round pushed 0 sets and converged; the "
                + "county holds a receipt up to set \(receipts) of its \(written.sets)")
    }

    @Test(
        "a link cut mid-download on a slow line: the round fails by the client's deadline, the county applied none of the page; after the heal one round pulls it and converges",
        .enabled("tc tbf is not available: over a bare veth a page takes milliseconds, too short to cut mid-body") {
            await NetworkLab.current.tbf
        })
    func cutMidDownload() async throws {
        let code = Self.code
        let world = try await PartitionWorld.make(label: "download", net: 3, counties: [code])
        defer { world.tearDown() }
        let county = world.county(code)
        // Little to push; 3,000 teachers (and 3 schools) of the county written at the hub to pull, about 50 KB.
        let written = try await world.importDemo(county, county: code, teachers: 30, schools: 3, records: 1, seed: 2019)
        let hubWritten = try await world.importDemo(
            world.hub, county: code, teachers: 3_000, schools: 3, records: 0, seed: 7)
        let hubOrigin = try await world.hub.id().origin
        let hub = try await world.startHub()
        try await world.network.slow(code, .toCounty)

        // The link goes down once the hub has sent 16 KB (its answers to the heads and the upload take a few KB: the
        // page is on the wire).
        let (network, pid) = (world.network, hub.daemon.pid)
        let base = try #require(network.hubEndBytes(code, hubPID: pid)).sent
        // The client's deadline covers the answer's body too, so a cut in the middle of a page fails the round.
        let (failed, afterCut) = try await world.roundCut(code, hub: hub.url, timeout: .seconds(90)) {
            (network.hubEndBytes(code, hubPID: pid)?.sent ?? base) - base >= 16_000
        }
        expectRoundFailedOnTheNetwork(failed, "download cut")
        #expect(afterCut < .seconds(70), "the client's deadline is 60 s; the round took \(afterCut) to fail")
        // A page is applied only once it has arrived whole.
        let heldAfterCut = try await world.held(county, origin: hubOrigin, scope: code)
        #expect(heldAfterCut.sets == 0, "the county applied part of a cut page: \(heldAfterCut)")

        try await world.network.heal(code)
        let healed = try await world.sync(code, hub: hub.url)
        // Its own sets went up before the cut; down: the registry and the hub's sets of the county.
        let expected = SyncSummary(pushed: 0, pulled: 2 + hubWritten.sets)
        #expect(SyncSummary(healed) == expected, "\(healed)")
        try await world.expectConverged(written: [code: written.operations], "after the download cut")
        let pulled = try await world.held(county, origin: hubOrigin, scope: code)
        #expect(pulled == HeldStream(sets: hubWritten.sets, operations: hubWritten.operations))
        print(
            "partition tests: download cut: after the heal one round pulled \(expected.pulled) sets "
                + "(\(hubWritten.operations) operations written at the hub) and converged")
    }

    @Test(
        "one county cut off while another keeps syncing, with writes at both counties and the hub: the cut-off county's round fails with one line; after the heal both converge"
    )
    func oneCountyCutOff() async throws {
        let (syncing, cutOff) = ("130102", "130104")
        let world = try await PartitionWorld.make(label: "partition", net: 4, counties: [syncing, cutOff])
        defer { world.tearDown() }
        var written: [String: Int] = [:]
        for code in [syncing, cutOff] {
            let writes = try await world.importDemo(
                world.county(code), county: code, teachers: 300, schools: 5, records: 1, seed: 2019)
            written[code] = writes.operations
        }
        let hub = try await world.startHub()
        for code in [syncing, cutOff] {
            let r = try await world.sync(code, hub: hub.url)
            #expect(SyncSummary(r) != nil, "\(r)")
        }

        try await world.network.cut(cutOff)
        // While it is cut off: the other county writes and syncs, the hub writes rows of the cut-off county and
        // enrols a new county (province-wide), and the cut-off county's office keeps writing.
        let more = try await world.importDemo(
            world.county(syncing), county: syncing, teachers: 200, schools: 2, records: 0, seed: 7)
        written[syncing]! += more.operations
        let pushed = try await world.sync(syncing, hub: hub.url)
        #expect(SyncSummary(pushed) == SyncSummary(pushed: more.sets, pulled: 0), "\(pushed)")
        let hubWritten = try await world.importDemo(
            world.hub, county: cutOff, teachers: 200, schools: 3, records: 0, seed: 8)
        _ = try await Province.newCounty("130107", sandbox: world.sandbox, hub: world.hub, hubKey: world.hubKey)
        let province = try #require(try await provinceStream(world.hub))
        let offline = try await world.importDemo(
            world.county(cutOff), county: cutOff, teachers: 200, schools: 2, records: 0, seed: 9)
        written[cutOff]! += offline.operations

        let start = ContinuousClock.now
        let failed = try await world.sync(cutOff, hub: hub.url)
        let elapsed = ContinuousClock.now - start
        expectRoundFailedOnTheNetwork(failed, "county \(cutOff) cut off")
        // Two connection attempts (the catch-up check and the round), each bounded by the 10 s connect timeout.
        #expect(elapsed < .seconds(30), "the round took \(elapsed) to fail")
        let pulled = try await world.sync(syncing, hub: hub.url)
        #expect(SyncSummary(pulled) == SyncSummary(pushed: 0, pulled: 1), "the enrolment: \(pulled)")
        #expect(try await provinceStream(world.county(syncing)) == province)
        #expect(try await provinceStream(world.county(cutOff)) != province)
        #expect(try await world.county(cutOff).digest() != (try await world.hub.digest(county: cutOff)))

        try await world.network.heal(cutOff)
        let healed = try await world.sync(cutOff, hub: hub.url)
        // Down: the enrolment and the hub's sets of the county.
        let expected = SyncSummary(pushed: offline.sets, pulled: 1 + hubWritten.sets)
        #expect(SyncSummary(healed) == expected, "\(healed)")
        let again = try await world.sync(syncing, hub: hub.url)
        #expect(SyncSummary(again) == SyncSummary(pushed: 0, pulled: 0), "\(again)")
        try await world.expectConverged(written: written, "after county \(cutOff)'s partition")
        print(
            "partition tests: county \(cutOff) cut off while \(syncing) synced: its round failed in \(seconds(elapsed)) "
                + "(\(failed.stderrLines.first ?? "")); after the heal it pushed \(expected.pushed) sets and pulled "
                + "\(expected.pulled) (the enrolment, \(hubWritten.operations) operations the hub wrote for it); both "
                + "converged")
    }

    /// A line fault for `tc netem`, applied to both ends of a county's link.
    struct LineFault: Sendable, CustomStringConvertible {
        let label: String
        let net: Int
        let netem: [String]
        var description: String { "netem " + netem.joined(separator: " ") }
    }

    @Test(
        "a delayed or lossy line (tc netem) during a sizeable sync both ways: a round fails only with one line, and the county converges within three rounds",
        .enabled(
            "tc netem is not available here (no sch_netem; the probe's error is printed above): the delay and loss cases are skipped, the link-cut cases still run"
        ) { await NetworkLab.current.netemProblem == nil },
        arguments: [
            LineFault(label: "delay", net: 5, netem: ["delay", "200ms", "50ms"]),
            LineFault(label: "loss", net: 6, netem: ["loss", "5%"]),
            LineFault(label: "delay-loss", net: 7, netem: ["delay", "100ms", "20ms", "loss", "2%"]),
        ])
    func impairedLine(_ fault: LineFault) async throws {
        let code = Self.code
        let world = try await PartitionWorld.make(label: fault.label, net: fault.net, counties: [code])
        defer { world.tearDown() }
        let written = try await sizeableCounty(world)
        _ = try await world.importDemo(world.hub, county: code, teachers: 1_000, schools: 3, records: 0, seed: 7)
        let hub = try await world.startHub()
        try await world.network.impair(code, netem: fault.netem)

        var rounds: [CLIResult] = []
        let start = ContinuousClock.now
        while rounds.count < 3, rounds.last?.status != 0 {
            let r = try await world.sync(code, hub: hub.url)
            if r.status != 0 { expectRoundFailedOnTheNetwork(r, "\(fault)") }
            rounds.append(r)
        }
        try #require(rounds.last?.status == 0, "\(fault): no round completed in three: \(rounds)")
        try await world.expectConverged(written: [code: written.operations], "\(fault)")
        print(
            "partition tests: \(fault): converged after \(rounds.count) round(s), "
                + seconds(ContinuousClock.now - start))
    }
}
