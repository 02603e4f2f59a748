import ArgumentParser
import Foundation
import SQLiteReplica

/// The `--data DIR` option every replica command takes.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The node's data folder (replica and key).", valueName: "dir"))
    var data: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The node's key file, when it is kept outside the data folder (default: DIR/node.key, or node.key in "
                + "$CREDENTIALS_DIRECTORY when that exists).", valueName: "file"))
    var key: String?

    var url: URL { URL(fileURLWithPath: data, isDirectory: true) }

    /// The key file to use: `--key`, else the systemd credential, else the data folder's.
    var keyFile: String? {
        if let key { return key }
        if let dir = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"],
            FileManager.default.fileExists(atPath: dir + "/node.key"),
            !FileManager.default.fileExists(atPath: url.appendingPathComponent(Replica.keyName).path)
        {
            return dir + "/node.key"
        }
        return nil
    }

    /// Opens the replica in the folder.
    func open() throws(CLIFailure) -> Replica {
        try replicaCall { () throws(ReplicaError) in try Replica.open(at: url, keyFile: keyFile) }
    }
}

/// Writes to standard error without buffering surprises.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
