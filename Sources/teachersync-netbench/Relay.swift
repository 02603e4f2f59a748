import BenchSupport
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One HTTP request and its answer as they crossed the relay.
struct Exchange: Sendable {
    /// `METHOD /path` from the request line.
    let endpoint: String
    /// When the request's first byte arrived from the client.
    let start: ContinuousClock.Instant
    /// When the answer's last byte arrived from the hub (or the connection closed, for an aborted request).
    let end: ContinuousClock.Instant
    /// Bytes of the request (line, headers, body) and of the answer.
    let requestBytes: Int
    let responseBytes: Int
    /// The answer's status; 0 when the client gave up (closed the connection) before the answer was complete.
    let status: Int

    var seconds: Double { (end - start).seconds }
    var aborted: Bool { status == 0 }
}

/// A counting TCP relay on 127.0.0.1 between the county clients and the hub: every byte that crosses the socket
/// is counted (HTTP request and status lines, headers and bodies, compressed or not, as sent; TCP/IP framing is
/// not), and each HTTP exchange is timed from the request's first byte to the answer's last byte.
///
/// Blocking POSIX sockets, two threads per connection. The answers are framed (Content-Length or chunked) to
/// know when an exchange ends; HTTP/1.1 clients do not pipeline, so a connection carries one exchange at a time.
final class Relay: Sendable {
    let port: Int
    let targetPort: Int
    private let listener: Int32

    struct Totals: Sendable {
        /// Bytes client → hub and hub → client.
        var up = 0
        var down = 0
        var connections = 0
        var exchanges = 0
    }

    private struct State {
        var totals = Totals()
        var exchanges: [Exchange] = []
    }

    private let state = Mutex(State())

    var url: String { "http://127.0.0.1:\(port)" }

    init(targetPort: Int) throws {
        self.targetPort = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CheckFailed(description: "relay: socket() failed: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 1024) == 0 else {
            close(fd)
            throw CheckFailed(description: "relay: cannot listen on 127.0.0.1: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        let relay = self
        Thread.detachNewThread { relay.acceptLoop() }
    }

    static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }

    /// Stops accepting; open connections end when their peers close them.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    var totals: Totals { state.withLock { $0.totals } }

    /// The exchanges recorded so far, from index `from` on (in order of completion).
    func exchanges(from: Int = 0) -> [Exchange] {
        state.withLock { Array($0.exchanges[min(from, $0.exchanges.count)...]) }
    }

    func count(up: Int, down: Int) {
        state.withLock {
            $0.totals.up += up
            $0.totals.down += down
        }
    }

    func record(_ e: Exchange) {
        state.withLock {
            $0.exchanges.append(e)
            $0.totals.exchanges += 1
        }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return  // the listener was closed
            }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = Self.loopback(port: targetPort)
            let connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard server >= 0, connected == 0 else {
                if server >= 0 { close(server) }
                close(client)
                continue
            }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(server, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            state.withLock { $0.totals.connections += 1 }
            let connection = RelayConnection(client: client, server: server, relay: self)
            Thread.detachNewThread { connection.pumpUp() }
            Thread.detachNewThread { connection.pumpDown() }
        }
    }
}

/// One relayed connection: client → hub and hub → client, each pumped by its own thread.
private final class RelayConnection: @unchecked Sendable {
    let client: Int32
    let server: Int32
    let relay: Relay
    private let lock = NSLock()
    // Guarded by `lock`.
    private var inFlight = false
    private var start = ContinuousClock.now
    private var requestLine: [UInt8] = []
    private var requestLineDone = false
    private var requestBytes = 0
    private var responseBytes = 0
    private var parser = ResponseParser()
    private var finishedPumps = 0

    static let bufferSize = 1 << 16

    init(client: Int32, server: Int32, relay: Relay) {
        self.client = client
        self.server = server
        self.relay = relay
    }

    private func exchange(status: Int) -> Exchange {
        Exchange(
            endpoint: String(decoding: requestLine, as: UTF8.self).split(separator: " ").prefix(2).joined(
                separator: " "),
            start: start, end: .now, requestBytes: requestBytes, responseBytes: responseBytes, status: status)
    }

    func pumpUp() {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.bufferSize)
        defer { buffer.deallocate() }
        var clean = false
        while true {
            let n = read(client, buffer, Self.bufferSize)
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                clean = n == 0
                break
            }
            lock.lock()
            if !inFlight {
                inFlight = true
                start = .now
                requestLine = []
                requestLineDone = false
                requestBytes = 0
                responseBytes = 0
                parser = ResponseParser()
            }
            if !requestLineDone {
                for i in 0..<n {
                    if buffer[i] == 13 || buffer[i] == 10 || requestLine.count >= 256 {
                        requestLineDone = true
                        break
                    }
                    requestLine.append(buffer[i])
                }
            }
            requestBytes += n
            lock.unlock()
            relay.count(up: n, down: 0)
            guard Self.writeAll(server, buffer, n) else { break }
        }
        // The client closed (or failed): a request still waiting for its answer was given up.
        lock.lock()
        let aborted = inFlight ? exchange(status: 0) : nil
        inFlight = false
        lock.unlock()
        if let aborted { relay.record(aborted) }
        if clean {
            shutdown(server, Int32(SHUT_WR))
        } else {
            shutdown(server, Int32(SHUT_RDWR))
            shutdown(client, Int32(SHUT_RDWR))
        }
        finished()
    }

    func pumpDown() {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.bufferSize)
        defer { buffer.deallocate() }
        var clean = false
        while true {
            let n = read(server, buffer, Self.bufferSize)
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                clean = n == 0
                break
            }
            lock.lock()
            var complete: Exchange?
            if inFlight {
                responseBytes += n
                if parser.feed(UnsafeBufferPointer(start: buffer, count: n)) {
                    complete = exchange(status: parser.status)
                    inFlight = false
                }
            }
            lock.unlock()
            relay.count(up: 0, down: n)
            // Recorded before the last bytes go to the client, which may send its next request at once.
            if let complete { relay.record(complete) }
            guard Self.writeAll(client, buffer, n) else { break }
        }
        lock.lock()
        // An answer delimited by the connection's end is complete now; any other is cut short.
        let ended = inFlight ? exchange(status: parser.delimitedByClose ? parser.status : 0) : nil
        inFlight = false
        lock.unlock()
        if let ended { relay.record(ended) }
        if clean {
            shutdown(client, Int32(SHUT_WR))
        } else {
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
        }
        finished()
    }

    private func finished() {
        lock.lock()
        finishedPumps += 1
        let last = finishedPumps == 2
        lock.unlock()
        if last {
            close(client)
            close(server)
        }
    }

    static func writeAll(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let w = send(fd, buffer + offset, count - offset, Int32(MSG_NOSIGNAL))
            if w < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += w
        }
        return true
    }
}

/// Finds the end of one HTTP/1.1 response: head, then a Content-Length body, a chunked body, or (without
/// either) a body that ends with the connection. Interim (1xx) responses are skipped.
struct ResponseParser {
    private enum Phase {
        case head
        case body(Int)
        case chunkSize
        case chunkData(Int)
        case chunkEnd(Int)
        case trailer
        case untilClose
        case done
    }

    private var phase = Phase.head
    private var line: [UInt8] = []
    private(set) var status = 0

    var delimitedByClose: Bool {
        if case .untilClose = phase { return true }
        return false
    }

    /// Feeds the next bytes of the stream; true when the (final) response is complete.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            switch phase {
            case .head:
                let b = bytes[i]
                i += 1
                line.append(b)
                let c = line.count
                if b == 10, c >= 4, line[c - 2] == 13, line[c - 3] == 10, line[c - 4] == 13 {
                    if parseHead() { return true }
                } else if c > 1 << 20 {
                    phase = .untilClose
                }
            case .body(let remaining):
                let take = min(remaining, n - i)
                i += take
                if take == remaining {
                    phase = .done
                    return true
                }
                phase = .body(remaining - take)
            case .chunkSize:
                let b = bytes[i]
                i += 1
                if b == 10 {
                    let text = String(decoding: line, as: UTF8.self)
                    let hex = text.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                    let size = Int(hex, radix: 16) ?? 0
                    line = []
                    phase = size == 0 ? .trailer : .chunkData(size)
                } else if b != 13 {
                    line.append(b)
                }
            case .chunkData(let remaining):
                let take = min(remaining, n - i)
                i += take
                phase = take == remaining ? .chunkEnd(2) : .chunkData(remaining - take)
            case .chunkEnd(let left):
                i += 1
                phase = left == 1 ? .chunkSize : .chunkEnd(left - 1)
            case .trailer:
                let b = bytes[i]
                i += 1
                if b == 10 {
                    if line.isEmpty {
                        phase = .done
                        return true
                    }
                    line = []
                } else if b != 13 {
                    line.append(b)
                }
            case .untilClose:
                return false
            case .done:
                return true
            }
        }
        return false
    }

    /// Parses a complete head; true when the response has no body.
    private mutating func parseHead() -> Bool {
        let lines = String(decoding: line, as: UTF8.self).components(separatedBy: "\r\n")
        line = []
        let statusParts = lines.first?.split(separator: " ") ?? []
        status = statusParts.count > 1 ? Int(statusParts[1]) ?? 0 : 0
        if (100..<200).contains(status) {
            phase = .head
            return false
        }
        var length: Int?
        var chunked = false
        for l in lines.dropFirst() {
            let parts = l.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            if name == "content-length" { length = Int(value) }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
        }
        if chunked {
            phase = .chunkSize
            return false
        }
        if let length {
            if length == 0 {
                phase = .done
                return true
            }
            phase = .body(length)
            return false
        }
        if status == 204 || status == 304 {
            phase = .done
            return true
        }
        phase = .untilClose
        return false
    }
}
