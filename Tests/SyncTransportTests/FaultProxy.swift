import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fault-injecting TCP proxy on 127.0.0.1 between a node's `HubClient` and a running hub.
///
/// Plain POSIX sockets: one thread accepts, one thread per connection moves bytes both ways with `poll`, non-blocking
/// sockets and a queue per direction, so a held (delayed) direction never blocks the other. With no fault armed it
/// passes every byte through unchanged.
///
/// A ``Fault`` is armed with ``arm(_:)`` and fires at most ``Fault/times`` times. It picks its bytes by a trigger
/// (the connection that carries a given request, or the n-th connection), a direction (request: client → hub;
/// response: hub → client) and an offset (from the first byte of the request line / of the response, or from the
/// first byte of the body). Request triggers follow HTTP/1.1 keep-alive: the offsets count within the matched
/// request and the response that follows it on the same connection, whatever the connection carried before.
/// Every fault that fires, or misses because the message is shorter than its offset, is written to ``events``.
final class FaultProxy: Sendable {
    /// What a fault does at its byte.
    enum Action: Sendable, CustomStringConvertible {
        /// Forwards the bytes before the offset, then aborts both sides of the connection with an RST.
        case reset
        /// Forwards the bytes before the offset, then closes both sides (FIN): a truncated message.
        case close
        /// Holds the byte at the offset and everything after it in that direction for this long.
        case delay(Duration)
        /// XORs the byte at the offset with the mask.
        case flip(UInt8)
        /// Response direction only: holds the whole response (it must have a `Content-Length`), replaces its body
        /// with what the closure returns (fixing `Content-Length`), and forwards it. The offset is ignored.
        case rewriteBody(@Sendable ([UInt8]) -> [UInt8])

        var description: String {
            switch self {
            case .reset: "reset"
            case .close: "close"
            case .delay(let d): "delay \(d)"
            case .flip(let mask): "flip 0x\(String(mask, radix: 16))"
            case .rewriteBody: "rewrite body"
            }
        }
    }

    enum Direction: Sendable, CustomStringConvertible {
        /// Client → hub.
        case request
        /// Hub → client.
        case response
        var description: String { self == .request ? "request" : "response" }
    }

    enum Trigger: Sendable, CustomStringConvertible {
        /// The request with this method and path (and the response to it).
        case request(method: String, path: String)
        /// The n-th connection the proxy accepts from now on (0 = the next one); offsets from its first byte.
        case connection(Int)
        var description: String {
            switch self {
            case .request(let m, let p): "\(m) \(p)"
            case .connection(let n): "connection +\(n)"
            }
        }
    }

    enum Offset: Sendable, CustomStringConvertible {
        /// From the first byte of the request line (request) or of the status line (response).
        case message(Int)
        /// From the first byte after the blank line that ends the headers.
        case body(Int)
        /// The body's byte `n` counted back from its end (1 = its last byte); needs a `Content-Length`.
        case bodyFromEnd(Int)
        var description: String {
            switch self {
            case .message(let n): "message byte \(n)"
            case .body(let n): "body byte \(n)"
            case .bodyFromEnd(let n): "body byte \(n) from the end"
            }
        }
    }

    struct Fault: Sendable, CustomStringConvertible {
        var trigger: Trigger
        var direction: Direction
        var offset: Offset
        var action: Action
        /// How many matches it fires for.
        var times = 1
        /// How many matches it lets through first (request triggers only).
        var skip = 0

        var description: String { "\(action) at \(direction) \(offset) of \(trigger)" }

        /// Resets the connection after `bytes` bytes of the body of `POST path` have gone to the hub.
        static func resetRequest(_ path: String, afterBodyBytes bytes: Int) -> Fault {
            Fault(
                trigger: .request(method: "POST", path: path), direction: .request, offset: .body(bytes), action: .reset
            )
        }

        /// Closes the connection after `bytes` bytes of the body of the answer to `POST path`.
        static func truncateResponse(_ path: String, afterBodyBytes bytes: Int) -> Fault {
            Fault(
                trigger: .request(method: "POST", path: path), direction: .response, offset: .body(bytes),
                action: .close)
        }

        /// Holds the answer to `POST path` (from its first byte) for `duration`.
        static func delayResponse(_ path: String, by duration: Duration) -> Fault {
            Fault(
                trigger: .request(method: "POST", path: path), direction: .response, offset: .message(0),
                action: .delay(duration))
        }

        /// Holds the body of `POST path` from its byte `bytes` on for `duration`.
        static func delayRequest(_ path: String, afterBodyBytes bytes: Int, by duration: Duration) -> Fault {
            Fault(
                trigger: .request(method: "POST", path: path), direction: .request, offset: .body(bytes),
                action: .delay(duration))
        }

        /// Flips the bits of body byte `byte` of `POST path` (request) or of its answer (response).
        static func flip(_ direction: Direction, _ path: String, bodyByte byte: Int, mask: UInt8 = 0xFF) -> Fault {
            Fault(
                trigger: .request(method: "POST", path: path), direction: direction, offset: .body(byte),
                action: .flip(mask))
        }
    }

    /// One fault that fired (or missed), for the test's checks and failure messages.
    struct Event: Sendable, CustomStringConvertible {
        let connection: Int
        let fault: String
        /// Whether the fault was applied (false: the message ended before its offset).
        let fired: Bool
        let detail: String
        /// When the proxy met the fault's byte (for a delay: when the hold began).
        let at = ContinuousClock.now
        var description: String { "connection \(connection): \(fault): \(fired ? "fired" : "missed"), \(detail)" }
    }

    private struct Armed: Sendable {
        let id: Int
        var fault: Fault
        var remaining: Int
        var skip: Int
        /// For `.connection`: the absolute index of the connection it waits for.
        var connectionIndex: Int?
    }

    private struct State: Sendable {
        var target: Int
        var armed: [Armed] = []
        var nextFaultID = 0
        var accepted = 0
        var open = 0
        var events: [Event] = []
        var closed: Set<Int> = []
        var stopped = false
    }

    /// The port the proxy listens on (127.0.0.1).
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    private let listener: Int32
    private let state: Mutex<State>
    private let finished = DispatchGroup()

    /// Starts a proxy on 127.0.0.1 (port 0: any free port) forwarding to 127.0.0.1:`targetPort`.
    init(targetPort: Int, port: Int = 0) throws {
        let fd = socket(AF_INET, Self.streamType, 0)
        guard fd >= 0 else { throw ProxyError("socket: \(Self.errnoText())") }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let text = Self.errnoText()
            close(fd)
            throw ProxyError("bind/listen on 127.0.0.1:\(port): \(text)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        Self.setNonBlocking(fd)
        self.listener = fd
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.state = Mutex(State(target: targetPort))
        finished.enter()
        let thread = Thread { [self] in
            acceptLoop()
            finished.leave()
        }
        thread.name = "FaultProxy accept :\(self.port)"
        thread.start()
    }

    /// Arms a fault; it fires on the next match(es).
    func arm(_ fault: Fault) {
        state.withLock { s in
            var armed = Armed(id: s.nextFaultID, fault: fault, remaining: fault.times, skip: fault.skip)
            if case .connection(let n) = fault.trigger { armed.connectionIndex = s.accepted + n }
            s.nextFaultID += 1
            s.armed.append(armed)
        }
    }

    /// Disarms every fault that has not fired yet: from now on the proxy passes bytes through (faults already bound
    /// to a connection, e.g. a delay in progress, still run their course).
    func passThrough() { state.withLock { $0.armed.removeAll() } }

    /// Sends new connections to another port (a restarted hub).
    func retarget(_ port: Int) { state.withLock { $0.target = port } }

    /// The faults that fired or missed so far.
    var events: [Event] { state.withLock { $0.events } }

    /// Connections accepted so far, and how many are still open.
    var connections: (accepted: Int, open: Int) { state.withLock { ($0.accepted, $0.open) } }

    /// Waits (at most `timeout`) until connection `index` is closed: every byte it held delivered or dropped.
    func waitUntilClosed(_ index: Int, timeout: Duration = .seconds(10)) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if state.withLock({ $0.closed.contains(index) }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return state.withLock { $0.closed.contains(index) }
    }

    /// Stops accepting, closes every connection, and waits (at most 5 s) for the proxy's threads to end.
    func stop() {
        state.withLock { $0.stopped = true }
        _ = finished.wait(timeout: .now() + 5)
    }

    struct ProxyError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: - Accepting

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop() {
        while !isStopped {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let (index, target) = state.withLock { s -> (Int, Int) in
                s.accepted += 1
                s.open += 1
                return (s.accepted - 1, s.target)
            }
            let server = Self.connectLoopback(port: target)
            guard server >= 0 else {
                // The hub is not there: the client sees its connection closed, as with a dead hub behind a proxy.
                close(client)
                state.withLock { $0.open -= 1 }
                continue
            }
            Self.setNonBlocking(client)
            Self.setNonBlocking(server)
            finished.enter()
            let thread = Thread { [self] in
                var connection = Connection(index: index, client: client, server: server, proxy: self)
                connection.run()
                state.withLock {
                    $0.open -= 1
                    $0.closed.insert(index)
                }
                finished.leave()
            }
            thread.name = "FaultProxy connection \(index)"
            thread.start()
        }
        close(listener)
    }

    // MARK: - Faults, as a connection sees them

    /// Faults of `.connection` trigger for connection `index`, consumed.
    fileprivate func claimConnectionFaults(_ index: Int) -> [Fault] {
        state.withLock { s in
            var out = [Fault]()
            for i in s.armed.indices where s.armed[i].connectionIndex == index && s.armed[i].remaining > 0 {
                s.armed[i].remaining -= 1
                out.append(s.armed[i].fault)
            }
            s.armed.removeAll { $0.remaining <= 0 }
            return out
        }
    }

    /// The request markers (`METHOD PATH HTTP/1.`) of the armed request faults.
    fileprivate func armedMarkers() -> [String] {
        state.withLock { s in
            s.armed.compactMap {
                if case .request(let m, let p) = $0.fault.trigger { return "\(m) \(p) HTTP/1." }
                return nil
            }
        }
    }

    /// Consumes the armed faults whose request marker is `marker`.
    fileprivate func claimRequestFaults(marker: String) -> [Fault] {
        state.withLock { s in
            var out = [Fault]()
            for i in s.armed.indices where s.armed[i].remaining > 0 {
                if case .request(let m, let p) = s.armed[i].fault.trigger, "\(m) \(p) HTTP/1." == marker {
                    if s.armed[i].skip > 0 {
                        s.armed[i].skip -= 1
                        continue
                    }
                    s.armed[i].remaining -= 1
                    out.append(s.armed[i].fault)
                }
            }
            s.armed.removeAll { $0.remaining <= 0 }
            return out
        }
    }

    fileprivate func record(_ event: Event) { state.withLock { $0.events.append(event) } }

    fileprivate var stopped: Bool { isStopped }

    // MARK: - Sockets

    fileprivate static var streamType: Int32 {
        #if canImport(Glibc)
        Int32(SOCK_STREAM.rawValue)
        #else
        SOCK_STREAM
        #endif
    }

    fileprivate static var noSignal: Int32 {
        #if canImport(Glibc)
        Int32(MSG_NOSIGNAL)
        #else
        0
        #endif
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        return address
    }

    private static func connectLoopback(port: Int) -> Int32 {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { return -1 }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        var yes: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    fileprivate static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    fileprivate static func errnoText() -> String { String(cString: strerror(errno)) }
}

// MARK: - One connection

/// A fault bound to one message of one connection.
private struct Binding {
    let fault: FaultProxy.Fault
    /// The absolute offset (in its direction's byte stream) where the message starts.
    let base: Int
}

/// Bytes waiting to go out in one direction, in order; a held segment blocks those behind it.
private struct Segment {
    var bytes: [UInt8]
    var notBefore: ContinuousClock.Instant?
}

private enum Ending { case fin, reset }

/// A response held whole for `rewriteBody`.
private struct Rewrite {
    let base: Int
    let transform: @Sendable ([UInt8]) -> [UInt8]
    let fault: FaultProxy.Fault
}

/// One direction of a connection: what was read from its source, and what waits to be written to its sink.
private struct Flow {
    /// Every byte read from the source, for finding request lines and header ends.
    var history: [UInt8] = []
    var queue: [Segment] = []
    var queued = 0
    /// The source sent EOF (or failed): nothing more to read.
    var sourceClosed = false
    /// The sink was half-closed after the queue drained.
    var sinkShut = false
    /// Writing to the sink failed: it is gone, and what is queued for it is dropped.
    var sinkDead = false
    var bindings: [Binding] = []
    var rewrite: Rewrite?
    /// Where the request-line search resumes.
    var scanFrom = 0

    var isDone: Bool { sinkDead || (sourceClosed && queue.isEmpty) }

    mutating func enqueue(_ bytes: ArraySlice<UInt8>, notBefore: ContinuousClock.Instant? = nil) {
        guard !sinkDead, !bytes.isEmpty || notBefore != nil else { return }
        queue.append(Segment(bytes: Array(bytes), notBefore: notBefore))
        queued += bytes.count
    }
}

private struct Connection {
    let index: Int
    let client: Int32
    let server: Int32
    let proxy: FaultProxy
    /// Client → server.
    var up = Flow()
    /// Server → client.
    var down = Flow()
    var ending: Ending?
    let clock = ContinuousClock()

    init(index: Int, client: Int32, server: Int32, proxy: FaultProxy) {
        (self.index, self.client, self.server, self.proxy) = (index, client, server, proxy)
        for fault in proxy.claimConnectionFaults(index) {
            if fault.direction == .request {
                up.bindings.append(Binding(fault: fault, base: 0))
            } else {
                down.bindings.append(Binding(fault: fault, base: 0))
            }
        }
    }

    mutating func run() {
        defer { finish() }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        let pollIn = Int16(POLLIN)
        let pollOut = Int16(POLLOUT)
        while !proxy.stopped {
            if ending != nil, up.queue.isEmpty || up.sinkDead, down.queue.isEmpty || down.sinkDead { return }
            if ending == nil, up.isDone, down.isDone { return }
            var fds = [pollfd(fd: client, events: 0, revents: 0), pollfd(fd: server, events: 0, revents: 0)]
            let now = clock.now
            // Read only while the other side keeps up, and not after a fault ended the connection.
            if ending == nil, !up.sourceClosed, up.queued < 8 << 20 { fds[0].events |= pollIn }
            if ending == nil, !down.sourceClosed, down.queued < 8 << 20 { fds[1].events |= pollIn }
            var wake: ContinuousClock.Instant?
            if let head = up.queue.first, !up.sinkDead {
                if let t = head.notBefore, t > now { wake = min(wake ?? t, t) } else { fds[1].events |= pollOut }
            }
            if let head = down.queue.first, !down.sinkDead {
                if let t = head.notBefore, t > now { wake = min(wake ?? t, t) } else { fds[0].events |= pollOut }
            }
            var timeout: Int32 = 50
            if let wake {
                let left = (wake - now).components
                timeout = Int32(max(1, min(50, left.seconds * 1000 + left.attoseconds / 1_000_000_000_000_000 + 1)))
            }
            let ready = poll(&fds, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            var moved = 0
            // Writes first (they free room), then reads.
            moved += Self.flush(&up, to: server, revents: fds[1].revents, clock: clock)
            moved += Self.flush(&down, to: client, revents: fds[0].revents, clock: clock)
            let readable = pollIn | Int16(POLLHUP) | Int16(POLLERR)
            if fds[0].events & pollIn != 0, fds[0].revents & readable != 0 {
                moved += read(from: client, .request, &buffer)
            }
            if fds[1].events & pollIn != 0, fds[1].revents & readable != 0 {
                moved += read(from: server, .response, &buffer)
            }
            // A source that closed: once its bytes are out, half-close the sink.
            if ending == nil, up.sourceClosed, up.queue.isEmpty, !up.sinkShut, !up.sinkDead {
                _ = shutdown(server, Int32(SHUT_WR))
                up.sinkShut = true
                moved += 1
            }
            if ending == nil, down.sourceClosed, down.queue.isEmpty, !down.sinkShut, !down.sinkDead {
                _ = shutdown(client, Int32(SHUT_WR))
                down.sinkShut = true
                moved += 1
            }
            // A socket that reports a hang-up while nothing can move (bytes held for later): do not spin.
            if ready > 0, moved == 0 { usleep(2_000) }
        }
    }

    private func finish() {
        if ending == .reset {
            var abort = linger(l_onoff: 1, l_linger: 0)
            for fd in [client, server] {
                _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
            }
        }
        close(client)
        close(server)
    }

    /// Writes what is due of `flow`'s queue to `fd`; returns the bytes written (a dead sink counts as progress).
    private static func flush(_ flow: inout Flow, to fd: Int32, revents: Int16, clock: ContinuousClock) -> Int {
        guard !flow.sinkDead, !flow.queue.isEmpty else { return 0 }
        guard revents & (Int16(POLLOUT) | Int16(POLLERR) | Int16(POLLNVAL)) != 0 else { return 0 }
        let now = clock.now
        var written = 0
        while var head = flow.queue.first {
            if let t = head.notBefore, t > now { break }
            head.notBefore = nil
            if head.bytes.isEmpty {
                flow.queue.removeFirst()
                written += 1
                continue
            }
            let n = head.bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, FaultProxy.noSignal) }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                    flow.queue[0] = head
                    return written
                }
                // The sink is gone (reset or closed): drop what was meant for it.
                flow.sinkDead = true
                flow.queue.removeAll()
                flow.queued = 0
                return written + 1
            }
            flow.queued -= n
            written += n
            if n == head.bytes.count {
                flow.queue.removeFirst()
            } else {
                head.bytes.removeFirst(n)
                flow.queue[0] = head
                return written
            }
        }
        return written
    }

    /// Reads from `fd` and queues the bytes for the other side, applying faults. Returns the bytes read (EOF counts).
    private mutating func read(from fd: Int32, _ direction: FaultProxy.Direction, _ buffer: inout [UInt8]) -> Int {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return 0 }
        // Moved out of `self` while it is processed, so that `process` may also touch the other direction.
        var flow = Flow()
        if direction == .request { swap(&flow, &up) } else { swap(&flow, &down) }
        defer { if direction == .request { swap(&flow, &up) } else { swap(&flow, &down) } }
        if n <= 0 {
            // EOF, or a reset by that side: nothing more comes from it.
            flow.sourceClosed = true
            return 1
        }
        process(Array(buffer[..<n]), flow: &flow, direction: direction)
        return n
    }

    /// Applies the bound faults to a chunk read in `direction` and queues it.
    private mutating func process(_ incoming: [UInt8], flow: inout Flow, direction: FaultProxy.Direction) {
        let start = flow.history.count
        flow.history.append(contentsOf: incoming)
        if direction == .request { bindRequests(&flow) }
        let end = flow.history.count

        if flow.rewrite == nil, let i = flow.bindings.firstIndex(where: { $0.fault.action.isRewrite }),
            case .rewriteBody(let transform) = flow.bindings[i].fault.action
        {
            let b = flow.bindings.remove(at: i)
            flow.rewrite = Rewrite(base: b.base, transform: transform, fault: b.fault)
            if b.base > start { flow.enqueue(flow.history[start..<min(b.base, end)]) }
        }
        if let rewrite = flow.rewrite {
            holdForRewrite(rewrite, &flow)
            return
        }

        // Faults at offsets inside this chunk, in offset order.
        var due: [(offset: Int, binding: Binding)] = []
        var keep: [Binding] = []
        for b in flow.bindings {
            switch resolve(b, in: flow.history) {
            case .at(let offset) where offset < end: due.append((max(offset, start), b))
            case .at, .unknown: keep.append(b)
            case .beyondMessage(let size):
                proxy.record(
                    .init(
                        connection: index, fault: "\(b.fault)", fired: false,
                        detail: "the \(direction) has only \(size) bytes"))
            }
        }
        flow.bindings = keep
        due.sort { $0.offset < $1.offset }
        var chunk = incoming
        var sent = start  // the absolute offset of the first byte of `chunk` not queued yet
        for (offset, binding) in due {
            let event = FaultProxy.Event(
                connection: index, fault: "\(binding.fault)", fired: true,
                detail: "at \(direction) byte \(offset - binding.base) of the message")
            switch binding.fault.action {
            case .flip(let mask):
                chunk[offset - start] ^= mask
                proxy.record(event)
            case .reset, .close:
                flow.enqueue(chunk[(sent - start)..<(offset - start)])
                ending = binding.fault.action.isReset ? .reset : .fin
                proxy.record(event)
                return
            case .delay(let duration):
                flow.enqueue(chunk[(sent - start)..<(offset - start)])
                flow.enqueue([], notBefore: clock.now + duration)
                sent = offset
                proxy.record(event)
            case .rewriteBody:
                break
            }
        }
        flow.enqueue(chunk[(sent - start)...])
    }

    /// Holds a response until it is complete, then queues it with its body rewritten.
    private func holdForRewrite(_ rewrite: Rewrite, _ flow: inout Flow) {
        guard let (headerEnd, length) = Self.framing(flow.history, from: rewrite.base) else { return }
        guard let length else {
            proxy.record(
                .init(
                    connection: index, fault: "\(rewrite.fault)", fired: false,
                    detail: "the response has no Content-Length"))
            flow.rewrite = nil
            flow.enqueue(flow.history[rewrite.base...])
            return
        }
        guard flow.history.count >= headerEnd + length else { return }
        let body = Array(flow.history[headerEnd..<(headerEnd + length)])
        let replaced = rewrite.transform(body)
        var head = String(decoding: flow.history[rewrite.base..<headerEnd], as: UTF8.self)
        if let range = head.range(of: #"(?i)content-length:[ \t]*[0-9]+"#, options: .regularExpression) {
            head.replaceSubrange(range, with: "Content-Length: \(replaced.count)")
        }
        flow.enqueue(ArraySlice(Array(head.utf8) + replaced))
        flow.enqueue(flow.history[(headerEnd + length)...])
        flow.rewrite = nil
        proxy.record(
            .init(
                connection: index, fault: "\(rewrite.fault)", fired: true,
                detail: "body of \(length) bytes replaced (\(body == replaced ? "unchanged" : "changed"))"))
    }

    /// Finds the request lines of armed request faults in the client's bytes and binds those faults.
    private mutating func bindRequests(_ flow: inout Flow) {
        let end = flow.history.count
        let markers = Set(proxy.armedMarkers())
        let longest = markers.map(\.utf8.count).max() ?? 0
        defer { flow.scanFrom = max(flow.scanFrom, end - longest - 2) }
        guard !markers.isEmpty else { return }
        let from = max(0, min(flow.scanFrom, end - longest - 2))
        var found: [(offset: Int, marker: String)] = []
        for marker in markers {
            let bytes = Array(marker.utf8)
            var at = from
            // A request line follows the previous request's body directly (keep-alive), so any occurrence counts;
            // `METHOD PATH HTTP/1.` inside a body (binary sets, deflated or not) is not a practical concern.
            while let hit = Self.find(bytes, in: flow.history, from: at) {
                found.append((hit, marker))
                at = hit + 1
            }
        }
        for (offset, marker) in found.sorted(by: { $0.offset < $1.offset }) {
            for fault in proxy.claimRequestFaults(marker: marker) {
                if fault.direction == .request {
                    flow.bindings.append(Binding(fault: fault, base: offset))
                } else {
                    // The answer starts with the next byte the hub sends: HTTP/1.1 without pipelining.
                    down.bindings.append(Binding(fault: fault, base: down.history.count))
                }
            }
        }
    }

    private enum Resolution {
        case at(Int)
        case unknown
        case beyondMessage(Int)
    }

    private func resolve(_ b: Binding, in history: [UInt8]) -> Resolution {
        let framing = Self.framing(history, from: b.base)
        switch b.fault.offset {
        case .message(let n):
            if let (headerEnd, length) = framing, let length, n >= headerEnd - b.base + length {
                return .beyondMessage(headerEnd - b.base + length)
            }
            return .at(b.base + n)
        case .body(let n):
            guard let (headerEnd, length) = framing else { return .unknown }
            if let length, n >= length { return .beyondMessage(headerEnd - b.base + length) }
            return .at(headerEnd + n)
        case .bodyFromEnd(let n):
            guard let (headerEnd, length) = framing else { return .unknown }
            guard let length, n >= 1, n <= length else { return .beyondMessage(headerEnd - b.base + (length ?? 0)) }
            return .at(headerEnd + length - n)
        }
    }

    /// Where the headers of the message at `base` end (its first body byte) and its `Content-Length`, once the
    /// blank line has arrived.
    static func framing(_ history: [UInt8], from base: Int) -> (headerEnd: Int, length: Int?)? {
        guard base < history.count, let blank = find([13, 10, 13, 10], in: history, from: base) else { return nil }
        let head = String(decoding: history[base..<blank], as: UTF8.self)
        var length: Int?
        for line in head.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                length = Int(parts[1].trimmingCharacters(in: .whitespaces))
            }
        }
        return (blank + 4, length)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        let last = haystack.count - needle.count
        var i = max(0, from)
        while i <= last {
            if haystack[i] == needle[0] {
                var j = 1
                while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}

extension FaultProxy.Action {
    fileprivate var isReset: Bool {
        if case .reset = self { return true }
        return false
    }

    fileprivate var isRewrite: Bool {
        if case .rewriteBody = self { return true }
        return false
    }
}
