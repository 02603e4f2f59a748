public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import SyncCore

/// A node's client of the hub: every request signed with the node's key (docs/API.md).
public struct HubClient: Sendable {
    /// The hub's base URL, e.g. `https://hub.example:8443`.
    public let baseURL: String
    let signer: SigningIdentity
    let wallClock: any WallClock
    let http: HTTPClient
    /// How long one request may take.
    public var timeout: Duration = .seconds(60)

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
    public static let nodeClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Sends our heads; returns the hub's heads for the streams we may read.
    public func exchangeHeads(_ local: VersionVector) async throws(SyncError) -> VersionVector {
        let (body, _) = try await post("/v1/heads", body: Array(try json(local)))
        return try VersionVector(jsonData: Data(body))
    }

    /// Uploads a batch of envelopes; returns the hub's result (applied, refused, heads).
    public func upload(_ envelopes: [[UInt8]]) async throws(SyncError) -> (WireMessages.UploadResult, VersionVector) {
        let (body, _) = try await post("/v1/sets", body: BundleFile.encode(envelopes))
        guard let result = try? JSONDecoder().decode(WireMessages.UploadResult.self, from: Data(body)) else {
            throw SyncError(.transportFailure, "the hub's upload answer is not the protocol's JSON")
        }
        return (result, try VersionVector(jsonData: result.heads))
    }

    /// Downloads one page of sets after `vector`.
    public func pull(
        after vector: VersionVector, maxSets: Int = 256, maxBytes: Int = 8 << 20
    )
        async throws(SyncError) -> (envelopes: [[UInt8]], more: Bool)
    {
        let request = WireMessages.PullRequest(after: try json(vector), maxSets: maxSets, maxBytes: maxBytes)
        let requestBody: Data
        do { requestBody = try WireMessages.encoder.encode(request) } catch {
            throw SyncError(.malformed, "cannot encode")
        }
        let (body, headers) = try await post("/v1/sets/pull", body: Array(requestBody))
        return (try BundleFile.decode(body), headers.first(name: WireMessages.moreHeader) == "1")
    }

    private func json(_ vector: VersionVector) throws(SyncError) -> Data {
        do { return try vector.jsonData() } catch { throw SyncError(.malformed, "cannot encode the version vector") }
    }

    /// Posts a signed request; maps refusals (a JSON reason) and transport failures to `SyncError`.
    private func post(_ path: String, body: [UInt8]) async throws(SyncError) -> ([UInt8], HTTPHeaders) {
        let signature = RequestSignature.sign(
            method: "POST", path: path, body: body, signer: signer, nowMillis: wallClock.nowMillis())
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.headers.add(name: WireMessages.protocolHeader, value: String(WireMessages.protocolVersion))
        for (name, value) in signature.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: UInt
        let responseBody: [UInt8]
        let headers: HTTPHeaders
        do {
            let response = try await http.execute(
                request,
                timeout: .nanoseconds(
                    Int64(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)))
            status = response.status.code
            headers = response.headers
            responseBody = Array((try await response.body.collect(upTo: 256 << 20)).readableBytesView)
        } catch {
            throw SyncError(.transportFailure, "\(path): \(Self.describe(error))")
        }
        guard status == 200 else {
            if let refusal = try? JSONDecoder().decode(WireMessages.Refusal.self, from: Data(responseBody)) {
                throw SyncError(ReasonCode(refusal.reason), "the hub refused \(path): \(refusal.detail)")
            }
            throw SyncError(.transportFailure, "\(path): HTTP \(status)")
        }
        return (responseBody, headers)
    }

    /// A short, safe description of a client error.
    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError { return "\(e)" }
        return "\(type(of: error)): \(error)".prefix(200).description
    }
}
