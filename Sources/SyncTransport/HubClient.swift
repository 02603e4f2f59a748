public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import SyncCore
import Synchronization

/// A node's client of the hub: every request signed with the node's key (docs/API.md).
public struct HubClient: Sendable {
    /// The hub's base URL, e.g. `https://hub.example:8443`.
    public let baseURL: String
    let signer: SigningIdentity
    let wallClock: any WallClock
    let http: HTTPClient
    /// How long one request may take.
    public var timeout: Duration = .seconds(60)
    /// The newest protocol version this client offers (`TS-Protocol`); lower only to act as an older node.
    public var protocolVersion: Int = WireMessages.protocolVersion
    /// The version the hub answered with last (nil before the first answer): bodies are compressed only once
    /// the hub said it speaks a version that has compression.
    private let negotiated = Negotiated()

    /// The protocol version the hub last answered with.
    public var negotiatedProtocol: Int? { negotiated.value.withLock { $0 } }

    final class Negotiated: Sendable {
        let value = Mutex<Int?>(nil)
    }

    public init(
        baseURL: String, signer: SigningIdentity, wallClock: any WallClock, http: HTTPClient = HubClient.nodeClient
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.signer = signer
        self.wallClock = wallClock
        self.http = http
    }

    /// The client nodes use: a refused or unreachable hub fails the request at once (after at most 10 s to
    /// connect) instead of being retried until the request's deadline; the sync scheduler does the retrying,
    /// with backoff. It lives as long as the process.
    public static let nodeClient: HTTPClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: nodeClientConfiguration)

    /// The configuration of ``nodeClient``; ``HubTLS/makeClient(tls:)`` adds a pinned certificate to it.
    static var nodeClientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// Sends our heads; returns the hub's heads for the streams we may read.
    public func exchangeHeads(_ local: VersionVector) async throws(SyncError) -> VersionVector {
        let (body, _) = try await post("/v1/heads", body: Array(try json(local)))
        return try VersionVector(jsonData: Data(body))
    }

    /// Uploads a batch of envelopes; returns the hub's result (applied, refused, heads).
    public func upload(_ envelopes: [[UInt8]]) async throws(SyncError) -> (WireMessages.UploadResult, VersionVector) {
        try await upload(try prepareUpload(envelopes.map(StoredEnvelope.init(plain:))))
    }

    /// An upload's body made before it is sent (a node makes the next batch's while the previous one is on its
    /// way), in the form the hub spoke when it was made.
    public struct PreparedUpload: Sendable {
        let stored: [StoredEnvelope]
        let form: BodyForm
        let body: [UInt8]
    }

    /// How an upload's or a page's sets travel.
    enum BodyForm: Sendable, Equatable {
        /// Bundle format 2, the sets in their stored forms (protocol 3).
        case storedForms
        /// Bundle format 1 deflated whole (protocol 2).
        case deflated
        /// Bundle format 1 as it is (protocol 1, or too small to compress).
        case plain
    }

    /// The form an upload of `size` bytes of envelopes takes with the hub as last heard.
    private func uploadForm(size: Int) -> BodyForm {
        let spoken = min(protocolVersion, negotiatedProtocol ?? 1)
        if spoken >= WireMessages.storedFormsSince { return .storedForms }
        if spoken >= WireMessages.compressionSince, size >= WireCompression.threshold { return .deflated }
        return .plain
    }

    /// Makes a batch's body for `upload(_:)`: the stored forms as they are for a hub of protocol 3, otherwise one
    /// bundle of the envelopes, deflated whole when the hub speaks compression.
    public func prepareUpload(_ stored: [StoredEnvelope]) throws(SyncError) -> PreparedUpload {
        let form = uploadForm(size: stored.reduce(0) { $0 + $1.size })
        switch form {
        case .storedForms:
            return PreparedUpload(stored: stored, form: form, body: BundleFile.encode(stored: stored))
        case .deflated, .plain:
            let plain = BundleFile.encode(try stored.map { e throws(SyncError) in try e.envelope() })
            return PreparedUpload(
                stored: stored, form: form, body: form == .deflated ? try WireCompression.compress(plain) : plain)
        }
    }

    /// Uploads a prepared batch; returns the hub's result (applied, refused, heads).
    public func upload(_ prepared: PreparedUpload) async throws(SyncError) -> (WireMessages.UploadResult, VersionVector)
    {
        // Made again if the hub now speaks another version than when it was made.
        var prepared = prepared
        if uploadForm(size: prepared.stored.reduce(0) { $0 + $1.size }) != prepared.form {
            prepared = try prepareUpload(prepared.stored)
        }
        let (body, _) = try await post("/v1/sets", body: prepared.body, compressed: prepared.form == .deflated)
        guard let result = try? JSONDecoder().decode(WireMessages.UploadResult.self, from: Data(body)) else {
            throw SyncError(.transportFailure, "the hub's upload answer is not the protocol's JSON")
        }
        return (result, try VersionVector(jsonData: result.heads))
    }

    /// Downloads one page of sets after `vector`, in their stored forms (``Replica/receive(stored:progress:)``
    /// inflates them).
    public func pull(
        after vector: VersionVector, maxSets: Int = 256, maxBytes: Int = 8 << 20
    )
        async throws(SyncError) -> (envelopes: [StoredEnvelope], more: Bool)
    {
        let request = WireMessages.PullRequest(after: try json(vector), maxSets: maxSets, maxBytes: maxBytes)
        let requestBody: Data
        do { requestBody = try WireMessages.encoder.encode(request) } catch {
            throw SyncError(.malformed, "cannot encode")
        }
        let (body, headers) = try await post("/v1/sets/pull", body: Array(requestBody))
        // Format 2 only from a hub that said it speaks protocol 3.
        let newest = min(protocolVersion, negotiatedProtocol ?? 1) >= WireMessages.storedFormsSince
        let entries = try BundleFile.entries(
            body, formats: BundleFile.format...(newest ? BundleFile.storedFormat : BundleFile.format))
        return (entries, headers.first(name: WireMessages.moreHeader) == "1")
    }

    /// Hands the hub this node's key authorization (signed by the county's root); the request is signed
    /// by the authorized key.
    public func submitAuthorization(
        _ authorization: KeyAuthorization
    ) async throws(SyncError)
        -> WireMessages.Enrolment
    {
        let (body, _) = try await post("/v1/keys/authorize", body: Array(authorization.text.utf8))
        guard let answer = try? JSONDecoder().decode(WireMessages.Enrolment.self, from: Data(body)) else {
            throw SyncError(.transportFailure, "the hub's enrolment answer is not the protocol's JSON")
        }
        return answer
    }

    /// The hub's receipts for this node's own streams as it holds them now.
    public func receipts() async throws(SyncError) -> [Receipt] {
        let (body, _) = try await post("/v1/receipts", body: Array("{}".utf8))
        guard let list = try? JSONDecoder().decode(WireMessages.ReceiptList.self, from: Data(body)) else {
            throw SyncError(.transportFailure, "the hub's receipts are not the protocol's JSON")
        }
        return list.receipts
    }

    /// The hub's signed ingest-log head.
    public func logHead() async throws(SyncError) -> LogHead {
        let (body, _) = try await post("/v1/log/head", body: Array("{}".utf8))
        guard let head = try? JSONDecoder().decode(LogHead.self, from: Data(body)) else {
            throw SyncError(.transportFailure, "the hub's log head is not the protocol's JSON")
        }
        return head
    }

    /// A page of set ids of the hub's ingest log from `position`.
    public func logEntries(from position: UInt64, limit: Int = 50_000) async throws(SyncError) -> [[UInt8]] {
        let request = WireMessages.LogEntriesRequest(from: position, limit: limit)
        let requestBody: Data
        do { requestBody = try WireMessages.encoder.encode(request) } catch {
            throw SyncError(.malformed, "cannot encode")
        }
        let (body, _) = try await post("/v1/log/entries", body: Array(requestBody))
        guard let page = try? JSONDecoder().decode(WireMessages.LogEntries.self, from: Data(body)),
            page.from == position, page.setIDs.count % 32 == 0
        else {
            throw SyncError(.transportFailure, "the hub's log entries are not the protocol's JSON")
        }
        let bytes = Array(page.setIDs)
        return stride(from: 0, to: bytes.count, by: 32).map { Array(bytes[$0..<$0 + 32]) }
    }

    private func json(_ vector: VersionVector) throws(SyncError) -> Data {
        do { return try vector.jsonData() } catch { throw SyncError(.malformed, "cannot encode the version vector") }
    }

    /// The largest response body accepted, before and after decompression.
    static let maxResponseBytes = 256 << 20

    /// Posts a signed request; maps refusals (a JSON reason) and transport failures to `SyncError`.
    ///
    /// A `compressible` body is deflated when the hub has said it speaks a protocol version with compression;
    /// the signature covers the body as sent. A compressed response is inflated (at most 256 MiB).
    /// Whether a body is sent compressed: it is large enough and both sides speak compression.
    private func compresses(_ plain: [UInt8], compressible: Bool) -> Bool {
        compressible && protocolVersion >= WireMessages.compressionSince
            && (negotiatedProtocol ?? 1) >= WireMessages.compressionSince && plain.count >= WireCompression.threshold
    }

    private func post(
        _ path: String, body plain: [UInt8], compressible: Bool = false
    ) async throws(SyncError) -> ([UInt8], HTTPHeaders) {
        let compress = compresses(plain, compressible: compressible)
        return try await post(path, body: compress ? try WireCompression.compress(plain) : plain, compressed: compress)
    }

    private func post(
        _ path: String, body: [UInt8], compressed compress: Bool
    ) async throws(SyncError) -> ([UInt8], HTTPHeaders) {
        let signature = RequestSignature.sign(
            method: "POST", path: path, body: body, signer: signer, nowMillis: wallClock.nowMillis())
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.headers.add(name: WireMessages.protocolHeader, value: String(protocolVersion))
        if compress { request.headers.add(name: "Content-Encoding", value: WireCompression.encoding) }
        if protocolVersion >= WireMessages.compressionSince {
            request.headers.add(name: "Accept-Encoding", value: WireCompression.encoding)
        }
        for (name, value) in signature.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: UInt
        let responseBody: [UInt8]
        let headers: HTTPHeaders
        do {
            // The client's own deadline ends when the response head arrives; the body is read under the same
            // deadline here, so a link cut in the middle of a page fails the round instead of hanging it.
            let (http, timeout, prepared) = (self.http, self.timeout, request)
            (status, headers, responseBody) = try await Self.withDeadline(timeout) {
                let response = try await http.execute(
                    prepared,
                    timeout: .nanoseconds(
                        Int64(
                            timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
                        )))
                let body = Array((try await response.body.collect(upTo: Self.maxResponseBytes)).readableBytesView)
                return (response.status.code, response.headers, body)
            }
        } catch {
            throw SyncError(.transportFailure, "\(path): \(Self.describe(error))")
        }
        if let answered = headers.first(name: WireMessages.protocolHeader).flatMap({ Int($0) }) {
            negotiated.value.withLock { $0 = min(answered, protocolVersion) }
        }
        let decoded: [UInt8]
        switch headers.first(name: "Content-Encoding")?.lowercased() {
        case nil, "identity": decoded = responseBody
        case WireCompression.encoding?:
            decoded = try WireCompression.decompress(responseBody, limit: Self.maxResponseBytes)
        case let other?:
            throw SyncError(.protocolUnsupported, "\(path): the hub answered with Content-Encoding \(other)")
        }
        guard status == 200 else {
            if let refusal = try? JSONDecoder().decode(WireMessages.Refusal.self, from: Data(decoded)) {
                throw SyncError(ReasonCode(refusal.reason), "the hub refused \(path): \(refusal.detail)")
            }
            throw SyncError(.transportFailure, "\(path): HTTP \(status)")
        }
        return (decoded, headers)
    }

    /// The request took longer than the client's timeout, response body included.
    struct DeadlineExceeded: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no complete answer within \(timeout)" }
    }

    /// Runs `body`, cancelling it when `timeout` passes first.
    static func withDeadline<T: Sendable>(
        _ timeout: Duration, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw DeadlineExceeded(timeout: timeout)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// A short, safe description of a client error.
    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError { return "\(e)" }
        if let e = error as? DeadlineExceeded { return e.description }
        return "\(type(of: error)): \(error)".prefix(200).description
    }
}
