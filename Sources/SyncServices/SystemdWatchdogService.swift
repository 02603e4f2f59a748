public import Logging
public import ServiceLifecycle

/// Tells systemd the daemon is alive (`WATCHDOG=1` every half of `WatchdogSec=`) and, when a graceful
/// shutdown starts, that it is stopping (`STOPPING=1`). Does nothing outside systemd.
public struct SystemdWatchdogService: Service {
    let notifier: SystemdNotifier
    let logger: Logger

    public init(notifier: SystemdNotifier = SystemdNotifier(), logger: Logger) {
        self.notifier = notifier
        self.logger = logger
    }

    /// Sends `READY=1` with a status line; call once the daemon accepts requests.
    public func ready(_ status: String) {
        send("READY=1\nSTATUS=\(status)")
    }

    public func run() async throws {
        guard notifier.isEnabled else {
            try? await gracefulShutdown()
            return
        }
        if let interval = notifier.watchdogInterval {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                send("WATCHDOG=1")
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        } else {
            try? await gracefulShutdown()
        }
        send("STOPPING=1")
    }

    private func send(_ state: String) {
        do {
            try notifier.notify(state)
        } catch {
            logger.warning("systemd notification failed", metadata: ["error": "\(error)"])
        }
    }
}
