import ArgumentParser
import Foundation
import SQLiteReplica

/// The `--data DIR` option every replica command takes.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The node's data folder (replica and key).", valueName: "dir"))
    var data: String

    var url: URL { URL(fileURLWithPath: data, isDirectory: true) }

    /// Opens the replica in the folder.
    func open() throws(CLIFailure) -> Replica {
        try replicaCall { () throws(ReplicaError) in try Replica.open(at: url) }
    }
}

/// Writes to standard error without buffering surprises.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
