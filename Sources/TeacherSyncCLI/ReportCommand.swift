import ArgumentParser
import Foundation
import SQLiteReplica
import TrainingDomain

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a report: completion, hours, at-risk teachers, a city's summary, a provider's briefing.",
        discussion: """
            Reports rest on the official assessments the hub published for the year, or, where none have \
            arrived, on this node's own run of the published policy (a preview); the report says which. \
            Formats: csv, json, or html (a page with tables and bar charts). Only an at-risk report scoped to \
            one county names teachers, and it is meant for that county alone (docs/REPORTS.md). The 14 \
            reporting units for city-summary: \
            \(UnitCatalog.hebei201904.reportingUnits.map { "\($0.code) \($0.name)" }.joined(separator: ", ")).
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case completion
        case hours
        case atRisk = "at-risk"
        case citySummary = "city-summary"
        case provider
    }

    @Argument(help: ArgumentHelp("completion, hours, at-risk, city-summary or provider.", valueName: "kind"))
    var kind: Kind

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The training year.", valueName: "year"))
    var year: Int

    @Option(help: ArgumentHelp("completion: group by city, county, school, stage or subject.", valueName: "grouping"))
    var by: String = "county"

    @Option(help: ArgumentHelp("At the hub: one county only.", valueName: "code"))
    var county: String?

    @Option(help: ArgumentHelp("city-summary: the reporting unit's code.", valueName: "code"))
    var city: String?

    @Option(help: ArgumentHelp("provider: the project's code.", valueName: "code"))
    var project: String?

    @Option(help: ArgumentHelp("csv, json or html.", valueName: "format"))
    var format: String = "csv"

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Assess as of this ISO 8601 time with offset (default: now).", valueName: "time"))
    var asOf: String?

    func run() throws {
        guard let format = Report.Format(rawValue: format) else {
            throw CLIFailure.usage("--format \(format) is not csv, json or html")
        }
        guard let grouping = ReportGrouping(rawValue: by) else {
            throw CLIFailure.usage("--by \(by) is not city, county, school, stage or subject")
        }
        if let county, !UnitCatalog.hebei201904.isCounty(county) {
            throw CLIFailure.usage("--county \(county) is not a Hebei county-level code")
        }
        let instant = try AssessCommand.instant(asOf: asOf)
        let replica = try data.open()
        let report = try replicaCall { () throws(ReplicaError) -> Report in
            switch kind {
            case .completion:
                return try replica.completionReport(year: year, by: grouping, county: county, asOf: instant)
            case .hours: return try replica.hoursReport(year: year, county: county, asOf: instant)
            case .atRisk: return try replica.atRiskReport(year: year, county: county, asOf: instant)
            case .citySummary:
                guard let city else { throw .wrongRole("city-summary needs --city CODE") }
                return try replica.citySummaryReport(year: year, city: city, asOf: instant)
            case .provider:
                guard let project else { throw .wrongRole("provider needs --project CODE") }
                return try replica.providerBriefing(year: year, project: project, asOf: instant)
            }
        }
        let text = report.rendered(format)
        if let out {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw CLIFailure.io("cannot write \(out): \(error.localizedDescription)")
            }
            let rows = report.sections.map(\.rows.count).reduce(0, +)
            printError(
                "wrote \(out): \(report.title), \(rows) row(s)\(report.containsPersonalData ? "; names teachers: for their county only" : "")"
            )
        } else {
            print(text, terminator: "")
        }
    }
}
