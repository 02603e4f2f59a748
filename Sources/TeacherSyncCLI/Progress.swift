import Foundation

/// Progress for long operations: a line redrawn on a terminal, nothing when standard error is piped.
struct Progress {
    private let label: String
    private let enabled: Bool
    private var lastDrawn = Date.distantPast

    init(_ label: String) {
        self.label = label
        self.enabled = isatty(STDERR_FILENO) == 1
    }

    /// Reports `done` of `total`; redraws at most ten times a second.
    mutating func update(_ done: Int, of total: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) > 0.1 || done == total else { return }
        lastDrawn = now
        let percent = total > 0 ? done * 100 / total : 100
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(total) (\(percent)%)\u{1B}[K".utf8))
    }

    /// Clears the progress line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
