import AsyncHTTPClient
import BenchSupport
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// The `teachersync` executable: `--teachersync PATH`, or the one built next to this benchmark (same scratch path,
/// same configuration).
enum TeacherSyncBinary {
    static func locate(_ explicit: String?) throws -> URL {
        if let explicit {
            let url = URL(fileURLWithPath: explicit)
            try require(
                FileManager.default.isExecutableFile(atPath: url.path), "--teachersync \(explicit) is not executable")
            return url
        }
        let own =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let sibling = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("teachersync")
        try require(
            FileManager.default.isExecutableFile(atPath: sibling.path),
            "no teachersync executable next to this benchmark (\(sibling.path)); build it with the same scratch "
                + "path and configuration (e.g. swift build -c release --scratch-path .build-bench --product "
                + "teachersync) or pass --teachersync PATH")
        return sibling
    }
}

/// A server process (`teachersync hub run` or `county run`) whose standard output and error go to a log file; it is
/// ready when it prints `listening on HOST:PORT`.
final class ChildProcess: @unchecked Sendable {
    let name: String
    let process: Process
    let logPath: String
    let port: Int

    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var status: ProcStatus? { ProcStatus.read(pid: pid) }
    var cpuSeconds: Double? { ProcStatus.cpuSeconds(pid: pid) }

    private init(name: String, process: Process, logPath: String, port: Int) {
        (self.name, self.process, self.logPath, self.port) = (name, process, logPath, port)
    }

    static func start(
        name: String, binary: URL, arguments: [String], environment: [String: String] = [:], logPath: String,
        timeout: Duration = .seconds(60)
    ) async throws -> ChildProcess {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        Cleanup.shared.add(process)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let port = port(in: text) {
                return ChildProcess(name: name, process: process, logPath: logPath, port: port)
            }
            if !process.isRunning {
                throw CheckFailed(
                    description: "\(name) exited with status \(process.terminationStatus) before listening; log:\n"
                        + text.suffix(4000))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(process.processIdentifier, SIGKILL)
        throw CheckFailed(description: "\(name) did not print `listening on` within \(timeout)")
    }

    /// The port of the first `listening on HOST:PORT` line.
    static func port(in log: String) -> Int? {
        for line in log.split(whereSeparator: \.isNewline) where line.hasPrefix("listening on ") {
            if let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...]), port > 0 {
                return port
            }
        }
        return nil
    }

    /// SIGTERM, then waits up to `limit` for a graceful exit (SIGKILL after). Returns the exit status, or nil when it
    /// had to be killed.
    func stop(limit: Duration = .seconds(30)) async -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        if process.isRunning { kill(pid, SIGTERM) }
        while process.isRunning, clock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(pid, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
            return nil
        }
        return process.terminationStatus
    }
}

// MARK: - Plain HTTP

/// An answer to a plain (unsigned) request.
struct PlainAnswer: Sendable {
    let status: UInt
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A plain HTTP request (the hub's /metrics, a county daemon's local API).
func plainRequest(
    _ http: HTTPClient, _ method: HTTPMethod, _ url: String, body: [UInt8]? = nil, timeout: Duration = .seconds(30)
) async throws -> PlainAnswer {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
    let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout.seconds * 1000)))
    let bytes = try await response.body.collect(upTo: 64 << 20)
    return PlainAnswer(status: response.status.code, body: Array(bytes.readableBytesView))
}

// MARK: - The hub's metrics

/// The hub's Prometheus text (`GET /metrics`), read straight from the hub (not through the relay).
struct HubMetricsSnapshot: Sendable {
    /// Value by series (`name{labels}`).
    var series: [String: Double] = [:]

    static func fetch(_ http: HTTPClient, port: Int) async throws -> HubMetricsSnapshot {
        let answer = try await plainRequest(http, .GET, "http://127.0.0.1:\(port)/metrics")
        try require(answer.status == 200, "hub /metrics answered HTTP \(answer.status)")
        var s = HubMetricsSnapshot()
        for line in answer.text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            s.series[String(line[..<space])] = value
        }
        return s
    }

    /// The sum of every series whose name contains `name` (and whose name ends with `suffix`, when given) and
    /// whose labels contain `label` (when given).
    func sum(_ name: String, suffix: String = "", label: String? = nil) -> Double {
        var total = 0.0
        for (key, value) in series {
            let brace = key.firstIndex(of: "{") ?? key.endIndex
            let metric = key[..<brace]
            guard metric.contains(name), metric.hasSuffix(suffix) else { continue }
            if let label, !key[brace...].contains(label) { continue }
            total += value
        }
        return total
    }

    var operationsApplied: Double { sum("operations_applied") }
    var setsApplied: Double { sum("sets_applied") }
    var setsRejected: Double { sum("sets_rejected") }
    var requestsRefused: Double { sum("requests_refused") }
    /// Seconds spent in the upload handler (authenticate, decode, verify, apply, answer), summed over requests.
    var uploadSeconds: Double { sum("request_duration", suffix: "_sum", label: "endpoint=\"upload\"") }
    var uploadCount: Double { sum("request_duration", suffix: "_count", label: "endpoint=\"upload\"") }

    /// `after - before` of every figure above.
    static func - (after: HubMetricsSnapshot, before: HubMetricsSnapshot) -> HubMetricsSnapshot {
        var d = HubMetricsSnapshot()
        for (k, v) in after.series { d.series[k] = v - (before.series[k] ?? 0) }
        return d
    }

    /// Labelled counters with a non-zero value (for reasons of rejections and refusals).
    func nonZero(_ name: String) -> [String] {
        series.filter { $0.key.contains(name) && $0.value != 0 }.map { "\($0.key) \(format($0.value))" }.sorted()
    }
}
