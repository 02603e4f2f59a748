import Certificates
import Crypto

/// Keys and payloads the certificate tests share: fixed seeds, so a failure reproduces byte for byte.
enum CertificateFixtures {
    static let hubKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32))
    static let otherKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 9, count: 32))

    static func payload(
        name: String = "张三", sequence: Int = 1, key: Curve25519.Signing.PrivateKey = hubKey
    ) throws -> CertificatePayload {
        try CertificatePayload(
            serial: CertificatePayload.serial(year: 2019, county: "130102", sequence: sequence), year: 2019,
            countyCode: "130102", name: name, idType: "1", idNumber: "13010219800101123x", issueDate: "2019-12-20",
            keyID: CertificateKeys.id(of: key.publicKey))
    }

    static func token(name: String = "张三", sequence: Int = 1) throws -> CertificateToken {
        try CertificateToken.sign(try payload(name: name, sequence: sequence), with: hubKey)
    }
}
