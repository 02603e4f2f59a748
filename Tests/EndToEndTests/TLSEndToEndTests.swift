import Foundation
import Testing

/// HTTPS end to end with real processes: `hub make-certificate`, a hub serving TLS from its config file, and a
/// county that pins the certificate by file and fingerprint (`sync` and the daemon).
@Suite("HTTPS between real processes", .serialized, .timeLimit(.minutes(3)))
struct TLSEndToEndTests {
    /// `hub make-certificate` into the hub's data folder; returns the certificate path and fingerprint.
    static func makeCertificate(_ province: Province) async throws -> (certificate: String, fingerprint: String) {
        let made = try await province.hub.ok(["hub", "make-certificate", "--name", "127.0.0.1", "--name", "localhost"])
        let fingerprint = try #require(
            made.stdout.split(separator: "\n").first { $0.hasPrefix("fingerprint: ") }?.dropFirst(13))
        let certificate = province.hub.path + "/tls/hub.crt"
        // The private key is readable by its owner alone; `fingerprint` prints the same pin.
        let attributes = try FileManager.default.attributesOfItem(atPath: province.hub.path + "/tls/hub.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let printed = try await teachersync(["fingerprint", certificate])
        #expect(printed.status == 0 && printed.stdout == fingerprint + "\n", "\(printed)")
        // A second run would replace what counties pinned: refused unless --force.
        let again = try await province.hub.run(["hub", "make-certificate", "--name", "127.0.0.1"])
        #expect(again.status == 3, "\(again)")
        return (certificate, String(fingerprint))
    }

    /// Starts the hub with a config file that sets the TLS files and a non-loopback-capable listen address.
    static func startTLSHub(_ province: Province) async throws -> Daemon {
        let config = try province.sandbox.write(
            """
            data_dir: \(province.hub.path)
            listen: "127.0.0.1:0"
            tls:
              certificate: \(province.hub.path)/tls/hub.crt
              private_key: \(province.hub.path)/tls/hub.key
            """, to: "hub-tls.yaml")
        return try await Daemon.start(
            name: "hub (TLS)", ["hub", "run", "--config", config],
            logPath: province.sandbox.path("hub-tls-\(UUID().uuidString.prefix(8)).log"), registry: province.registry)
    }

    @Test("A county syncs over HTTPS with the pinned certificate; a wrong pin or plain HTTP gets nothing through")
    func pinnedSync() async throws {
        let province = try await Province.make()
        defer { province.registry.killAll() }
        let pin = try await Self.makeCertificate(province)
        let hub = try await Self.startTLSHub(province)
        #expect(hub.log.contains("listening on https://127.0.0.1:"))
        let url = "https://127.0.0.1:\(hub.port)"
        let county = province.county("130102")

        // A fingerprint that is not the certificate's: refused before any connection.
        let wrong = "sha256:" + String(repeating: "0", count: 64)
        let refused = try await county.run([
            "sync", "--hub", url, "--hub-certificate", pin.certificate, "--hub-fingerprint", wrong,
        ])
        #expect(refused.status == 2 && refused.stderr.contains("fingerprint"), "\(refused)")
        // No pinned certificate: the system trust store does not know a self-signed hub.
        let untrusted = try await county.run(["sync", "--hub", url])
        #expect(untrusted.status == 5, "\(untrusted)")
        // Plain HTTP to the TLS port fails too.
        let plain = try await county.run(["sync", "--hub", "http://127.0.0.1:\(hub.port)"])
        #expect(plain.status == 5, "\(plain)")
        let hubDigest = try await province.hub.digest(county: "130102")
        #expect(try await county.digest() != hubDigest)

        let synced = try await county.run([
            "sync", "--hub", url, "--hub-certificate", pin.certificate, "--hub-fingerprint", pin.fingerprint,
        ])
        #expect(synced.status == 0, "\(synced)")
        #expect(try await county.digest() == province.hub.digest(county: "130102"))
        // The upload was receipted; the audit checks the hub's log against the receipt over the same pin.
        let receipts = try await county.run(["verify", "--receipts"])
        #expect(receipts.status == 0 && receipts.stdout.contains("delivered up to"), "\(receipts)")
        let audit = try await county.run([
            "audit", "--hub", url, "--hub-certificate", pin.certificate, "--hub-fingerprint", pin.fingerprint,
        ])
        #expect(audit.status == 0 && audit.stdout.contains("audit passed"), "\(audit)")

        // The daemon, configured by file, syncs the same way.
        let other = province.county("130104")
        let config = try province.sandbox.write(
            """
            data_dir: \(other.path)
            listen: "127.0.0.1:0"
            hub:
              url: \(url)
              tls_certificate: \(pin.certificate)
              tls_fingerprint: "\(pin.fingerprint)"
            """, to: "county-tls.yaml")
        let daemon = try await Daemon.start(
            name: "county 130104 (TLS)", ["county", "run", "--config", config],
            logPath: province.sandbox.path("county-tls.log"), registry: province.registry)
        try await syncNow(daemon)
        #expect(try await other.digest() == province.hub.digest(county: "130104"))
        // The answer lists what was refused on either side and any receipt problem: here, nothing.
        let again = try await http("POST", daemon.url + "/v1/sync")
        #expect(
            again.body.contains(#""refused_here":[]"#) && again.body.contains(#""receipt_problems":[]"#),
            "\(again.body)")

        // A daemon whose pinned file does not match its fingerprint does not start: status 6, naming the key.
        let bad = try province.sandbox.write(
            """
            data_dir: \(other.path)
            listen: "127.0.0.1:0"
            hub:
              url: \(url)
              tls_certificate: \(pin.certificate)
              tls_fingerprint: "\(wrong)"
            """, to: "county-bad-pin.yaml")
        let badRun = try await teachersync(["county", "run", "--config", bad], timeout: .seconds(30))
        #expect(badRun.status == 6 && badRun.stderr.contains("hub.tls_certificate"), "\(badRun)")
    }
}
