import ArgumentParser
import Foundation
import SQLiteReplica
import SyncCore

struct IdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id", abstract: "Print this node's origin id, role, county, public key and bundle-encryption key.")

    @OptionGroup var data: DataOptions

    @Flag(help: "Print a JSON object with keys origin, role, county, public_key, encryption_key.")
    var json = false

    func run() throws {
        let identity = try data.open().identity
        let encryptionKey = identity.signer.encryptionKey.publicKey.rawRepresentation.base64EncodedString()
        if json {
            struct Out: Encodable {
                let origin: String
                let role: String
                let county: String?
                let public_key: String
                let encryption_key: String
                func encode(to encoder: any Encoder) throws {
                    var c = encoder.container(keyedBy: CodingKeys.self)
                    try c.encode(origin, forKey: .origin)
                    try c.encode(role, forKey: .role)
                    try c.encode(county, forKey: .county)
                    try c.encode(public_key, forKey: .public_key)
                    try c.encode(encryption_key, forKey: .encryption_key)
                }
                enum CodingKeys: String, CodingKey { case origin, role, county, public_key, encryption_key }
            }
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            let out = Out(
                origin: identity.origin.hex, role: identity.role.rawValue, county: identity.county,
                public_key: identity.signer.publicKeyBase64, encryption_key: encryptionKey)
            print(String(decoding: try enc.encode(out), as: UTF8.self))
        } else {
            print("origin: \(identity.origin.hex)")
            print("role: \(identity.role.rawValue)")
            print("county: \(identity.county ?? "-")")
            print("public_key: \(identity.signer.publicKeyBase64)")
            print("encryption_key: \(encryptionKey)")
        }
    }
}
