import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import Testing
import TrainingDomain

/// The key lifecycle between real replicas: enrolment under a county's root key, rotation with its point,
/// revocation, the registry's expiry and its rollback protection (docs/OPERATIONS.md, "Keys").
@Suite struct KeyLifecycleTests {
    /// A hub, county 130102 enrolled under a root key, and county 130104 enrolled without one (a node of an
    /// older release's enrolment), which receives everything relayed.
    final class Province {
        let dir = TemporaryDirectory(prefix: "keys-test")
        let clock = ManualWallClock()
        let config: ReplicaConfiguration
        let hub: Replica
        let root = SigningIdentity.generate()
        let witness: Replica
        var county: Replica

        init() throws {
            clock.set(1_700_000_000_000)
            config = ReplicaConfiguration(wallClock: clock)
            hub = try Replica.create(at: dir.path("hub"), role: .hub, county: nil, configuration: config)
            county = try Replica.create(
                at: dir.path("county"), role: .county, county: "130102",
                hubKey: hub.identity.signer.publicKeyBase64, configuration: config)
            witness = try Replica.create(
                at: dir.path("witness"), role: .county, county: "130104",
                hubKey: hub.identity.signer.publicKeyBase64, configuration: config)
            try hub.write([.registryEntry(witness.identity.record)])
            try hub.seal()
            let first = try authorize(county.identity.signer)
            let enrolment = try hub.enrol(first, registerRoot: true)
            #expect(enrolment.registeredRoot && enrolment.retired.isEmpty)
            try relay()
        }

        func authorize(
            _ key: SigningIdentity, replaces: OriginID? = nil, through: UInt64? = nil
        ) throws
            -> KeyAuthorization
        {
            clock.advance(by: 1000)
            return try KeyAuthorization.sign(
                county: "130102", nodeKey: key.publicKey, root: root, issuedAtMillis: clock.nowMillis(),
                replaces: replaces, replacedThrough: through)
        }

        /// The hub's sets to both counties.
        func relay() throws {
            let all = try hub.exportEnvelopes()
            _ = try county.receive(all)
            _ = try witness.receive(all)
        }

        func write(_ first: Int, _ count: Int) throws {
            try county.write((first..<first + count).map { ReplicaFixture.teacher($0) })
            try county.seal()
        }

        /// A set of one upsert (`name` = "X") signed by `signer`, as a key holder outside the protocol makes it.
        func oneUpsert(
            stream: StreamID, sequence: UInt64, previous: [UInt8], table: String, key: [Value],
            signer: SigningIdentity
        ) throws -> ChangeSet {
            clock.advance(by: 1)
            return try ChangeSet.seal(
                stream: stream, sequence: sequence, previous: previous,
                operations: [
                    RowOperation(
                        kind: .upsert, hlc: HybridTimestamp(physicalMillis: UInt64(clock.nowMillis()), logical: 1),
                        table: table, key: key, fields: [.init("name", .text("X"))])
                ], signer: signer)
        }

        func ownSets(of replica: Replica, origin: OriginID) throws -> [[UInt8]] {
            try decodeSets(replica.exportEnvelopes()).filter { $0.stream.origin == origin }.map(\.envelope)
        }
    }

    @Test(
        "a rotated key's sets up to the point its root signed stay valid everywhere, even arriving late; after it they are refused"
    )
    func rotationPoint() throws {
        let p = try Province()
        let oldOrigin = p.county.identity.origin
        try p.write(1, 2)
        try p.write(3, 2)
        let oldSets = try p.ownSets(of: p.county, origin: oldOrigin)
        #expect(oldSets.count == 2)
        // The hub has only the first set when the county rotates.
        #expect(try p.hub.receive([oldSets[0]]).applied == 1)
        p.clock.advance(by: 1000)
        let authorization = try Replica.rotateNodeKey(
            at: p.dir.path("county"), keyFile: nil, root: p.root, configuration: p.config)
        #expect(authorization.replaces == oldOrigin && authorization.replacedThrough == 2)
        p.county = try Replica.open(at: p.dir.path("county"), configuration: p.config)
        #expect(p.county.identity.origin == authorization.origin)
        #expect(try p.county.pendingAuthorization() == authorization)
        let retiredFiles = try FileManager.default.contentsOfDirectory(atPath: p.dir.path("county").path)
            .filter { $0.hasPrefix("node.key.retired-") }
        #expect(retiredFiles.count == 1)

        let enrolment = try p.hub.enrol(authorization, registerRoot: false)
        #expect(enrolment.retired.map(\.origin) == [oldOrigin])
        #expect(enrolment.retired.first?.validThrough == 2)
        // The second old set arrives after the rotation: it is before the point, so it is applied.
        #expect(try p.hub.receive([oldSets[1]]).applied == 1)
        // A set of the old key after the point (someone still holding it) is refused with its reason.
        let oldKey = try KeyFile.read(
            at: p.dir.path("county").appendingPathComponent(retiredFiles[0]).path)
        let stream = StreamID(origin: oldOrigin, scope: .county("130102"))
        let head = try p.hub.versionVector()[stream]
        let forged = try p.oneUpsert(
            stream: stream, sequence: 3, previous: head.head, table: "teachers",
            key: [.text("130102"), .text("1"), .text("ID99")], signer: oldKey)
        let refused = try p.hub.receive([forged.envelope])
        #expect(refused.applied == 0)
        #expect(refused.rejected.map(\.reason) == [.rotatedOrigin])

        // The new key writes on; every replica ends with the same county data.
        try p.write(5, 3)
        let newSets = try p.ownSets(of: p.county, origin: authorization.origin)
        #expect(try p.hub.receive(newSets).applied == 1)
        try p.relay()
        #expect(try p.witness.receive([forged.envelope]).rejected.map(\.reason) == [.rotatedOrigin])
        let digest = try p.hub.digest(county: "130102")
        #expect(try p.county.digest(county: "130102") == digest)
        #expect(try p.witness.digest(county: "130102") == digest)
        #expect(try p.hub.digest(county: nil) == p.witness.digest(county: nil))
        #expect(try p.hub.verifyStoredSets().failures.isEmpty)
        #expect(try p.witness.verifyStoredSets().failures.isEmpty)
        let entries = try p.witness.registryEntries()
        let old = try #require(entries.first { $0.origin == oldOrigin.hex })
        #expect(old.status == "rotated" && old.validThrough == 2 && old.successor == authorization.origin.hex)
        #expect(entries.first { $0.origin == authorization.origin.hex }?.trusted == true)
    }

    @Test("replayed, older, foreign-root, unknown-root and tampered authorizations are refused with their reasons")
    func authorizationsThatAreRefused() throws {
        let p = try Province()
        let older = try p.authorize(SigningIdentity.generate())
        let newer = try p.authorize(SigningIdentity.generate())
        #expect(try p.hub.enrol(newer, registerRoot: false).retired.count == 1)
        #expect(try p.hub.enrol(newer, registerRoot: false).alreadyEnrolled)
        func reason(_ body: () throws -> Void) -> ReasonCode? {
            do {
                try body()
                return nil
            } catch let e as ReplicaError {
                return e.reason
            } catch let e as SyncError {
                return e.reason
            } catch {
                return nil
            }
        }
        #expect(reason { _ = try p.hub.enrol(older, registerRoot: false) } == .staleAuthorization)
        let foreign = try KeyAuthorization.sign(
            county: "130102", nodeKey: SigningIdentity.generate().publicKey, root: SigningIdentity.generate(),
            issuedAtMillis: p.clock.nowMillis() + 5000)
        #expect(reason { _ = try p.hub.enrol(foreign, registerRoot: true) } == .wrongRoot)
        let elsewhere = try KeyAuthorization.sign(
            county: "130105", nodeKey: SigningIdentity.generate().publicKey, root: SigningIdentity.generate(),
            issuedAtMillis: p.clock.nowMillis())
        #expect(reason { _ = try p.hub.enrol(elsewhere, registerRoot: false) } == .unknownRoot)
        var text = Array(newer.text)
        text[20] = text[20] == "A" ? "B" : "A"
        #expect(reason { _ = try KeyAuthorization(text: String(text)) } == .badAuthorization)
        #expect(reason { _ = try KeyAuthorization(text: "tsauth1.e30=.AAAA") } == .badAuthorization)
        // A retired key cannot be brought back, even by a newer authorization.
        let again = try KeyAuthorization.sign(
            county: "130102", nodeKey: newer.nodeKey, root: p.root, issuedAtMillis: p.clock.nowMillis() + 60_000)
        _ = try p.hub.enrol(try p.authorize(SigningIdentity.generate()), registerRoot: false)
        #expect(reason { _ = try p.hub.enrol(again, registerRoot: false) } == .staleAuthorization)
    }

    @Test("a county key the registry lists without its root's authorization is not trusted anywhere")
    func keyWithoutAuthorization() throws {
        let p = try Province()
        let intruder = SigningIdentity.generate()
        // Written straight into the registry, as a compromised hub process could; `enroll` refuses this.
        try p.hub.write([
            .registryEntry(
                OriginRecord(publicKey: intruder.publicKey, role: .county, county: "130102", status: .active))
        ])
        try p.hub.seal()
        try p.relay()
        let set = try p.oneUpsert(
            stream: StreamID(origin: intruder.origin, scope: .county("130102")), sequence: 1,
            previous: ChangeSet.genesis, table: "teachers", key: [.text("130102"), .text("1"), .text("ID7")],
            signer: intruder)
        #expect(try p.hub.receive([set.envelope]).rejected.map(\.reason) == [.unknownOrigin])
        #expect(try p.witness.receive([set.envelope]).rejected.map(\.reason) == [.unknownOrigin])
        #expect(try p.witness.registryEntries().first { $0.origin == intruder.origin.hex }?.trusted == false)
    }

    @Test(
        "registry rows a compromised hub process could write count for nothing: a retired key no root named, a swapped root, a retired key made active again"
    )
    func registryRowsWithoutTheRootsWord() throws {
        let p = try Province()
        let oldOrigin = p.county.identity.origin
        let oldKey = try KeyFile.read(at: p.dir.path("county").appendingPathComponent("node.key").path)
        try p.write(1, 1)
        #expect(try p.hub.receive(try p.ownSets(of: p.county, origin: oldOrigin)).applied == 1)
        p.clock.advance(by: 1000)
        let authorization = try Replica.rotateNodeKey(
            at: p.dir.path("county"), keyFile: nil, root: p.root, configuration: p.config)
        _ = try p.hub.enrol(authorization, registerRoot: false)
        try p.relay()

        // 1. A "retired" key with a generous point that no root ever authorized or named.
        let intruder = SigningIdentity.generate()
        try p.hub.write([
            .registryEntry(
                OriginRecord(
                    publicKey: intruder.publicKey, role: .county, county: "130102", status: .rotated)),
            LocalWrite(
                kind: .upsert, table: "key_terms", key: [.text(intruder.origin.hex)],
                fields: [.init("valid_through", .integer(1_000_000))]),
        ])
        try p.hub.seal()
        try p.relay()
        let forged = try p.oneUpsert(
            stream: StreamID(origin: intruder.origin, scope: .county("130102")), sequence: 1,
            previous: ChangeSet.genesis, table: "teachers", key: [.text("130102"), .text("1"), .text("ID70")],
            signer: intruder)
        #expect(try p.witness.receive([forged.envelope]).rejected.map(\.reason) == [.unknownOrigin])

        // 2. The retired key made active again (its old authorization still verifies, but a newer one exists).
        try p.hub.write([
            .registryEntry(OriginRecord(publicKey: oldKey.publicKey, role: .county, county: "130102", status: .active))
        ])
        try p.hub.seal()
        try p.relay()
        let stream = StreamID(origin: oldOrigin, scope: .county("130102"))
        let head = try p.witness.versionVector()[stream]
        let revived = try p.oneUpsert(
            stream: stream, sequence: head.sequence + 1, previous: head.head, table: "teachers",
            key: [.text("130102"), .text("1"), .text("ID71")], signer: oldKey)
        #expect(try p.witness.receive([revived.envelope]).rejected.map(\.reason) == [.unknownOrigin])

        // 3. The county's root swapped for another: refused wherever the change arrives.
        try p.hub.write([
            LocalWrite(
                kind: .upsert, table: "key_roots", key: [.text("130102")],
                fields: [.init("root_key", .text(SigningIdentity.generate().publicKeyBase64))])
        ])
        try p.hub.seal()
        let swapped = try p.witness.receive(try p.hub.exportEnvelopes())
        #expect(swapped.rejected.map(\.reason) == [.wrongRoot])
        #expect(try p.witness.registryEntries().first { $0.origin == authorization.origin.hex }?.trusted == true)
    }

    @Test("a second rotation before the first reached the hub is refused, so no set is orphaned")
    func rotationWaitsForTheHub() throws {
        let p = try Province()
        p.clock.advance(by: 1000)
        _ = try Replica.rotateNodeKey(at: p.dir.path("county"), keyFile: nil, root: p.root, configuration: p.config)
        p.clock.advance(by: 1000)
        #expect(throws: ReplicaError.self) {
            _ = try Replica.rotateNodeKey(
                at: p.dir.path("county"), keyFile: nil, root: p.root, configuration: p.config)
        }
    }

    @Test("a revoked key keeps the sets the hub held at revocation; later ones are refused; the reason is kept")
    func revocation() throws {
        let p = try Province()
        let origin = p.county.identity.origin
        try p.write(1, 2)
        let first = try p.ownSets(of: p.county, origin: origin)
        #expect(try p.hub.receive(first).applied == 1)
        p.clock.advance(by: 60_000)
        let revoked = try p.hub.revoke(origin, reason: "server stolen")
        #expect(revoked.status == .revoked && revoked.validThrough == 1)
        try p.write(3, 1)
        let second = try p.ownSets(of: p.county, origin: origin).filter { !first.contains($0) }
        #expect(try p.hub.receive(second).rejected.map(\.reason) == [.revokedOrigin])
        try p.relay()
        #expect(try p.witness.digest(county: "130102") == p.hub.digest(county: "130102"))
        let entry = try #require(try p.witness.registryEntries().first { $0.origin == origin.hex })
        #expect(entry.status == "revoked" && entry.endReason == "revoked: server stolen")
        #expect(entry.endedAtMillis == p.clock.nowMillis())
        #expect(throws: ReplicaError.self) { try p.hub.revoke(origin, reason: "two\nlines") }
    }

    @Test("the registry expires when the hub has not re-issued it, and an older registry is refused")
    func registryExpiryAndRollback() throws {
        let p = try Province()
        let held = try #require(try p.witness.registryState())
        #expect(!held.expired)
        p.clock.advance(by: 31 * 86_400_000)
        #expect(try p.witness.registryState()?.expired == true)
        #expect(try p.witness.status().registry?.expired == true)
        #expect(try p.hub.refreshRegistryIfDue())
        #expect(try !p.hub.refreshRegistryIfDue())
        try p.relay()
        let fresh = try #require(try p.witness.registryState())
        #expect(!fresh.expired && fresh.version == held.version + 1)
        // A hub restored from an old backup, or a replay, re-issuing an older registry version.
        try p.hub.write([
            LocalWrite(
                kind: .upsert, table: "registry", key: [.text("registry")],
                fields: [
                    .init("version", .integer(1)), .init("expires_at", .integer(p.clock.nowMillis() + 86_400_000)),
                ])
        ])
        try p.hub.seal()
        let report = try p.witness.receive(try p.hub.exportEnvelopes())
        #expect(report.rejected.map(\.reason) == [.registryRollback])
        #expect(try p.witness.registryState()?.version == fresh.version)
    }

    @Test(
        "the hub's key, authorized by the hub root, rotates: counties that pin the root follow, old sets and receipts stay valid"
    )
    func hubKeyRotation() throws {
        let p = try Province()
        let hubRoot = SigningIdentity.generate()
        p.clock.advance(by: 1000)
        let hubAuthorization = try KeyAuthorization.sign(
            county: "province", nodeKey: p.hub.identity.signer.publicKey, root: hubRoot,
            issuedAtMillis: p.clock.nowMillis())
        #expect(try p.hub.enrol(hubAuthorization, registerRoot: true).registeredRoot)
        try p.county.pinHubRoot(hubRoot.publicKeyBase64)
        // The county delivers a set and keeps the old hub key's receipt for it.
        try p.write(1, 2)
        #expect(try p.hub.receive(try p.ownSets(of: p.county, origin: p.county.identity.origin)).applied == 1)
        #expect(try p.county.keepReceipts(try p.hub.receipts(for: [p.county.ownCountyStream])).isEmpty)
        try p.hub.write([ReplicaFixture.teacher(50)])
        try p.hub.seal()
        try p.relay()
        let oldHub = p.hub.identity.origin
        let province = StreamID(origin: oldHub, scope: .province)
        let point = try p.hub.versionVector()[province]

        p.clock.advance(by: 1000)
        let rotation = try Replica.rotateHubKey(
            at: p.dir.path("hub"), keyFile: nil, root: hubRoot, configuration: p.config)
        let hub = try Replica.open(at: p.dir.path("hub"), configuration: p.config)
        #expect(hub.identity.origin == rotation.origin && rotation.replaces == oldHub)
        try hub.write([ReplicaFixture.teacher(51), ReplicaFixture.teacher(52)])
        try hub.seal()
        try p.county.write([ReplicaFixture.teacher(3)])
        try p.county.seal()
        #expect(try hub.receive(try p.ownSets(of: p.county, origin: p.county.identity.origin)).applied == 1)

        // The county that pins the hub root takes the new key from its own first set.
        let all = try hub.exportEnvelopes()
        let received = try p.county.receive(all)
        #expect(received.rejected.isEmpty, "\(received.rejected)")
        #expect(try p.county.digest(county: "130102") == hub.digest(county: "130102"))
        #expect(try p.county.keepReceipts(try hub.receipts(for: [p.county.ownCountyStream])).isEmpty)
        #expect(try p.county.checkReceipts().allSatisfy { $0.problems.isEmpty && $0.deliveredSequence == 2 })
        #expect(try p.county.receiptKey()?.rawRepresentation == hub.identity.signer.publicKey.rawRepresentation)
        // The witness pinned only the old hub key: it cannot follow until it pins the root.
        let blind = try p.witness.receive(all)
        #expect(blind.rejected.contains { $0.reason == .unknownOrigin })
        try p.witness.pinHubRoot(hubRoot.publicKeyBase64)
        _ = try p.witness.retryQuarantined()
        #expect(try p.witness.digest(county: "130102") == hub.digest(county: "130102"))

        // The old hub key, still on some disk, cannot write after its point.
        let retired = try #require(
            try FileManager.default.contentsOfDirectory(atPath: p.dir.path("hub").path).first {
                $0.hasPrefix("node.key.retired-")
            })
        let oldKey = try KeyFile.read(at: p.dir.path("hub").appendingPathComponent(retired).path)
        let forged = try p.oneUpsert(
            stream: province, sequence: point.sequence + 1, previous: point.head, table: "units",
            key: [.text("130102")], signer: oldKey)
        #expect(try p.county.receive([forged.envelope]).rejected.map(\.reason) == [.rotatedOrigin])
        #expect(try hub.verifyStoredSets().failures.isEmpty)
        #expect(try p.county.verifyStoredSets().failures.isEmpty)
        #expect(try p.witness.verifyStoredSets().failures.isEmpty)

        // A county that joins late gets the new key's sets before the old key's: the old registry versions
        // lose the merge and are no rollback; it ends where everyone else is.
        let late = try Replica.create(
            at: p.dir.path("late"), role: .county, county: "130102", hubKey: p.hub.identity.signer.publicKeyBase64,
            configuration: p.config)
        try late.pinHubRoot(hubRoot.publicKeyBase64)
        let sets = try hub.exportEnvelopes().map { try ChangeSet.decode(envelope: $0) }
        let newFirst =
            sets.filter { $0.stream.origin == rotation.origin } + sets.filter { $0.stream.origin != rotation.origin }
        for set in newFirst { _ = try late.receive([set.envelope]) }
        _ = try late.retryQuarantined()
        #expect(try late.digest(county: nil) == p.county.digest(county: nil))
        #expect(try late.registryState()?.version == p.county.registryState()?.version)
    }

    @Test("a rotation interrupted after the switch is recorded is finished when the replica opens")
    func interruptedRotation() throws {
        let p = try Province()
        let folder = p.dir.path("county")
        let stale = p.county
        try p.write(1, 1)
        let authorization = try Replica.rotateNodeKey(at: folder, keyFile: nil, root: p.root, configuration: p.config)
        // Put the files back as they were before the renames: the crash came right after the commit.
        let key = folder.appendingPathComponent("node.key").path
        let retired = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).first {
                $0.hasPrefix("node.key.retired-")
            })
        try FileManager.default.moveItem(atPath: key, toPath: key + ".next")
        try FileManager.default.moveItem(atPath: folder.appendingPathComponent(retired).path, toPath: key)
        let reopened = try Replica.open(at: folder, configuration: p.config)
        #expect(reopened.identity.origin == authorization.origin)
        #expect(try KeyFile.read(at: key).origin == authorization.origin)
        // A process still holding the old key writes but cannot seal with it; the new key seals its writes.
        try stale.write([ReplicaFixture.teacher(9)])
        #expect(throws: ReplicaError.self) { try stale.seal() }
        let sealed = try reopened.seal()
        #expect(sealed.map(\.stream.origin) == [authorization.origin])
    }
}

private func decodeSets(_ envelopes: [[UInt8]]) throws -> [ChangeSet] {
    try envelopes.map { try ChangeSet.decode(envelope: $0) }
}

extension Replica {
    fileprivate var ownCountyStream: StreamID {
        StreamID(origin: identity.origin, scope: .county(identity.county ?? ""))
    }
}
