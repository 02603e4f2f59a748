import AsyncHTTPClient
import BenchSupport
import Foundation
import SQLiteReplica
import SyncCore
import SyncTransport

/// One county with its base state in sync with a hub process; `--nights` nightly deltas pushed over loopback through
/// the counting relay (in-process `SyncDriver`), each followed by a measurement of the raw insert, then one more
/// night's delta pushed by a real `teachersync county run` daemon, whose idle and peak RSS are read.
func runSingleCounty(_ ctx: RunContext) async throws -> SingleCountyResult {
    let o = ctx.options
    let code = "130102"
    var result = SingleCountyResult()
    let phaseDir = ctx.dir.appendingPathComponent("single")
    let hubDir = phaseDir.appendingPathComponent("hub")
    let countyDir = phaseDir.appendingPathComponent("county-\(code)")
    try FileManager.default.createDirectory(at: phaseDir, withIntermediateDirectories: true)

    // MARK: Workload
    say("\n1. workload: county \(code)")
    let (workload, generateTime) = try measure {
        try CountyWorkload.make(
            code: code, teachers: o.teachers, baseRecords: o.records,
            nights: Array(repeating: (o.newRecords, o.updates), count: o.nights + 1),
            baselineCount: o.newRecords + o.updates)
    }
    let night = workload.nights[0]
    say(
        "  base: \(format(workload.schools.count)) schools, \(format(workload.teachers.count)) teachers, "
            + "\(format(workload.baseRecords.count)) study records; nightly delta: \(format(night.records.count)) new "
            + "study records + \(format(night.updates.count)) updated teachers = \(format(night.count)) operations; "
            + "\(o.nights) such nights in process and one through the daemon (generated and validated in "
            + "\(secs(generateTime)))")

    // MARK: Raw baseline
    say("\n2. raw SQLite insert rate (the denominator)")
    say(
        "  \(format(workload.baselineRows.count)) study-record rows, one transaction, one prepared statement, text "
            + "primary key (indexed), WAL + synchronous=FULL, fresh file, median of 3")
    result.rawRate = try Baseline.median3(phaseDir, "raw", rows: workload.baselineRows)
    say("  raw insert: \(format(result.rawRate)) rows/s")

    // MARK: Base state, in sync
    say("\n3. base state: county and hub replicas, in sync before the night")
    let config = ReplicaConfiguration(wallClock: SystemWallClock())
    let county: Replica
    do {
        let hub = try Replica.create(at: hubDir, role: .hub, county: nil, configuration: config)
        county = try Replica.create(
            at: countyDir, role: .county, county: code, hubKey: hub.identity.signer.publicKeyBase64,
            configuration: config)
        try hub.write([.registryEntry(county.identity.record)])
        try hub.seal()
        let enrol = try county.receive(hub.exportEnvelopes(county: code))
        try require(enrol.rejected.isEmpty && enrol.applied >= 1, "enrolment: \(enrol.rejected)")
        let (written, writeTime) = try measure { try county.write(workload.base) }
        try require(written.written == workload.baseCount, "base: wrote \(written.written) of \(workload.baseCount)")
        let (_, sealTime) = try measure { try county.seal() }
        let envelopes = try county.exportEnvelopes(since: hub.versionVector())
        let (received, receiveTime) = try measure { try hub.receive(envelopes) }
        try require(
            received.rejected.isEmpty && received.operationsApplied == workload.baseCount,
            "base at the hub: applied \(received.operationsApplied), rejected \(received.rejected.prefix(3))")
        try require(
            try hub.versionVector().readable(by: code) == county.versionVector().readable(by: code),
            "base: county and hub heads differ")
        say(
            "  county: wrote \(format(workload.baseCount)) operations in \(secs(writeTime)), sealed in "
                + "\(secs(sealTime)); hub (in process, Replica.receive, no HTTP): received \(envelopes.count) sets in "
                + "\(secs(receiveTime)) (\(format(Double(workload.baseCount) / receiveTime)) ops/s = "
                + "\(ratio(Double(workload.baseCount) / receiveTime, result.rawRate)) × raw); heads equal")
    }

    // MARK: Hub process and relay
    say("\n4. hub process and counting relay")
    let hub = try await ChildProcess.start(
        name: "hub", binary: ctx.binary,
        arguments: ["hub", "run", "--data", hubDir.path, "--listen", "127.0.0.1:0"],
        logPath: phaseDir.appendingPathComponent("hub.log").path)
    let relay = try Relay(targetPort: hub.port)
    defer { relay.stop() }
    let started = hub.status ?? ProcStatus()
    say(
        "  \(ctx.binary.path) hub run --data … --listen 127.0.0.1:0 → pid \(hub.pid), port \(hub.port); RSS after "
            + "start \(mib(kB: started.rssKB))")
    say("  relay 127.0.0.1:\(relay.port) → 127.0.0.1:\(hub.port) (counts every byte both ways, times each request)")

    // MARK: The nights
    var client = HubClient(
        baseURL: relay.url, signer: county.identity.signer, wallClock: SystemWallClock(), http: HubClient.nodeClient)
    client.timeout = .seconds(o.timeoutSeconds)
    let driver = SyncDriver(
        executor: ReplicaExecutor(county), client: client, limits: SyncRound.Limits(maxSets: o.batchSets),
        firstSeal: o.firstSeal == 0 ? nil : o.firstSeal)
    var rawBefore = result.rawRate
    for n in 0..<o.nights {
        say("\n5.\(n + 1) night \(n + 1) of \(o.nights): commit at the county → applied and acknowledged at the hub")
        var figures = try await pushNight(
            ctx, workload.nights[n], county: county, driver: driver, hub: hub, relay: relay)
        figures.rawBefore = rawBefore
        figures.rawAfter = try Baseline.median3(phaseDir, "raw-\(n + 1)", rows: workload.baselineRows)
        rawBefore = figures.rawAfter
        say(
            "  raw insert after this night: \(format(figures.rawAfter)) rows/s; this night's denominator (the mean "
                + "of the measurements before and after it) \(format(figures.denominator)) rows/s: end to end "
                + "\(ratio(figures.e2eRate, figures.denominator)) × raw, hub verify-and-apply "
                + "\(ratio(figures.hubRate, figures.denominator)) × raw")
        result.nights.append(figures)
    }
    let hubAfterNights = hub.status ?? ProcStatus()
    say(
        "  hub RSS: \(mib(kB: hubAfterNights.rssKB)) now, peak (VmHWM) \(mib(kB: hubAfterNights.hwmKB)); this "
            + "process (county replica and generator) peak \(mib(kB: ProcStatus.read(pid: getpid())?.hwmKB ?? 0))")

    // MARK: County daemon
    say("\n6. county daemon (teachersync county run) on the same county folder")
    let windowStart = shanghaiTime(hoursFromNow: 12)
    let windowEnd = shanghaiTime(hoursFromNow: 13)
    let daemon = try await ChildProcess.start(
        name: "county daemon", binary: ctx.binary,
        arguments: ["county", "run", "--data", countyDir.path, "--hub", relay.url, "--listen", "127.0.0.1:0"],
        environment: [
            "TEACHERSYNC_SYNC_WINDOW_START": windowStart, "TEACHERSYNC_SYNC_WINDOW_END": windowEnd,
            "TEACHERSYNC_SYNC_BATCH_MAX_SETS": String(o.batchSets),
        ],
        logPath: phaseDir.appendingPathComponent("county.log").path)
    say(
        "  pid \(daemon.pid), local API port \(daemon.port); nightly window set to \(windowStart)–\(windowEnd) "
            + "Asia/Shanghai so that it stays idle; waiting \(o.idleSeconds) s")
    try await Task.sleep(for: .seconds(o.idleSeconds))
    let idle = daemon.status ?? ProcStatus()
    result.countyIdleKB = idle.rssKB
    say(
        "  idle: RSS \(mib(kB: idle.rssKB)), peak so far \(mib(kB: idle.hwmKB)), \(idle.threads) threads "
            + "(\(format(workload.teachers.count)) teachers, "
            + "\(format(workload.baseRecords.count + o.nights * night.records.count)) "
            + "study records in its replica)")

    let second = workload.nights[o.nights]
    let (secondWritten, _) = try measure { try county.write(second.writes) }
    try require(secondWritten.written == second.count, "second delta: wrote \(secondWritten.written)")
    let metricsBefore2 = try await HubMetricsSnapshot.fetch(ctx.http, port: hub.port)
    let totalsBefore2 = relay.totals
    let exchangeIndex2 = relay.exchanges().count
    let t1 = ContinuousClock.now
    let answer = try await plainRequest(
        ctx.http, .POST, "http://127.0.0.1:\(daemon.port)/v1/sync", body: [], timeout: .seconds(1800))
    let t1End = ContinuousClock.now
    let exchanges2 = relay.exchanges(from: exchangeIndex2)
    let totals2 = relay.totals
    let delta2 = try await HubMetricsSnapshot.fetch(ctx.http, port: hub.port) - metricsBefore2
    let busy = daemon.status ?? ProcStatus()
    result.countyPeakKB = busy.hwmKB
    result.daemonOperations = second.count
    result.daemonWireBytes = (totals2.up - totalsBefore2.up) + (totals2.down - totalsBefore2.down)
    let uploads2 = exchanges2.filter { $0.endpoint == "POST /v1/sets" }
    result.daemonE2ESeconds = seconds(t1, uploads2.map(\.end).max() ?? t1End)
    say("  second night: \(format(second.count)) operations written at the county, then POST /v1/sync to the daemon")
    say("  answer: HTTP \(answer.status) \(answer.text.trimmingCharacters(in: .whitespacesAndNewlines))")
    printExchanges(exchanges2, since: t1)
    ctx.checks.expect(answer.status == 200 && answer.text.contains("in_sync"), "daemon sync: \(answer.text)")
    ctx.checks.expect(
        Int(delta2.operationsApplied) == second.count,
        "the hub applied \(Int(delta2.operationsApplied)) operations of the daemon's \(second.count)")
    say(
        "  end to end through the daemon (POST /v1/sync → last upload acknowledged): "
            + "\(secs(result.daemonE2ESeconds)), \(format(Double(second.count) / result.daemonE2ESeconds)) ops/s; "
            + "answer after \(secs(seconds(t1, t1End)))")
    say(
        "  wire: \(format(result.daemonWireBytes)) bytes = "
            + "\(String(format: "%.1f", Double(result.daemonWireBytes) / Double(second.count))) bytes per operation")
    say("  daemon RSS after the sync \(mib(kB: busy.rssKB)), peak (VmHWM) \(mib(kB: busy.hwmKB))")
    let daemonExit = await daemon.stop()
    say("  SIGTERM: daemon exited with status \(daemonExit.map(String.init) ?? "— (killed after 30 s)")")

    // MARK: Stop and verify
    let hubFinal = hub.status ?? ProcStatus()
    result.hubPeakKB = hubFinal.hwmKB
    let hubExit = await hub.stop()
    say("\n7. checks (hub stopped with SIGTERM: exit status \(hubExit.map(String.init) ?? "— (killed)"))")
    ctx.checks.expect(hubExit == 0, "the hub did not exit cleanly on SIGTERM")
    let hubReplica = try Replica.open(at: hubDir)
    let hubVector = try hubReplica.versionVector().readable(by: code)
    let countyVector = try county.versionVector().readable(by: code)
    ctx.checks.expect(hubVector == countyVector, "after the nights, the county's and the hub's heads differ")
    let hubOps = try operationsPerOrigin(hubDir)[county.identity.origin.hex] ?? 0
    let countyOps = try operationsPerOrigin(countyDir)[county.identity.origin.hex] ?? 0
    let expected = workload.baseCount + workload.nights.reduce(0) { $0 + $1.count }
    ctx.checks.expect(
        hubOps == expected && countyOps == expected,
        "operations of the county's stream: hub \(hubOps), county \(countyOps), expected \(expected)")
    let (hubDigest, digestTime) = try measure { try hubReplica.digest(county: code) }
    let countyDigest = try county.digest(county: code)
    ctx.checks.expect(hubDigest == countyDigest, "digest(county: \(code)) differs between hub and county")
    let quarantined = try hubReplica.status().quarantined.values.reduce(0, +)
    ctx.checks.expect(quarantined == 0, "the hub quarantined \(quarantined) sets")
    say(
        "  heads equal: \(hubVector == countyVector); operations of the county's stream at the hub \(format(hubOps)) "
            + "= at the county \(format(countyOps)) = expected \(format(expected)); digest(county:) equal: "
            + "\(hubDigest == countyDigest) (\(hubDigest.prefix(16))…, \(secs(digestTime))); quarantined at the hub: "
            + "\(quarantined)")

    result.rawRateAgain = rawBefore
    say(
        "\n8. drift: the raw insert after the last night \(format(result.rawRateAgain)) rows/s "
            + "(\(ratio(result.rawRateAgain, result.rawRate)) × the first measurement)")
    return result
}

/// Writes one nightly delta at the county in one transaction, then times one sync round of `driver` through the
/// relay: end to end from the commit to the last upload's acknowledgement, and the hub's upload handler (its
/// request latency metric). The raw-insert measurements around it are the caller's.
func pushNight(
    _ ctx: RunContext, _ night: CountyWorkload.Night, county: Replica, driver: SyncDriver, hub: ChildProcess,
    relay: Relay
) async throws -> NightFigures {
    let ownBefore = try county.ownHeads()
    let (deltaWritten, deltaWriteTime) = try measure { try county.write(night.writes) }
    try require(deltaWritten.written == night.count, "delta: wrote \(deltaWritten.written) of \(night.count)")
    say(
        "  county write (one transaction, not part of the end-to-end time): \(format(night.count)) operations in "
            + "\(secs(deltaWriteTime)) (\(format(Double(night.count) / deltaWriteTime)) ops/s)")
    let metricsBefore = try await HubMetricsSnapshot.fetch(ctx.http, port: hub.port)
    let totalsBefore = relay.totals
    let exchangeIndex = relay.exchanges().count
    let hubCPUBefore = hub.cpuSeconds ?? 0
    let hubSchedBefore = ProcStatus.scheduler(pid: hub.pid)
    let t0 = ContinuousClock.now
    let report = await driver.runRound()
    let tEnd = ContinuousClock.now
    let hubCPU = (hub.cpuSeconds ?? 0) - hubCPUBefore
    let hubWaiting = (ProcStatus.scheduler(pid: hub.pid)?.waiting ?? 0) - (hubSchedBefore?.waiting ?? 0)
    let exchanges = relay.exchanges(from: exchangeIndex)
    let totals = relay.totals
    let delta = try await HubMetricsSnapshot.fetch(ctx.http, port: hub.port) - metricsBefore
    let ownAfter = try county.ownHeads()
    let newSets = ownAfter.reduce(0) { $0 + Int($1.value.sequence - (ownBefore[$1.key]?.sequence ?? 0)) }
    say("  round: \(report.outcome.text)")
    printExchanges(exchanges, since: t0)
    let uploads = exchanges.filter { $0.endpoint == "POST /v1/sets" }
    ctx.checks.expect(report.outcome == .inSync(pushed: newSets, pulled: 0), "round: \(report.outcome.text)")
    ctx.checks.expect(!uploads.isEmpty && uploads.allSatisfy { $0.status == 200 }, "uploads: \(uploads.map(\.status))")
    ctx.checks.expect(
        Int(delta.operationsApplied) == night.count,
        "the hub applied \(Int(delta.operationsApplied)) operations, the county sent \(night.count)")
    ctx.checks.expect(delta.setsRejected == 0, "the hub rejected sets: \(delta.nonZero("sets_rejected"))")
    let tAck = uploads.map(\.end).max() ?? tEnd
    if let firstUpload = uploads.map(\.start).min() {
        say(
            "  county side before the first upload (catch-up, seal and deflate, heads, read + frame + sign): "
                + "\(secs(seconds(t0, firstUpload))); upload(s) until acknowledged: \(secs(seconds(firstUpload, tAck)))"
        )
    }
    var figures = NightFigures()
    figures.operations = night.count
    figures.e2eSeconds = seconds(t0, tAck)
    figures.hubSeconds = delta.uploadSeconds
    figures.hubOperations = delta.operationsApplied
    figures.wireBytes = (totals.up - totalsBefore.up) + (totals.down - totalsBefore.down)
    let roundSeconds = seconds(t0, tEnd)
    let uploadBytes = uploads.reduce(0) { $0 + $1.requestBytes + $1.responseBytes }
    let envelopeBytes = try county.envelopes(
        county.setReferences().filter { ref in
            ref.stream.origin == county.identity.origin && ref.sequence > (ownBefore[ref.stream]?.sequence ?? 0)
        }
    ).reduce(0) { $0 + $1.count }
    say(
        "  end to end (commit → last upload acknowledged): \(secs(figures.e2eSeconds)), "
            + "\(format(figures.e2eRate)) ops/s")
    say(
        "  whole round (commit → round over, incl. the final pull): \(secs(roundSeconds)), "
            + "\(format(Double(night.count) / roundSeconds)) ops/s")
    say(
        "  hub verify-and-apply (its upload handler: authenticate, decode, verify, apply, commit, answer): "
            + "\(format(delta.operationsApplied)) ops in \(secs(delta.uploadSeconds)) over "
            + "\(Int(delta.uploadCount)) request(s) = \(format(figures.hubRate)) ops/s; hub CPU during the round "
            + "\(secs(hubCPU)), runnable but waiting for a CPU \(secs(hubWaiting))")
    say(
        "  wire: \(format(figures.wireBytes)) bytes both ways (\(format(totals.up - totalsBefore.up)) up, "
            + "\(format(totals.down - totalsBefore.down)) down, \(exchanges.count) requests) = "
            + "\(String(format: "%.1f", figures.bytesPerOperation)) bytes per operation; uploads alone "
            + "\(String(format: "%.1f", Double(uploadBytes) / Double(night.count))) B/op; the sets' envelopes "
            + "\(format(envelopeBytes)) B = \(String(format: "%.1f", Double(envelopeBytes) / Double(night.count))) B/op"
    )
    return figures
}

/// `a / b` with three decimals.
func ratio(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.3f", a / b) : "—" }
