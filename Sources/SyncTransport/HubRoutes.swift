import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import SQLiteReplica
public import SyncCore

/// The hub's HTTP endpoints (docs/API.md). Every `/v1/` request is signed by the caller's own key; a
/// county reads only the province-wide streams and its own county's.
public struct HubRoutes: Sendable {
    let executor: ReplicaExecutor
    let authenticator: HubAuthenticator
    let metrics: HubMetrics
    let wallClock: any WallClock
    let logger: Logger

    /// The largest request body accepted (a batch of sets).
    public static let maxBodyBytes = 64 << 20

    public init(executor: ReplicaExecutor, metrics: HubMetrics, wallClock: any WallClock, logger: Logger) {
        self.executor = executor
        self.authenticator = HubAuthenticator(executor: executor, wallClock: wallClock)
        self.metrics = metrics
        self.wallClock = wallClock
        self.logger = logger
    }

    /// A router with every endpoint.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ProtocolHeaderMiddleware())
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.get("/v1/status") { _, _ in
            let status = try await executor.run { try $0.status() }
            return try json(status)
        }
        router.post("/v1/heads") { request, _ in
            try await signed(request, endpoint: "heads") { caller, body in
                _ = try VersionVector(jsonData: Data(body))  // the caller's heads: validated, kept for logs only
                let heads = try await executor.run { try $0.versionVector() }.readable(by: Self.readerCounty(caller))
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: try heads.jsonData())))
            }
        }
        router.post("/v1/sets") { request, _ in
            try await signed(request, endpoint: "upload") { caller, body in
                try await upload(body, from: caller)
            }
        }
        router.post("/v1/sets/pull") { request, _ in
            try await signed(request, endpoint: "pull") { caller, body in
                guard let pull = try? JSONDecoder().decode(WireMessages.PullRequest.self, from: Data(body)) else {
                    throw SyncError(.malformed, "pull request is not the expected JSON")
                }
                let after = try VersionVector(jsonData: pull.after)
                let county = Self.readerCounty(caller)
                let page = try await executor.run {
                    try $0.exportPage(
                        after: after, county: county, maxSets: min(max(pull.maxSets, 1), 1000),
                        maxBytes: min(max(pull.maxBytes, 1 << 16), 32 << 20))
                }
                var headers: HTTPFields = [.contentType: "application/octet-stream"]
                headers[HTTPField.Name(WireMessages.moreHeader)!] = page.more ? "1" : "0"
                return Response(
                    status: .ok, headers: headers,
                    body: .init(byteBuffer: ByteBuffer(bytes: BundleFile.encode(page.envelopes))))
            }
        }
        return router
    }

    /// The county whose streams a caller may read: `nil` (all) for the hub only; a county origin without a
    /// county reads the province-wide streams alone.
    static func readerCounty(_ caller: OriginRecord) -> String? {
        caller.role == .hub ? nil : (caller.county ?? "")
    }

    /// Applies an uploaded batch (a bundle); each set is durably committed before it is counted.
    private func upload(_ body: [UInt8], from caller: OriginRecord) async throws -> Response {
        let envelopes = try BundleFile.decode(body)
        if caller.role == .county {
            // A county uploads only sets of its own county's streams (its own, or relayed ones of its county).
            for e in envelopes {
                let set = try ChangeSet.decode(envelope: e)
                guard set.stream.scope == .county(caller.county ?? "") else {
                    throw SyncError(.authForbidden, "a county uploads only its own county's streams")
                }
            }
        }
        let (report, heads) = try await executor.run { replica -> (ReceiveReport, VersionVector) in
            var report = try replica.receive(envelopes)
            if report.applied > 0 {
                let retried = try replica.retryQuarantined()
                report.applied += retried.applied
                report.operationsApplied += retried.operationsApplied
            }
            return (report, try replica.versionVector())
        }
        metrics.recordUpload(
            applied: report.applied, operations: report.operationsApplied, alreadyPresent: report.alreadyPresent,
            rejected: report.rejected.map(\.reason), county: caller.county)
        for r in report.rejected {
            logger.warning(
                "set rejected",
                metadata: ["set": "\(r.setID)", "reason": "\(r.reason)", "county": "\(caller.county ?? "-")"])
        }
        let result = WireMessages.UploadResult(
            applied: report.applied, alreadyPresent: report.alreadyPresent,
            rejected: report.rejected.map {
                .init(
                    set: $0.setID, stream: $0.stream, sequence: $0.sequence, reason: $0.reason.rawValue,
                    detail: $0.detail)
            },
            heads: try heads.readable(by: Self.readerCounty(caller)).jsonData())
        return try json(result)
    }

    /// Authenticates a request, runs the handler, and maps refusals to status codes with a reason body.
    private func signed(
        _ request: Request, endpoint: String, _ handler: (OriginRecord, [UInt8]) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        defer { metrics.recordLatency(endpoint: endpoint, ContinuousClock.now - started) }
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: Self.maxBodyBytes)
            let body = Array(buffer.readableBytesView)
            let path = request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
            let headers = request.headers
            let caller = try await authenticator.authenticate(method: request.method.rawValue, path: path, body: body) {
                HTTPField.Name($0).flatMap { headers[$0] }
            }
            let response = try await handler(caller, body)
            if let county = caller.county { metrics.recordSync(county: county, atMillis: wallClock.nowMillis()) }
            return response
        } catch let error as SyncError {
            metrics.recordRefusal(error.reason)
            logger.notice("request refused", metadata: ["endpoint": "\(endpoint)", "reason": "\(error.reason)"])
            return try json(
                WireMessages.Refusal(reason: error.reason.rawValue, detail: error.detail), status: status(for: error))
        } catch let error as ReplicaError {
            logger.error("store failure", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            return try json(
                WireMessages.Refusal(reason: ReasonCode.storeFailure.rawValue, detail: error.message),
                status: .serviceUnavailable)
        }
    }

    private func status(for error: SyncError) -> HTTPResponse.Status {
        switch error.reason {
        case .authMissing, .authBadSignature, .authStale, .authReplayed, .unknownOrigin, .revokedOrigin:
            return .unauthorized
        case .authForbidden: return .forbidden
        case .tooLarge: return .contentTooLarge
        default: return .badRequest
        }
    }

    private func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name(WireMessages.protocolHeader)!] = String(WireMessages.protocolVersion)
        return Response(
            status: status, headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: try WireMessages.encoder.encode(value))))
    }
}
