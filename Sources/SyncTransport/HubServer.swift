import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
public import NIOSSL
public import SQLiteReplica
public import ServiceLifecycle
public import SyncCore

/// The hub's HTTP server over a replica.
public struct HubServer: Sendable {
    /// Where to listen.
    public struct Listen: Sendable, Hashable, CustomStringConvertible {
        public let host: String
        public let port: Int

        /// Parses `HOST:PORT` (IPv6 as `[::1]:PORT`).
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (0...65535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.host = host
            self.port = port
        }

        /// Whether the address is a loopback address, where plain HTTP never leaves the machine.
        public var isLoopback: Bool { Self.isLoopback(host: host) }

        /// Whether `host` (a name or an address, IPv6 without brackets) is a loopback address.
        public static func isLoopback(host: String) -> Bool {
            host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    let executor: ReplicaExecutor
    let listen: Listen
    let logger: Logger
    let metrics = HubMetrics()
    let wallClock: any WallClock
    /// TLS, when the hub terminates it itself (``HubTLS/serverConfiguration(certificateFile:privateKeyFile:)``).
    let tls: TLSConfiguration?
    let staleAfterHours: Int
    let limits: HubLimits

    public init(
        replica: Replica, listen: Listen, tls: TLSConfiguration? = nil, staleAfterHours: Int = 48,
        limits: HubLimits = HubLimits(), logger: Logger, wallClock: any WallClock = SystemWallClock()
    ) {
        self.staleAfterHours = staleAfterHours
        self.limits = limits
        self.executor = ReplicaExecutor(replica)
        self.listen = listen
        self.tls = tls
        self.logger = logger
        self.wallClock = wallClock
    }

    /// How long a connection may stay silent before the hub closes it: a county whose link was cut in the middle
    /// of a request holds nothing (no connection, no partial body) for longer, and a graceful stop is not kept
    /// waiting for it. A request being answered is never cut.
    static let idleTimeout: TimeAmount = .seconds(120)
    static var http1: HTTP1Channel.Configuration { .init(idleTimeout: idleTimeout) }

    /// Runs until SIGTERM or SIGINT, with `services` alongside (e.g. the systemd watchdog); `onListening`
    /// gets the bound port once the server accepts connections.
    public func run(
        services: [any Service] = [], onListening: @escaping @Sendable (Int) -> Void = { _ in }
    )
        async throws
    {
        let routes = HubRoutes(
            executor: executor, metrics: metrics, wallClock: wallClock, logger: logger,
            staleAfterHours: staleAfterHours,
            limits: limits)
        let app = Application(
            router: routes.router(),
            server: try tls.map { try .tls(.http1(configuration: Self.http1), tlsConfiguration: $0) }
                ?? .http1(configuration: Self.http1),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "teachersync-hub"),
            services: services + [RegistryRefreshService(executor: executor, logger: logger)],
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
    }
}
