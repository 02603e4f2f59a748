import Foundation
import SyncTestSupport
import Testing

@testable import SyncServices

/// The repository's `Config/` folder.
private let configFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Config")

/// A config file with `text` in a fresh folder; the folder lives as long as the value.
private struct ConfigFile {
    let folder = TemporaryDirectory(prefix: "teachersync-config")
    let path: String

    init(_ text: String, name: String = "config.yaml") {
        path = folder.path(name).path
        try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

/// The county settings that load from `text` (plus `environment`), or the error.
private func county(
    _ text: String?, _ environment: [String: String] = [:]
) async -> Result<
    CountyConfiguration, CountyConfiguration.Invalid
> {
    let file = text.map { ConfigFile($0) }
    defer { withExtendedLifetime(file) {} }
    do throws(CountyConfiguration.Invalid) {
        return .success(try await CountyConfiguration.load(file: file?.path, environment: environment))
    } catch {
        return .failure(error)
    }
}

private func hub(
    _ text: String?, _ environment: [String: String] = [:]
) async -> Result<
    HubConfiguration, HubConfiguration.Invalid
> {
    let file = text.map { ConfigFile($0) }
    defer { withExtendedLifetime(file) {} }
    do throws(HubConfiguration.Invalid) {
        return .success(try await HubConfiguration.load(file: file?.path, environment: environment))
    } catch {
        return .failure(error)
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

private let hubURL = "hub:\n  url: https://hub.example.org\n"

@Suite struct CountyConfigurationLoadingTests {
    @Test func theExampleSetsTheDefaults() async throws {
        let loaded = try await CountyConfiguration.load(
            file: configFolder.appendingPathComponent("county.example.yaml").path, environment: [:])
        var expected = CountyConfiguration()
        expected.hubURL = "https://hub.example.invalid"
        expected.keyFile = "/var/lib/teachersync/node.key"
        #expect(loaded == expected)
    }

    @Test func theExampleShowsEveryKey() async throws {
        // Settings left out on purpose are written `#key: value`; with the `#` removed every key is set.
        let text = try String(contentsOf: configFolder.appendingPathComponent("county.example.yaml"), encoding: .utf8)
        let file = ConfigFile(
            text.replacingOccurrences(of: #"(?m)^(\s*)#(\w)"#, with: "$1$2", options: .regularExpression))
        defer { withExtendedLifetime(file) {} }
        let layers = try await ConfigurationLayers(file: file.path, environment: [:], keys: CountyConfiguration.keys)
        #expect(layers.fileKeys == Set(CountyConfiguration.keys))
    }

    @Test func environmentBeatsFileBeatsDefault() async throws {
        let text = hubURL + "sync:\n  window:\n    start: \"02:00\"\n    end: \"04:00\"\n  retry:\n    jitter: 0.5\n"
        let c = try await county(
            text, ["TEACHERSYNC_SYNC_WINDOW_START": "03:00", "TEACHERSYNC_SYNC_RETRY_MAX_SECONDS": "600"]
        ).get()
        #expect(c.hubURL == "https://hub.example.org")
        #expect(c.windowStart == "03:00")  // environment over file
        #expect(c.windowEnd == "04:00")  // file over default
        #expect(c.retryJitter == 0.5)
        #expect(c.retryMaxSeconds == 600)  // environment over default
        #expect(c.retryBaseSeconds == 30)  // default
    }

    @Test func commandLineOverridesBeatEverything() async throws {
        let file = ConfigFile(hubURL + "listen: \"127.0.0.1:9000\"\n")
        defer { withExtendedLifetime(file) {} }
        let c = try await CountyConfiguration.load(
            file: file.path,
            environment: ["TEACHERSYNC_HUB_URL": "https://env.example.org", "TEACHERSYNC_LISTEN": "127.0.0.1:9001"],
            overrides: ["hub.url": "https://cli.example.org"])
        #expect(c.hubURL == "https://cli.example.org")
        #expect(c.listen == "127.0.0.1:9001")
        await #expect(throws: CountyConfiguration.Invalid.self) {
            try await CountyConfiguration.load(file: nil, environment: [:], overrides: ["hub": "https://h.example.org"])
        }
        do {
            _ = try await CountyConfiguration.load(
                file: nil, environment: ["TEACHERSYNC_HUB_URL": "https://h.example.org"],
                overrides: ["sync.batch.max_sets": "lots"])
            Issue.record("a non-number was accepted")
        } catch {
            #expect(error.key == "sync.batch.max_sets")
            #expect(error.reason.contains("command line"))
        }
    }

    @Test func environmentAloneIsEnough() async throws {
        let c = try await county(
            nil, ["TEACHERSYNC_HUB_URL": "http://127.0.0.1:8443", "TEACHERSYNC_DATA_DIR": "/srv/ts"]
        )
        .get()
        #expect(c.hubURL == "http://127.0.0.1:8443")
        #expect(c.keyFile == "/srv/ts/node.key")
    }

    @Test func anEmptyValueMeansTheDefault() async throws {
        let c = try await county(hubURL + "listen:\n", ["TEACHERSYNC_LOG_LEVEL": ""]).get()
        #expect(c.listen == "127.0.0.1:8080")
        #expect(c.logLevel == "info")
    }

    @Test func unrelatedEnvironmentVariablesAreIgnored() async throws {
        let c = try await county(hubURL, ["LOG_LEVEL": "nonsense", "HUB_URL": "nonsense", "TEACHERSYNC_BIN": "/x"])
            .get()
        #expect(c.logLevel == "info")
    }

    @Test func aFileOfOnlyCommentsSetsNothing() async throws {
        let c = try await county("# nothing here yet\n\n---\n", ["TEACHERSYNC_HUB_URL": "https://h.example.org"]).get()
        #expect(c.listen == CountyConfiguration().listen)
    }

    @Test func dottedKeysWorkToo() async throws {
        let c = try await county("hub.url: https://hub.example.org\nsync.batch.max_sets: 8\n").get()
        #expect(c.batchMaxSets == 8)
    }

    @Test(arguments: [
        ("sync:\n  retry:\n    base_seconds: soon\n", "sync.retry.base_seconds"),
        ("sync:\n  retry:\n    base_seconds: 2.5\n", "sync.retry.base_seconds"),
        ("sync:\n  retry:\n    jitter: lots\n", "sync.retry.jitter"),
        ("sync:\n  batch:\n    max_bytes: [1, 2]\n", "sync.batch.max_bytes"),
        ("listen: [127.0.0.1, 8080]\n", "listen"),
        ("sync:\n  window: \"01:00-05:00\"\n", "sync.window"),
    ])
    func aValueOfTheWrongTypeNamesItsKey(text: String, key: String) async {
        let error = await county(hubURL + text).failure
        #expect(error?.key == key, "\(String(describing: error))")
    }

    @Test(arguments: [
        // Names and identity numbers must not cross a network in clear.
        ("hub:\n  url: http://hub.example.org:8443\n", "hub.url"),
        ("hub:\n  url: https://hub.example.org\n  tls_fingerprint: \"sha256:12ab\"\n", "hub.tls_fingerprint"),
        (
            "hub:\n  url: https://hub.example.org\n  tls_fingerprint: \"sha256:\(String(repeating: "a", count: 64))\"\n",
            "hub.tls_certificate"
        ),
        ("hub:\n  url: http://127.0.0.1:8443\n  tls_certificate: /etc/teachersync/hub.crt\n", "hub.url"),
    ])
    func hubTransportSettingsAreChecked(text: String, key: String) async {
        let error = await county(text).failure
        #expect(error?.key == key, "\(String(describing: error))")
    }

    @Test func plainHTTPIsAllowedToLoopbackOrWhenSaidSo() async throws {
        _ = try await county("hub:\n  url: http://127.0.0.1:8443\n").get()
        _ = try await county("hub:\n  url: http://[::1]:8443\n").get()
        let tunnel = try await county("hub:\n  url: http://10.0.0.1:8443\n  allow_plain_http: true\n").get()
        #expect(tunnel.hubAllowPlainHTTP)
    }

    @Test func aWrongTypeInTheEnvironmentNamesTheKeyAndTheVariable() async {
        let error = await county(hubURL, ["TEACHERSYNC_SYNC_BATCH_MAX_SETS": "many"]).failure
        #expect(error?.key == "sync.batch.max_sets")
        #expect(error?.reason.contains("TEACHERSYNC_SYNC_BATCH_MAX_SETS") == true)
    }

    @Test func anUnknownKeyIsRefusedWithASuggestion() async throws {
        let error = try #require(await county(hubURL + "sync:\n  retry:\n    base_secs: 30\n").failure)
        #expect(error.key == "sync.retry.base_secs")
        #expect(error.reason.contains("did you mean sync.retry.base_seconds?"))
        let other = try #require(await county(hubURL + "colour: blue\n").failure)
        #expect(other.key == "colour")
        #expect(!other.reason.contains("did you mean"))
    }

    @Test func aMissingFileIsAConfigError() async throws {
        let folder = TemporaryDirectory()
        let path = folder.path("absent.yaml").path
        await #expect(throws: CountyConfiguration.Invalid(key: "config", reason: "\(path): no such file")) {
            _ = try await CountyConfiguration.load(file: path, environment: [:])
        }
    }

    @Test func anUnparsableFileIsAConfigErrorWithItsLine() async throws {
        let error = try #require(await county(hubURL + "sync:\n  retry: [\n").failure)
        #expect(error.key == "config")
        // Yams reports the end of the file, where the list that `[` opened on line 4 should have ended.
        #expect(error.reason.contains("config.yaml:5:1: parser:"), "\(error)")
        let duplicate = try #require(
            await county(hubURL + "listen: \"127.0.0.1:1\"\nlisten: \"127.0.0.1:2\"\n").failure)
        #expect(duplicate.key == "config")
        #expect(duplicate.reason.contains("'listen'"), "\(duplicate)")
    }

    @Test func validationRunsLast() async {
        #expect(await county(nil).failure?.key == "hub.url")
        #expect(await county(hubURL + "sync:\n  window:\n    start: \"25:00\"\n").failure?.key == "sync.window.start")
        #expect(await county(hubURL, ["TEACHERSYNC_SYNC_RETRY_JITTER": "1.5"]).failure?.key == "sync.retry.jitter")
    }

    @Test func theKeyFileComesFromTheCredentialsDirectoryWhenThere() async throws {
        let credentials = TemporaryDirectory()
        let environment = [
            "TEACHERSYNC_HUB_URL": "https://hub.example.org", "CREDENTIALS_DIRECTORY": credentials.url.path,
        ]
        // No node.key among the credentials: the data folder's.
        #expect(try await county(nil, environment).get().keyFile == "/var/lib/teachersync/node.key")
        try Data("seed".utf8).write(to: credentials.path("node.key"))
        #expect(try await county(nil, environment).get().keyFile == credentials.path("node.key").path)
        // An explicit key_file wins.
        #expect(try await county("key_file: /etc/k\n", environment).get().keyFile == "/etc/k")
    }
}

@Suite struct HubConfigurationTests {
    @Test func theExampleSetsTheDefaults() async throws {
        let loaded = try await HubConfiguration.load(
            file: configFolder.appendingPathComponent("hub.example.yaml").path, environment: [:])
        var expected = HubConfiguration()
        expected.keyFile = "/var/lib/teachersync/node.key"
        #expect(loaded == expected)
    }

    @Test func theExampleShowsEveryKey() async throws {
        let text = try String(contentsOf: configFolder.appendingPathComponent("hub.example.yaml"), encoding: .utf8)
        let file = ConfigFile(
            text.replacingOccurrences(of: #"(?m)^(\s*)#(\w)"#, with: "$1$2", options: .regularExpression))
        defer { withExtendedLifetime(file) {} }
        let layers = try await ConfigurationLayers(file: file.path, environment: [:], keys: HubConfiguration.keys)
        #expect(layers.fileKeys == Set(HubConfiguration.keys))
    }

    @Test func theDefaultsAreValid() throws {
        try HubConfiguration().validate()
    }

    @Test func environmentSetsEveryType() async throws {
        let h = try await hub(
            "listen: \"0.0.0.0:8443\"\n",
            [
                "TEACHERSYNC_ALLOW_PLAIN_HTTP": "yes", "TEACHERSYNC_AUTH_MAX_SKEW_SECONDS": "60",
                "TEACHERSYNC_COUNTIES_STALE_AFTER_HOURS": "72", "TEACHERSYNC_LOG_LEVEL": "debug",
            ]
        ).get()
        #expect(h.allowPlainHTTP)
        #expect(h.listen == "0.0.0.0:8443")
        #expect(h.authMaxSkewSeconds == 60)
        #expect(h.countiesStaleAfterHours == 72)
        #expect(h.logLevel == "debug")
    }

    @Test func aWrongTypeNamesItsKey() async {
        #expect(await hub("allow_plain_http: perhaps\n").failure?.key == "allow_plain_http")
        #expect(await hub("auth:\n  max_skew_seconds: 5m\n").failure?.key == "auth.max_skew_seconds")
    }

    @Test func anUnknownKeyIsRefused() async {
        let error = await hub("counties:\n  stale_after_hour: 12\n").failure
        #expect(error?.key == "counties.stale_after_hour")
        #expect(error?.reason.contains("did you mean counties.stale_after_hours?") == true)
    }

    @Test func aSectionWithAValueIsRefused() async {
        #expect(await hub("tls: yes\n").failure?.key == "tls")
    }

    @Test(arguments: [
        ("listen: \"8443\"", "listen"),
        ("listen: \"0.0.0.0:8443\"", "listen"),  // plain HTTP off the machine
        ("listen: \"[::1]:99999\"", "listen"),
        ("log:\n  level: verbose", "log.level"),
        ("auth:\n  max_skew_seconds: 0", "auth.max_skew_seconds"),
        ("tls:\n  certificate: /etc/teachersync/hub.crt", "tls.private_key"),
    ])
    func loadingValidatesAndNamesTheBadKey(text: String, key: String) async {
        let error = await hub(text + "\n").failure
        #expect(error?.key == key, "\(String(describing: error))")
    }

    @Test func validateChecksNumbersAndTLS() {
        func key(_ change: (inout HubConfiguration) -> Void) -> String? {
            var h = HubConfiguration()
            change(&h)
            do { try h.validate() } catch { return error.key }
            return nil
        }
        #expect(key { $0.authMaxSkewSeconds = 0 } == "auth.max_skew_seconds")
        #expect(key { $0.authMaxSkewSeconds = 86400 } == "auth.max_skew_seconds")
        #expect(key { $0.countiesStaleAfterHours = 0 } == "counties.stale_after_hours")
        #expect(key { $0.tlsCertificate = "/etc/c.pem" } == "tls.private_key")
        #expect(key { $0.tlsPrivateKey = "/etc/k.pem" } == "tls.certificate")
        // With TLS the hub may listen on any address; without, only on loopback unless plain HTTP is allowed.
        #expect(
            key {
                $0.tlsCertificate = "/etc/c.pem"; $0.tlsPrivateKey = "/etc/k.pem"; $0.listen = "0.0.0.0:8443"
            } == nil)
        #expect(key { $0.listen = "0.0.0.0:8443" } == "listen")
        #expect(
            key {
                $0.listen = "0.0.0.0:8443"; $0.allowPlainHTTP = true
            } == nil)
        #expect(key { $0.listen = "[::1]:8443" } == nil)
    }
}
