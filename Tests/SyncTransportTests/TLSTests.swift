import AsyncHTTPClient
import Foundation
import NIOSSL
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// The hub serving HTTPS with a self-signed certificate, and counties that trust exactly the pinned certificate.
@Suite struct TLSTests {
    /// A self-signed certificate for 127.0.0.1 written into `dir`; returns the PEM file paths and fingerprint.
    static func certificate(
        in dir: TemporaryDirectory, _ name: String, names: [String] = ["127.0.0.1", "localhost"]
    ) throws -> (certificate: String, key: String, fingerprint: String) {
        let material = try HubTLS.makeSelfSigned(names: names, days: 30)
        let certificate = dir.path("\(name).crt").path
        let key = dir.path("\(name).key").path
        try Data(material.certificatePEM.utf8).write(to: URL(fileURLWithPath: certificate))
        try Data(material.privateKeyPEM.utf8).write(to: URL(fileURLWithPath: key))
        return (certificate, key, material.fingerprint)
    }

    @Test func aPinnedCountySyncsWithTheHubOverHTTPS() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try county.write([TransportFixture.teacher(1), TransportFixture.record("R1", minutes: 45)])
        let pem = try Self.certificate(in: f.dir, "hub")
        #expect(try HubTLS.fingerprint(ofPEMFile: pem.certificate) == pem.fingerprint)
        let hub = try await RunningHub.start(
            replica: f.hub, port: 0, clock: f.clock,
            tls: HubTLS.serverConfiguration(certificateFile: pem.certificate, privateKeyFile: pem.key))
        #expect(hub.url.hasPrefix("https://"))
        let http = try HubTLS.nodeClient(
            hubURL: hub.url, pinnedCertificateFile: pem.certificate, fingerprint: pem.fingerprint,
            allowPlainHTTP: false)
        #expect(http.owned)
        let client = HubClient(
            baseURL: hub.url, signer: county.identity.signer, wallClock: f.clock, http: http.client)
        let report = await SyncDriver(executor: ReplicaExecutor(county), client: client).runRound()
        #expect(report.outcome == .inSync(pushed: 1, pulled: 2))
        #expect(try f.hub.digest(county: "130102") == county.digest(county: "130102"))
        try await http.client.shutdown()
        try await hub.stop()
    }

    @Test func aCountyPinningAnotherCertificateSendsNothing() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        try county.write([TransportFixture.teacher(1)])
        let real = try Self.certificate(in: f.dir, "hub")
        let impostor = try Self.certificate(in: f.dir, "other")
        let hub = try await RunningHub.start(
            replica: f.hub, port: 0, clock: f.clock,
            tls: HubTLS.serverConfiguration(certificateFile: real.certificate, privateKeyFile: real.key))
        let hubDigest = try f.hub.digest(county: "130102")
        // The county pinned a certificate that is not the one the hub presents (as with an impostor hub).
        let http = try HubTLS.nodeClient(
            hubURL: hub.url, pinnedCertificateFile: impostor.certificate, fingerprint: nil, allowPlainHTTP: false)
        let client = HubClient(
            baseURL: hub.url, signer: county.identity.signer, wallClock: f.clock, http: http.client)
        let report = await SyncDriver(executor: ReplicaExecutor(county), client: client).runRound()
        guard case .failed(let reason, _, let retryable) = report.outcome else {
            Issue.record("a round through an unpinned certificate succeeded: \(report.outcome)")
            return
        }
        #expect(reason == .transportFailure)
        #expect(retryable)
        #expect(try f.hub.digest(county: "130102") == hubDigest)
        try await http.client.shutdown()

        // Plain HTTP to the TLS port gets nowhere either.
        let plain = HubClient(
            baseURL: "http://127.0.0.1:\(hub.port)", signer: county.identity.signer, wallClock: f.clock)
        let plainReport = await SyncDriver(executor: ReplicaExecutor(county), client: plain).runRound()
        #expect(plainReport.outcome.isFailure)
        #expect(try f.hub.digest(county: "130102") == hubDigest)
        try await hub.stop()
    }

    @Test func aCertificateFileThatDoesNotMatchTheFingerprintIsRefused() throws {
        let dir = TemporaryDirectory(prefix: "tls-test")
        let a = try Self.certificate(in: dir, "a")
        let b = try Self.certificate(in: dir, "b")
        #expect(a.fingerprint != b.fingerprint)
        #expect(throws: HubTLS.Problem.self) {
            _ = try HubTLS.clientConfiguration(pinnedCertificateFile: a.certificate, fingerprint: b.fingerprint)
        }
        // A fingerprint as openssl prints it (capitals, colons) is the same pin.
        let hex = a.fingerprint.dropFirst("sha256:".count)
        var pairs = [String]()
        var i = hex.startIndex
        while i < hex.endIndex {
            pairs.append(hex[i..<hex.index(i, offsetBy: 2)].uppercased())
            i = hex.index(i, offsetBy: 2)
        }
        let openssl = "SHA256 Fingerprint=" + pairs.joined(separator: ":")
        #expect(HubTLS.normalizedFingerprint(openssl) == a.fingerprint)
        _ = try HubTLS.clientConfiguration(pinnedCertificateFile: a.certificate, fingerprint: openssl)
        #expect(HubTLS.normalizedFingerprint("sha256:1234") == nil)
        #expect(throws: HubTLS.Problem.self) {
            _ = try HubTLS.clientConfiguration(pinnedCertificateFile: dir.path("missing.crt").path, fingerprint: nil)
        }
    }

    @Test func plainHTTPToAnotherMachineIsRefusedBeforeAnythingIsSent() throws {
        #expect(throws: HubTLS.Problem.self) {
            _ = try HubTLS.nodeClient(
                hubURL: "http://hub.example.invalid:8443", pinnedCertificateFile: nil, fingerprint: nil,
                allowPlainHTTP: false)
        }
        // Loopback, or an explicit allowance (an encrypting tunnel), is accepted.
        let local = try HubTLS.nodeClient(
            hubURL: "http://127.0.0.1:8443", pinnedCertificateFile: nil, fingerprint: nil, allowPlainHTTP: false)
        #expect(!local.owned)
        let tunnel = try HubTLS.nodeClient(
            hubURL: "http://10.0.0.1:8443", pinnedCertificateFile: nil, fingerprint: nil, allowPlainHTTP: true)
        #expect(!tunnel.owned)
    }

    @Test func theSelfSignedCertificateNamesTheHubAndRefusesBadNames() throws {
        #expect(throws: HubTLS.Problem.self) { _ = try HubTLS.makeSelfSigned(names: [], days: 30) }
        #expect(throws: HubTLS.Problem.self) { _ = try HubTLS.makeSelfSigned(names: ["bad name!"], days: 30) }
        #expect(throws: HubTLS.Problem.self) { _ = try HubTLS.makeSelfSigned(names: ["hub.example"], days: 0) }
        let material = try HubTLS.makeSelfSigned(names: ["hub.example.cn", "10.1.2.3", "::1"], days: 825)
        #expect(material.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(material.privateKeyPEM.contains("PRIVATE KEY"))
        #expect(HubTLS.normalizedFingerprint(material.fingerprint) == material.fingerprint)
    }
}

extension SyncRound.Outcome {
    var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }
}
