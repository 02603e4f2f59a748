import ArgumentParser
import SQLiteReplica

struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print the state digest (hex, one line).",
        discussion: """
            Two replicas holding the same data print the same digest. Without --county, a county node \
            digests its own county and the hub the whole province (everything it holds).
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("Digest this county's rows.", valueName: "code"))
    var county: String?

    func run() throws {
        let replica = try data.open()
        let scope = county ?? replica.identity.county
        print(try replicaCall { () throws(ReplicaError) in try replica.digest(county: scope) })
    }
}
