import Configuration
public import Foundation
import Synchronization

extension CountyConfiguration {
    /// Every key a county config file may set, in the order of `Config/county.example.yaml`.
    public static let keys: [String] = [
        "data_dir", "key_file", "hub.url", "hub.tls_certificate", "hub.tls_fingerprint", "hub.allow_plain_http",
        "listen",
        "sync.window.start", "sync.window.end", "sync.window.time_zone",
        "sync.retry.base_seconds", "sync.retry.max_seconds", "sync.retry.jitter",
        "sync.batch.max_sets", "sync.batch.max_bytes",
        "log.level",
    ]

    /// Loads and validates the county's settings.
    ///
    /// Each key is taken from the first of these that sets it to a non-empty value:
    /// 0. `overrides`, keyed by dotted key (command-line options such as `--hub`);
    /// 1. the environment variable `TEACHERSYNC_` + the key in capitals with `.` as `_`
    ///    (`hub.url` is `TEACHERSYNC_HUB_URL`, `sync.window.start` is `TEACHERSYNC_SYNC_WINDOW_START`);
    /// 2. the YAML file `file`, if given (nested mappings or dotted keys);
    /// 3. the defaults declared on ``CountyConfiguration``.
    ///
    /// `key_file`, when none of these sets it, is `node.key` in `$CREDENTIALS_DIRECTORY` if that file exists
    /// (systemd's `LoadCredential=node.key:…`), otherwise `<data_dir>/node.key`; the result always has it set.
    ///
    /// - Throws: ``Invalid`` naming `config` for a missing or unparsable file, or the key that is unknown
    ///   (a typo in the file or in `overrides`), of the wrong type, or fails ``validate()``.
    public static func load(
        file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:]
    ) async throws(Invalid) -> CountyConfiguration {
        var c = CountyConfiguration()
        do throws(ConfigurationLayers.Problem) {
            let layers = try await ConfigurationLayers(
                file: file, environment: environment, overrides: overrides, keys: keys)
            try layers.read("data_dir", into: &c.dataDirectory)
            try layers.read("hub.url", into: &c.hubURL)
            try layers.read("hub.tls_certificate", into: &c.hubTLSCertificate)
            try layers.read("hub.tls_fingerprint", into: &c.hubTLSFingerprint)
            try layers.read("hub.allow_plain_http", into: &c.hubAllowPlainHTTP)
            try layers.read("listen", into: &c.listen)
            try layers.read("sync.window.start", into: &c.windowStart)
            try layers.read("sync.window.end", into: &c.windowEnd)
            try layers.read("sync.window.time_zone", into: &c.timeZone)
            try layers.read("sync.retry.base_seconds", into: &c.retryBaseSeconds)
            try layers.read("sync.retry.max_seconds", into: &c.retryMaxSeconds)
            try layers.read("sync.retry.jitter", into: &c.retryJitter)
            try layers.read("sync.batch.max_sets", into: &c.batchMaxSets)
            try layers.read("sync.batch.max_bytes", into: &c.batchMaxBytes)
            try layers.read("log.level", into: &c.logLevel)
            c.keyFile = try layers.keyFile(dataDirectory: c.dataDirectory)
        } catch {
            throw Invalid(key: error.key, reason: error.reason)
        }
        try c.validate()
        return c
    }
}

/// The layered sources of a daemon's settings: command-line overrides over `TEACHERSYNC_*` environment
/// variables over a YAML file over the defaults, read through swift-configuration.
///
/// The reader's lenient methods turn a value of the wrong type into the default; here a key that some layer
/// sets is read with the library's required methods instead, so a wrong type is an error naming the key.
struct ConfigurationLayers: Sendable {
    /// A problem with one key (or `config` for the file as a whole); mapped to each configuration's `Invalid`.
    struct Problem: Error, Sendable {
        let key: String
        let reason: String
    }

    /// The prefix of the environment variables that set keys.
    static let environmentPrefix = "TEACHERSYNC_"

    /// The environment variable that sets `key`: `hub.url` is `TEACHERSYNC_HUB_URL`.
    static func environmentVariable(for key: String) -> String {
        environmentPrefix + variableSuffix(for: key)
    }

    private static func variableSuffix(for key: String) -> String {
        String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    private let reader: ConfigReader
    /// The `TEACHERSYNC_` variables without the prefix, with the overrides over them: what the provider reads.
    private let variables: [String: String]
    private let file: String?
    private let overridden: Set<String>
    /// systemd's `$CREDENTIALS_DIRECTORY` (not `TEACHERSYNC_`-prefixed, so kept apart).
    private let credentialsDirectory: String?
    /// The keys the file sets (leaf keys, dotted).
    let fileKeys: Set<String>

    /// Reads the file (if any) and checks that it and `overrides` set only `keys`.
    init(
        file: String?, environment: [String: String], overrides: [String: String] = [:], keys: [String]
    ) async throws(Problem) {
        if let unknown = Set(overrides.keys).subtracting(keys).sorted().first {
            throw Problem(key: unknown, reason: "unknown key")
        }
        // Only the prefixed variables, with the prefix taken off: the provider then maps `hub.url` to `HUB_URL`.
        var prefixed: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix(Self.environmentPrefix) {
            prefixed[String(name.dropFirst(Self.environmentPrefix.count))] = value
        }
        // Overrides are strings like environment variables, so they go through the same provider and conversions.
        for (key, value) in overrides { prefixed[Self.variableSuffix(for: key)] = value }
        var providers: [any ConfigProvider] = [EnvironmentVariablesProvider(environmentVariables: prefixed)]
        var fileKeys: Set<String> = []
        if let file {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue
            else { throw Problem(key: "config", reason: "\(file): no such file") }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw Problem(key: "config", reason: "\(file): cannot be read (permissions?)")
            }
            // A file of only comments is valid and sets nothing (Yams would say its root is not a mapping).
            if Self.hasContent(data) {
                // The snapshot asks the secrets specifier about every leaf key it parses: the one public way to
                // learn the file's key set, which the unknown-key check needs. No value here is a secret.
                let seen = SeenKeys()
                let options = YAMLSnapshot.ParsingOptions(secretsSpecifier: .dynamic { key, _ in seen.insert(key) })
                do {
                    providers.append(
                        try await FileProvider<YAMLSnapshot>(parsingOptions: options, filePath: .init(file)))
                } catch {
                    throw Problem(key: "config", reason: Self.located(error, in: file))
                }
                fileKeys = seen.keys
            }
        }
        let reader = ConfigReader(providers: providers)
        for key in fileKeys.subtracting(keys).sorted() {
            let inside = keys.filter { $0.hasPrefix(key + ".") }
            // `tls:` with every line under it commented out is an empty section, not a typo.
            if !inside.isEmpty {
                if reader.string(forKey: ConfigKey(key), default: "").isEmpty { continue }
                throw Problem(key: key, reason: "is a section (\(inside.joined(separator: ", "))), not a value")
            }
            var reason = "unknown key in \(file ?? "the file")"
            if let near = Self.nearest(to: key, in: keys) { reason += "; did you mean \(near)?" }
            throw Problem(key: key, reason: reason)
        }
        self.reader = reader
        self.variables = prefixed
        self.file = file
        self.overridden = Set(overrides.keys)
        self.credentialsDirectory = environment["CREDENTIALS_DIRECTORY"]
        self.fileKeys = fileKeys
    }

    /// Where the value of `key` comes from, for messages; `nil` when no layer sets it.
    private func source(of key: String) -> String? {
        if overridden.contains(key) { return "given on the command line" }
        if variables[Self.variableSuffix(for: key)] != nil { return "set by \(Self.environmentVariable(for: key))" }
        if fileKeys.contains(key), let file { return "in \(file)" }
        return nil
    }

    /// The text of `key`, or `nil` when no layer sets it or the value is empty (empty means "the default").
    func string(_ key: String) throws(Problem) -> String? {
        guard let source = source(of: key) else { return nil }
        let text: String
        do {
            text = try reader.requiredString(forKey: ConfigKey(key))
        } catch {
            throw Problem(key: key, reason: "must be a single value, not a list or mapping (\(source))")
        }
        return text.isEmpty ? nil : text
    }

    /// Reads a typed value through the library once ``string(_:)`` says a layer sets it.
    private func typed<T>(_ key: String, _ expected: String, _ get: (ConfigKey) throws -> T) throws(Problem) -> T? {
        guard try string(key) != nil, let source = source(of: key) else { return nil }
        do {
            return try get(ConfigKey(key))
        } catch {
            throw Problem(key: key, reason: "must be \(expected) (\(source))")
        }
    }

    func read(_ key: String, into value: inout String) throws(Problem) {
        if let v = try string(key) { value = v }
    }

    func read(_ key: String, into value: inout String?) throws(Problem) {
        if let v = try string(key) { value = v }
    }

    func read(_ key: String, into value: inout Int) throws(Problem) {
        if let v = try typed(key, "a whole number", { try reader.requiredInt(forKey: $0) }) { value = v }
    }

    func read(_ key: String, into value: inout Double) throws(Problem) {
        if let v = try typed(key, "a number", { try reader.requiredDouble(forKey: $0) }) { value = v }
    }

    func read(_ key: String, into value: inout Bool) throws(Problem) {
        if let v = try typed(key, "true or false", { try reader.requiredBool(forKey: $0) }) { value = v }
    }

    /// `key_file` if a layer sets it; else `node.key` in `$CREDENTIALS_DIRECTORY` if it exists; else
    /// `<data_dir>/node.key`.
    func keyFile(dataDirectory: String) throws(Problem) -> String {
        if let explicit = try string("key_file") { return explicit }
        if let credentialsDirectory {
            let path = URL(fileURLWithPath: credentialsDirectory).appendingPathComponent("node.key").path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return URL(fileURLWithPath: dataDirectory).appendingPathComponent("node.key").path
    }

    /// Whether YAML text has anything besides blank lines, comments and document markers.
    private static func hasContent(_ data: Data) -> Bool {
        String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).contains { line in
            let text = line.trimmingCharacters(in: .whitespaces)
            return !text.isEmpty && !text.hasPrefix("#") && text != "---" && text != "..."
        }
    }

    /// A parser error on one line, as `FILE:LINE:COLUMN: message` when Yams gives the position (it does for
    /// syntax errors, and quotes the offending line, which is kept without the caret under it).
    private static func located(_ error: any Error, in file: String) -> String {
        let text = String(describing: error).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0 != "^" }
            .joined(separator: " ")
        guard let position = text.range(of: #"^\d+:\d+: error: "#, options: .regularExpression) else {
            return "\(file): \(text)"
        }
        return "\(file):\(text[position].dropLast(" error: ".count)) \(text[position.upperBound...])"
    }

    /// The known key closest to a misspelt one, if it is close enough to be the likely intent.
    static func nearest(to key: String, in keys: [String]) -> String? {
        let scored = keys.map { (key: $0, distance: editDistance(Array(key), Array($0))) }
        guard let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= max(2, key.count / 4)
        else { return nil }
        return best.key
    }

    /// Levenshtein distance.
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// The leaf keys a YAML snapshot reported while parsing.
private final class SeenKeys: Sendable {
    private let storage = Mutex<Set<String>>([])

    /// Records a key; returns `false`, the answer to "is it a secret?".
    func insert(_ key: String) -> Bool {
        storage.withLock { _ = $0.insert(key) }
        return false
    }

    var keys: Set<String> { storage.withLock { $0 } }
}
