import BenchSupport
import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Timing and formatting

/// Seconds from `a` to `b`.
func seconds(_ a: ContinuousClock.Instant, _ b: ContinuousClock.Instant) -> Double { (b - a).seconds }

/// A number with thousands separators; below 100 (unless `integer`), three significant digits.
func format(_ v: Double, integer: Bool = false) -> String {
    guard v.isFinite else { return "—" }
    if v >= 100 || integer {
        let digits = String(Int(v.rounded()))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, ch != "-", (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return out
    }
    return String(format: v >= 10 ? "%.1f" : "%.2f", v)
}

func format(_ v: Int) -> String { format(Double(v), integer: true) }

/// Seconds with three decimals.
func secs(_ s: Double) -> String { String(format: "%.3f s", s) }

/// Milliseconds with one decimal.
func ms(_ s: Double) -> String { String(format: "%.1f ms", s * 1000) }

/// Kibibytes as MiB.
func mib(kB: Int) -> String { String(format: "%.1f MiB", Double(kB) / 1024) }

/// The nearest-rank percentile `p` (0...100) of `values` (any order); 0 for none.
func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

/// `PASS` or `MISS` against a target, never a failure of the run.
func verdict(_ ok: Bool) -> String { ok ? "PASS" : "MISS" }

/// Prints a line at once (stdout may be a pipe, where Foundation's `print` buffers).
func say(_ text: String = "") {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

// MARK: - Checks

struct CheckFailed: Error, CustomStringConvertible {
    let description: String
}

/// Records a correctness check: failures are collected (and make the run exit 1); performance targets are
/// never checks.
final class Checks: Sendable {
    private let failures = Mutex<[String]>([])

    func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition {
            let m = message()
            failures.withLock { $0.append(m) }
            say("  CHECK FAILED: \(m)")
        }
    }

    var all: [String] { failures.withLock { $0 } }
}

/// Throws so that the caller's cleanup still runs.
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw CheckFailed(description: "check failed: \(message())") }
}

// MARK: - /proc

/// Memory and CPU figures of a process, from /proc.
struct ProcStatus: Sendable {
    /// Resident set size now, in kB.
    var rssKB = 0
    /// Peak resident set size (high-water mark), in kB.
    var hwmKB = 0
    var threads = 0

    static func read(pid: Int32) -> ProcStatus? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        var s = ProcStatus()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = Int(parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
            switch parts[0] {
            case "VmRSS": s.rssKB = value
            case "VmHWM": s.hwmKB = value
            case "Threads": s.threads = value
            default: break
            }
        }
        return s
    }

    /// CPU seconds and seconds spent runnable but waiting for a CPU (run-queue delay), summed over the process's
    /// live threads (/proc/PID/task/*/schedstat). A busy machine shows up as a large wait.
    static func scheduler(pid: Int32) -> (cpu: Double, waiting: Double)? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
        var cpu = 0.0
        var waiting = 0.0
        for task in tasks {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8) else {
                continue
            }
            let f = text.split(separator: " ")
            guard f.count >= 2, let c = Double(f[0]), let w = Double(f[1]) else { continue }
            cpu += c / 1e9
            waiting += w / 1e9
        }
        return (cpu, waiting)
    }

    /// User + system CPU seconds this process has used, to the nanosecond (`/proc` counts in clock ticks).
    static func ownCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// User + system CPU seconds the process has used (fields 14 and 15 of /proc/PID/stat).
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name, which is in parentheses and may hold spaces: field 3 is first.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        return (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

// MARK: - Machine

/// The facts of the machine a run was measured on (BenchSupport's, as teachersync-bench prints them).
enum Machine {
    static func printFacts(tempDir: URL) {
        let url = tempDir.appendingPathComponent("version.sqlite")
        defer { Baseline.remove(url) }
        guard let pool = try? durablePool(url) else { return say("machine: (cannot open SQLite)") }
        for line in MachineFacts.lines(tempDir: tempDir, pool: pool) { say(line) }
    }

    static func loadAverage() -> String { MachineFacts.loadAverage() }

    /// Raises the soft limit of open files to the hard limit: 170 replicas and their sockets need a few thousand.
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }
}

// MARK: - Cleanup

/// Child processes and temporary folders to remove however the run ends (normal end, failure, SIGINT/SIGTERM).
final class Cleanup: Sendable {
    static let shared = Cleanup()

    private struct State {
        var processes: [Process] = []
        var folders: [URL] = []
        var keep = false
        var done = false
    }

    private let state = Mutex(State())

    func add(_ process: Process) { state.withLock { $0.processes.append(process) } }

    func add(folder: URL) { state.withLock { $0.folders.append(folder) } }

    /// Keeps the folders (`--keep`).
    func keepFolders() { state.withLock { $0.keep = true } }

    /// SIGTERM to every child still running, SIGKILL after 5 s; then the folders are removed.
    func run() {
        let (processes, folders, keep, done) = state.withLock { s -> ([Process], [URL], Bool, Bool) in
            let r = (s.processes, s.folders, s.keep, s.done)
            s.done = true
            return r
        }
        guard !done else { return }
        let running = processes.filter(\.isRunning)
        for p in running { kill(p.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(5)
        while running.contains(where: \.isRunning), Date() < deadline { usleep(20_000) }
        for p in running where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        let killDeadline = Date().addingTimeInterval(3)
        while running.contains(where: \.isRunning), Date() < killDeadline { usleep(20_000) }
        for folder in folders {
            if keep {
                say("kept \(folder.path)")
            } else {
                try? FileManager.default.removeItem(at: folder)
            }
        }
    }

    /// On SIGINT or SIGTERM: clean up and exit 130 / 143. SIGPIPE is ignored (the relay writes to sockets whose
    /// peer may have gone).
    func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        var sources = [any DispatchSourceSignal]()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("teachersync-netbench: signal \(sig), cleaning up\n".utf8))
                Cleanup.shared.run()
                exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
        retainedSignalSources = sources
    }
}

/// The signal sources, kept alive for the whole run (set once, before any concurrency).
nonisolated(unsafe) private var retainedSignalSources: [any DispatchSourceSignal] = []
