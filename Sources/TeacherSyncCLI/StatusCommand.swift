import ArgumentParser
import Foundation
import SQLiteReplica

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show role, origin, stream heads, pending operations, quarantine and conflicts.")

    @OptionGroup var data: DataOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "At the hub: a county not heard from for this many hours is stale (the hub's "
                + "counties.stale_after_hours).", valueName: "hours"))
    var staleAfterHours = 48

    func validate() throws {
        guard staleAfterHours >= 1 else { throw ValidationError("--stale-after-hours must be at least 1") }
    }

    func run() throws {
        let replica = try data.open()
        let s = try replicaCall { () throws(ReplicaError) in try replica.status(staleAfterHours: staleAfterHours) }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            enc.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try enc.encode(s), as: UTF8.self))
            return
        }
        print("role: \(s.role)")
        print("origin: \(s.origin)")
        if let county = s.county { print("county: \(county)") }
        if s.role == "county" { print("hub key: \(s.hubKey == nil ? "not pinned" : "pinned")") }
        print("stored sets: \(s.storedSets)")
        print("streams:")
        if s.streams.isEmpty { print("  (none)") }
        for st in s.streams {
            print(
                "  \(st.origin.prefix(16))…/\(st.scope) seq \(st.sequence) head \(st.head.prefix(16))…\(st.own ? " (own)" : "")"
            )
        }
        var pending = "pending operations: \(s.pendingOperations)"
        if let oldest = s.oldestPendingAtMillis {
            pending += " (oldest \(Timestamps.iso(oldest)))"
        }
        print(pending)
        let q = s.quarantined.values.reduce(0, +)
        print(
            "quarantined sets: \(q)"
                + (q > 0
                    ? " ("
                        + s.quarantined.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(
                            separator: ", ") + ")" : ""))
        print("conflicts: \(s.conflicts)")
        if let r = s.registry {
            print(
                "key registry: version \(r.version), "
                    + (r.expired
                        ? "EXPIRED on \(Timestamps.iso(r.expiresAtMillis)): trust data is stale, sync with the hub"
                        : "current until \(Timestamps.iso(r.expiresAtMillis))"))
        } else {
            print("key registry: none received yet")
        }
        if let counties = s.counties {
            print(
                "counties: \(counties.count) enrolled, \(s.staleCounties ?? 0) stale (no contact for \(staleAfterHours) h)"
            )
            for c in counties where c.stale {
                print("  stale: \(c.county), last contact \(Timestamps.iso(c.lastContactAtMillis))")
            }
        }
        if let sync = s.sync {
            var last = "last sync attempt: \(Timestamps.iso(sync.lastAttemptAtMillis))"
            if let outcome = sync.lastOutcome {
                last += " (\(outcome)" + (sync.lastReason.map { ": \($0)" } ?? "") + ")"
            }
            print(last)
            print("last success: \(Timestamps.iso(sync.lastSuccessAtMillis))")
            if sync.consecutiveFailures > 0 { print("consecutive failures: \(sync.consecutiveFailures)") }
            if let next = sync.nextAttemptAtMillis { print("next attempt: \(Timestamps.iso(next))") }
        }
    }
}
