import ArgumentParser
import AssessmentPolicy
import Foundation
import SQLiteReplica

struct AssessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assess",
        abstract:
            "Assess the year's teachers under the published policy: a county's preview, or the hub's official run.",
        discussion: """
            Runs the policy the hub published for --year over every registered teacher's study records, \
            attendance, homework, exemption claims and make-up enrolment (docs/POLICY.md). At a county this is a \
            preview, written nowhere: it prints how many teachers have each status and the preview's digest, and, \
            once the hub's official assessments have arrived, whether they agree (exit 4 when they do not). At the \
            hub, --publish stores the official assessments, signed, for every county to receive. --teacher shows \
            one teacher's hours and reasons.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The training year.", valueName: "year"))
    var year: Int

    @Option(help: ArgumentHelp("At the hub: only this county (default: every county).", valueName: "code"))
    var county: String?

    @Option(
        help: ArgumentHelp(
            "The instant to assess as of, ISO 8601 with offset (default: now); it decides whether the deadline has passed.",
            valueName: "time"))
    var asOf: String?

    @Flag(help: "At the hub: store and publish the official assessments.")
    var publish = false

    @Option(help: ArgumentHelp("Show one teacher: identity-document type and number.", valueName: "type:number"))
    var teacher: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let instant = try Self.instant(asOf: asOf)
        let replica = try data.open()
        if publish {
            let result = try replicaCall { () throws(ReplicaError) in
                try replica.publishAssessments(year: year, county: county, asOf: instant)
            }
            print(
                "assessed \(result.run.records.count) teacher(s) for \(year): \(Self.summary(result.run)); "
                    + "\(result.written) written, \(result.removed) removed; sealed \(result.sealed) change set(s)")
            print("digest \(result.run.digest)")
            return
        }
        let preview = try replicaCall { () throws(ReplicaError) in
            try replica.assess(year: year, county: county, asOf: instant)
        }
        if let teacher {
            try show(teacher, in: preview)
            return
        }
        let official = try replicaCall { () throws(ReplicaError) in
            try replica.officialAssessments(year: year, county: county)
        }
        let agrees = official.records.isEmpty ? nil : official.digest == preview.digest
        if json {
            let object: [String: Any] = [
                "year": year, "teachers": preview.records.count, "statuses": preview.countsByStatus,
                "preview_digest": preview.digest, "official_teachers": official.records.count,
                "official_digest": official.records.isEmpty ? NSNull() : official.digest,
                "agrees": agrees.map { $0 as Any } ?? NSNull(),
            ]
            let bytes = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: bytes, as: UTF8.self))
        } else {
            print("\(year): \(preview.records.count) teacher(s): \(Self.summary(preview))")
            print("preview digest  \(preview.digest)")
            if official.records.isEmpty {
                print("official: none received yet")
            } else {
                print("official digest \(official.digest) (\(official.records.count) teacher(s))")
            }
        }
        if agrees == false {
            throw CLIFailure.verification(
                "the preview differs from the hub's official assessments (records or policy not yet in sync?)")
        }
        if agrees == true, !json { print("the preview agrees with the official assessments") }
    }

    private func show(_ teacher: String, in run: AssessmentRun) throws {
        let parts = teacher.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw CLIFailure.usage("--teacher takes TYPE:NUMBER, e.g. 1:130102198001011234") }
        let number = parts[1].uppercased()
        guard let record = run.records.first(where: { $0.idType == parts[0] && $0.idNumber == number }) else {
            throw CLIFailure.refused("no registered teacher with that identity document in this replica")
        }
        print("status \(record.status)")
        print("total_hours \(Tenths(tenths: record.totalHours))")
        for (category, tenths) in record.categoryHours { print("hours \(category) \(Tenths(tenths: tenths))") }
        if let score = record.score { print("score \(Tenths(tenths: score))") }
        for line in record.reasons.split(separator: "\n") { print("reason \(line)") }
    }

    /// The instant `--as-of` names (ISO 8601 with offset), or now.
    static func instant(asOf: String?) throws -> Date {
        guard let asOf else { return Date() }
        guard let parsed = OffsetInstant(asOf) else {
            throw CLIFailure.usage(
                "--as-of \(asOf) is not an ISO 8601 time with offset, e.g. 2020-01-01T00:00:00+08:00")
        }
        return parsed.date
    }

    static func summary(_ run: AssessmentRun) -> String {
        let counts = run.countsByStatus
        let order = AssessmentStatus.allCases.map(\.rawValue)
        return order.compactMap { status in counts[status].map { "\($0) \(status)" } }.joined(separator: ", ")
    }
}
