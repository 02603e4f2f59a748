public import Foundation
public import SyncTransport

/// The provincial hub's settings. Defaults are the values documented in Config/hub.example.yaml.
///
/// Built like ``CountyConfiguration`` (see ``load(file:environment:overrides:)``): command-line overrides over
/// `TEACHERSYNC_*` environment variables over the config file over these defaults, with the key from the systemd
/// credentials directory.
public struct HubConfiguration: Sendable, Hashable {
    /// `data_dir`: the hub replica's folder.
    public var dataDirectory: String = "/var/lib/teachersync"
    /// `key_file`: the hub's key; default `node.key` in `$CREDENTIALS_DIRECTORY`, else `<data_dir>/node.key`.
    public var keyFile: String?
    /// `listen`: the address the sync protocol is served on, `HOST:PORT` (IPv6 as `[::1]:PORT`). Plain HTTP is
    /// served only on a loopback address unless `allow_plain_http` is true. A port below 1024 needs
    /// `CAP_NET_BIND_SERVICE` (see systemd/teachersync-hub.service).
    public var listen: String = "127.0.0.1:8443"
    /// `allow_plain_http`: serve plain HTTP on a non-loopback address. Only for a TLS-terminating proxy
    /// (nginx) on another machine: identity numbers and names must not cross a network in clear.
    public var allowPlainHTTP: Bool = false
    /// `tls.certificate` / `tls.private_key`: PEM files (certificate chain, leaf first; its private key) for the
    /// hub to serve HTTPS itself, both or neither. `teachersync hub make-certificate` makes a self-signed pair
    /// whose fingerprint counties pin. With TLS the hub may listen on any address.
    public var tlsCertificate: String?
    public var tlsPrivateKey: String?
    /// `auth.max_skew_seconds`: how far a request's signed timestamp may be from the hub's clock; also how long
    /// request nonces are remembered against replay.
    public var authMaxSkewSeconds: Int = 300
    /// `counties.stale_after_hours`: a county not heard from for this long is reported stale in the status
    /// and metrics.
    public var countiesStaleAfterHours: Int = 48
    /// `limits.max_body_bytes`, `limits.requests_per_minute`, `limits.concurrent_requests_per_origin`: what one
    /// request and one origin may cost (docs/API.md, "Limits").
    public var limits = HubLimits()
    /// `log.level`: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"

    public init() {}

    /// Every key a hub config file may set, in the order of `Config/hub.example.yaml`.
    public static let keys: [String] = [
        "data_dir", "key_file", "listen", "allow_plain_http", "tls.certificate", "tls.private_key",
        "auth.max_skew_seconds", "counties.stale_after_hours", "limits.max_body_bytes", "limits.requests_per_minute",
        "limits.concurrent_requests_per_origin", "limits.concurrent_uploads", "limits.upload_wait_seconds", "log.level",
    ]

    /// A configuration problem naming the key.
    public typealias Invalid = ConfigurationInvalid

    /// Whether the hub terminates TLS itself.
    public var servesTLS: Bool { tlsCertificate != nil && tlsPrivateKey != nil }

    /// Checks every value; the error names the first bad key.
    public func validate() throws(Invalid) {
        guard !dataDirectory.isEmpty else { throw Invalid(key: "data_dir", reason: "must not be empty") }
        guard let address = HubServer.Listen(listen) else {
            throw Invalid(key: "listen", reason: "must be HOST:PORT (IPv6 as [::1]:PORT)")
        }
        if tlsCertificate != nil, tlsPrivateKey == nil {
            throw Invalid(key: "tls.private_key", reason: "must be set together with tls.certificate")
        }
        if tlsPrivateKey != nil, tlsCertificate == nil {
            throw Invalid(key: "tls.certificate", reason: "must be set together with tls.private_key")
        }
        guard address.isLoopback || allowPlainHTTP || servesTLS else {
            throw Invalid(
                key: "listen",
                reason: "plain HTTP on a non-loopback address: set tls.certificate and tls.private_key, listen on "
                    + "127.0.0.1 behind a TLS proxy, or set allow_plain_http: true if the proxy is on another machine")
        }
        guard (1...3600).contains(authMaxSkewSeconds) else {
            throw Invalid(key: "auth.max_skew_seconds", reason: "must be between 1 and 3600")
        }
        guard countiesStaleAfterHours >= 1 else {
            throw Invalid(key: "counties.stale_after_hours", reason: "must be at least 1")
        }
        guard (1 << 20...1 << 30).contains(limits.maxBodyBytes) else {
            throw Invalid(key: "limits.max_body_bytes", reason: "must be between 1048576 and 1073741824")
        }
        guard limits.requestsPerMinute >= 1 else {
            throw Invalid(key: "limits.requests_per_minute", reason: "must be at least 1")
        }
        guard (1...64).contains(limits.concurrentRequestsPerOrigin) else {
            throw Invalid(key: "limits.concurrent_requests_per_origin", reason: "must be between 1 and 64")
        }
        guard (1...64).contains(limits.concurrentUploads) else {
            throw Invalid(key: "limits.concurrent_uploads", reason: "must be between 1 and 64")
        }
        guard (1...300).contains(limits.uploadWaitSeconds) else {
            throw Invalid(key: "limits.upload_wait_seconds", reason: "must be between 1 and 300")
        }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw Invalid(
                key: "log.level", reason: "must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Loads and validates the hub's settings, exactly as
    /// ``CountyConfiguration/load(file:environment:overrides:)`` does the county's: `overrides` (dotted keys, from
    /// command-line options), then the environment variable `TEACHERSYNC_` + the key in capitals with `.` as `_`
    /// (`allow_plain_http` is `TEACHERSYNC_ALLOW_PLAIN_HTTP`, `auth.max_skew_seconds` is
    /// `TEACHERSYNC_AUTH_MAX_SKEW_SECONDS`), then the YAML file, then the defaults; an empty value means the
    /// default. `key_file` ends up set: the credential `node.key` if present, else `<data_dir>/node.key`.
    ///
    /// - Throws: ``Invalid`` naming `config` for a missing or unparsable file, or the key that is unknown,
    ///   of the wrong type, or fails ``validate()``.
    public static func load(
        file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:]
    ) async throws(Invalid) -> HubConfiguration {
        var c = HubConfiguration()
        do throws(ConfigurationLayers.Problem) {
            let layers = try await ConfigurationLayers(
                file: file, environment: environment, overrides: overrides, keys: keys)
            try layers.read("data_dir", into: &c.dataDirectory)
            try layers.read("listen", into: &c.listen)
            try layers.read("allow_plain_http", into: &c.allowPlainHTTP)
            try layers.read("tls.certificate", into: &c.tlsCertificate)
            try layers.read("tls.private_key", into: &c.tlsPrivateKey)
            try layers.read("auth.max_skew_seconds", into: &c.authMaxSkewSeconds)
            try layers.read("counties.stale_after_hours", into: &c.countiesStaleAfterHours)
            try layers.read("limits.max_body_bytes", into: &c.limits.maxBodyBytes)
            try layers.read("limits.requests_per_minute", into: &c.limits.requestsPerMinute)
            try layers.read("limits.concurrent_requests_per_origin", into: &c.limits.concurrentRequestsPerOrigin)
            try layers.read("limits.concurrent_uploads", into: &c.limits.concurrentUploads)
            try layers.read("limits.upload_wait_seconds", into: &c.limits.uploadWaitSeconds)
            try layers.read("log.level", into: &c.logLevel)
            c.keyFile = try layers.keyFile(dataDirectory: c.dataDirectory)
        } catch {
            throw Invalid(key: error.key, reason: error.reason)
        }
        try c.validate()
        return c
    }
}
