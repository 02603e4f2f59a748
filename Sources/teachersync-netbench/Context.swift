import AsyncHTTPClient
import BenchSupport
import Foundation
import SyncCore

/// What every phase of the run shares.
struct RunContext: Sendable {
    let options: Options
    /// The run's temporary folder.
    let dir: URL
    /// The `teachersync` executable the hub and the county daemon run from.
    let binary: URL
    /// The client for plain requests (/metrics, a daemon's local API) and for the province's county nodes.
    let http: HTTPClient
    let checks: Checks
}

/// The client the province's county nodes share: `HubClient.nodeClient`'s settings (10 s connect timeout, no
/// connection retries), but with room for one connection per county, since in reality each county is its own
/// process with its own client (`nodeClient` allows 8 connections per host).
func makeHTTPClient() -> HTTPClient {
    var configuration = HTTPClient.Configuration()
    configuration.timeout.connect = .seconds(10)
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}

/// One night the single county pushed in process, and the raw insert measured just before and just after it.
struct NightFigures: Sendable {
    var operations = 0
    /// From the county's commit to the last upload's acknowledgement.
    var e2eSeconds = 0.0
    /// The hub's upload handler, summed over the night's uploads (its request latency metric).
    var hubSeconds = 0.0
    var hubOperations = 0.0
    var wireBytes = 0
    var rawBefore = 0.0
    var rawAfter = 0.0

    /// The night's denominator: the mean of the raw-insert measurements on either side of it.
    var denominator: Double { (rawBefore + rawAfter) / 2 }
    var e2eRate: Double { Double(operations) / e2eSeconds }
    var hubRate: Double { hubSeconds > 0 ? hubOperations / hubSeconds : 0 }
    var e2eRatio: Double { e2eRate / denominator }
    var hubRatio: Double { hubRate / denominator }
    var bytesPerOperation: Double { Double(wireBytes) / Double(max(1, operations)) }
}

/// Summary figures of the single-county phase.
struct SingleCountyResult: Sendable {
    /// The raw insert before the first night, and after the last.
    var rawRate = 0.0
    var rawRateAgain = 0.0
    var nights: [NightFigures] = []
    var hubPeakKB = 0
    var countyIdleKB = 0
    var countyPeakKB = 0
    var daemonE2ESeconds = 0.0
    var daemonWireBytes = 0
    var daemonOperations = 0

    /// The night whose ratio of `figure` is the median (the lower middle one for an even count).
    func medianNight(_ figure: (NightFigures) -> Double) -> NightFigures {
        let sorted = nights.sorted { figure($0) < figure($1) }
        return sorted[(sorted.count - 1) / 2]
    }
}

/// Summary figures of the province night.
struct ProvinceResult: Sendable {
    var counties = 0
    var operations = 0
    var nightSeconds = 0.0
    var hubPeakKB = 0
    var p99Seconds = 0.0
    var requests = 0
    var nothingLost = false
    var failedRounds = 0
}

/// The current time plus `hours`, as local `HH:MM` in Asia/Shanghai (the daemon's default window time zone).
func shanghaiTime(hoursFromNow hours: Int) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!
    let date = Date().addingTimeInterval(Double(hours) * 3600)
    let c = calendar.dateComponents([.hour, .minute], from: date)
    return String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
}

extension SyncRound.Outcome {
    var text: String {
        switch self {
        case .inSync(let pushed, let pulled): return "in sync (pushed \(pushed) sets, pulled \(pulled))"
        case .failed(let reason, let detail, let retryable):
            return "failed: \(reason) \(detail.prefix(160))\(retryable ? " (retryable)" : "")"
        }
    }
}

/// Prints one exchange per line, times relative to `t0`.
func printExchanges(_ exchanges: [Exchange], since t0: ContinuousClock.Instant, indent: String = "    ") {
    for e in exchanges.sorted(by: { $0.start < $1.start }) {
        say(
            "\(indent)+\(String(format: "%.3f", seconds(t0, e.start))) s  \(e.endpoint.padding(toLength: 20, withPad: " ", startingAt: 0)) "
                + "\(String(format: "%9.1f", e.seconds * 1000)) ms  up \(format(e.requestBytes)) B, down "
                + "\(format(e.responseBytes)) B, HTTP \(e.aborted ? "— (given up by the client)" : String(e.status))")
    }
}
