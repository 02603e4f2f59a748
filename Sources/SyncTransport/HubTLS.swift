public import AsyncHTTPClient
import Crypto
public import Foundation
import Glibc
public import NIOSSL
import SwiftASN1
import X509

/// TLS for the hub: the self-signed certificate the hub can make for itself, its fingerprint, the server's
/// TLS configuration, and the node's client that trusts exactly the pinned hub certificate (docs/OPERATIONS.md).
public enum HubTLS {
    /// A TLS problem, naming the file and what is wrong with it.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// A certificate and its private key, PEM-encoded.
    public struct Material: Sendable {
        public let certificatePEM: String
        public let privateKeyPEM: String
        /// ``fingerprint(ofPEM:)`` of the certificate.
        public let fingerprint: String
    }

    /// Makes a self-signed P-256 certificate for a hub reachable as `names` (DNS names and IP addresses,
    /// which become its subject alternative names), valid from one hour before `now` for `days` days.
    public static func makeSelfSigned(names: [String], days: Int, now: Date = Date()) throws(Problem) -> Material {
        guard !names.isEmpty else { throw Problem("at least one host name or address is needed") }
        guard (1...3650).contains(days) else { throw Problem("validity must be between 1 and 3650 days") }
        let key = P256.Signing.PrivateKey()
        do {
            let subject = try DistinguishedName {
                OrganizationName("teachersync")
                CommonName(names[0])
            }
            let alternativeNames = try names.map { name throws(Problem) -> GeneralName in
                if let address = ipAddressBytes(name) { return .ipAddress(ASN1OctetString(contentBytes: address[...])) }
                guard isHostName(name) else { throw Problem("\(name): not a host name or IP address") }
                return .dnsName(name)
            }
            let extensions = try Certificate.Extensions {
                // Its own trust anchor: a county trusts this certificate alone, and TLS libraries accept a
                // self-signed anchor only as an authority (one that may sign no further authority).
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(alternativeNames)
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(),
                publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(Double(days) * 86400),
                issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(key))
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            let pem = PEMDocument(type: "CERTIFICATE", derBytes: serializer.serializedBytes).pemString + "\n"
            return Material(
                certificatePEM: pem, privateKeyPEM: key.pemRepresentation + "\n",
                fingerprint: fingerprint(ofDER: serializer.serializedBytes))
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem("cannot make the certificate: \(error)")
        }
    }

    /// `sha256:` and the lowercase hex SHA-256 of the certificate's DER bytes: the value a county pins, and what
    /// `openssl x509 -noout -fingerprint -sha256` prints (there in capitals with colons).
    public static func fingerprint(ofDER der: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
    }

    /// The fingerprint of the first certificate in a PEM file.
    public static func fingerprint(ofPEMFile path: String) throws(Problem) -> String {
        fingerprint(ofDER: try certificates(path)[0].derBytes)
    }

    /// A fingerprint as written by an operator (`sha256:ab…`, `SHA256:AB:…`, or the bare 64 hex digits) in the
    /// form ``fingerprint(ofDER:)`` gives, or nil if it is not one.
    public static func normalizedFingerprint(_ text: String) -> String? {
        var hex = text.trimmingCharacters(in: .whitespaces).lowercased()
        for prefix in ["sha256:", "sha256 fingerprint=", "sha256="] where hex.hasPrefix(prefix) {
            hex = String(hex.dropFirst(prefix.count))
        }
        hex.removeAll { $0 == ":" }
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { return nil }
        return "sha256:" + hex
    }

    /// The server's TLS configuration from PEM files: the certificate chain (leaf first) and its private key.
    public static func serverConfiguration(
        certificateFile: String, privateKeyFile: String
    ) throws(Problem)
        -> TLSConfiguration
    {
        let chain = try certificates(certificateFile)
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem) } catch {
            throw Problem("\(privateKeyFile): not a readable PEM private key")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0.nio) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }

    /// The client TLS configuration of a node. With `pinnedCertificateFile`, the hub's certificate must be
    /// exactly that one (a self-signed hub certificate, the only trust root; the host name is not checked,
    /// so a county may use the hub's address); if `fingerprint` is given too, the file must match it. Without
    /// a pinned file, the system's trust store and host-name verification apply.
    public static func clientConfiguration(
        pinnedCertificateFile: String?, fingerprint: String?
    ) throws(Problem)
        -> TLSConfiguration
    {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        guard let pinnedCertificateFile else {
            if fingerprint != nil {
                throw Problem("a fingerprint needs the hub's certificate file to check it against")
            }
            return configuration
        }
        let pinned = try certificates(pinnedCertificateFile)[0]
        if let fingerprint {
            guard let expected = normalizedFingerprint(fingerprint) else {
                throw Problem("\(fingerprint): not a SHA-256 fingerprint (sha256: and 64 hex digits)")
            }
            let actual = Self.fingerprint(ofDER: pinned.derBytes)
            guard actual == expected else {
                throw Problem(
                    "\(pinnedCertificateFile): fingerprint \(actual) is not the pinned \(expected); "
                        + "get the hub's certificate again from the hub's operator")
            }
        }
        configuration.trustRoots = .certificates([pinned.nio])
        configuration.certificateVerification = .noHostnameVerification
        return configuration
    }

    /// An HTTP client for a node with the given TLS configuration and the connection behaviour of
    /// ``HubClient/nodeClient``. The caller shuts it down.
    public static func makeClient(tls: TLSConfiguration) -> HTTPClient {
        var configuration = HubClient.nodeClientConfiguration
        configuration.tlsConfiguration = tls
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// The client a node uses for `hubURL`: ``HubClient/nodeClient`` unless a hub certificate is pinned, in which
    /// case a new client (that the caller shuts down) trusting that certificate alone. Refuses plain HTTP to
    /// a host other than a loopback address unless `allowPlainHTTP`.
    public static func nodeClient(
        hubURL: String, pinnedCertificateFile: String?, fingerprint: String?, allowPlainHTTP: Bool
    ) throws(Problem) -> (client: HTTPClient, owned: Bool) {
        guard let url = URL(string: hubURL), let scheme = url.scheme?.lowercased(), let host = url.host else {
            throw Problem("\(hubURL): not an http:// or https:// URL")
        }
        switch scheme {
        case "https":
            guard pinnedCertificateFile != nil || fingerprint != nil else { return (HubClient.nodeClient, false) }
            let tls = try clientConfiguration(pinnedCertificateFile: pinnedCertificateFile, fingerprint: fingerprint)
            return (makeClient(tls: tls), true)
        case "http":
            let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            guard HubServer.Listen.isLoopback(host: bare) || allowPlainHTTP else {
                throw Problem(
                    "\(hubURL): plain http:// to another machine would send names and identity numbers in clear; "
                        + "use https://")
            }
            guard pinnedCertificateFile == nil, fingerprint == nil else {
                throw Problem("\(hubURL): a pinned certificate needs an https:// URL")
            }
            return (HubClient.nodeClient, false)
        default:
            throw Problem("\(hubURL): not an http:// or https:// URL")
        }
    }

    private static func certificates(_ path: String) throws(Problem) -> [(nio: NIOSSLCertificate, derBytes: [UInt8])] {
        let loaded: [NIOSSLCertificate]
        do { loaded = try NIOSSLCertificate.fromPEMFile(path) } catch {
            throw Problem("\(path): not a readable PEM certificate file")
        }
        guard !loaded.isEmpty else { throw Problem("\(path): holds no certificate") }
        do { return try loaded.map { ($0, try $0.toDERBytes()) } } catch {
            throw Problem("\(path): a certificate cannot be encoded")
        }
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address literal.
    private static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func isHostName(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
