import Foundation
public import SyncCore

/// Who this node is: its role, its county (for a county node) and its signing key.
public struct NodeIdentity: Sendable {
    public let role: Role
    /// The county a county node serves; `nil` for the hub.
    public let county: String?
    /// The node's own key.
    public let signer: SigningIdentity

    public init(role: Role, county: String?, signer: SigningIdentity) {
        self.role = role
        self.county = county
        self.signer = signer
    }

    /// The node's origin id.
    public var origin: OriginID { signer.origin }

    /// The scope this node's writes to a row of `county` go to: a county node writes its own county's
    /// stream; the hub writes a county's rows in its stream for that county and everything else in the
    /// province stream.
    public func streamScope(forRowCounty county: String?) -> Scope {
        switch role {
        case .county: return .county(self.county ?? "")
        case .hub, .provider: return county.map { .county($0) } ?? .province
        }
    }

    /// The registry entry this node would have.
    public var record: OriginRecord {
        OriginRecord(publicKey: signer.publicKey, role: role, county: county, status: .active)
    }
}

/// The key file: the 32-byte Ed25519 seed as base64 on one line, readable by the owner only (mode 0600).
public enum KeyFile {
    /// Writes a new key file; refuses to overwrite one.
    public static func create(at path: String, identity: SigningIdentity) throws(ReplicaError) {
        let text = Data(identity.seed).base64EncodedString() + "\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .badKeyFile("cannot create key file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let ok = text.utf8CString.withUnsafeBufferPointer { buf in
            write(fd, buf.baseAddress, buf.count - 1) == buf.count - 1
        }
        guard ok, fsync(fd) == 0 else { throw .badKeyFile("cannot write key file \(path)") }
        // The file's name is durable too before anything refers to it.
        let folder = open((path as NSString).deletingLastPathComponent, O_RDONLY)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }

    /// Reads a key file.
    public static func read(at path: String) throws(ReplicaError) -> SigningIdentity {
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8),
            let seed = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), seed.count == 32,
            let identity = try? SigningIdentity(seed: Array(seed))
        else { throw .badKeyFile("key file \(path) is missing or not a teachersync key") }
        return identity
    }

    /// The key a rotation switches to, `FILE.next`: made on first use, read again when a rotation that was
    /// interrupted is run again (so one rotation never makes two keys).
    public static func next(besides path: String) throws(ReplicaError) -> SigningIdentity {
        let nextPath = path + ".next"
        if FileManager.default.fileExists(atPath: nextPath) { return try read(at: nextPath) }
        let next = SigningIdentity.generate()
        try create(at: nextPath, identity: next)
        return next
    }

    /// Finishes a key rotation: `FILE.next` becomes `FILE`, and the key it replaces is kept as
    /// `FILE.retired-<origin>`. Idempotent, so a rotation interrupted at any point is finished by running it
    /// again.
    public static func finishRotation(at path: String, expectedOrigin: OriginID) throws(ReplicaError) {
        let next = path + ".next"
        guard FileManager.default.fileExists(atPath: next) else { return }
        guard try read(at: next).origin == expectedOrigin else {
            throw .badKeyFile("\(next) is not the key this replica was switched to")
        }
        if FileManager.default.fileExists(atPath: path) {
            // The old key is kept under a second name first (a hard link), then the new one replaces it in one
            // atomic rename: at every instant the key file is there, old or new.
            let old = try read(at: path)
            let retired = path + ".retired-" + old.origin.hex.prefix(16)
            if old.origin != expectedOrigin, link(path, retired) != 0, errno != EEXIST {
                throw .badKeyFile("cannot keep the retired key beside \(path): \(String(cString: strerror(errno)))")
            }
        }
        guard rename(next, path) == 0 else {
            throw .badKeyFile("cannot move \(next) to \(path): \(String(cString: strerror(errno)))")
        }
        let folder = open((path as NSString).deletingLastPathComponent, O_RDONLY)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }
}
