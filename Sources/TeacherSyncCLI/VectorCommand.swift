import ArgumentParser
import Foundation
import SQLiteReplica

struct VectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vector",
        abstract: "Print this node's version vector as JSON (for `bundle export --since`).")

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var out: String?

    func run() throws {
        let replica = try data.open()
        let vector = try replicaCall { () throws(ReplicaError) in try replica.versionVector() }
        let json = try vector.jsonData()
        if let out {
            do {
                try json.write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw CLIFailure.io("cannot write \(out): \(error.localizedDescription)")
            }
        } else {
            print(String(decoding: json, as: UTF8.self))
        }
    }
}
