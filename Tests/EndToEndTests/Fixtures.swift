import Foundation
import SyncTestSupport
import Testing

/// One test's private folder: every node and file of the test lives under it, and it is removed when the
/// test's last reference goes away. Nodes hold their sandbox, so it outlives every node in use.
final class Sandbox: Sendable {
    let directory = TemporaryDirectory(prefix: "teachersync-e2e")

    /// A path inside the sandbox.
    func path(_ name: String) -> String { directory.path(name).path }

    /// Writes `text` (UTF-8) to a file in the sandbox and returns its path.
    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let url = directory.path(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Writes bytes to a file in the sandbox and returns its path.
    @discardableResult
    func write(bytes: [UInt8], to name: String) throws -> String {
        let url = directory.path(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Reads a file's bytes.
    func bytes(atPath path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Writes the DemoData CSVs to `<prefix>-schools.csv`, `<prefix>-teachers.csv`, `<prefix>-study-records.csv`.
    func writeDemo(_ demo: DemoData, prefix: String) throws -> DemoFiles {
        DemoFiles(
            schools: try write(demo.schoolsCSV(), to: "\(prefix)-schools.csv"),
            teachers: try write(demo.teachersCSV(), to: "\(prefix)-teachers.csv"),
            studyRecords: try write(demo.studyRecordsCSV(), to: "\(prefix)-study-records.csv"))
    }
}

struct DemoFiles: Sendable {
    let schools: String
    let teachers: String
    let studyRecords: String
}

/// What `id --json` prints.
struct NodeID: Decodable, Sendable {
    let origin: String
    let role: String
    let county: String?
    let public_key: String
}

/// What `status --json` prints (the parts the tests read).
struct NodeStatus: Decodable, Sendable, Equatable {
    struct Stream: Decodable, Sendable, Equatable {
        let origin: String
        let scope: String
        let sequence: Int
        let head: String
        let own: Bool
    }

    let role: String
    let origin: String
    let hubKey: String?
    let storedSets: Int
    let pendingOperations: Int
    let quarantined: [String: Int]
    let conflicts: Int
    let streams: [Stream]

    var quarantinedTotal: Int { quarantined.values.reduce(0, +) }
}

/// The summary line of `bundle import`: `applied A, already present P, rejected R (O operations applied)`.
struct BundleImportSummary: Sendable, Equatable {
    let applied: Int
    let alreadyPresent: Int
    let rejected: Int

    init?(_ result: CLIResult) {
        guard let m = result.stdout.firstMatch(of: /applied (\d+), already present (\d+), rejected (\d+)/),
            let a = Int(m.1), let p = Int(m.2), let r = Int(m.3)
        else { return nil }
        (applied, alreadyPresent, rejected) = (a, p, r)
    }

    init(applied: Int, alreadyPresent: Int, rejected: Int) {
        (self.applied, self.alreadyPresent, self.rejected) = (applied, alreadyPresent, rejected)
    }
}

/// The summary of `import`: `<file>: W written, U unchanged[, S skipped]; sealed N change set(s)`.
struct CSVImportSummary: Sendable, Equatable {
    let written: Int
    let unchanged: Int
    let skipped: Int?
    let sealed: Int

    init?(_ result: CLIResult) {
        guard
            let m = result.stdout.firstMatch(
                of: /(\d+) written, (\d+) unchanged(?:, (\d+) skipped)?; sealed (\d+) change set/),
            let w = Int(m.1), let u = Int(m.2), let s = Int(m.4)
        else { return nil }
        (written, unchanged, sealed) = (w, u, s)
        skipped = m.3.flatMap { Int($0) }
    }
}

/// One node: a data folder in a sandbox, driven through the CLI.
struct Node: Sendable {
    let sandbox: Sandbox
    let path: String

    /// Runs `teachersync <arguments> --data <folder>`.
    func run(_ arguments: [String]) async throws -> CLIResult {
        try await teachersync(arguments + ["--data", path])
    }

    /// Runs a command that must succeed; the test stops here if it does not.
    @discardableResult
    func ok(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> CLIResult {
        let r = try await run(arguments)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return r
    }

    static func hub(
        in sandbox: Sandbox, name: String = "hub", sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws -> Node
    {
        let node = Node(sandbox: sandbox, path: sandbox.path(name))
        try await node.ok(["init", "--role", "hub"], sourceLocation: sourceLocation)
        return node
    }

    static func county(
        _ county: String, in sandbox: Sandbox, name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Node {
        let node = Node(sandbox: sandbox, path: sandbox.path(name))
        try await node.ok(["init", "--role", "county", "--county", county], sourceLocation: sourceLocation)
        return node
    }

    func id(sourceLocation: SourceLocation = #_sourceLocation) async throws -> NodeID {
        let r = try await ok(["id", "--json"], sourceLocation: sourceLocation)
        return try JSONDecoder().decode(NodeID.self, from: Data(r.stdout.utf8))
    }

    /// `digest`, checked to be one line of 64 lowercase hex digits.
    func digest(county: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let r = try await ok(["digest"] + (county.map { ["--county", $0] } ?? []), sourceLocation: sourceLocation)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(
            lines.count == 2 && lines[1].isEmpty, "digest is not one line: \(r)", sourceLocation: sourceLocation)
        let digest = String(lines[0])
        try #require(
            digest.wholeMatch(of: /[0-9a-f]{64}/) != nil, "not 64 hex digits: \(r)", sourceLocation: sourceLocation)
        return digest
    }

    func status(sourceLocation: SourceLocation = #_sourceLocation) async throws -> NodeStatus {
        let r = try await ok(["status", "--json"], sourceLocation: sourceLocation)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(NodeStatus.self, from: Data(r.stdout.utf8))
    }

    /// `import <kind> <file>`; the caller checks the outcome.
    func importCSV(_ kind: String, _ file: String, skipInvalid: Bool = false) async throws -> CLIResult {
        try await run(["import", kind, file] + (skipInvalid ? ["--skip-invalid"] : []))
    }

    /// Imports schools, teachers and study records, each of which must succeed.
    func importAll(_ files: DemoFiles, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await ok(["import", "schools", files.schools], sourceLocation: sourceLocation)
        try await ok(["import", "teachers", files.teachers], sourceLocation: sourceLocation)
        try await ok(["import", "study-records", files.studyRecords], sourceLocation: sourceLocation)
    }

    /// `bundle export`, which must succeed; returns the file's path and the number of sets it reports.
    func exportBundle(
        _ name: String, county: String? = nil, since: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (path: String, sets: Int) {
        let file = sandbox.path(name)
        var args = ["bundle", "export", "--out", file]
        if let county { args += ["--county", county] }
        if let since { args += ["--since", since] }
        let r = try await ok(args, sourceLocation: sourceLocation)
        let m = try #require(r.stdout.firstMatch(of: /exported (\d+) sets/), "\(r)", sourceLocation: sourceLocation)
        #expect(FileManager.default.fileExists(atPath: file), "\(r)", sourceLocation: sourceLocation)
        return (file, Int(m.1)!)
    }

    /// `bundle import`; the caller checks the outcome.
    func importBundle(_ file: String) async throws -> CLIResult {
        try await run(["bundle", "import", file])
    }

    /// What a user compares before and after an operation that must change nothing.
    func snapshot(county: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Snapshot {
        let s = try await status(sourceLocation: sourceLocation)
        return Snapshot(
            digest: try await digest(county: county, sourceLocation: sourceLocation), storedSets: s.storedSets,
            pendingOperations: s.pendingOperations, streams: s.streams)
    }
}

struct Snapshot: Sendable, Equatable {
    let digest: String
    let storedSets: Int
    let pendingOperations: Int
    let streams: [NodeStatus.Stream]
}

/// A hub and one county node: the county's key enrolled at the hub, the hub's key pinned at the county.
struct Federation: Sendable {
    let sandbox: Sandbox
    let hub: Node
    let county: Node
    let code: String

    static func make(
        county code: String = "130102", in sandbox: Sandbox, sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws -> Federation
    {
        let hub = try await Node.hub(in: sandbox, sourceLocation: sourceLocation)
        let county = try await Node.county(code, in: sandbox, name: "county-\(code)", sourceLocation: sourceLocation)
        let hubID = try await hub.id(sourceLocation: sourceLocation)
        let countyID = try await county.id(sourceLocation: sourceLocation)
        try await hub.ok(
            ["enroll", "--county", code, "--public-key", countyID.public_key], sourceLocation: sourceLocation)
        try await county.ok(["trust", "--hub-key", hubID.public_key], sourceLocation: sourceLocation)
        return Federation(sandbox: sandbox, hub: hub, county: county, code: code)
    }

    /// Carries the hub's sets for this county to the county; the import must succeed.
    @discardableResult
    func hubToCounty(
        _ name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws
        -> BundleImportSummary
    {
        let bundle = try await hub.exportBundle(name, county: code, sourceLocation: sourceLocation)
        let r = try await county.importBundle(bundle.path)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return try #require(BundleImportSummary(r), "\(r)", sourceLocation: sourceLocation)
    }

    /// Carries the county's sets to the hub; the import must succeed.
    @discardableResult
    func countyToHub(
        _ name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws
        -> BundleImportSummary
    {
        let bundle = try await county.exportBundle(name, sourceLocation: sourceLocation)
        let r = try await hub.importBundle(bundle.path)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return try #require(BundleImportSummary(r), "\(r)", sourceLocation: sourceLocation)
    }
}

/// A CSV file as header and rows of fields (DemoData never quotes, so splitting on commas is exact).
struct CSVRows: Sendable {
    var header: [String]
    var rows: [[String]]

    init(_ text: String) {
        let lines = text.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        header = lines.first ?? []
        rows = Array(lines.dropFirst())
    }

    /// The index of a column by name.
    func column(_ name: String) -> Int { header.firstIndex(of: name)! }

    /// The file's line number of row `index` (the header is line 1).
    static func line(ofRow index: Int) -> Int { index + 2 }

    var text: String { ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n" }
}

// MARK: - SHA-256

/// SHA-256 (FIPS 180-4), to check origin ids and to re-seal bundle checksums without a crypto dependency.
enum SHA256Digest {
    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var data = message
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        let bitLength = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) {
            data.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let b = chunk + i * 4
                w[i] =
                    UInt32(data[b]) << 24 | UInt32(data[b + 1]) << 16 | UInt32(data[b + 2]) << 8 | UInt32(data[b + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d
            h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
        }
        return h.flatMap { v in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> UInt32($0)) } }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
