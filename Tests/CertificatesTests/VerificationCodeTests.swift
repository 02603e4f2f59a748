import Certificates
import Testing

@Suite("Verification codes")
struct VerificationCodeTests {
    @Test("a signature's code is fixed: 60 bits of SHA-256 of the signature in Crockford base32")
    func stable() {
        // Computed independently: SHA-256(00 01 … 3f), first 60 bits, Crockford alphabet.
        let code = VerificationCode(signature: Array(0..<64))
        #expect(code.value == "ZQNBKB7KE41P")
        #expect(code.description == "ZQNB-KB7K-E41P")
    }

    @Test("the same token always has the same code, and another certificate another one")
    func derivedFromSignature() throws {
        let a = try CertificateFixtures.token(sequence: 1)
        let b = try CertificateFixtures.token(sequence: 2)
        #expect(a.code == VerificationCode(signature: a.signature))
        #expect(a.code != b.code)
    }

    @Test("typing is forgiving: case, separators, O for 0, I and L for 1")
    func reading() {
        #expect(VerificationCode(text: "zqnb kb7k-e41p")?.value == "ZQNBKB7KE41P")
        #expect(VerificationCode(text: "O0IL-0000-0000")?.value == "00110000" + "0000")
        #expect(VerificationCode(text: "ZQNB-KB7K-E41") == nil)
        #expect(VerificationCode(text: "ZQNB-KB7K-E41PX") == nil)
        #expect(VerificationCode(text: "ZQNB-KB7K-E41U") == nil)
    }
}
