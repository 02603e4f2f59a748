import ArgumentParser
import SQLiteReplica

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-verify every stored change set: signature, hash chain, scope.",
        discussion: """
            Exits 4 if any set fails. With --receipts (at a county), also checks the hub's signed receipts the \
            county kept for its uploads and prints, for each of its own streams, up to which sequence number \
            delivery to the hub is proven; exits 4 if a receipt does not verify. `teachersync audit` then \
            checks that the hub still holds what it acknowledged.
            """)

    @OptionGroup var data: DataOptions

    @Flag(help: "Check the hub's receipts for this county's uploads.")
    var receipts = false

    func run() throws {
        let replica = try data.open()
        if receipts {
            guard replica.identity.role == .county else { throw CLIFailure.usage("--receipts is for a county node") }
            let checks = try replicaCall { () throws(ReplicaError) in try replica.checkReceipts() }
            var problems = 0
            for c in checks {
                var line =
                    "stream \(c.stream): sequence \(c.localSequence) here, delivered up to \(c.deliveredSequence)"
                if let r = c.receipt {
                    line += " (receipt at hub log position \(r.position), issued \(Timestamps.iso(r.issuedAtMillis)))"
                } else {
                    line += " (no receipt)"
                }
                print(line)
                for p in c.problems { print("  problem: \(p)") }
                problems += c.problems.count
            }
            if checks.isEmpty { print("no own streams yet") }
            if problems > 0 { throw CLIFailure.verification("\(problems) receipt(s) do not verify") }
        }
        var progress = Progress("verifying")
        let report = try replicaCall { () throws(ReplicaError) in
            try replica.verifyStoredSets { done, total in progress.update(done, of: total) }
        }
        progress.finish()
        for f in report.failures { print("failed \(f)") }
        print("verified \(report.checked) sets, \(report.failures.count) failed")
        if !report.failures.isEmpty { throw CLIFailure.verification("\(report.failures.count) stored set(s) failed") }
    }
}
