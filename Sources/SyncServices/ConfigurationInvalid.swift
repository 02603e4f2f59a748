/// A configuration problem: the dotted key (or `config` for the file itself) and why it is wrong. The CLI
/// prints it and exits with status 6.
public struct ConfigurationInvalid: Error, Sendable, Hashable, CustomStringConvertible {
    public let key: String
    public let reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(key): \(reason)" }
}
