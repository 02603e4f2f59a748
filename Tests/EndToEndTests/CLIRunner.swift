import Foundation
import Synchronization
import Testing

/// The outcome of one run of the `teachersync` executable.
struct CLIResult: CustomStringConvertible, Sendable {
    let arguments: [String]
    let status: Int32
    let stdout: String
    let stderr: String
    let timedOut: Bool

    /// Standard output and standard error together, for "does X appear anywhere" checks.
    var allOutput: String { stdout + "\n" + stderr }

    /// The non-empty lines of standard error.
    var stderrLines: [String] { stderr.split(whereSeparator: \.isNewline).map(String.init) }

    /// The non-empty lines of standard output.
    var stdoutLines: [String] { stdout.split(whereSeparator: \.isNewline).map(String.init) }

    var description: String {
        func clip(_ text: String) -> String { text.count > 4000 ? String(text.prefix(4000)) + "\n…(clipped)" : text }
        return """
            teachersync \(arguments.joined(separator: " "))
            exit status \(status)\(timedOut ? " (killed after the timeout)" : "")
            --- stdout ---
            \(clip(stdout))
            --- stderr ---
            \(clip(stderr))
            """
    }
}

/// Finds the built `teachersync` executable.
///
/// `TEACHERSYNC_BIN` wins when set. Otherwise the folders above the test bundle are searched, nearest first, for an
/// executable file named `teachersync` (SwiftPM puts it next to the test bundle, e.g. `.build/debug/` or
/// `.build/x86_64-unknown-linux-gnu/debug/`).
enum TeacherSyncBinary {
    static let url: URL? = locate()

    static let notFound = """
        the teachersync executable was not found next to the test bundle; build it with \
        `swift build --build-tests` or set TEACHERSYNC_BIN
        """

    private static func locate() -> URL? {
        let fm = FileManager.default
        if let path = ProcessInfo.processInfo.environment["TEACHERSYNC_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        var starts: [URL] = []
        // macOS: the .xctest bundle is loaded into Xcode's xctest tool; find it among the loaded bundles.
        starts += Bundle.allBundles.map(\.bundleURL).filter { $0.pathExtension == "xctest" }
        // Linux: the .xctest file is itself the executable.
        starts.append(Bundle.main.bundleURL)
        if let first = CommandLine.arguments.first {
            starts.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        for start in starts {
            var dir = start.standardizedFileURL.resolvingSymlinksInPath()
            while true {
                let candidate = dir.appendingPathComponent("teachersync")
                var isDirectory: ObjCBool = false
                if fm.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    fm.isExecutableFile(atPath: candidate.path)
                {
                    return candidate
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path || dir.path == "/" { break }
                dir = parent
            }
        }
        return nil
    }
}

/// A process whose timer may kill it; shared between the waiting task and the timer task.
private final class RunningProcess: @unchecked Sendable {
    let process: Process
    let timedOut = Mutex(false)

    init(_ process: Process) { self.process = process }

    /// Stops the process: SIGTERM, then SIGKILL if it is still running five seconds later.
    func stop() async {
        guard process.isRunning else { return }
        timedOut.withLock { $0 = true }
        process.terminate()
        try? await Task.sleep(for: .seconds(5))
        if process.isRunning { _ = kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs `teachersync` with `arguments`, capturing standard output, standard error and the exit status.
///
/// The output goes to files (no pipe can fill up and block the child). Standard input is `/dev/null`. A run that
/// takes longer than `timeout` is killed and reported as timed out. With a `launcher` (an executable's path and its
/// arguments, e.g. `/usr/sbin/ip netns exec NAME`), `teachersync` runs under it.
func teachersync(
    _ arguments: [String], launcher: [String] = [], timeout: Duration = .seconds(120)
) async throws -> CLIResult {
    let binary = try #require(TeacherSyncBinary.url, Comment(rawValue: TeacherSyncBinary.notFound))
    let fm = FileManager.default
    let stem = fm.temporaryDirectory.appendingPathComponent("teachersync-e2e-run-\(UUID().uuidString)")
    let outURL = stem.appendingPathExtension("stdout")
    let errURL = stem.appendingPathExtension("stderr")
    try #require(fm.createFile(atPath: outURL.path, contents: nil) && fm.createFile(atPath: errURL.path, contents: nil))
    defer {
        try? fm.removeItem(at: outURL)
        try? fm.removeItem(at: errURL)
    }
    let outHandle = try FileHandle(forWritingTo: outURL)
    let errHandle = try FileHandle(forWritingTo: errURL)

    let process = Process()
    process.executableURL = launcher.first.map { URL(fileURLWithPath: $0) } ?? binary
    process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [binary.path] + arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = outHandle
    process.standardError = errHandle
    let running = RunningProcess(process)
    let timer = Task { [running] in
        do { try await Task.sleep(for: timeout) } catch { return }
        await running.stop()
    }
    defer { timer.cancel() }

    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    try? outHandle.close()
    try? errHandle.close()
    let stdout = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
    let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
    let result = CLIResult(
        arguments: arguments, status: status, stdout: stdout, stderr: stderr,
        timedOut: running.timedOut.withLock { $0 })
    if result.timedOut { Issue.record("timed out after \(timeout): \(result)") }
    return result
}
