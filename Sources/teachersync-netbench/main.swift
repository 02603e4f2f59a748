// teachersync-netbench: the sync protocol over loopback, against raw SQLite on this machine, in one run.
//
//     swift build -c release --scratch-path .build-bench --product teachersync     # the hub and county daemon
//     swift build -c release --scratch-path .build-bench --product teachersync-netbench
//     .build-bench/release/teachersync-netbench [--quick] [options]
//
// A county of 5,000 teachers and 100,000 study records in sync with a hub process (`teachersync hub run`) pushes
// its nightly delta (20,000 new study records, 2,000 updated teachers) through a counting TCP relay, three nights
// in a row, each between two measurements of the raw insert (the denominator); then a real
// county daemon (`teachersync county run`) idles and pushes a fourth night; then a province night: 170 county
// nodes push such a delta to one hub process at once. Correctness checks failing exit 1; performance targets are
// printed as PASS or MISS and never fail the run. Temporary folders and child processes are removed on exit.

import AsyncHTTPClient
import BenchSupport
import Foundation
import SQLiteReplica
import SyncTransport

// MARK: - Arguments

struct Options: Sendable {
    var quick = false
    var teachers = 5_000
    var records = 100_000
    var newRecords = 20_000
    var updates = 2_000
    var counties = 170
    var provinceTeachers = 5_000
    var provinceRecords = 0
    var provinceDelta = 20_000
    var provinceUpdates = 2_000
    var skipProvince = false
    var teachersync: String?
    var timeoutSeconds = 60
    var retryBaseSeconds = 30
    var maxRounds = 10
    var idleSeconds = 5
    var keep = false
    var profileIngest = false
    /// The county's upload batch limit in sets (`sync.batch.max_sets`; the daemon's default is 64).
    var batchSets = 64
    /// Sets the single county's driver seals before its first upload (0: a whole batch).
    var firstSeal = SyncDriver.slowStart
    /// `ReplicaConfiguration.groupCommitOperations` of the in-process hub of `--profile-ingest`.
    var groupCommitOperations = ReplicaConfiguration().groupCommitOperations
    /// Nightly deltas the single county pushes in process, each between two measurements of the raw insert.
    var nights = 3

    static let usage = """
        usage: teachersync-netbench [options]
          --quick                 smoke run (under a minute): 500 teachers, 5,000 records, delta 2,000 + 200,
                                  8 counties with 500 teachers and a delta of 1,000 + 100 each
          --teachers N            teachers of the county (default 5000)
          --records N             study records already in sync (default 100000)
          --new-records N         new study records in the nightly delta (default 20000)
          --updates N             teachers updated in the nightly delta (default 2000)
          --counties N            county nodes of the province night (default 170)
          --province-teachers N   teachers of each province node (default: --teachers)
          --province-records N    study records already in sync at each province node (default 0)
          --province-delta N      new study records per province node (default: --new-records)
          --province-updates N    updated teachers per province node (default: --updates)
          --skip-province         no province night
          --timeout S             request timeout of the county clients, seconds (default 60, as HubClient)
          --retry-base S          first retry delay after a failed round, seconds (default 30, as the daemon)
          --max-rounds N          sync rounds per province node before giving up (default 10)
          --batch-sets N          sets per upload batch of the single county, its driver and its daemon
                                  (sync.batch.max_sets; default 64, the daemon's default)
          --group-commit N        operations per transaction of the hub in --profile-ingest (default 50000;
                                  1: one commit per set, as before group commit)
          --first-seal N          sets the single county's driver seals before its first upload (default 1,
                                  as the daemon; 0: a whole batch first)
          --nights N              nightly deltas the single county pushes in process (default 3); the raw
                                  insert is measured before the first and after each, and each night is
                                  compared with the mean of the measurements on either side of it
          --teachersync PATH      the teachersync executable (default: the one next to this benchmark)
          --keep                  keep the temporary folder (replicas, hub and daemon logs)
          --profile-ingest        only the county's seal and the hub's decode + receive of one delta, in this
                                  process, for a profiler (no HTTP, no child processes; see IngestProfile.swift)
          -h, --help              this text
        """

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var explicit = [String: Int]()
        var i = 0
        func value(_ name: String) -> String {
            guard i + 1 < args.count else { fail("\(name) needs a value") }
            i += 1
            return args[i]
        }
        func number(_ name: String, min: Int) -> Int {
            let text = value(name)
            guard let n = Int(text.replacingOccurrences(of: "_", with: "")), n >= min else {
                fail("\(name) needs a whole number of at least \(min), not \(text)")
            }
            return n
        }
        while i < args.count {
            let arg = args[i]
            switch arg {
            case "--quick": o.quick = true
            case "--skip-province": o.skipProvince = true
            case "--keep": o.keep = true
            case "--profile-ingest": o.profileIngest = true
            case "--teachersync": o.teachersync = value(arg)
            case "--teachers", "--province-teachers", "--counties": explicit[arg] = number(arg, min: 1)
            case "--records", "--new-records", "--updates", "--province-records", "--province-delta",
                "--province-updates":
                explicit[arg] = number(arg, min: 0)
            case "--timeout", "--retry-base", "--max-rounds", "--batch-sets", "--group-commit":
                explicit[arg] = number(arg, min: 1)
            case "--first-seal": explicit[arg] = number(arg, min: 0)
            case "--nights": explicit[arg] = number(arg, min: 1)
            case "-h", "--help":
                say(usage)
                exit(0)
            default: fail("unknown argument \(arg)")
            }
            i += 1
        }
        if o.quick {
            (o.teachers, o.records, o.newRecords, o.updates) = (500, 5_000, 2_000, 200)
            (o.counties, o.provinceDelta, o.provinceUpdates) = (8, 1_000, 100)
            o.idleSeconds = 3
        }
        o.teachers = explicit["--teachers"] ?? o.teachers
        o.records = explicit["--records"] ?? o.records
        o.newRecords = explicit["--new-records"] ?? o.newRecords
        o.updates = explicit["--updates"] ?? o.updates
        o.counties = explicit["--counties"] ?? o.counties
        o.provinceTeachers = explicit["--province-teachers"] ?? o.teachers
        o.provinceRecords = explicit["--province-records"] ?? o.provinceRecords
        let quickDelta = o.quick && explicit["--new-records"] == nil
        o.provinceDelta = explicit["--province-delta"] ?? (quickDelta ? o.provinceDelta : o.newRecords)
        let quickUpdates = o.quick && explicit["--updates"] == nil
        o.provinceUpdates = explicit["--province-updates"] ?? (quickUpdates ? o.provinceUpdates : o.updates)
        o.timeoutSeconds = explicit["--timeout"] ?? o.timeoutSeconds
        o.retryBaseSeconds = explicit["--retry-base"] ?? o.retryBaseSeconds
        o.maxRounds = explicit["--max-rounds"] ?? o.maxRounds
        o.batchSets = explicit["--batch-sets"] ?? o.batchSets
        o.groupCommitOperations = explicit["--group-commit"] ?? o.groupCommitOperations
        o.firstSeal = explicit["--first-seal"] ?? o.firstSeal
        o.nights = explicit["--nights"] ?? o.nights
        guard o.newRecords + o.updates > 0 else { fail("the nightly delta is empty") }
        guard o.updates <= o.teachers else { fail("--updates must not exceed --teachers") }
        guard o.provinceUpdates <= o.provinceTeachers else {
            fail("--province-updates must not exceed --province-teachers")
        }
        guard o.skipProvince || o.provinceDelta + o.provinceUpdates > 0 else { fail("the province delta is empty") }
        return o
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("teachersync-netbench: \(message)\n\(usage)\n".utf8))
        exit(2)
    }
}

// MARK: - Run

func run(_ options: Options) async -> Int32 {
    let started = ContinuousClock.now
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
        "teachersync-netbench-\(UUID().uuidString)")
    Cleanup.shared.add(folder: dir)
    if options.keep { Cleanup.shared.keepFolders() }
    if options.profileIngest {
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try runIngestProfile(options, dir: dir)
            return 0
        } catch {
            FileHandle.standardError.write(Data("teachersync-netbench: \(error)\n".utf8))
            return 1
        }
    }
    let checks = Checks()
    let http = makeHTTPClient()
    var single: SingleCountyResult?
    var province: ProvinceResult?
    var failure: String?
    do {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        say("teachersync-netbench\(options.quick ? " (--quick)" : "")")
        say("command: \(CommandLine.arguments.joined(separator: " "))")
        Machine.printFacts(tempDir: dir)
        say("  open files limit: \(Machine.raiseOpenFileLimit())")
        let binary = try TeacherSyncBinary.locate(options.teachersync)
        say("  teachersync: \(binary.path)")
        let ctx = RunContext(options: options, dir: dir, binary: binary, http: http, checks: checks)
        single = try await runSingleCounty(ctx)
        if !options.skipProvince { province = try await runProvince(ctx) }
    } catch {
        failure = "\(error)"
    }
    try? await http.shutdown()
    say("\nload average after the run: \(Machine.loadAverage())")
    if let single { printSummary(options, single, province) }
    say(String(format: "\ntotal run time %.1f s", seconds(started, .now)))
    if let failure {
        FileHandle.standardError.write(Data("teachersync-netbench: \(failure)\n".utf8))
        say("RESULT: FAILED (\(failure.prefix(300)))")
        return 1
    }
    if !checks.all.isEmpty {
        say("RESULT: \(checks.all.count) correctness check(s) failed:")
        for c in checks.all { say("  - \(c)") }
        return 1
    }
    say("RESULT: every correctness check passed (targets are reported above as PASS or MISS)")
    return 0
}

func printSummary(_ o: Options, _ s: SingleCountyResult, _ p: ProvinceResult?) {
    say(
        "\nNights (each against the mean of the raw insert measured just before and just after it; first "
            + "\(format(s.rawRate)) rows/s, last \(format(s.rawRateAgain)))")
    var nights: [[String]] = [
        ["night", "raw before", "raw after", "end to end", "vs raw", "hub verify-and-apply", "vs raw"]
    ]
    for (n, night) in s.nights.enumerated() {
        nights.append([
            "\(n + 1)", format(night.rawBefore), format(night.rawAfter),
            "\(secs(night.e2eSeconds)) = \(format(night.e2eRate)) ops/s", ratio(night.e2eRate, night.denominator),
            "\(secs(night.hubSeconds)) = \(format(night.hubRate)) ops/s", ratio(night.hubRate, night.denominator),
        ])
    }
    printTable(nights)

    let e2e = s.medianNight(\.e2eRatio)
    let hub = s.medianNight(\.hubRatio)
    let range = { (f: (NightFigures) -> Double) in
        String(format: "%.3f–%.3f", s.nights.map(f).min() ?? 0, s.nights.map(f).max() ?? 0)
    }
    say("\nSummary (the median night of \(s.nights.count) for each ratio; the range over the nights in brackets)")
    var rows: [[String]] = [["figure", "value", "vs raw", "target", ""]]
    rows.append([
        "end to end, commit → applied + acknowledged (\(format(e2e.operations)) ops)",
        "\(format(e2e.e2eRate)) ops/s (\(secs(e2e.e2eSeconds)))",
        "\(ratio(e2e.e2eRate, e2e.denominator)) (\(range(\.e2eRatio)))", "≥ 0.40 × raw",
        verdict(e2e.e2eRatio >= 0.40),
    ])
    rows.append([
        "hub verify-and-apply", "\(format(hub.hubRate)) ops/s",
        "\(ratio(hub.hubRate, hub.denominator)) (\(range(\.hubRatio)))", "≥ 0.5 × raw", verdict(hub.hubRatio >= 0.5),
    ])
    let bytes = s.nights.map(\.bytesPerOperation).max() ?? 0
    rows.append([
        "bytes on the wire per operation (the largest night)", String(format: "%.1f B", bytes), "—", "≤ 50 B",
        verdict(bytes <= 50),
    ])
    rows.append(["hub peak RSS (VmHWM)", mib(kB: s.hubPeakKB), "—", "—", ""])
    rows.append([
        "county daemon idle RSS", mib(kB: s.countyIdleKB), "—", "< 60 MiB", verdict(s.countyIdleKB < 60 * 1024),
    ])
    rows.append(["county daemon peak RSS (VmHWM, after a delta sync)", mib(kB: s.countyPeakKB), "—", "—", ""])
    rows.append([
        "end to end through the daemon (\(format(s.daemonOperations)) ops)",
        "\(format(Double(s.daemonOperations) / s.daemonE2ESeconds)) ops/s (\(secs(s.daemonE2ESeconds)))",
        ratio(Double(s.daemonOperations) / s.daemonE2ESeconds, s.rawRateAgain), "—", "",
    ])
    if let p {
        rows.append([
            "province night: \(p.counties) counties, \(format(p.operations)) ops", secs(p.nightSeconds), "—",
            "< 600 s", verdict(p.nightSeconds < 600),
        ])
        rows.append([
            "province night: hub peak RSS (VmHWM)", mib(kB: p.hubPeakKB), "—", "< 1 GiB",
            verdict(p.hubPeakKB < 1024 * 1024),
        ])
        rows.append([
            "province night: p99 request latency (\(format(p.requests)) requests)", ms(p.p99Seconds), "—", "—", "",
        ])
        rows.append([
            "province night: nothing lost", p.nothingLost ? "yes" : "NO", "—", "all", p.nothingLost ? "PASS" : "FAIL",
        ])
    }
    printTable(rows)
}

/// A Markdown table; the first row is the header.
func printTable(_ rows: [[String]]) {
    let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
    for (n, r) in rows.enumerated() {
        say(
            "| "
                + r.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                    separator: " | ") + " |")
        if n == 0 { say("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|") }
    }
}

Cleanup.shared.installSignalHandlers()
let parsedOptions = Options.parse(Array(CommandLine.arguments.dropFirst()))
let exitStatus = await run(parsedOptions)
Cleanup.shared.run()
exit(exitStatus)
