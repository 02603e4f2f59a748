import BenchSupport
import Foundation
import GRDB

/// The facts of the machine a run was measured on (BenchSupport's, printed).
enum Machine {
    static func printFacts(tempDir: URL) {
        let url = tempDir.appendingPathComponent("version.sqlite")
        guard let pool = try? durablePool(url) else { return print("machine: (cannot open SQLite)") }
        for line in MachineFacts.lines(tempDir: tempDir, pool: pool) { print(line) }
        #if compiler(>=6.3)
        print("  compiler: Swift 6.3 or later")
        #else
        print("  compiler: before Swift 6.3")
        #endif
    }

    static func loadAverage() -> String { MachineFacts.loadAverage() }
}
