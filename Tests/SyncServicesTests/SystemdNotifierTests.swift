import Foundation
import SyncServices
import SyncTestSupport
import Testing

#if canImport(Glibc)
import Glibc

/// What systemd does with `NOTIFY_SOCKET`: a bound AF_UNIX datagram socket, read back here.
private final class NotifyListener {
    let fd: Int32
    /// The `NOTIFY_SOCKET` value that reaches this listener.
    let address: String

    /// Binds `path`, or the abstract name after the `@` when `address` starts with one.
    init(address: String) throws {
        self.address = address
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        var path = Array(address.utf8)
        let abstract = path.first == UInt8(ascii: "@")
        if abstract { path[0] = 0 }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw POSIXError(.init(rawValue: errno)!) }
        // Never hang a test run: a message that did not come is a failure after two seconds.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next datagram as text, or `nil` after the timeout.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }

    deinit { close(fd) }
}

@Suite struct SystemdNotifierTests {
    @Test func outsideSystemdNothingHappens() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdogInterval == nil)
        try notifier.notify("READY=1")
    }

    @Test func messagesReachAPathSocket() throws {
        let folder = TemporaryDirectory(prefix: "ts-notify")
        let listener = try NotifyListener(address: folder.path("notify").path)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.isEnabled)
        for state in ["READY=1", "STATUS=listening on 127.0.0.1:8443", "WATCHDOG=1", "STOPPING=1"] {
            try notifier.notify(state)
            #expect(listener.receive() == state)
        }
        try notifier.notify("STATUS=draining\nSTOPPING=1")
        #expect(listener.receive() == "STATUS=draining\nSTOPPING=1")
    }

    @Test func messagesReachAnAbstractSocket() throws {
        let listener = try NotifyListener(address: "@teachersync-test-\(UUID().uuidString)")
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        try notifier.notify("READY=1")
        #expect(listener.receive() == "READY=1")
    }

    @Test func aSocketNobodyListensOnIsAnError() throws {
        let folder = TemporaryDirectory(prefix: "ts-notify")
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": folder.path("gone").path])
        #expect(throws: SystemdNotifier.Failure.self) { try notifier.notify("READY=1") }
        #expect(throws: SystemdNotifier.Failure.self) {
            try SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative/path"]).notify("READY=1")
        }
        #expect(throws: SystemdNotifier.Failure.self) {
            try SystemdNotifier(environment: ["NOTIFY_SOCKET": "/" + String(repeating: "x", count: 200)]).notify("X=1")
        }
    }

    @Test(
        arguments: [
            (["WATCHDOG_USEC": "60000000"], Duration.seconds(30)),
            (["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "\(getpid())"], .milliseconds(500)),
            (["WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "\(getpid() + 1)"], nil),  // another process's watchdog
            (["WATCHDOG_USEC": "0"], nil),
            (["WATCHDOG_USEC": "soon"], nil),
            ([:], nil),
        ] as [([String: String], Duration?)])
    func theWatchdogIntervalIsHalfTheTimeout(environment: [String: String], interval: Duration?) {
        #expect(SystemdNotifier(environment: environment).watchdogInterval == interval)
    }
}
#endif
