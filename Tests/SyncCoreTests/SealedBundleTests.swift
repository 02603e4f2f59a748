import Crypto
import Foundation
import SyncCore
import SyncTestSupport
import Testing

@Suite struct SealedBundleTests {
    let county = KeyFixtures.identity(3)
    let other = KeyFixtures.identity(4)
    let plain = BundleFile.encode([Array("not really a set, but bytes to carry: 130102199001011234".utf8)])

    @Test func onlyTheRecipientOpensItAndThePlainBytesDoNotShow() throws {
        let sealed = try SealedBundle.seal(plain, to: county.encryptionKey.publicKey)
        #expect(SealedBundle.isSealed(sealed))
        #expect(!SealedBundle.isSealed(plain))
        #expect(try SealedBundle.open(sealed, with: county.encryptionKey) == plain)
        // Nothing of the content is visible in the file.
        let secret = Array("130102199001011234".utf8)
        #expect(!(0...(sealed.count - secret.count)).contains { Array(sealed[$0..<$0 + secret.count]) == secret })
        // Sealing twice gives different files (a fresh ephemeral key each time).
        #expect(try SealedBundle.seal(plain, to: county.encryptionKey.publicKey) != sealed)
        do {
            _ = try SealedBundle.open(sealed, with: other.encryptionKey)
            Issue.record("another node opened the bundle")
        } catch {
            #expect(error.reason == .wrongRecipient)
        }
    }

    @Test func anyAlteredByteIsRefusedWhole() throws {
        let sealed = try SealedBundle.seal(plain, to: county.encryptionKey.publicKey)
        for i in 0..<sealed.count {
            var bytes = sealed
            bytes[i] ^= 0x20
            do {
                _ = try SealedBundle.open(bytes, with: county.encryptionKey)
                Issue.record("byte \(i) altered: opened")
            } catch {
                #expect(
                    [.decryptionFailed, .wrongRecipient, .malformed, .unsupportedVersion].contains(error.reason),
                    "byte \(i): \(error)")
            }
        }
        #expect(throws: SyncError.self) {
            _ = try SealedBundle.open(Array(sealed.dropLast()), with: county.encryptionKey)
        }
    }

    @Test func theEncryptionKeyIsDerivedFromTheSigningKeyAndDiffersPerNode() {
        #expect(
            county.encryptionKey.publicKey.rawRepresentation
                == KeyFixtures.identity(3).encryptionKey.publicKey.rawRepresentation)
        #expect(county.encryptionKey.publicKey.rawRepresentation != other.encryptionKey.publicKey.rawRepresentation)
    }
}
