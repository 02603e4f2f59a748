import ArgumentParser
import Foundation
import SyncTestSupport
import TrainingDomain

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate synthetic data for demonstrations, tests and benchmarks.",
        subcommands: [DemoProvinceCommand.self])
}

struct DemoProvinceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "province",
        abstract: "Write a synthetic province's CSV files: the catalogue at the hub, and each county's records.",
        discussion: """
            Real Hebei county codes (taken in turn from each of the 14 reporting units), schools, teachers \
            with valid identity numbers, the 2019 projects of two providers by stage group, a course \
            catalogue, and a training season of study records, offline research attendance and homework, with \
            about 2% exempt teachers and 1% make-up enrolments. Everyone is synthetic; same seed, same files. \
            Writes OUT/province/{providers,projects,courses,contacts}.csv and OUT/CODE/{schools,teachers,cohorts,\
            activities,study-records,attendance,homework,exemptions,make-ups}.csv, which import in that order \
            (docs/RECORDS.md). 168 counties of 5,000 teachers is the province's real size.
            """)

    @Option(help: ArgumentHelp("The folder to write to.", valueName: "dir"))
    var out: String

    @Option(help: "Number of counties (1 to 168).")
    var counties = 4

    @Option(
        name: .customLong("county"),
        help: ArgumentHelp("A county to include, instead of --counties (repeatable).", valueName: "code"))
    var chosen: [String] = []

    @Option(help: "Teachers per county.")
    var teachers = 500

    @Option(help: "Schools per county.")
    var schools = 20

    @Option(help: ArgumentHelp("The season's records run up to this day.", valueName: "YYYY-MM-DD"))
    var through = "2019-12-20"

    @Option(help: "Random seed.")
    var seed: UInt64 = 2019

    func run() throws {
        guard (1...168).contains(counties) else { throw CLIFailure.usage("--counties must be 1 to 168") }
        for code in chosen where !UnitCatalog.hebei201904.isCounty(code) {
            throw CLIFailure.usage("--county \(code) is not a Hebei county-level code")
        }
        guard teachers >= 1, schools >= 1 else { throw CLIFailure.usage("--teachers and --schools must be at least 1") }
        let parts = through.split(separator: "-")
        guard parts.count == 3, parts[0] == "2019", let month = Int(parts[1]), (6...12).contains(month),
            let day = Int(parts[2]), (1...31).contains(day)
        else { throw CLIFailure.usage("--through must be a day of the 2019 season, 2019-06-06 to 2019-12-31") }
        let province = ProvinceData(
            countyCount: counties, counties: chosen, teachersPerCounty: teachers, schoolsPerCounty: schools, seed: seed,
            through: through)
        do {
            try province.write(to: URL(fileURLWithPath: out))
        } catch {
            throw CLIFailure.io("cannot write to \(out): \(error.localizedDescription)")
        }
        print(
            "wrote \(province.counties.count) county(ies) of \(teachers) teacher(s) to \(out): \(province.counties.joined(separator: " "))"
        )
    }
}
