import AsyncHTTPClient
import Foundation
import Hummingbird
public import Logging
public import SQLiteReplica
import ServiceLifecycle
public import SyncCore
import SyncTransport

/// The county daemon: the local API and the sync scheduler in one `ServiceGroup`; SIGTERM drains both.
public struct CountyDaemon: Sendable {
    let replica: Replica
    let configuration: CountyConfiguration
    let logger: Logger
    let wallClock: any WallClock

    public init(
        replica: Replica, configuration: CountyConfiguration, logger: Logger,
        wallClock: any WallClock = SystemWallClock()
    ) {
        self.replica = replica
        self.configuration = configuration
        self.logger = logger
        self.wallClock = wallClock
    }

    /// Runs until SIGTERM or SIGINT. `onListening` gets the local API's bound port.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let executor = ReplicaExecutor(replica)
        let http: (client: HTTPClient, owned: Bool)
        do {
            http = try HubTLS.nodeClient(
                hubURL: configuration.hubURL, pinnedCertificateFile: configuration.hubTLSCertificate,
                fingerprint: configuration.hubTLSFingerprint, allowPlainHTTP: configuration.hubAllowPlainHTTP)
        } catch {
            throw CountyConfiguration.Invalid(key: "hub.tls_certificate", reason: error.description)
        }
        let client = HubClient(
            baseURL: configuration.hubURL, signer: replica.identity.signer, wallClock: wallClock, http: http.client)
        let driver = SyncDriver(
            executor: executor, client: client,
            limits: .init(maxSets: configuration.batchMaxSets, maxBytes: configuration.batchMaxBytes),
            firstSeal: SyncDriver.slowStart)
        let coordinator = SyncCoordinator(executor: executor, driver: driver, wallClock: wallClock, logger: logger)
        let schedule = SyncSchedule(
            window: configuration.window, retry: configuration.retry, county: replica.identity.county ?? "")
        let scheduler = SyncSchedulerService(
            coordinator: coordinator, schedule: schedule, wallClock: wallClock, logger: logger)
        guard let listen = HubServer.Listen(configuration.listen) else {
            throw CountyConfiguration.Invalid(key: "listen", reason: "must be HOST:PORT")
        }
        let watchdog = SystemdWatchdogService(logger: logger)
        let api = Application(
            router: CountyRoutes(executor: executor, coordinator: coordinator).router(),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "teachersync-county"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                watchdog.ready("county \(replica.identity.county ?? "-") serving on port \(port)")
                onListening(port)
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: api), .init(service: scheduler), .init(service: watchdog)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            if http.owned { try? await http.client.shutdown() }
            throw error
        }
        if http.owned { try await http.client.shutdown() }
    }
}
