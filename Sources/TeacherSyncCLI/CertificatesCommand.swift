import ArgumentParser
import Certificates
import Foundation
import SQLiteReplica
import SyncCore
import TrainingDomain

struct CertificatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificates",
        abstract: "Issue, print, verify and revoke the annual certificates of qualification.",
        discussion: """
            The hub issues a certificate to every qualified teacher of a year and signs it; the certificates \
            reach each county with its other records. A county prints its batch as one HTML document (one \
            A4 page per certificate, with a QR code and a short verification code). Anyone can check a \
            certificate with the province's public key; whether it was revoked is known to the hub and to the \
            certificate's county. See docs/CERTIFICATES.md.
            """,
        subcommands: [
            CertificatesIssueCommand.self, CertificatesPrintCommand.self, CertificatesVerifyCommand.self,
            CertificatesRevokeCommand.self,
        ])
}

struct CertificatesIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue certificates to the year's qualified teachers (at the hub).",
        discussion: """
            Every teacher whose official assessment of the year is `qualified` and who has no certificate of \
            the year gets the next serial of the county (HB2019-130102-000001, ...), signed with the hub's key. \
            Running it again issues only what is new. The writes are sealed at once.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The training year.", valueName: "year"))
    var year: Int

    @Option(help: ArgumentHelp("Only this county (default: every county).", valueName: "code"))
    var county: String?

    func run() throws {
        let replica = try data.open()
        let report = try replicaCall { () throws(ReplicaError) in
            try replica.issueCertificates(year: year, county: county)
        }
        if report.missingTeacher > 0 {
            printError(
                "\(report.missingTeacher) qualified assessment(s) have no teacher record at the hub yet; "
                    + "they get a certificate once it arrives")
        }
        if report.unfit > 0 {
            printError(
                "\(report.unfit) teacher record(s) cannot go on a certificate (a name over 64 characters, or an "
                    + "identity number under 4); fix the record and issue again")
        }
        print(
            "issued \(report.issued) certificate(s) of \(year), \(report.alreadyIssued) already issued; "
                + "sealed \(report.sealed) change set(s)")
    }
}

struct CertificatesPrintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Write a county's certificates of a year as a print-ready HTML document.",
        discussion: """
            One certificate per A4 page, in serial order, with the teacher's name, school, hours, serial, \
            verification code and QR code. Open the file in a browser and print at 100% scale without margins, \
            or make a PDF with `chromium --headless --print-to-pdf=FILE.pdf FILE.html`. Chinese text needs a \
            CJK font (Debian: fonts-noto-cjk). Revoked certificates and certificates whose teacher record \
            changed since issue are left out and named on standard error by serial.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The county.", valueName: "code"))
    var county: String

    @Option(help: ArgumentHelp("The training year.", valueName: "year"))
    var year: Int

    @Option(help: ArgumentHelp("The HTML file to write.", valueName: "file"))
    var out: String

    func run() throws {
        let replica = try data.open()
        let held = try replicaCall { () throws(ReplicaError) in try replica.certificates(county: county, year: year) }
        var printable = [PrintedCertificate]()
        for c in held {
            if let p = c.printable {
                printable.append(p)
            } else if let problem = c.problem {
                printError("left out: \(problem)")
            }
        }
        guard !printable.isEmpty else {
            throw CLIFailure.refused(
                held.isEmpty
                    ? "this node holds no certificates of county \(county) for \(year) (issued at the hub? synced?); "
                        + "nothing written"
                    : "none of the \(held.count) certificate(s) of county \(county) for \(year) can be printed; "
                        + "nothing written")
        }
        let countyName = printable[0].countyName
        let html: String
        do {
            html = try CertificateDocument(
                certificates: printable, title: "\(countyName) \(year)年度教师培训合格证书"
            ).html()
        } catch {
            throw CLIFailure.refused("\(error)")
        }
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw CLIFailure.io("cannot write \(out): \(error.localizedDescription)")
        }
        print("wrote \(printable.count) page(s) to \(out) (\(held.count - printable.count) left out)")
    }
}

struct CertificatesVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a certificate's QR text or verification code, offline.",
        discussion: """
            With --data, the node's replica decides: a QR text or a code of a certificate it holds is genuine \
            or revoked (with the date and reason); a code it does not hold is unknown. The hub holds every \
            certificate, a county its own county's. With only --hub-key (the province's public key, base64), \
            a QR text's signature is checked but revocation cannot be known, and a short code cannot be \
            checked at all. Exits 0 for genuine and 4 otherwise, with one line naming why.
            """)

    @Argument(help: ArgumentHelp("The QR text (tscert1....) or the 12-character code.", valueName: "code"))
    var code: String

    @Option(help: ArgumentHelp("A node's data folder whose replica to check against.", valueName: "dir"))
    var data: String?

    @Option(
        help: ArgumentHelp("The province's public key (base64), when checking without a replica.", valueName: "key"))
    var hubKey: String?

    func run() throws {
        let verification: CertificateVerification
        if let data {
            let replica = try replicaCall { () throws(ReplicaError) in
                try Replica.open(at: URL(fileURLWithPath: data, isDirectory: true))
            }
            verification = try replicaCall { () throws(ReplicaError) in try replica.verifyCertificate(text: code) }
        } else if let hubKey {
            guard let key = Curve25519PublicKeyText.parse(hubKey) else {
                throw CLIFailure.usage("--hub-key is not a base64 Ed25519 public key (32 bytes)")
            }
            verification = CertificateVerification.offline(text: code, keys: [key])
        } else {
            throw CLIFailure.usage("give --data DIR (a node's replica) or --hub-key KEY (the province's public key)")
        }
        try Self.report(verification)
    }

    /// Prints a genuine certificate's holder on standard output, or fails with one line naming why.
    static func report(_ v: CertificateVerification) throws(CLIFailure) {
        switch v.verdict {
        case .genuine:
            guard let p = v.payload else { throw CLIFailure("genuine without a payload", exitStatus: 1) }
            print(
                "genuine: \(p.serial), \(p.name) (\(IdentityDocumentType(code: p.idType)?.name ?? p.idType) ending \(p.idLast4)), county "
                    + "\(p.countyCode), \(p.year), issued \(p.issueDate)")
            if !v.revocationChecked {
                print(
                    "revocation not checked: \(v.detail); check it with --data at the hub or at county "
                        + "\(p.countyCode)")
            }
        case .revoked:
            let reason = v.revokeReason.map { ": \($0)" } ?? ""
            throw CLIFailure.verification("revoked (\(v.reason?.rawValue ?? "")): \(v.detail)\(reason)")
        case .unknown, .tampered:
            throw CLIFailure.verification("\(v.verdict.rawValue) (\(v.reason?.rawValue ?? "")): \(v.detail)")
        }
    }
}

struct CertificatesRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a certificate (at the hub), e.g. of a teacher later found not qualified.",
        discussion: """
            The certificate then verifies as revoked at the hub and, once synced, at its county. The reason is \
            shown to whoever verifies the certificate: say why in general terms ("assessment corrected after \
            audit") and put NO personal data in it (no name, no identity number); a reason with the teacher's \
            name or 6 digits in a row is refused. Revoking a revoked certificate changes nothing.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("The certificate's serial, e.g. HB2019-130102-000001.", valueName: "serial"))
    var serial: String

    @Option(help: ArgumentHelp("Why, without personal data.", valueName: "text"))
    var reason: String

    func run() throws {
        let replica = try data.open()
        let r = try replicaCall { () throws(ReplicaError) in
            try replica.revokeCertificate(serial: serial, reason: reason)
        }
        print(
            r.alreadyRevoked
                ? "certificate \(r.serial) was already revoked (\(r.revokedAt)); nothing changed"
                : "revoked certificate \(r.serial) of county \(r.county), \(r.year), at \(r.revokedAt)")
    }
}
