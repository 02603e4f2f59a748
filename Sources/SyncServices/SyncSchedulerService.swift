import Foundation
public import Logging
public import ServiceLifecycle
public import SyncCore

/// Syncs in the nightly window, at the county's offset, retrying failures with backoff inside the window.
public struct SyncSchedulerService: Service {
    let coordinator: SyncCoordinator
    let schedule: SyncSchedule
    let wallClock: any WallClock
    let logger: Logger

    public init(coordinator: SyncCoordinator, schedule: SyncSchedule, wallClock: any WallClock, logger: Logger) {
        self.coordinator = coordinator
        self.schedule = schedule
        self.wallClock = wallClock
        self.logger = logger
    }

    public func run() async throws {
        var next = schedule.window.nextStart(atOrAfter: wallClock.nowMillis(), offsetMinutes: schedule.offsetMinutes)
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await coordinator.scheduleNext(atMillis: next)
            logger.info("next sync scheduled", metadata: ["at_ms": "\(next)"])
            let wait = max(0, next - wallClock.nowMillis())
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(wait)) }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            let report = await coordinator.syncNow()
            let now = wallClock.nowMillis()
            switch report.outcome {
            case .inSync(let pushed, let pulled):
                logger.info("sync done", metadata: ["pushed": "\(pushed)", "pulled": "\(pulled)"])
                next = schedule.nextAfterSuccess(nowMillis: now)
            case .failed(let reason, let detail, _):
                logger.warning("sync failed", metadata: ["reason": "\(reason)", "detail": "\(detail)"])
                next = schedule.nextAfterFailure(
                    nowMillis: now, failures: await coordinator.failures(), random: Double.random(in: 0..<1))
            }
        }
    }
}
