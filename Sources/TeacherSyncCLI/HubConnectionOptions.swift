import ArgumentParser
import AsyncHTTPClient
import Foundation
import SQLiteReplica
import SyncCore
import SyncTransport

/// How a county command reaches the hub: its URL and, for a self-signed hub, the pinned certificate.
struct HubConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The hub's URL, e.g. https://hub.example.cn:8443.", valueName: "url"))
    var hub: String

    @Option(
        help: ArgumentHelp(
            "The hub's certificate (PEM) to trust alone, for a hub with a self-signed certificate.", valueName: "file"))
    var hubCertificate: String?

    @Option(
        help: ArgumentHelp(
            "The SHA-256 fingerprint the hub's certificate must have (from the hub's operator).",
            valueName: "sha256:hex"))
    var hubFingerprint: String?

    @Flag(help: "Allow plain http:// to another machine (only through a tunnel that encrypts).")
    var allowPlainHttp = false

    /// Runs `body` with a client signing as `replica`, and shuts down the HTTP client it made, if any.
    func withClient<T>(_ replica: Replica, _ body: (HubClient) async throws -> T) async throws -> T {
        guard let url = URL(string: hub), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
        else {
            throw CLIFailure.usage("--hub must be an http:// or https:// URL")
        }
        let http: (client: HTTPClient, owned: Bool)
        do {
            http = try HubTLS.nodeClient(
                hubURL: hub, pinnedCertificateFile: hubCertificate, fingerprint: hubFingerprint,
                allowPlainHTTP: allowPlainHttp)
        } catch {
            throw CLIFailure.usage("\(error)")
        }
        let client = HubClient(
            baseURL: hub, signer: replica.identity.signer, wallClock: SystemWallClock(), http: http.client)
        do {
            let result = try await body(client)
            if http.owned { try? await http.client.shutdown() }
            return result
        } catch {
            if http.owned { try? await http.client.shutdown() }
            throw error
        }
    }
}

/// Times as the CLI prints them.
enum Timestamps {
    /// ISO 8601 in UTC, or "never".
    static func iso(_ millis: Int64?) -> String {
        millis.map { Date(timeIntervalSince1970: Double($0) / 1000).formatted(.iso8601) } ?? "never"
    }
}
