import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// A hub replica and county replicas in a temporary folder, sharing one manual clock, plus a real
/// `HubServer` on 127.0.0.1 that tests start and stop.
///
/// Unlike `ReplicaFixture` (SQLiteReplicaTests), the counties are *not* fed the hub's registry by hand: the
/// first sync round has to bring it over HTTP.
final class TransportFixture: Sendable {
    let dir = TemporaryDirectory(prefix: "transport-test")
    let clock = ManualWallClock()
    let hub: Replica
    let counties: [Replica]
    let countyConfiguration: ReplicaConfiguration

    init(
        counties countyCodes: [String] = ["130102"],
        countyConfig: (ReplicaConfiguration) -> ReplicaConfiguration = { $0 },
        hubConfig: (ReplicaConfiguration) -> ReplicaConfiguration = { $0 }
    ) throws {
        let base = ReplicaConfiguration(wallClock: clock)
        hub = try Replica.create(at: dir.path("hub"), role: .hub, county: nil, configuration: hubConfig(base))
        countyConfiguration = countyConfig(base)
        var counties = [Replica]()
        for (i, code) in countyCodes.enumerated() {
            let c = try Replica.create(
                at: dir.path("county\(i)"), role: .county, county: code, hubKey: hub.identity.signer.publicKeyBase64,
                configuration: countyConfiguration)
            try hub.write([.registryEntry(c.identity.record)])
            counties.append(c)
        }
        try hub.seal()
        self.counties = counties
    }

    /// A county replica that is not enrolled at the hub (or enrolled by the caller as it likes).
    func extraCounty(_ name: String, county: String, clock: (any WallClock)? = nil) throws -> Replica {
        var config = countyConfiguration
        if let clock { config.wallClock = clock }
        return try Replica.create(
            at: dir.path(name), role: .county, county: county, hubKey: hub.identity.signer.publicKeyBase64,
            configuration: config)
    }

    /// A client signing as `replica`, with the fixture's clock.
    ///
    /// `timeout` shortens the request deadline for tests that talk to a stopped hub: the shared
    /// `HTTPClient` retries a refused connection until the deadline (60 s by default).
    func client(_ replica: Replica, _ hub: RunningHub, timeout: Duration? = nil) -> HubClient {
        var client = HubClient(baseURL: hub.url, signer: replica.identity.signer, wallClock: clock)
        if let timeout { client.timeout = timeout }
        return client
    }

    /// A sync driver for `replica` against `hub`.
    func driver(
        _ replica: Replica, _ hub: RunningHub, limits: SyncRound.Limits = .init(), timeout: Duration? = nil
    ) -> SyncDriver {
        SyncDriver(executor: ReplicaExecutor(replica), client: client(replica, hub, timeout: timeout), limits: limits)
    }

    /// Starts a hub server over `replica` (the fixture's hub by default) on 127.0.0.1, port 0 unless given.
    func startHub(replica: Replica? = nil, port: Int = 0) async throws -> RunningHub {
        try await RunningHub.start(replica: replica ?? hub, port: port, clock: clock)
    }

    /// Runs `body` with a started hub and stops the hub afterwards (also when `body` throws).
    func withHub<T>(_ body: (RunningHub) async throws -> T) async throws -> T {
        let running = try await startHub()
        do {
            let result = try await body(running)
            try await running.stop()
            return result
        } catch {
            try? await running.stop()
            throw error
        }
    }

    // MARK: - Data

    /// A teacher row of `county` (the key is county, id type, id number).
    static func teacher(_ n: Int, county: String = "130102", name: String = "张三") -> LocalWrite {
        LocalWrite(
            kind: .upsert, table: "teachers", key: [.text(county), .text("1"), .text("ID\(n)")],
            fields: [
                .init("name", .text(name)), .init("gender", .text("M")), .init("school_code", .text("S1")),
                .init("stage", .text("2")), .init("subject", .text("13")), .init("dev_stage", .text("new")),
            ])
    }

    /// A study record (a fact) of `county`.
    static func record(_ id: String, minutes: Int64, county: String = "130102") -> LocalWrite {
        LocalWrite(
            kind: .insertFact, table: "study_records", key: [.text(county), .text(id)],
            fields: [
                .init("id_type", .text("1")), .init("id_number", .text("ID1")),
                .init("activity_code", .text("A")), .init("minutes", .integer(minutes)),
                .init("recorded_at", .text("2019-09-01T20:15:00+08:00")), .init("source", .text("county")),
            ])
    }
}

/// A `HubServer` running in a task; `stop()` cancels the task and checks that the server really stops.
final class RunningHub: Sendable {
    let port: Int
    let task: Task<Void, any Error>
    let scheme: String
    var url: String { "\(scheme)://127.0.0.1:\(port)" }

    private init(port: Int, task: Task<Void, any Error>, scheme: String) {
        self.port = port
        self.task = task
        self.scheme = scheme
    }

    struct DidNotStart: Error, CustomStringConvertible {
        let description: String
    }

    struct DidNotStop: Error, CustomStringConvertible {
        var description: String { "the hub server did not stop within 10 s of its task being cancelled" }
    }

    static func start(
        replica: Replica, port: Int, clock: any WallClock, tls: TLSConfiguration? = nil, limits: HubLimits = HubLimits()
    ) async throws -> RunningHub {
        // A restart on the port a stopped hub used may find it briefly taken (its socket still closing, or a
        // parallel test's hub given it): try again for a few seconds before failing.
        var attempt = 0
        while true {
            do {
                return try await startOnce(replica: replica, port: port, clock: clock, tls: tls, limits: limits)
            } catch let error as DidNotStart where port != 0 && attempt < 20 {
                _ = error
                attempt += 1
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    private static func startOnce(
        replica: Replica, port: Int, clock: any WallClock, tls: TLSConfiguration?, limits: HubLimits
    ) async throws -> RunningHub {
        var logger = Logger(label: "teachersync.hub.test")
        logger.logLevel = .critical
        let listen = HubServer.Listen("127.0.0.1:\(port)")!
        let server = HubServer(
            replica: replica, listen: listen, tls: tls, limits: limits, logger: logger, wallClock: clock)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await server.run(onListening: { continuation.yield($0) })
        }
        for await bound in ports {
            guard bound != 0 else { break }
            return RunningHub(port: bound, task: task, scheme: tls == nil ? "http" : "https")
        }
        task.cancel()
        let result = await task.result
        throw DidNotStart(description: "the hub server did not report a port: \(result)")
    }

    /// Cancels the server's task and waits (at most 10 s) until `run` returns. Cancellation ends
    /// Hummingbird's `runService` (its `ServiceGroup` turns task cancellation into cancelling its services).
    func stop() async throws {
        task.cancel()
        let task = self.task
        let stopped = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = await task.result
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return false
            }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        guard stopped else { throw DidNotStop() }
    }
}

/// Hand-made HTTP requests to the hub, with AsyncHTTPClient.
enum RawHTTP {
    struct Answer: Sendable {
        let status: UInt
        let headers: HTTPHeaders
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The refusal's reason code, when the body is a refusal.
        var reason: String? { (try? JSONDecoder().decode(WireMessages.Refusal.self, from: Data(body)))?.reason }
    }

    static func send(
        _ method: String, _ url: String, body: [UInt8] = [], headers: [(String, String)] = [],
        timeout: Duration = .seconds(30)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !body.isEmpty || method == "POST" { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(
            request,
            timeout: .milliseconds(
                Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: response.status.code, headers: response.headers, body: Array(bytes.readableBytesView))
    }

    /// A request signed by `signer` as `HubClient` signs it (`nowMillis` may be moved to make it stale).
    static func signed(
        _ path: String, on hub: RunningHub, body: [UInt8], signer: SigningIdentity, nowMillis: Int64
    ) -> (url: String, body: [UInt8], headers: [(String, String)]) {
        let signature = RequestSignature.sign(
            method: "POST", path: path, body: body, signer: signer, nowMillis: nowMillis)
        return (hub.url + path, body, signature.headers + [(WireMessages.protocolHeader, "1")])
    }

    static func metrics(_ hub: RunningHub) async throws -> String {
        let answer = try await send("GET", hub.url + "/metrics")
        #expect(answer.status == 200)
        return answer.text
    }
}

/// The body of a heads exchange: an empty version vector.
func emptyVectorJSON() throws -> [UInt8] { Array(try VersionVector().jsonData()) }

extension Replica {
    /// The stored sets of this replica's streams with this scope, as (origin, sequence).
    func sequences(of stream: StreamID) throws -> [UInt64] {
        try setReferences().filter { $0.stream == stream }.map(\.sequence)
    }

    var ownCountyStream: StreamID { StreamID(origin: identity.origin, scope: .county(identity.county ?? "")) }
}

extension SyncRound.Outcome {
    var reason: ReasonCode? {
        if case .failed(let reason, _, _) = self { return reason }
        return nil
    }

    var isRetryable: Bool? {
        if case .failed(_, _, let retryable) = self { return retryable }
        return nil
    }
}

/// The sets in a list of envelopes, decoded.
func decodeAll(_ envelopes: [[UInt8]]) throws -> [ChangeSet] {
    try envelopes.map { try ChangeSet.decode(envelope: $0) }
}

/// The sets of a page in their stored forms, inflated and decoded.
func decodeAll(_ stored: [StoredEnvelope]) throws -> [ChangeSet] {
    try decodeAll(stored.map { try $0.envelope() })
}
