import AsyncHTTPClient
import BenchSupport
import Foundation
import SQLiteReplica
import SyncCore
import SyncTransport
import Synchronization

/// One simulated county node of the province night: its own folder, key and replica.
struct ProvinceNode: Sendable {
    let index: Int
    let code: String
    let replica: Replica
    let directory: URL
    /// Operations of its own streams once the night is pushed: base + delta.
    let expectedOperations: Int
    let deltaOperations: Int
}

/// What one node's night came to.
struct NodeNight: Sendable {
    let index: Int
    let inSync: Bool
    let rounds: Int
    let failures: [String]
    let end: ContinuousClock.Instant
}

/// The province night: `--counties` nodes (in process, each with its own folder, key and replica, enrolled at the
/// hub, base state in sync) each push a nightly delta to one hub process, all at once, through the counting relay.
/// A failed round is retried as the county daemon retries it (`RetryPolicy`, base `--retry-base` seconds, jitter
/// 0.2), at most `--max-rounds` rounds per node.
func runProvince(_ ctx: RunContext) async throws -> ProvinceResult {
    let o = ctx.options
    var result = ProvinceResult()
    result.counties = o.counties
    let phaseDir = ctx.dir.appendingPathComponent("province")
    let hubDir = phaseDir.appendingPathComponent("hub")
    try FileManager.default.createDirectory(at: phaseDir, withIntermediateDirectories: true)
    let distinct = min(o.counties, hebeiCounties.count)
    say(
        "\n9. province night: \(o.counties) county nodes (\(distinct) distinct county codes"
            + (o.counties > hebeiCounties.count
                ? "; Hebei has \(hebeiCounties.count) county-level units, so \(o.counties - hebeiCounties.count) "
                    + "node(s) are a second centre of an already used county, with teachers and records of their own)"
                : ")"))
    say(
        "  each: base \(format(o.provinceTeachers)) teachers + \(format(o.provinceRecords)) study records in sync; "
            + "delta \(format(o.provinceDelta)) new study records + \(format(o.provinceUpdates)) updated teachers")

    // MARK: Setup (not timed as part of the night)
    let config = ReplicaConfiguration(wallClock: SystemWallClock())
    let setupStart = ContinuousClock.now
    let nodes: [ProvinceNode]
    do {
        let hub = try Replica.create(at: hubDir, role: .hub, county: nil, configuration: config)
        let hubKey = hub.identity.signer.publicKeyBase64
        let created = Mutex<[Int: Replica]>([:])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: o.counties) { i in
            do {
                let code = hebeiCounties[i % hebeiCounties.count]
                let r = try Replica.create(
                    at: phaseDir.appendingPathComponent(String(format: "node-%03d-%@", i, code)), role: .county,
                    county: code, hubKey: hubKey, configuration: config)
                created.withLock { $0[i] = r }
            } catch {
                failures.withLock { $0.append("create node \(i): \(error)") }
            }
        }
        try require(failures.withLock { $0.isEmpty }, failures.withLock { $0.joined(separator: "; ") })
        let replicas = created.withLock { $0 }
        try hub.write((0..<o.counties).map { .registryEntry(replicas[$0]!.identity.record) })
        try hub.seal()
        let registry = try hub.exportEnvelopes()
        let hubVector = try hub.versionVector()
        say(
            "  \(o.counties) replicas created and enrolled in \(secs(seconds(setupStart, .now))); writing each base "
                + "state, the hub receiving it in process, then each delta (committed, not yet sealed)")
        let built = Mutex<[Int: ProvinceNode]>([:])
        let progress = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: o.counties) { i in
            do {
                let replica = replicas[i]!
                let code = replica.identity.county!
                let workload = try CountyWorkload.make(
                    code: code, teachers: o.provinceTeachers, baseRecords: o.provinceRecords,
                    nights: [(o.provinceDelta, o.provinceUpdates)],
                    teacherOffset: (i / hebeiCounties.count) * o.provinceTeachers)
                let enrol = try replica.receive(registry)
                try require(enrol.rejected.isEmpty, "node \(i) enrolment: \(enrol.rejected.prefix(2))")
                let written = try replica.write(workload.base)
                try require(written.written == workload.baseCount, "node \(i) base: wrote \(written.written)")
                try replica.seal()
                let received = try hub.receive(replica.exportEnvelopes(since: hubVector))
                try require(
                    received.rejected.isEmpty && received.operationsApplied == workload.baseCount,
                    "node \(i) base at the hub: \(received.operationsApplied) applied, \(received.rejected.prefix(2))")
                let night = workload.nights[0]
                let delta = try replica.write(night.writes)
                try require(delta.written == night.count, "node \(i) delta: wrote \(delta.written) of \(night.count)")
                built.withLock {
                    $0[i] = ProvinceNode(
                        index: i, code: code, replica: replica, directory: replica.directory,
                        expectedOperations: workload.baseCount + night.count, deltaOperations: night.count)
                }
                let done = progress.withLock {
                    $0 += 1
                    return $0
                }
                if done % max(1, o.counties / 10) == 0 || done == o.counties {
                    say("    \(done)/\(o.counties) nodes ready (\(secs(seconds(setupStart, .now))))")
                }
            } catch {
                failures.withLock { $0.append("node \(i): \(error)") }
            }
        }
        try require(failures.withLock { $0.isEmpty }, failures.withLock { $0.prefix(3).joined(separator: "; ") })
        nodes = built.withLock { b in (0..<o.counties).map { b[$0]! } }
        // A second centre of a county reads the other centre's streams too: give it their base sets, as its
        // previous nights would have.
        let vector = try hub.versionVector()
        for node in nodes where node.index >= hebeiCounties.count || o.counties > hebeiCounties.count {
            let missing = try hub.exportEnvelopes(since: node.replica.versionVector(), county: node.code)
            if missing.isEmpty { continue }
            let r = try node.replica.receive(missing)
            try require(r.rejected.isEmpty, "node \(node.index) base of its county: \(r.rejected.prefix(2))")
        }
        for node in nodes {
            try require(
                try node.replica.versionVector().readable(by: node.code) == vector.readable(by: node.code),
                "node \(node.index): base not in sync with the hub")
        }
    }
    result.operations = nodes.reduce(0) { $0 + $1.deltaOperations }
    say(
        "  setup done in \(secs(seconds(setupStart, .now))): every node's base in sync with the hub; "
            + "\(format(result.operations)) delta operations waiting")

    // MARK: Hub process and relay
    let hub = try await ChildProcess.start(
        name: "province hub", binary: ctx.binary,
        arguments: ["hub", "run", "--data", hubDir.path, "--listen", "127.0.0.1:0"],
        logPath: phaseDir.appendingPathComponent("hub.log").path)
    let relay = try Relay(targetPort: hub.port)
    defer { relay.stop() }
    let hubStart = hub.status ?? ProcStatus()
    say(
        "  hub process pid \(hub.pid), port \(hub.port), RSS after start \(mib(kB: hubStart.rssKB)); relay port "
            + "\(relay.port)")

    // MARK: The night
    let retry = RetryPolicy(baseMillis: Int64(o.retryBaseSeconds) * 1000, maxMillis: 1_800_000, jitter: 0.2)
    let drivers = nodes.map { node -> SyncDriver in
        var client = HubClient(
            baseURL: relay.url, signer: node.replica.identity.signer, wallClock: SystemWallClock(), http: ctx.http)
        client.timeout = .seconds(o.timeoutSeconds)
        return SyncDriver(executor: ReplicaExecutor(node.replica), client: client, firstSeal: SyncDriver.slowStart)
    }
    let metricsBefore = try await HubMetricsSnapshot.fetch(ctx.http, port: hub.port)
    let hubCPUBefore = hub.cpuSeconds ?? 0
    let hubSchedBefore = ProcStatus.scheduler(pid: hub.pid)
    let benchCPUBefore = ProcStatus.ownCPUSeconds()
    let totalsBefore = relay.totals
    let exchangeIndex = relay.exchanges().count
    let inSyncCount = SharedCounter()
    let sampledPeak = SharedCounter()
    say("  night starts: \(o.counties) sync rounds at once")
    let t0 = ContinuousClock.now
    let sampler = Task {
        var lastPrint = ContinuousClock.now
        var lastHubCPU = hubCPUBefore
        var lastBenchCPU = benchCPUBefore
        while !Task.isCancelled {
            if let s = hub.status { sampledPeak.max(s.rssKB) }
            let interval = seconds(lastPrint, .now)
            if interval >= 15 {
                lastPrint = .now
                let s = hub.status ?? ProcStatus()
                let hubCPU = hub.cpuSeconds ?? lastHubCPU
                let benchCPU = ProcStatus.ownCPUSeconds()
                let done = relay.exchanges(from: exchangeIndex)
                say(
                    "    +\(String(format: "%.0f", seconds(t0, .now))) s: \(inSyncCount.value)/"
                        + "\(o.counties) in sync; hub RSS \(mib(kB: s.rssKB)), peak \(mib(kB: s.hwmKB)); CPU of the "
                        + "last \(String(format: "%.0f", interval)) s: hub \(String(format: "%.0f", 100 * (hubCPU - lastHubCPU) / interval)) %, "
                        + "nodes \(String(format: "%.0f", 100 * (benchCPU - lastBenchCPU) / interval)) % of one core; "
                        + "requests ended \(done.count) (\(done.filter(\.aborted).count) given up)")
                lastHubCPU = hubCPU
                lastBenchCPU = benchCPU
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
    let nights = await withTaskGroup(of: NodeNight.self) { group in
        for (i, driver) in drivers.enumerated() {
            group.addTask {
                var failures = [String]()
                var rounds = 0
                while true {
                    rounds += 1
                    let report = await driver.runRound()
                    switch report.outcome {
                    case .inSync:
                        inSyncCount.add(1)
                        return NodeNight(index: i, inSync: true, rounds: rounds, failures: failures, end: .now)
                    case .failed(let reason, let detail, let retryable):
                        failures.append("\(reason.rawValue): \(detail.prefix(120))")
                        guard retryable, rounds < o.maxRounds else {
                            return NodeNight(index: i, inSync: false, rounds: rounds, failures: failures, end: .now)
                        }
                        let delay = retry.delayMillis(failures: failures.count, random: Double.random(in: 0..<1))
                        try? await Task.sleep(for: .milliseconds(delay))
                    }
                }
            }
        }
        var out = [NodeNight]()
        for await n in group { out.append(n) }
        return out.sorted { $0.index < $1.index }
    }
    let tAllDone = nights.map(\.end).max() ?? .now
    sampler.cancel()
    _ = await sampler.value
    let hubCPU = (hub.cpuSeconds ?? 0) - hubCPUBefore
    let hubWaiting = (ProcStatus.scheduler(pid: hub.pid)?.waiting ?? 0) - (hubSchedBefore?.waiting ?? 0)
    let benchCPU = ProcStatus.ownCPUSeconds() - benchCPUBefore
    let delta = try await HubMetricsSnapshot.fetch(ctx.http, port: hub.port) - metricsBefore
    let totals = relay.totals
    let exchanges = relay.exchanges(from: exchangeIndex)
    let hubStatus = hub.status ?? ProcStatus()
    result.hubPeakKB = hubStatus.hwmKB
    result.nightSeconds = seconds(t0, tAllDone)

    // MARK: Figures
    let synced = nights.filter(\.inSync).count
    let failedRounds = nights.reduce(0) { $0 + $1.failures.count }
    result.failedRounds = failedRounds
    say("\n  night over: \(synced)/\(o.counties) nodes in sync")
    say(
        "  total time (all rounds start → last node in sync): \(secs(result.nightSeconds)) — "
            + "\(format(Double(result.operations) / result.nightSeconds)) ops/s across the province")
    let firstRound = nights.filter { $0.inSync && $0.rounds == 1 }.count
    say(
        "  rounds: \(nights.reduce(0) { $0 + $1.rounds }) (\(firstRound) nodes in sync at the first round, "
            + "\(failedRounds) failed rounds retried with back-off)")
    if failedRounds > 0 {
        var reasons = [String: Int]()
        for n in nights {
            for f in n.failures {
                let key = f.count > 90 ? String(f.prefix(90)) + "…" : f
                reasons[key, default: 0] += 1
            }
        }
        for (reason, count) in reasons.sorted(by: { $0.value > $1.value }).prefix(8) {
            say("    \(count) × \(reason)")
        }
    }
    let latencies = exchanges.map(\.seconds)
    result.requests = exchanges.count
    result.p99Seconds = percentile(latencies, 99)
    let aborted = exchanges.filter(\.aborted).count
    let bad = exchanges.filter { !$0.aborted && $0.status != 200 }.count
    say(
        "  requests: \(exchanges.count) (\(aborted) given up by the client after its \(o.timeoutSeconds) s timeout, "
            + "\(bad) answered with a status other than 200); latency p50 \(ms(percentile(latencies, 50))), p90 "
            + "\(ms(percentile(latencies, 90))), p99 \(ms(result.p99Seconds)), max \(ms(latencies.max() ?? 0))")
    for endpoint in Set(exchanges.map(\.endpoint)).sorted() {
        let l = exchanges.filter { $0.endpoint == endpoint }.map(\.seconds)
        say(
            "    \(endpoint.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%5d", l.count)) "
                + "requests: p50 \(ms(percentile(l, 50))), p99 \(ms(percentile(l, 99))), max \(ms(l.max() ?? 0))")
    }
    let wire = (totals.up - totalsBefore.up) + (totals.down - totalsBefore.down)
    say(
        "  wire: \(format(wire)) bytes both ways = \(String(format: "%.1f", Double(wire) / Double(result.operations))) "
            + "bytes per operation; \(totals.connections - totalsBefore.connections) connections")
    say(
        "  hub: applied \(format(delta.operationsApplied)) operations in \(format(Int(delta.setsApplied))) sets; "
            + "\(format(delta.operationsApplied / result.nightSeconds)) ops/s over the night; CPU \(secs(hubCPU)) "
            + "(\(String(format: "%.0f", 100 * hubCPU / result.nightSeconds)) % of one core; "
            + "\(format(delta.operationsApplied / max(hubCPU, 0.001))) ops per CPU second; runnable but waiting for "
            + "a CPU \(secs(hubWaiting))); this process (the "
            + "\(o.counties) nodes, sealing and relaying) CPU \(secs(benchCPU))")
    say(
        "  hub RSS: peak (VmHWM) \(mib(kB: hubStatus.hwmKB)), highest 250 ms sample \(mib(kB: sampledPeak.value)), "
            + "now \(mib(kB: hubStatus.rssKB))")
    if delta.requestsRefused > 0 { say("  hub refusals: \(delta.nonZero("requests_refused").joined(separator: ", "))") }

    // MARK: Nothing lost
    let hubExit = await hub.stop(limit: .seconds(60))
    say("\n10. province checks (hub stopped with SIGTERM: exit status \(hubExit.map(String.init) ?? "— (killed)"))")
    ctx.checks.expect(hubExit == 0, "the province hub did not exit cleanly on SIGTERM")
    ctx.checks.expect(synced == o.counties, "\(o.counties - synced) nodes did not get in sync")
    ctx.checks.expect(
        Int(delta.operationsApplied) == result.operations,
        "the hub applied \(Int(delta.operationsApplied)) operations during the night; the nodes sent \(result.operations)"
    )
    ctx.checks.expect(delta.setsRejected == 0, "the hub rejected sets: \(delta.nonZero("sets_rejected"))")
    let checkStart = ContinuousClock.now
    let hubReplica = try Replica.open(at: hubDir)
    let hubVector = try hubReplica.versionVector()
    let hubOps = try operationsPerOrigin(hubDir)
    var headsEqual = 0
    var opsEqual = 0
    var pending = 0
    for node in nodes {
        let own = try node.replica.ownHeads()
        if own.allSatisfy({ hubVector[$0.key] == $0.value }) { headsEqual += 1 }
        if hubOps[node.replica.identity.origin.hex] == node.expectedOperations { opsEqual += 1 }
        pending += try node.replica.status().pendingOperations
    }
    ctx.checks.expect(headsEqual == nodes.count, "\(nodes.count - headsEqual) nodes' own heads differ at the hub")
    ctx.checks.expect(opsEqual == nodes.count, "\(nodes.count - opsEqual) nodes' operation counts differ at the hub")
    ctx.checks.expect(pending == 0, "\(pending) operations still pending at the nodes")
    // A second centre of a county reads its county's streams, so it may lack the other centre's sets pushed after its
    // pull: bring such nodes up to date the way their next round would, then compare whole counties.
    var settled = 0
    for node in nodes {
        guard try node.replica.versionVector().readable(by: node.code) != hubVector.readable(by: node.code) else {
            continue
        }
        let r = try node.replica.receive(
            hubReplica.exportEnvelopes(since: node.replica.versionVector(), county: node.code))
        ctx.checks.expect(r.rejected.isEmpty, "node \(node.index) settling: \(r.rejected.prefix(2))")
        settled += 1
    }
    var vectorsEqual = 0
    for node in nodes {
        if try node.replica.versionVector().readable(by: node.code) == hubVector.readable(by: node.code) {
            vectorsEqual += 1
        }
    }
    ctx.checks.expect(vectorsEqual == nodes.count, "\(nodes.count - vectorsEqual) nodes' heads differ from the hub's")
    let codes = Array(Set(nodes.map(\.code))).sorted()
    let hubDigests = Mutex<[String: String]>([:])
    let digestFailures = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: codes.count) { i in
        do {
            let d = try hubReplica.digest(county: codes[i])
            hubDigests.withLock { $0[codes[i]] = d }
        } catch {
            digestFailures.withLock { $0.append("hub digest \(codes[i]): \(error)") }
        }
    }
    let hubDigestsByCode = hubDigests.withLock { $0 }
    let digestsEqual = SharedCounter()
    DispatchQueue.concurrentPerform(iterations: nodes.count) { i in
        do {
            if try nodes[i].replica.digest(county: nodes[i].code) == hubDigestsByCode[nodes[i].code] {
                digestsEqual.add(1)
            }
        } catch {
            digestFailures.withLock { $0.append("node \(i) digest: \(error)") }
        }
    }
    ctx.checks.expect(digestFailures.withLock { $0.isEmpty }, digestFailures.withLock { $0.prefix(3).joined() })
    let equalDigests = digestsEqual.value
    ctx.checks.expect(equalDigests == nodes.count, "\(nodes.count - equalDigests) nodes' digests differ from the hub's")
    let quarantined = try hubReplica.status().quarantined.values.reduce(0, +)
    ctx.checks.expect(quarantined == 0, "the hub quarantined \(quarantined) sets")
    result.nothingLost = ctx.checks.all.isEmpty
    say(
        "  own heads equal at the hub: \(headsEqual)/\(nodes.count); operations per node equal (base + delta): "
            + "\(opsEqual)/\(nodes.count); pending at the nodes: \(pending); operations applied during the night "
            + "\(format(delta.operationsApplied)) = sent \(format(result.operations)): "
            + "\(Int(delta.operationsApplied) == result.operations)")
    say(
        "  county heads equal to the hub's: \(vectorsEqual)/\(nodes.count) (\(settled) second-centre node(s) first "
            + "brought up to date from the hub's store); digest(county:) equal: \(equalDigests)/\(nodes.count); "
            + "quarantined at the hub: \(quarantined) (checks took \(secs(seconds(checkStart, .now))))")
    return result
}

/// An integer shared between tasks and threads.
final class SharedCounter: Sendable {
    private let atomic = Atomic<Int>(0)

    var value: Int { atomic.load(ordering: .relaxed) }

    func add(_ n: Int) { atomic.add(n, ordering: .relaxed) }

    /// Raises the value to `v` if it is higher.
    func max(_ v: Int) {
        var current = atomic.load(ordering: .relaxed)
        while v > current {
            let (exchanged, original) = atomic.compareExchange(expected: current, desired: v, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
}
