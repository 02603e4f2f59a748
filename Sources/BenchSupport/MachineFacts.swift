public import Foundation
public import GRDB

/// Wall time of one block, measured with `ContinuousClock`.
public func measure<T>(_ body: () throws -> T) rethrows -> (result: T, seconds: Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try body()
    return (result, (clock.now - start).seconds)
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// A GRDB pool opened like the replica's: WAL, and the writer at `synchronous = FULL`, set on the open pool
/// because `DatabasePool` sets its writer to `NORMAL` when it turns WAL on, after `prepareDatabase` ran.
public func durablePool(_ path: URL) throws -> DatabasePool {
    let pool = try DatabasePool(path: path.path)
    try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    return pool
}

/// The facts of the machine a benchmark ran on, as both benchmarks print them.
public enum MachineFacts {
    /// The lines to print: processors, CPU, memory, OS, kernel, build, SQLite, the temporary folder's file
    /// system and the load average. `pool` is a database opened like the replica's, in `tempDir`.
    public static func lines(tempDir: URL, pool: DatabasePool) -> [String] {
        let info = ProcessInfo.processInfo
        var out = ["machine:", "  nproc (active processors): \(info.activeProcessorCount)"]
        if let model = firstValue(file: "/proc/cpuinfo", key: "model name") { out.append("  cpu: \(model)") }
        out.append(String(format: "  memory: %.1f GiB", Double(info.physicalMemory) / Double(1 << 30)))
        if let os = firstValue(file: "/etc/os-release", key: "PRETTY_NAME", separator: "=") {
            out.append("  os: \(os.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))")
        }
        if let kernel = try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8) {
            out.append("  kernel: \(kernel.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        #if DEBUG
        out.append("  build: DEBUG (figures are not representative; use -c release)")
        #else
        out.append("  build: release")
        #endif
        out.append("  sqlite: \(sqliteVersion(pool))")
        out.append("  temp folder: \(tempDir.path) on \(filesystem(of: tempDir.path))")
        out.append("  load average before the run: \(loadAverage())")
        return out
    }

    /// The first three fields of /proc/loadavg (1, 5 and 15 minutes): other work on the machine skews figures.
    public static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// `SELECT sqlite_version()` and the journal settings of `pool`'s writer (the connection that commits).
    public static func sqliteVersion(_ pool: DatabasePool) -> String {
        do {
            return try pool.writeWithoutTransaction { db in
                let version = try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?"
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"
                let sync = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
                return "\(version) (journal_mode=\(mode), synchronous=\(sync == 2 ? "FULL" : String(sync)))"
            }
        } catch {
            return "unknown (\(error))"
        }
    }

    /// The value of the first `key<separator>value` line of a file.
    public static func firstValue(file: String, key: String, separator: Character = ":") -> String? {
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
    public static func filesystem(of path: String) -> String {
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
