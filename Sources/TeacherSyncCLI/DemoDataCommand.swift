import ArgumentParser
import Foundation
import SyncTestSupport
import TrainingDomain

struct DemoDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data",
        abstract: "Write synthetic CSV files (schools, teachers, study records) for one county.",
        discussion:
            "The people are synthetic: valid check characters, real dates, nobody's data. Same seed, same files.")

    @Option(help: ArgumentHelp("The county code.", valueName: "code"))
    var county: String

    @Option(
        help: ArgumentHelp("The folder to write schools.csv, teachers.csv and study-records.csv to.", valueName: "dir"))
    var out: String

    @Option(help: "Number of teachers.")
    var teachers = 500

    @Option(help: "Number of schools.")
    var schools = 20

    @Option(help: "Study records per teacher.")
    var recordsPerTeacher = 2

    @Option(help: "Random seed.")
    var seed: UInt64 = 2019

    func run() throws {
        guard UnitCatalog.hebei201904.isCounty(county) else {
            throw CLIFailure.usage("--county \(county) is not a Hebei county")
        }
        guard teachers >= 0, schools >= 1, recordsPerTeacher >= 0 else {
            throw CLIFailure.usage("counts must not be negative")
        }
        let demo = DemoData(
            county: county, schools: schools, teachers: teachers, recordsPerTeacher: recordsPerTeacher, seed: seed)
        let dir = URL(fileURLWithPath: out, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(demo.schoolsCSV().utf8).write(to: dir.appendingPathComponent("schools.csv"))
            try Data(demo.teachersCSV().utf8).write(to: dir.appendingPathComponent("teachers.csv"))
            try Data(demo.studyRecordsCSV().utf8).write(to: dir.appendingPathComponent("study-records.csv"))
        } catch {
            throw CLIFailure.io("cannot write to \(out): \(error.localizedDescription)")
        }
        print("wrote \(schools) schools, \(teachers) teachers, \(teachers * recordsPerTeacher) study records to \(out)")
    }
}
