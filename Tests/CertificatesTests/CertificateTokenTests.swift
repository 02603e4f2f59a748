import Certificates
import Crypto
import Foundation
import SyncCore
import Testing

@Suite("Certificate tokens")
struct CertificateTokenTests {
    @Test("a signed token survives its text form and verifies with the hub's key")
    func roundTrip() throws {
        let token = try CertificateFixtures.token()
        #expect(token.text.hasPrefix("tscert1."))
        #expect(token.text.allSatisfy { $0.isASCII && !$0.isWhitespace })
        let parsed = try CertificateToken(text: "  " + token.text + "\n")
        #expect(parsed == token)
        #expect(parsed.payload.name == "张三")
        #expect(parsed.payload.idLast4 == "123X")
        #expect(parsed.payload.serial == "HB2019-130102-000001")
        let signer = try parsed.verify(
            against: [CertificateFixtures.otherKey.publicKey, CertificateFixtures.hubKey.publicKey])
        #expect(signer.rawRepresentation == CertificateFixtures.hubKey.publicKey.rawRepresentation)
        #expect(parsed.code == token.code)
    }

    /// How a token is altered, and the reason code the verifier must give.
    enum Tamper: String, CaseIterable, Sendable {
        case name, serial, date, keyID, signature, otherKey, wrongVerifierKey

        var expected: ReasonCode {
            switch self {
            case .name, .serial, .date, .signature: return .certificateBadSignature
            case .keyID, .otherKey, .wrongVerifierKey: return .certificateUnknownKey
            }
        }
    }

    @Test("an altered token is refused with the reason that says how", arguments: Tamper.allCases)
    func tampered(_ tamper: Tamper) throws {
        let good = try CertificateFixtures.token()
        let p = good.payload
        func replaced(
            serial: String? = nil, name: String? = nil, date: String? = nil, keyID: String? = nil
        )
            throws -> CertificateToken
        {
            let payload = try CertificatePayload(
                serial: serial ?? p.serial, year: p.year, countyCode: p.countyCode, name: name ?? p.name,
                idType: p.idType, idNumber: p.idLast4, issueDate: date ?? p.issueDate, keyID: keyID ?? p.keyID)
            return CertificateToken(payload: payload, signature: good.signature)
        }
        var keys = [CertificateFixtures.hubKey.publicKey]
        let altered: CertificateToken
        switch tamper {
        case .name: altered = try replaced(name: "李四")
        case .serial: altered = try replaced(serial: "HB2019-130102-000002")
        case .date: altered = try replaced(date: "2019-12-21")
        case .keyID: altered = try replaced(keyID: "00000000")
        case .signature:
            var signature = good.signature
            signature[10] ^= 1
            altered = CertificateToken(payload: p, signature: signature)
        case .otherKey:
            altered = try CertificateToken.sign(
                try CertificateFixtures.payload(key: CertificateFixtures.otherKey), with: CertificateFixtures.otherKey)
        case .wrongVerifierKey:
            altered = good
            keys = [CertificateFixtures.otherKey.publicKey]
        }
        // Through the text form, as a scanned QR code arrives.
        let scanned = try CertificateToken(text: altered.text)
        let error = #expect(throws: CertificateError.self) { try scanned.verify(against: keys) }
        #expect(error?.reason == tamper.expected, "\(String(describing: error))")
        let offline = CertificateVerification.offline(text: altered.text, keys: keys)
        #expect(offline.verdict == .tampered && offline.reason == tamper.expected)
        // The untouched token still verifies with the right key.
        #expect(
            CertificateVerification.offline(text: good.text, keys: [CertificateFixtures.hubKey.publicKey]).verdict
                == .genuine)
    }

    @Test(
        "text that is not a canonical token is malformed",
        arguments: [
            "", "tscert1", "tscert1..", "tscert2.AAAA.AAAA", "tscert1.!!!!.AAAA", "hello", "tscert1.AAAA.AAAA.AAAA",
        ])
    func malformed(_ text: String) {
        let error = #expect(throws: CertificateError.self) { try CertificateToken(text: text) }
        #expect(error?.reason == .certificateMalformed)
    }

    @Test("a payload with a lowercase last-4 is not canonical, so it does not parse")
    func nonCanonicalPayload() throws {
        let token = try CertificateFixtures.token()
        var lines = String(decoding: token.payload.canonicalBytes, as: UTF8.self).components(separatedBy: "\n")
        lines[6] = lines[6].lowercased()
        let encoded = Data(lines.joined(separator: "\n").utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let parts = token.text.split(separator: ".")
        let error = #expect(throws: CertificateError.self) {
            try CertificateToken(text: "tscert1.\(encoded).\(parts[2])")
        }
        #expect(error?.reason == .certificateMalformed)
    }

    @Test("a payload field out of form is refused, naming the field and not its value")
    func badFields() {
        let error = #expect(throws: CertificateError.self) {
            try CertificatePayload(
                serial: "HB2019-130102-000001", year: 2019, countyCode: "130102", name: "张\n三", idType: "1",
                idNumber: "1234", issueDate: "2019-12-20", keyID: "0a0b0c0d")
        }
        #expect(error?.reason == .certificateMalformed)
        #expect(error?.message.contains("name") == true && error?.message.contains("张") == false)
        #expect(throws: CertificateError.self) {
            try CertificatePayload(
                serial: "HB2019-130103-000001", year: 2019, countyCode: "130102", name: "张三", idType: "1",
                idNumber: "1234", issueDate: "2019-12-20", keyID: "0a0b0c0d")
        }
    }

    @Test("serials are HB{year}-{county}-{6 digits} and read back")
    func serials() {
        #expect(CertificatePayload.serial(year: 2019, county: "130102", sequence: 42) == "HB2019-130102-000042")
        #expect(CertificatePayload.sequence(ofSerial: "HB2019-130102-000042", year: 2019, county: "130102") == 42)
        #expect(CertificatePayload.sequence(ofSerial: "HB2019-130102-000042", year: 2018, county: "130102") == nil)
        #expect(CertificatePayload.sequence(ofSerial: "HB2019-130102-42", year: 2019, county: "130102") == nil)
    }
}
