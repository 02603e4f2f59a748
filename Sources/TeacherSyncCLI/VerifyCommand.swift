import ArgumentParser
import SQLiteReplica

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-verify every stored change set: signature, hash chain, scope.",
        discussion: "Exits 4 if any set fails.")

    @OptionGroup var data: DataOptions

    func run() throws {
        let replica = try data.open()
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
