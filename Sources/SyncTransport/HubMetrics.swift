import Prometheus
import SQLiteReplica
import SyncCore
import Synchronization

/// The hub's metrics, exposed as Prometheus text at `GET /metrics`. Labels carry reason codes, county
/// codes and endpoint names only: never personal data.
public final class HubMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let requests: Mutex<[String: Histogram<Duration>]> = Mutex([:])

    /// The unlabelled counters exist from the start at 0, so that a restarted hub exports them before its first
    /// upload (a rate over a restart then sees the reset, and a reader never has to treat "absent" as 0).
    public init() {
        _ = setsReceived
        _ = setsApplied
        _ = operationsApplied
    }

    private var setsReceived: Counter {
        registry.makeCounter(descriptor: Self.name("sets_received", "total", "Change sets received"))
    }
    private var setsApplied: Counter {
        registry.makeCounter(descriptor: Self.name("sets_applied", "total", "Change sets verified and applied"))
    }
    private var operationsApplied: Counter {
        registry.makeCounter(descriptor: Self.name("operations_applied", "total", "Operations applied"))
    }

    /// Counts sets and operations received, applied and rejected by reason.
    func recordUpload(applied: Int, operations: Int, alreadyPresent: Int, rejected: [ReasonCode], county: String?) {
        setsReceived.increment(by: Int64(applied + alreadyPresent + rejected.count))
        setsApplied.increment(by: Int64(applied))
        operationsApplied.increment(by: Int64(operations))
        for reason in rejected {
            registry.makeCounter(
                descriptor: Self.name("sets_rejected", "total", "Change sets rejected, by reason"),
                labels: [("reason", reason.rawValue)]
            ).increment()
        }
    }

    /// Counts the request body bytes of the sync endpoints: as they crossed the network, and decompressed.
    func recordBytes(endpoint: String, wireIn: Int, bodyIn: Int) {
        registry.makeCounter(
            descriptor: Self.name("request_wire_bytes", "total", "Request body bytes as received, by endpoint"),
            labels: [("endpoint", endpoint)]
        ).increment(by: Int64(wireIn))
        registry.makeCounter(
            descriptor: Self.name("request_body_bytes", "total", "Request body bytes after decompression, by endpoint"),
            labels: [("endpoint", endpoint)]
        ).increment(by: Int64(bodyIn))
    }

    /// Records a refused request by reason.
    func recordRefusal(_ reason: ReasonCode) {
        registry.makeCounter(
            descriptor: Self.name("requests_refused", "total", "Requests refused, by reason"),
            labels: [("reason", reason.rawValue)]
        ).increment()
    }

    /// Sets the per-county gauges from the hub's record of contacts: when each county last made an
    /// authenticated request, whether it is stale, and how many are.
    func recordCounties(_ contacts: [CountyContact]) {
        for c in contacts {
            if let last = c.lastContactAtMillis {
                registry.makeGauge(
                    descriptor: Self.name(
                        "county_last_sync", "seconds", "When each county last contacted the hub (Unix time)"),
                    labels: [("county", c.county)]
                )
                .set(to: Double(last) / 1000)
            }
            registry.makeGauge(
                descriptor: Self.name(
                    "county_stale", "", "1 when the county has not contacted the hub within counties.stale_after_hours"),
                labels: [("county", c.county)]
            )
            .set(to: c.stale ? 1 : 0)
        }
        registry.makeGauge(descriptor: Self.name("counties_stale", "", "Enrolled counties that are stale"))
            .set(to: Double(contacts.filter(\.stale).count))
    }

    /// Records a request's latency.
    func recordLatency(endpoint: String, _ duration: Duration) {
        let histogram = requests.withLock { cache in
            if let h = cache[endpoint] { return h }
            let h = registry.makeDurationHistogram(
                descriptor: Self.name("request_duration", "seconds", "Request latency by endpoint"),
                labels: [("endpoint", endpoint)],
                buckets: [
                    .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2),
                    .seconds(10),
                ])
            cache[endpoint] = h
            return h
        }
        histogram.record(duration)
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "teachersync", metricName: metric, unitName: unit, helpText: help)
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
