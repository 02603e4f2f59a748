import Foundation
import GRDB

/// The facts of the machine a run was measured on.
enum Machine {
    static func printFacts(tempDir: URL) {
        let info = ProcessInfo.processInfo
        print("machine:")
        print("  nproc (active processors): \(info.activeProcessorCount)")
        if let model = firstValue(file: "/proc/cpuinfo", key: "model name") { print("  cpu: \(model)") }
        print(String(format: "  memory: %.1f GiB", Double(info.physicalMemory) / Double(1 << 30)))
        if let os = firstValue(file: "/etc/os-release", key: "PRETTY_NAME", separator: "=") {
            print("  os: \(os.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))")
        }
        if let kernel = try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8) {
            print("  kernel: \(kernel.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        #if compiler(>=6.3)
        print("  compiler: Swift 6.3 or later")
        #else
        print("  compiler: before Swift 6.3")
        #endif
        #if DEBUG
        print("  build: DEBUG (figures are not representative; use -c release)")
        #else
        print("  build: release")
        #endif
        print("  sqlite: \(sqliteVersion(tempDir))")
        print("  temp folder: \(tempDir.path) on \(filesystem(of: tempDir.path))")
        print("  load average before the run: \(loadAverage())")
    }

    /// The first three fields of /proc/loadavg (1, 5 and 15 minutes): other work on the machine skews figures.
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// `SELECT sqlite_version()` on a connection opened like the replica's.
    static func sqliteVersion(_ dir: URL) -> String {
        do {
            let pool = try Baselines.pool(dir.appendingPathComponent("version.sqlite"))
            return try pool.read { db in
                let version = try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?"
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"
                let sync = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
                return "\(version) (journal_mode=\(mode), synchronous=\(sync == 2 ? "FULL" : String(sync)))"
            }
        } catch {
            return "unknown (\(error))"
        }
    }

    static func firstValue(file: String, key: String, separator: Character = ":") -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: separator, maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// The file system (type and device) of the longest mount point containing `path`, from /proc/mounts.
    static func filesystem(of path: String) -> String {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return "unknown" }
        var best: (point: String, text: String)?
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 3 else { continue }
            let point = String(f[1])
            let inside = point == "/" || path == point || path.hasPrefix(point + "/")
            if inside, point.count > (best?.point.count ?? -1) {
                best = (point, "\(f[2]) (\(f[0]) mounted at \(point))")
            }
        }
        return best?.text ?? "unknown"
    }
}
