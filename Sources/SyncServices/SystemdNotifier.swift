public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd how the daemon is doing (the `sd_notify(3)` protocol, without libsystemd), for units with
/// `Type=notify` and `WatchdogSec=`.
///
/// Send `READY=1` once the service is listening, `STATUS=…` (one line for `systemctl status`) when it has news,
/// `WATCHDOG=1` every ``watchdogInterval``, and `STOPPING=1` when a graceful shutdown begins. Several
/// assignments may go in one message, one per line. Outside systemd (no `NOTIFY_SOCKET`) every call does nothing.
public struct SystemdNotifier: Sendable {
    /// `NOTIFY_SOCKET`: a socket path, or an abstract socket name starting with `@`; `nil` outside systemd.
    public let socket: String?
    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, as systemd recommends; `nil` when the unit has no
    /// watchdog or `WATCHDOG_PID` names another process.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socket = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == ProcessInfo.processInfo.processIdentifier } ?? true
        if forUs, let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Whether systemd listens (a `NOTIFY_SOCKET` was given).
    public var isEnabled: Bool { socket != nil }

    /// Why a notification could not be sent.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What failed, with the socket address.
        public let reason: String
        /// The `errno` of the failing call, 0 when none.
        public let errno: Int32

        public var description: String {
            errno == 0 ? reason : "\(reason): \(String(cString: strerror(errno)))"
        }
    }

    /// Sends one datagram, e.g. `"READY=1"` or `"STATUS=syncing\nWATCHDOG=1"`; does nothing outside systemd.
    ///
    /// - Throws: ``Failure`` when the address is unusable or the datagram cannot be sent (systemd gone, a socket
    ///   the service may not reach). A daemon should log it and carry on.
    public func notify(_ state: String) throws(Failure) {
        guard let socket else { return }
        #if canImport(Glibc)
        try Self.send(Array(state.utf8), to: socket)
        #else
        throw Failure(reason: "NOTIFY_SOCKET \(socket): not supported on this platform", errno: 0)
        #endif
    }

    #if canImport(Glibc)
    private static func send(_ message: [UInt8], to socket: String) throws(Failure) {
        // A path, or `@name` for Linux's abstract namespace, where the name starts with a NUL byte instead.
        var path = Array(socket.utf8)
        let abstract = path.first == UInt8(ascii: "@")
        guard abstract || path.first == UInt8(ascii: "/") else {
            throw Failure(reason: "NOTIFY_SOCKET \(socket): not an absolute path or @name", errno: 0)
        }
        if abstract { path[0] = 0 }
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A path needs room for its terminating NUL (sockaddr_un() is zero-filled); an abstract name does not.
        guard path.count + (abstract ? 0 : 1) <= capacity else {
            throw Failure(reason: "NOTIFY_SOCKET \(socket): longer than \(capacity - 1) bytes", errno: 0)
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (abstract ? 0 : 1))

        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(reason: "socket(AF_UNIX, SOCK_DGRAM)", errno: Glibc.errno) }
        defer { close(fd) }
        var sent: Int
        repeat {
            sent = message.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, length)
                    }
                }
            }
        } while sent < 0 && Glibc.errno == EINTR
        guard sent >= 0 else { throw Failure(reason: "sendto \(socket)", errno: Glibc.errno) }
        guard sent == message.count else {
            throw Failure(reason: "sendto \(socket): sent \(sent) of \(message.count) bytes", errno: 0)
        }
    }
    #endif
}
