import ArgumentParser
import AssessmentPolicy
import Foundation
import SQLiteReplica

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Publish the year's assessment policy at the hub, or show the one a node holds.",
        discussion: """
            The policy is a JSON document (docs/POLICY.md; Config/policy-2019.json is the 2019 example). The hub \
            publishes it as a signed change set, so every county receives the same bytes; a node never accepts \
            an older version of a year's policy than the one it holds (policy.rollback).
            """,
        subcommands: [PolicyPublishCommand.self, PolicyShowCommand.self])
}

struct PolicyPublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Check a policy document and publish it to every node (at the hub).",
        discussion: """
            The document is checked field by field first; a bad one is refused with the field and the reason, \
            and nothing is published. Its `version` must be higher than the version published before for its \
            `year`.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The policy document (JSON).", valueName: "file"))
    var file: String

    func run() throws {
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw CLIFailure.usage("cannot read \(file)")
        }
        let policy: AssessmentPolicy
        do {
            policy = try PolicyDocument.parse(bytes)
        } catch {
            throw CLIFailure.refused("\(file): \(error)")
        }
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw CLIFailure.refused("\(file): not UTF-8")
        }
        let replica = try data.open()
        try replicaCall { () throws(ReplicaError) in
            try replica.publishPolicy(year: policy.year, version: policy.version, document: text)
        }
        print("published the \(policy.year) policy, version \(policy.version)")
    }
}

struct PolicyShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print the policy document this node holds for a year.")

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The training year.", valueName: "year"))
    var year: Int

    func run() throws {
        let replica = try data.open()
        guard let held = try replicaCall({ () throws(ReplicaError) in try replica.policy(year: year) }) else {
            throw CLIFailure.refused("no policy for \(year) has reached this node yet")
        }
        printError("policy \(held.year), version \(held.version), published \(Timestamps.iso(held.publishedAtMillis))")
        print(held.document, terminator: held.document.hasSuffix("\n") ? "" : "\n")
    }
}
