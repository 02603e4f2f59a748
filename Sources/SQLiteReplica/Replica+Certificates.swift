public import Certificates
import Crypto
import Foundation
import GRDB
public import SyncCore
import TrainingDomain

/// What issuing a county's or the province's certificates of a year did.
public struct CertificateIssueReport: Sendable, Hashable {
    /// Certificates issued now.
    public var issued = 0
    /// Qualified teachers who already had a certificate of the year (revoked ones included).
    public var alreadyIssued = 0
    /// Qualified assessments whose teacher the hub does not hold (the county's teacher row has not arrived, or
    /// was deleted): no certificate until it does.
    public var missingTeacher = 0
    /// Qualified teachers whose record cannot go on a certificate (a name longer than 64 characters, an
    /// identity number shorter than 4): fix the record and issue again.
    public var unfit = 0
    /// Change sets sealed.
    public var sealed = 0

    public init() {}
}

/// A certificate the hub revoked.
public struct CertificateRevocation: Sendable, Hashable {
    public let serial: String
    public let county: String
    public let year: Int
    /// The time stamp of the revocation (China time, RFC 3339).
    public let revokedAt: String
    /// The certificate was revoked before: nothing changed.
    public let alreadyRevoked: Bool
}

/// A certificate as a node holds it, ready to print or refused with the reason.
public struct HeldCertificate: Sendable, Hashable {
    public let serial: String
    /// The certificate, when its row, its teacher and its signature agree.
    public let printable: PrintedCertificate?
    /// Why it cannot be printed (a revoked certificate, a teacher row that is missing or changed since issue).
    public let problem: CertificateError?
}

extension Replica {
    /// The keys of the province this node trusts for certificates: every hub key of the registry that is active
    /// or was rotated out (certificates signed before a rotation stand); a revoked hub key signs nothing valid.
    static func certificateKeys(_ directory: ReplicaKeyDirectory) -> [Curve25519.Signing.PublicKey] {
        directory.hubKeys.filter { $0.status != .revoked }.map(\.publicKey)
    }

    /// At the hub: issues a certificate to every teacher whose live assessment of `year` is `qualified` and who has
    /// none yet, in one county or all, and seals the writes.
    ///
    /// Serials run per county and year (`HB2019-130102-000001`, …) and are never reused: the next is one past
    /// the highest the county's year ever had. Each certificate is signed with the hub's key over the payload of
    /// ``CertificatePayload``; its row carries the serial, the verification code, the key id and signature, and
    /// the time of issue.
    public func issueCertificates(year: Int, county: String? = nil) throws(ReplicaError) -> CertificateIssueReport {
        guard identity.role == .hub else { throw .wrongRole("certificates are issued at the hub") }
        let signer = identity.signer
        let keyID = CertificateKeys.id(of: signer.publicKey)
        let issuedAt = CertificateTime.stamp(millis: configuration.wallClock.nowMillis())
        var report = try run { db in
            var report = CertificateIssueReport()
            var filter = ""
            var arguments: StatementArguments = [year]
            if let county {
                filter = " AND a.county_code = ?"
                arguments += [county]
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.county_code, a.id_type, a.id_number, t.name,
                        EXISTS (SELECT 1 FROM certificates c WHERE c.county_code = a.county_code AND c.year = a.year
                            AND c.id_type = a.id_type AND c.id_number = a.id_number AND c._live = 1) AS issued
                    FROM assessments a
                    LEFT JOIN teachers t ON t.county_code = a.county_code AND t.id_type = a.id_type
                        AND t.id_number = a.id_number AND t._live = 1
                    WHERE a._live = 1 AND a.year = ? AND a.status = 'qualified'\(filter)
                    ORDER BY a.county_code, a.id_type, a.id_number
                    """, arguments: arguments)
            var next = [String: Int]()
            let codeTaken = try db.cachedStatement(sql: "SELECT 1 FROM certificates WHERE code = ?")
            var writes = [LocalWrite]()
            for row in rows {
                if row["issued"] as Bool {
                    report.alreadyIssued += 1
                    continue
                }
                let countyCode: String = row["county_code"]
                let idType: String = row["id_type"]
                let idNumber: String = row["id_number"]
                guard let name: String = row["name"] else {
                    report.missingTeacher += 1
                    continue
                }
                let sequence = try next[countyCode] ?? Self.nextSequence(db, year: year, county: countyCode)
                guard sequence <= 999_999 else {
                    throw ReplicaError.scope(
                        SyncError(.certificateMalformed, "county \(countyCode) has used every serial of \(year)"))
                }
                let token: CertificateToken
                do {
                    let payload = try CertificatePayload(
                        serial: CertificatePayload.serial(year: year, county: countyCode, sequence: sequence),
                        year: year, countyCode: countyCode, name: name, idType: idType, idNumber: idNumber,
                        issueDate: CertificateTime.date(ofStamp: issuedAt), keyID: keyID)
                    token = try CertificateToken.sign(payload, with: signer.privateKey)
                } catch {
                    report.unfit += 1
                    continue
                }
                // 60 bits make a repeat all but impossible; if one came, two certificates would share a code.
                if try Bool.fetchOne(codeTaken, arguments: [token.code.value]) == true {
                    throw ReplicaError.corruptStore("a new certificate's verification code is already in use")
                }
                next[countyCode] = sequence + 1
                writes.append(
                    LocalWrite(
                        kind: .upsert, table: TrainingTables.certificates.name,
                        key: [.text(countyCode), .integer(Int64(year)), .text(idType), .text(idNumber)],
                        fields: [
                            .init("serial", .text(token.payload.serial)), .init("code", .text(token.code.value)),
                            .init("signature", .text(Self.storedSignature(token))),
                            .init("issued_at", .text(issuedAt)), .init("revoked_at", .null),
                            .init("revoke_reason", .null),
                        ]))
                report.issued += 1
            }
            _ = try applyLocalWrites(db, writes)
            return report
        }
        report.sealed = try seal().count
        return report
    }

    /// The `signature` column: the signing key's id and the signature, `KEYID.SIGNATURE` (base64url).
    static func storedSignature(_ token: CertificateToken) -> String {
        "\(token.payload.keyID).\(token.signatureText)"
    }

    /// One past the highest sequence the county's year ever used (deleted rows included).
    private static func nextSequence(_ db: Database, year: Int, county: String) throws -> Int {
        let serials = try String.fetchAll(
            db, sql: "SELECT serial FROM certificates WHERE county_code = ? AND year = ?", arguments: [county, year])
        return (serials.compactMap { CertificatePayload.sequence(ofSerial: $0, year: year, county: county) }.max() ?? 0)
            + 1
    }

    /// At the hub: revokes a certificate by serial (a teacher later found not qualified), and seals the write.
    ///
    /// The reason travels to every node of the county and is shown by `certificates verify`: it must say why in
    /// general terms ("assessment corrected after audit") and hold no personal data. A reason with 6 or more
    /// digits in a row, or with the teacher's name, is refused.
    public func revokeCertificate(serial: String, reason: String) throws(ReplicaError) -> CertificateRevocation {
        guard identity.role == .hub else { throw .wrongRole("certificates are revoked at the hub") }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 200,
            !reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw .scope(
                SyncError(.certificateRevokeReason, "the reason must be one line of 1 to 200 characters"))
        }
        if reason.contains(/\d{6}/) {
            throw .scope(
                SyncError(
                    .certificateRevokeReason,
                    "the reason holds 6 or more digits in a row (an identity number?); it must hold no personal data"))
        }
        let now = CertificateTime.stamp(millis: configuration.wallClock.nowMillis())
        let revocation = try run { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT c.county_code, c.year, c.id_type, c.id_number, c.revoked_at, t.name
                        FROM certificates c LEFT JOIN teachers t ON t.county_code = c.county_code
                            AND t.id_type = c.id_type AND t.id_number = c.id_number AND t._live = 1
                        WHERE c.serial = ? AND c._live = 1
                        """, arguments: [serial])
            else {
                throw ReplicaError.scope(SyncError(.certificateUnknown, "no certificate has serial \(serial)"))
            }
            let county: String = row["county_code"]
            let year: Int = row["year"]
            if let revokedAt: String = row["revoked_at"] {
                return CertificateRevocation(
                    serial: serial, county: county, year: year, revokedAt: revokedAt, alreadyRevoked: true)
            }
            let idNumber: String = row["id_number"]
            if let name: String = row["name"], reason.contains(name) || reason.contains(idNumber) {
                throw ReplicaError.scope(
                    SyncError(
                        .certificateRevokeReason, "the reason names the teacher; it must hold no personal data"))
            }
            _ = try applyLocalWrites(
                db,
                [
                    LocalWrite(
                        kind: .upsert, table: TrainingTables.certificates.name,
                        key: [.text(county), .integer(Int64(year)), .text(row["id_type"]), .text(idNumber)],
                        fields: [.init("revoked_at", .text(now)), .init("revoke_reason", .text(reason))])
                ])
            return CertificateRevocation(
                serial: serial, county: county, year: year, revokedAt: now, alreadyRevoked: false)
        }
        if !revocation.alreadyRevoked { try seal() }
        return revocation
    }

    /// The certificates of a county's year this node holds, by serial, each ready to print or with the reason it
    /// cannot be: revoked, its teacher or assessment row missing, or the teacher's record changed since issue (the
    /// signature no longer matches; the province revokes such a certificate).
    public func certificates(county: String, year: Int) throws(ReplicaError) -> [HeldCertificate] {
        let countyName = UnitCatalog.hebei201904.unit(code: county)?.name ?? county
        return try runRead { db in
            let keys = Self.certificateKeys(try keyDirectory(db))
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.serial, c.id_type, c.id_number, c.signature, c.issued_at, c.revoked_at, t.name,
                        s.name AS school, a.total_hours
                    FROM certificates c
                    LEFT JOIN teachers t ON t.county_code = c.county_code AND t.id_type = c.id_type
                        AND t.id_number = c.id_number AND t._live = 1
                    LEFT JOIN schools s ON s.county_code = t.county_code AND s.school_code = t.school_code
                        AND s._live = 1
                    LEFT JOIN assessments a ON a.county_code = c.county_code AND a.year = c.year
                        AND a.id_type = c.id_type AND a.id_number = c.id_number AND a._live = 1
                    WHERE c.county_code = ? AND c.year = ? AND c._live = 1
                    ORDER BY c.serial
                    """, arguments: [county, year])
            return rows.map { row -> HeldCertificate in
                let serial: String = row["serial"]
                if row["revoked_at"] as String? != nil {
                    return HeldCertificate(
                        serial: serial, printable: nil, problem: .revoked("certificate \(serial) is revoked"))
                }
                guard let hours = row["total_hours"] as Int? else {
                    return HeldCertificate(
                        serial: serial, printable: nil,
                        problem: .mismatch("certificate \(serial): this node holds no assessment for it"))
                }
                switch Self.heldToken(row, county: county, year: year, keys: keys) {
                case .success(let token):
                    let printable = PrintedCertificate(
                        token: token, countyName: countyName, schoolName: row["school"], hoursTenths: hours)
                    return HeldCertificate(serial: serial, printable: printable, problem: nil)
                case .failure(let error):
                    return HeldCertificate(serial: serial, printable: nil, problem: error)
                }
            }
        }
    }

    /// ``token(_:county:year:keys:)`` as a value: a closure's `catch` does not keep the error's type.
    private static func heldToken(
        _ row: Row, county: String, year: Int, keys: [Curve25519.Signing.PublicKey]
    ) -> Result<CertificateToken, CertificateError> {
        do {
            return .success(try token(row, county: county, year: year, keys: keys))
        } catch {
            return .failure(error)
        }
    }

    /// A token as presented, parsed and its signature checked.
    private static func presentedToken(
        _ text: String, keys: [Curve25519.Signing.PublicKey]
    ) -> Result<CertificateToken, CertificateError> {
        do {
            let token = try CertificateToken(text: text)
            try token.verify(against: keys)
            return .success(token)
        } catch {
            return .failure(error)
        }
    }

    /// Rebuilds a held certificate's token from its row and its teacher's, and checks the signature.
    private static func token(
        _ row: Row, county: String, year: Int, keys: [Curve25519.Signing.PublicKey]
    ) throws(CertificateError) -> CertificateToken {
        let serial: String = row["serial"]
        guard let name: String = row["name"] else {
            throw .mismatch("certificate \(serial): this node holds no teacher record for it")
        }
        let stored: String = row["signature"]
        let parts = stored.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let signature = CertificateToken.signature(fromText: String(parts[1])) else {
            throw .malformed("certificate \(serial): the stored signature is not KEYID.SIGNATURE")
        }
        let payload = try CertificatePayload(
            serial: serial, year: year, countyCode: county, name: name, idType: row["id_type"],
            idNumber: row["id_number"], issueDate: CertificateTime.date(ofStamp: row["issued_at"]),
            keyID: String(parts[0]))
        let token = CertificateToken(payload: payload, signature: signature)
        do {
            try token.verify(against: keys)
        } catch {
            throw .mismatch(
                "certificate \(serial) no longer matches the teacher's record (changed since issue: \(error.reason))")
        }
        return token
    }

    /// Checks a certificate token or verification code against what this node holds (docs/CERTIFICATES.md).
    ///
    /// A token's signature is checked with the province's keys; a code is looked up. A certificate this node
    /// holds is then genuine or revoked; one of a county whose certificates this node does not hold is genuine
    /// by its signature with revocation unknown; one it should hold and does not is unknown.
    public func verifyCertificate(text: String) throws(ReplicaError) -> CertificateVerification {
        try runRead { db -> CertificateVerification in
            let keys = Self.certificateKeys(try keyDirectory(db))
            let columns =
                "c.county_code, c.year, c.serial, c.code, c.id_type, c.id_number, c.signature, "
                + "c.issued_at, c.revoked_at, c.revoke_reason, t.name"
            let from = """
                FROM certificates c LEFT JOIN teachers t ON t.county_code = c.county_code AND t.id_type = c.id_type
                    AND t.id_number = c.id_number AND t._live = 1
                """
            var presented: CertificateToken?
            let row: Row?
            if CertificateToken.looksLikeToken(text) {
                let token: CertificateToken
                switch Self.presentedToken(text, keys: keys) {
                case .success(let t): token = t
                case .failure(let error): return .rejected(error)
                }
                presented = token
                row = try Row.fetchOne(
                    db, sql: "SELECT \(columns) \(from) WHERE c.serial = ? AND c._live = 1",
                    arguments: [token.payload.serial])
                if row == nil {
                    let holds = identity.role == .hub || identity.county == token.payload.countyCode
                    guard holds else {
                        return CertificateVerification(
                            verdict: .genuine, reason: nil,
                            detail: "the province's key signed this certificate; this node does not hold county "
                                + "\(token.payload.countyCode)'s certificates, so revocation is not known here",
                            payload: token.payload, code: token.code, revocationChecked: false)
                    }
                    return .rejected(
                        .unknownCertificate(
                            "the signature is the province's, but this node holds no certificate \(token.payload.serial) "
                                + "(not synced yet?)"), verdict: .unknown)
                }
            } else {
                guard let code = VerificationCode(text: text) else {
                    return .rejected(.malformed("not a certificate token or a 12-character verification code"))
                }
                row = try Row.fetchOne(
                    db, sql: "SELECT \(columns) \(from) WHERE c.code = ? AND c._live = 1", arguments: [code.value])
                guard row != nil else {
                    let whose = identity.role == .hub ? "the province" : "county \(identity.county ?? "?")"
                    return .rejected(
                        .unknownCertificate("no certificate of \(whose) has code \(code) (a mistyped code?)"),
                        verdict: .unknown)
                }
            }
            guard let row else { return .rejected(.unknownCertificate("no such certificate"), verdict: .unknown) }
            let county: String = row["county_code"]
            let year: Int = row["year"]
            let held: CertificateToken
            switch Self.heldToken(row, county: county, year: year, keys: keys) {
            case .success(let t): held = t
            case .failure(let error): return .rejected(error)
            }
            if let presented, presented != held {
                return .rejected(
                    .mismatch("the token is signed but differs from certificate \(held.payload.serial) as held here"))
            }
            if let revokedAt: String = row["revoked_at"] {
                return CertificateVerification(
                    verdict: .revoked, reason: .certificateRevoked,
                    detail:
                        "certificate \(held.payload.serial) was revoked on \(CertificateTime.date(ofStamp: revokedAt))",
                    payload: held.payload, code: held.code, revocationChecked: true, revokedAt: revokedAt,
                    revokeReason: row["revoke_reason"])
            }
            return CertificateVerification(
                verdict: .genuine, reason: nil, detail: "issued by the province and not revoked",
                payload: held.payload, code: held.code, revocationChecked: true)
        }
    }
}

extension ReasonCode {
    /// A revocation reason that is empty, too long, or holds personal data.
    public static let certificateRevokeReason: ReasonCode = "certificate.revoke_reason"
}
