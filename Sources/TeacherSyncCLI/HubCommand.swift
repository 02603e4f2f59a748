import ArgumentParser
import Foundation
import Logging
import NIOSSL
import SQLiteReplica
import SyncServices
import SyncTransport

struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub", abstract: "Run the provincial hub.",
        subcommands: [HubRunCommand.self, HubMakeCertificateCommand.self])
}

struct HubRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve the sync protocol over HTTP until stopped (SIGTERM or SIGINT drain it gracefully).",
        discussion: """
            Settings come from --config (YAML, see Config/hub.example.yaml), then TEACHERSYNC_* environment \
            variables, then these options, which win; a bad setting exits 6 naming the key. Plain HTTP is \
            served only on a loopback address: set tls.certificate and tls.private_key for HTTPS (see \
            `hub make-certificate`), or put a TLS-terminating proxy (nginx) in front, or say with \
            allow_plain_http that the proxy is on another machine; docs/OPERATIONS.md shows both. Prints \
            `listening on http://HOST:PORT` (https:// with TLS) once it accepts connections (port 0 picks a free port).
            """)

    @Option(help: ArgumentHelp("The hub's data folder (overrides data_dir).", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("Address to listen on (overrides listen).", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("The configuration file (YAML).", valueName: "file"))
    var config: String?

    @Flag(help: "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy).")
    var allowPlainHttp = false

    func run() async throws {
        var overrides = [String: String]()
        if let data { overrides["data_dir"] = data }
        if let listen { overrides["listen"] = listen }
        if allowPlainHttp { overrides["allow_plain_http"] = "true" }
        let settings: HubConfiguration
        do {
            settings = try await HubConfiguration.load(file: config, overrides: overrides)
        } catch {
            throw CLIFailure.configuration("configuration: \(error)")
        }
        let replica = try replicaCall { () throws(ReplicaError) in
            try Replica.open(
                at: URL(fileURLWithPath: settings.dataDirectory, isDirectory: true), keyFile: settings.keyFile)
        }
        guard replica.identity.role == .hub else { throw CLIFailure.usage("hub run needs a hub's data folder") }
        // A hub key rotation interrupted before its registry change was sealed is finished first.
        try replicaCall { () throws(ReplicaError) in try replica.completeHubRotation() }
        guard let address = HubServer.Listen(settings.listen) else {
            throw CLIFailure.configuration("configuration: listen: must be HOST:PORT")
        }
        var tls: TLSConfiguration?
        if let certificate = settings.tlsCertificate, let key = settings.tlsPrivateKey {
            do {
                tls = try HubTLS.serverConfiguration(certificateFile: certificate, privateKeyFile: key)
            } catch {
                throw CLIFailure.configuration("configuration: tls: \(error)")
            }
        }
        guard address.isLoopback || settings.allowPlainHTTP || tls != nil else {
            throw CLIFailure.configuration(
                "configuration: listen: refusing plain HTTP on \(address): identity numbers and names must not cross "
                    + "a network in clear; listen on 127.0.0.1 behind a TLS proxy, or set allow_plain_http if the "
                    + "proxy is on another machine")
        }
        var logger = Logger(label: "teachersync.hub")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        let watchdog = SystemdWatchdogService(logger: logger)
        let server = HubServer(
            replica: replica, listen: address, tls: tls, staleAfterHours: settings.countiesStaleAfterHours,
            limits: settings.limits, logger: logger)
        let scheme = tls == nil ? "http" : "https"
        let host = address.host.contains(":") ? "[\(address.host)]" : address.host
        try await server.run(services: [watchdog]) { port in
            watchdog.ready("hub serving on \(address.host):\(port)")
            // Written straight to the descriptor so that scripts waiting for it see it at once.
            FileHandle.standardOutput.write(Data("listening on \(scheme)://\(host):\(port)\n".utf8))
        }
    }
}

struct HubMakeCertificateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-certificate",
        abstract: "Make a self-signed TLS certificate for the hub and print its fingerprint.",
        discussion: """
            Writes hub.crt and hub.key (readable by this user only) into --out-dir, by default <data>/tls, and \
            prints the certificate's SHA-256 fingerprint. Set tls.certificate and tls.private_key in the hub's \
            config to them; give every county hub.crt and, over a channel you trust (a phone call, the \
            enrollment letter), the fingerprint to pin as hub.tls_fingerprint. Refuses to overwrite existing \
            files unless --force: counties pinned the old certificate.
            """)

    @Option(help: ArgumentHelp("The hub's data folder; the files go into its tls/ folder.", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("Where to write hub.crt and hub.key instead.", valueName: "dir"))
    var outDir: String?

    @Option(
        name: .customLong("name"),
        help: ArgumentHelp(
            "A DNS name or IP address counties use to reach the hub (repeat for several; the first is the "
                + "certificate's common name).", valueName: "host"))
    var names: [String] = []

    @Option(help: ArgumentHelp("Validity in days (1 to 3650).", valueName: "days"))
    var days = 825

    @Flag(help: "Replace existing files.")
    var force = false

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("give at least one --name (the hub's DNS name or address)") }
        guard data != nil || outDir != nil else { throw ValidationError("give --data or --out-dir") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: outDir ?? (data! + "/tls"), isDirectory: true)
        let certificate = directory.appendingPathComponent("hub.crt")
        let key = directory.appendingPathComponent("hub.key")
        let fm = FileManager.default
        if !force {
            for file in [certificate, key] where fm.fileExists(atPath: file.path) {
                throw CLIFailure.refused("\(file.path) exists; counties may have pinned it (use --force to replace)")
            }
        }
        let material: HubTLS.Material
        do { material = try HubTLS.makeSelfSigned(names: names, days: days) } catch {
            throw CLIFailure.usage("\(error)")
        }
        do {
            try fm.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try writePrivate(material.privateKeyPEM, to: key)
            try writePrivate(material.certificatePEM, to: certificate, mode: 0o644)
        } catch {
            throw CLIFailure.io("cannot write into \(directory.path): \(error.localizedDescription)")
        }
        print("certificate: \(certificate.path)")
        print("private key: \(key.path)")
        print("fingerprint: \(material.fingerprint)")
    }

    /// Writes atomically with `mode` set before the contents land.
    private func writePrivate(_ text: String, to url: URL, mode: Int = 0o600) throws {
        let temporary = url.appendingPathExtension("tmp")
        try? FileManager.default.removeItem(at: temporary)
        guard
            FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: mode])
        else { throw CocoaError(.fileWriteNoPermission) }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}

struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Print the SHA-256 fingerprint of a TLS certificate (PEM), to compare with the pinned one.")

    @Argument(help: ArgumentHelp("The certificate file (PEM).", valueName: "file"))
    var certificate: String

    func run() throws {
        do { print(try HubTLS.fingerprint(ofPEMFile: certificate)) } catch {
            throw CLIFailure.verification("\(error)")
        }
    }
}
