public import Logging
import SQLiteReplica
public import SyncCore
public import SyncTransport

/// Runs sync rounds one at a time, whoever asks (the scheduler or `POST /v1/sync`), and records each
/// attempt's outcome durably for `status`.
public actor SyncCoordinator {
    let executor: ReplicaExecutor
    let driver: SyncDriver
    let wallClock: any WallClock
    let logger: Logger
    private var running: Task<SyncDriver.Report, Never>?

    public init(
        executor: ReplicaExecutor, driver: SyncDriver, wallClock: any WallClock,
        logger: Logger = Logger(label: "teachersync.sync")
    ) {
        self.executor = executor
        self.driver = driver
        self.wallClock = wallClock
        self.logger = logger
    }

    /// Runs a round now, or joins the one already running.
    public func syncNow() async -> SyncDriver.Report {
        if let running { return await running.value }
        let task = Task { await self.attempt() }
        running = task
        let report = await task.value
        running = nil
        return report
    }

    private func attempt() async -> SyncDriver.Report {
        let started = wallClock.nowMillis()
        let report = await driver.runRound()
        let now = wallClock.nowMillis()
        // Why sets were refused, on either side: the round's own reason may only be the consequence (a
        // stream held back on chain.gap behind a set that failed its signature). Set ids and reason codes only.
        for r in report.rejectedHere {
            logger.warning(
                "set refused here",
                metadata: ["set": "\(r.setID)", "stream": "\(r.stream ?? "-")", "reason": "\(r.reason)"])
        }
        for r in report.rejectedByHub { logger.warning("set refused by the hub", metadata: ["set": "\(r)"]) }
        for p in report.receiptProblems { logger.warning("receipt problem", metadata: ["problem": "\(p)"]) }
        _ = try? await executor.run { replica in
            var state = try replica.syncState()
            state.lastAttemptAtMillis = started
            switch report.outcome {
            case .inSync:
                state.lastOutcome = "in_sync"
                state.lastReason = nil
                state.lastDetail = nil
                state.lastSuccessAtMillis = now
                state.consecutiveFailures = 0
            case .failed(let reason, let detail, _):
                state.lastOutcome = "failed"
                state.lastReason = reason.rawValue
                state.lastDetail = detail
                state.consecutiveFailures += 1
            }
            try replica.saveSyncState(state)
        }
        return report
    }

    /// Records when the next attempt is due.
    public func scheduleNext(atMillis: Int64) async {
        _ = try? await executor.run { replica in
            var state = try replica.syncState()
            state.nextAttemptAtMillis = atMillis
            try replica.saveSyncState(state)
        }
    }

    /// Consecutive failures so far.
    public func failures() async -> Int {
        (try? await executor.run { try $0.syncState().consecutiveFailures }) ?? 0
    }
}
