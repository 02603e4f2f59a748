import Foundation
public import SyncCore
import SyncTransport

/// The county daemon's settings. Defaults are the values documented in Config/county.example.yaml.
///
/// Built from (lowest priority first) the defaults, the config file, `TEACHERSYNC_*` environment
/// variables, and the systemd credentials directory (for the key); see `CountyConfiguration+Loading`.
public struct CountyConfiguration: Sendable, Hashable {
    /// `data_dir`: the replica's folder.
    public var dataDirectory: String = "/var/lib/teachersync"
    /// `key_file`: the node's key; default `<data_dir>/node.key`, or `node.key` in `$CREDENTIALS_DIRECTORY`.
    public var keyFile: String?
    /// `hub.url`: the hub's base URL (required).
    public var hubURL: String = ""
    /// `hub.tls_certificate`: the hub's certificate (PEM) to trust, and nothing else, for an https:// hub with a
    /// self-signed certificate; unset means the system's trust store (a certificate from a public CA).
    public var hubTLSCertificate: String?
    /// `hub.tls_fingerprint`: the certificate's SHA-256 fingerprint as the hub's operator gave it; the daemon
    /// refuses to start if `hub.tls_certificate` does not match it.
    public var hubTLSFingerprint: String?
    /// `hub.allow_plain_http`: allow an http:// hub URL to another machine (only through a tunnel that
    /// encrypts); plain http:// to a loopback address is always allowed.
    public var hubAllowPlainHTTP: Bool = false
    /// `listen`: the local API's address.
    public var listen: String = "127.0.0.1:8080"
    /// `sync.window.start` / `sync.window.end`: the nightly window, local `HH:MM` (end may be past midnight).
    public var windowStart: String = "01:00"
    public var windowEnd: String = "05:00"
    /// `sync.window.time_zone`: the window's time zone (IANA name).
    public var timeZone: String = "Asia/Shanghai"
    /// `sync.retry.base_seconds`: the first retry delay after a failure; doubles on each further failure.
    public var retryBaseSeconds: Int = 30
    /// `sync.retry.max_seconds`: the longest retry delay.
    public var retryMaxSeconds: Int = 1800
    /// `sync.retry.jitter`: the random fraction (0...1) added to or taken from each delay.
    public var retryJitter: Double = 0.2
    /// `sync.batch.max_sets` / `sync.batch.max_bytes`: the limits of one upload or download.
    public var batchMaxSets: Int = 64
    public var batchMaxBytes: Int = 8 << 20
    /// `log.level`: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"

    public init() {}

    /// A configuration problem naming the key.
    public typealias Invalid = ConfigurationInvalid

    /// Checks every value; the error names the first bad key.
    public func validate() throws(Invalid) {
        guard let url = URL(string: hubURL), let scheme = url.scheme, ["http", "https"].contains(scheme),
            url.host != nil
        else { throw Invalid(key: "hub.url", reason: "must be an http:// or https:// URL") }
        if url.scheme == "http", !hubAllowPlainHTTP,
            !HubServer.Listen.isLoopback(host: url.host.map { $0.trimmingCharacters(in: ["[", "]"]) } ?? "")
        {
            throw Invalid(
                key: "hub.url",
                reason: "plain http:// to another machine would send names and identity numbers in clear: use "
                    + "https://, or set hub.allow_plain_http if a tunnel encrypts the link")
        }
        if let fingerprint = hubTLSFingerprint, HubTLS.normalizedFingerprint(fingerprint) == nil {
            throw Invalid(key: "hub.tls_fingerprint", reason: "must be sha256: and 64 hex digits")
        }
        if hubTLSFingerprint != nil, hubTLSCertificate == nil {
            throw Invalid(key: "hub.tls_certificate", reason: "must be set with hub.tls_fingerprint")
        }
        if hubTLSCertificate != nil, url.scheme != "https" {
            throw Invalid(key: "hub.url", reason: "must be https:// when hub.tls_certificate is set")
        }
        guard listen.contains(":") else { throw Invalid(key: "listen", reason: "must be HOST:PORT") }
        guard SyncWindow.minutes(windowStart) != nil else {
            throw Invalid(key: "sync.window.start", reason: "must be HH:MM")
        }
        guard SyncWindow.minutes(windowEnd) != nil else {
            throw Invalid(key: "sync.window.end", reason: "must be HH:MM")
        }
        guard TimeZone(identifier: timeZone) != nil else {
            throw Invalid(key: "sync.window.time_zone", reason: "unknown time zone")
        }
        guard retryBaseSeconds >= 1 else { throw Invalid(key: "sync.retry.base_seconds", reason: "must be at least 1") }
        guard retryMaxSeconds >= retryBaseSeconds else {
            throw Invalid(key: "sync.retry.max_seconds", reason: "must be at least sync.retry.base_seconds")
        }
        guard (0...1).contains(retryJitter) else {
            throw Invalid(key: "sync.retry.jitter", reason: "must be between 0 and 1")
        }
        guard batchMaxSets >= 1 else { throw Invalid(key: "sync.batch.max_sets", reason: "must be at least 1") }
        guard batchMaxBytes >= 65536 else {
            throw Invalid(key: "sync.batch.max_bytes", reason: "must be at least 65536")
        }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw Invalid(
                key: "log.level", reason: "must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// The nightly window.
    public var window: SyncWindow {
        SyncWindow(
            startMinute: SyncWindow.minutes(windowStart) ?? 60, endMinute: SyncWindow.minutes(windowEnd) ?? 300,
            timeZone: TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 8 * 3600)!)
    }

    /// The retry policy.
    public var retry: RetryPolicy {
        RetryPolicy(
            baseMillis: Int64(retryBaseSeconds) * 1000, maxMillis: Int64(retryMaxSeconds) * 1000, jitter: retryJitter)
    }
}
