public import Logging
import SQLiteReplica
public import ServiceLifecycle

/// At the hub: keeps the key registry current. Every hour it re-issues the registry with a fresh expiry
/// when less than half of its validity is left, so that counties holding a registry past its expiry know
/// they have not heard from the hub for that long.
public struct RegistryRefreshService: Service {
    let executor: ReplicaExecutor
    let logger: Logger
    let interval: Duration

    public init(executor: ReplicaExecutor, logger: Logger, interval: Duration = .seconds(3600)) {
        self.executor = executor
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                if try await executor.run({ try $0.refreshRegistryIfDue() }) {
                    logger.info("key registry re-issued with a fresh expiry")
                }
            } catch {
                logger.warning("re-issuing the key registry failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
