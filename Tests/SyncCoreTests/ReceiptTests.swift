import Foundation
import SyncCore
import SyncTestSupport
import Testing

@Suite struct ReceiptTests {
    let hub = KeyFixtures.identity(1)
    let county = KeyFixtures.identity(2)

    func receipt(signer: SigningIdentity? = nil) -> Receipt {
        let id = [UInt8](repeating: 7, count: 32)
        let previous = IngestLog.fold(IngestLog.emptyHead, [[UInt8](repeating: 1, count: 32)])
        return Receipt.sign(
            stream: StreamID(origin: county.origin, scope: .county("130102")), sequence: 4, head: id, position: 2,
            previousLogHead: previous, logHead: IngestLog.next(previous, id), issuedAtMillis: 1_700_000_000_000,
            signer: signer ?? hub)
    }

    @Test func aReceiptVerifiesWithTheHubKeyOnlyAndSurvivesJSON() throws {
        let r = receipt()
        #expect(r.isValid(signedBy: hub.publicKey))
        #expect(!r.isValid(signedBy: county.publicKey))
        #expect(!receipt(signer: county).isValid(signedBy: hub.publicKey))
        let decoded = try JSONDecoder().decode(Receipt.self, from: try JSONEncoder().encode(r))
        #expect(decoded == r)
        #expect(decoded.isValid(signedBy: hub.publicKey))
    }

    @Test func changingAnyFieldBreaksTheReceipt() throws {
        let r = receipt()
        let other = [UInt8](repeating: 9, count: 32)
        let variants = [
            Receipt(
                hub: r.hub, stream: StreamID(origin: r.stream.origin, scope: .county("130104")), sequence: r.sequence,
                head: r.head, position: r.position, previousLogHead: r.previousLogHead, logHead: r.logHead,
                issuedAtMillis: r.issuedAtMillis, signature: r.signature),
            Receipt(
                hub: r.hub, stream: r.stream, sequence: r.sequence + 1, head: r.head, position: r.position,
                previousLogHead: r.previousLogHead, logHead: r.logHead, issuedAtMillis: r.issuedAtMillis,
                signature: r.signature),
            Receipt(
                hub: r.hub, stream: r.stream, sequence: r.sequence, head: other, position: r.position,
                previousLogHead: r.previousLogHead, logHead: IngestLog.next(r.previousLogHead, other),
                issuedAtMillis: r.issuedAtMillis, signature: r.signature),
            Receipt(
                hub: r.hub, stream: r.stream, sequence: r.sequence, head: r.head, position: r.position + 1,
                previousLogHead: r.previousLogHead, logHead: r.logHead, issuedAtMillis: r.issuedAtMillis,
                signature: r.signature),
            Receipt(
                hub: r.hub, stream: r.stream, sequence: r.sequence, head: r.head, position: r.position,
                previousLogHead: r.previousLogHead, logHead: other, issuedAtMillis: r.issuedAtMillis,
                signature: r.signature),
            Receipt(
                hub: r.hub, stream: r.stream, sequence: r.sequence, head: r.head, position: r.position,
                previousLogHead: r.previousLogHead, logHead: r.logHead, issuedAtMillis: r.issuedAtMillis + 1,
                signature: r.signature),
        ]
        for v in variants { #expect(!v.isValid(signedBy: hub.publicKey), "\(v)") }
    }

    @Test func theLogHeadIsSignedAndTheLogFoldsInOrder() throws {
        let a = [UInt8](repeating: 1, count: 32)
        let b = [UInt8](repeating: 2, count: 32)
        let ab = IngestLog.fold(IngestLog.emptyHead, [a, b])
        #expect(ab == IngestLog.next(IngestLog.next(IngestLog.emptyHead, a), b))
        #expect(ab != IngestLog.fold(IngestLog.emptyHead, [b, a]))
        let head = LogHead.sign(size: 2, head: ab, issuedAtMillis: 5, signer: hub)
        #expect(head.isSigned(by: hub.publicKey))
        #expect(!head.isSigned(by: county.publicKey))
        let shrunk = LogHead(hub: head.hub, size: 1, head: ab, issuedAtMillis: 5, signature: head.signature)
        #expect(!shrunk.isSigned(by: hub.publicKey))
        #expect(try JSONDecoder().decode(LogHead.self, from: try JSONEncoder().encode(head)) == head)
    }
}
