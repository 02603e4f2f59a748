import ArgumentParser
import Foundation
import SQLiteReplica
import SyncCore
import TrainingDomain

struct CohortsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cohorts",
        abstract: "List a year's cohorts, or the teachers a cohort assigns its courses to.",
        discussion: """
            A cohort assigns one course list to every teacher of a stage, subject and development stage of a \
            county (`teachersync import cohorts`, docs/RECORDS.md). Output is tab-separated with a header row. \
            `members` shows names and identity numbers: it is meant for the county's own terminal.
            """,
        subcommands: [CohortsListCommand.self, CohortsMembersCommand.self])
}

/// The `--year` and `--county` options of the cohort commands.
struct CohortScopeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The training year.", valueName: "year"))
    var year: Int

    @Option(
        help: ArgumentHelp(
            "The county (default: a county node's own; at the hub, every county for list).", valueName: "code"))
    var county: String?

    func validate() throws {
        guard (2000...2100).contains(year) else { throw ValidationError("--year must be from 2000 to 2100") }
        if let county, !UnitCatalog.hebei201904.isCounty(county) {
            throw ValidationError("--county \(county) is not a Hebei county-level unit")
        }
    }

    /// The county to show: the option, else a county node's own; a county node may not look at another county.
    func county(of replica: Replica) throws(CLIFailure) -> String? {
        guard replica.identity.role == .county, let own = replica.identity.county else { return county }
        if let county, county != own { throw CLIFailure.usage("this node holds county \(own), not \(county)") }
        return own
    }
}

struct CohortsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the cohorts of a year: code, county, teachers, courses, members.")

    @OptionGroup var data: DataOptions
    @OptionGroup var scope: CohortScopeOptions

    func run() throws {
        let replica = try data.open()
        let county = try scope.county(of: replica)
        let cohorts = try replicaCall { () throws(ReplicaError) in try replica.cohorts(year: scope.year, county: county)
        }
        print(["cohort", "county", "stage", "subject", "dev_stage", "courses", "members"].joined(separator: "\t"))
        for cohort in cohorts {
            let fields = [
                cohort.cohortCode, cohort.countyCode, cohort.stage, cohort.subject.isEmpty ? "all" : cohort.subject,
                cohort.devStage.isEmpty ? "all" : cohort.devStage, cohort.courses.joined(separator: ";"),
                String(cohort.members),
            ]
            print(fields.joined(separator: "\t"))
        }
        printError("\(cohorts.count) cohort(s) in \(scope.year)")
    }
}

struct CohortsMembersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "List the teachers of a cohort: name, school, identity document, courses assigned.")

    @OptionGroup var data: DataOptions
    @OptionGroup var scope: CohortScopeOptions

    @Option(help: ArgumentHelp("The cohort's code.", valueName: "code"))
    var cohort: String

    func run() throws {
        let replica = try data.open()
        let county: String
        if let chosen = try scope.county(of: replica) {
            county = chosen
        } else {
            let holders = try replicaCall { () throws(ReplicaError) in try replica.cohorts(year: scope.year) }
                .filter { $0.cohortCode == cohort }.map(\.countyCode)
            guard holders.count == 1 else {
                throw CLIFailure.usage(
                    holders.isEmpty
                        ? "no cohort \(cohort) in \(scope.year)"
                        : "cohort \(cohort) exists in counties \(holders.joined(separator: ", ")); name one with --county"
                )
            }
            county = holders[0]
        }
        let known = try replicaCall { () throws(ReplicaError) in try replica.cohorts(year: scope.year, county: county) }
        guard known.contains(where: { $0.cohortCode == cohort }) else {
            throw CLIFailure.usage("no cohort \(cohort) in county \(county) in \(scope.year)")
        }
        let members = try replicaCall { () throws(ReplicaError) in
            try replica.cohortMembers(year: scope.year, county: county, cohort: cohort)
        }
        print(["name", "school_code", "school", "id_type", "id_number", "courses"].joined(separator: "\t"))
        for member in members {
            let fields = [
                member.name ?? "(no longer registered)", member.schoolCode ?? "", member.schoolName ?? "",
                member.idType, member.idNumber, String(member.courses),
            ]
            print(fields.joined(separator: "\t"))
        }
        printError("cohort \(cohort) of county \(county), \(scope.year): \(members.count) member(s)")
    }
}
