import BenchSupport
import Foundation
import SQLiteReplica
import SyncCore

/// `--profile-ingest`: the county's seal and the hub's ingest of one nightly delta in this process, without HTTP
/// or child processes, so that a profiler sees only them:
///
///     valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*ingestNight*' \
///         .build/release/teachersync-netbench --profile-ingest --teachers 1000 --records 5000 --new-records 4000 \
///         --updates 400
///
/// The hub's part is what its upload route does after authenticating: inflate, decode and prepare every set (on the
/// decoding thread, beside the writer), then `Replica.receive`, which stores the sets as they came, deflated.
/// Prints the time of each step.
func runIngestProfile(_ options: Options, dir: URL) throws {
    let code = "130102"
    let (workload, generateTime) = try measure {
        try CountyWorkload.make(
            code: code, teachers: options.teachers, baseRecords: options.records,
            nights: [(options.newRecords, options.updates)], baselineCount: options.newRecords + options.updates)
    }
    let night = workload.nights[0]
    say(
        "profile-ingest: county \(code), delta of \(format(night.count)) operations (generated in \(secs(generateTime)))"
    )
    let rawRate = try Baseline.median3(dir, "raw", rows: workload.baselineRows)
    say("  raw insert: \(format(rawRate)) rows/s")
    let config = ReplicaConfiguration(wallClock: SystemWallClock())
    var hubConfig = config
    hubConfig.groupCommitOperations = options.groupCommitOperations
    let hub = try Replica.create(
        at: dir.appendingPathComponent("hub"), role: .hub, county: nil, configuration: hubConfig)
    let county = try Replica.create(
        at: dir.appendingPathComponent("county"), role: .county, county: code,
        hubKey: hub.identity.signer.publicKeyBase64, configuration: config)
    try hub.write([.registryEntry(county.identity.record)])
    try hub.seal()
    let enrol = try county.receive(hub.exportEnvelopes(county: code))
    try require(enrol.rejected.isEmpty && enrol.applied >= 1, "enrolment: \(enrol.rejected)")
    try county.write(workload.base)
    try county.seal()
    let base = try hub.receive(county.exportEnvelopes(since: hub.versionVector()))
    try require(base.operationsApplied == workload.baseCount, "base: applied \(base.operationsApplied)")
    try county.write(night.writes)

    let steps = try ingestNight(county: county, hub: hub)
    try require(steps.applied == night.count, "the hub applied \(steps.applied) of \(night.count) operations")
    try require(
        try hub.digest(county: code) == county.digest(county: code), "digest(county:) differs between hub and county")
    let n = Double(night.count)
    for (name, seconds, cpu) in steps.times {
        say(
            "  \(name.padding(toLength: 26, withPad: " ", startingAt: 0)) \(secs(seconds))  "
                + "\(String(format: "%6.2f", seconds / n * 1e6)) µs/op  \(ratio(n / seconds, rawRate)) × raw  "
                + "CPU \(String(format: "%6.2f", cpu / n * 1e6)) µs/op")
    }
    let hubSeconds = steps.times.filter { $0.0.hasPrefix("hub") }.reduce(0) { $0 + $1.1 }
    say(
        "  hub inflate + decode + prepare + receive: \(String(format: "%.2f", hubSeconds / n * 1e6)) µs/op = "
            + "\(ratio(n / hubSeconds, rawRate)) × raw (the upload handler's share without HTTP and receipts)")
}

/// The measured part (the profiler's toggle): seal and export at the county, decode and receive at the hub. Each
/// step's wall time, and the CPU time of the whole process meanwhile, which only that step uses (the caller waits
/// for the replica's writer): unlike the wall time, it does not vary with the disk's moods, so it compares two
/// builds' work where the wall time cannot.
@inline(never)
func ingestNight(county: Replica, hub: Replica) throws -> (times: [(String, Double, Double)], applied: Int) {
    var times = [(String, Double, Double)]()
    func step<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let cpu = ProcStatus.ownCPUSeconds()
        let (result, seconds) = try measure(body)
        times.append((name, seconds, ProcStatus.ownCPUSeconds() - cpu))
        return result
    }
    let since = try hub.versionVector()
    try step("county seal") { _ = try county.seal() }
    // The sets as an upload of protocol 3 carries them: in their stored forms, deflated.
    let refs = try county.setReferences().filter { $0.sequence > since[$0.stream].sequence }
    let stored = try step("county export") { try county.storedEnvelopes(refs) }
    // As the upload route does on its decoding thread: decode, then prepare with the uploader's registry entry.
    let author = try hub.originRecord(for: county.identity.origin)
    let sets = try step("hub inflate + decode") { try stored.map { try $0.changeSet() } }
    try require(Set(sets.map(\.stream)).count == 1, "one stream expected")
    let prepared = step("hub prepare") { sets.map { hub.prepare($0, expectedAuthor: author) } }
    let report = try step("hub receive") { try hub.receive(count: prepared.count) { prepared[$0] } }
    try require(report.rejected.isEmpty, "rejected: \(report.rejected.prefix(3))")
    return (times, report.operationsApplied)
}
