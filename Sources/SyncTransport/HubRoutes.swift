import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import SQLiteReplica
public import SyncCore
import Synchronization

/// The hub's HTTP endpoints (docs/API.md). Every `/v1/` request is signed by the caller's own key; a
/// county reads only the province-wide streams and its own county's.
public struct HubRoutes: Sendable {
    let executor: ReplicaExecutor
    let authenticator: HubAuthenticator
    let metrics: HubMetrics
    let wallClock: any WallClock
    let logger: Logger
    /// A county not heard from for this long is stale (`counties.stale_after_hours`).
    let staleAfterHours: Int

    /// The largest request body accepted (a batch of sets), by default.
    public static let maxBodyBytes = HubLimits().maxBodyBytes
    let limits: HubLimits
    let limiter: OriginLimiter
    let uploadGate: UploadGate

    public init(
        executor: ReplicaExecutor, metrics: HubMetrics, wallClock: any WallClock, logger: Logger,
        staleAfterHours: Int = 48, limits: HubLimits = HubLimits()
    ) {
        self.executor = executor
        self.limits = limits
        self.limiter = OriginLimiter(limits: limits)
        self.uploadGate = UploadGate(limit: limits.concurrentUploads)
        self.staleAfterHours = staleAfterHours
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
            // The county gauges come from the database, so they survive a restart of the hub.
            let hours = staleAfterHours
            if let contacts = try? await executor.run({ replica in
                try replica.countyContacts(
                    nowMillis: wallClock.nowMillis(), staleAfterMillis: Int64(hours) * 3_600_000)
            }) {
                metrics.recordCounties(contacts)
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.get("/v1/status") { _, _ in
            let hours = staleAfterHours
            let status = try await executor.run { try $0.status(staleAfterHours: hours) }
            // snake_case keys, as `teachersync status --json` and the county daemon's /v1/status print them.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(status))))
        }
        addReportRoutes(router)
        router.post("/v1/heads") { request, _ in
            try await signed(request, endpoint: "heads") { exchange in
                _ = try VersionVector(jsonData: Data(exchange.body))  // the caller's heads: validated only
                let heads = try await executor.run { try $0.versionVector() }
                    .readable(by: Self.readerCounty(exchange.caller))
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: try heads.jsonData())))
            }
        }
        router.post("/v1/sets") { request, _ in
            try await signed(request, endpoint: "upload", gate: uploadGate) { exchange in
                try await upload(exchange.body, from: exchange.caller, protocolVersion: exchange.protocolVersion)
            }
        }
        router.post("/v1/sets/pull") { request, _ in
            try await signed(request, endpoint: "pull") { exchange in
                guard let pull = try? JSONDecoder().decode(WireMessages.PullRequest.self, from: Data(exchange.body))
                else {
                    throw SyncError(.malformed, "pull request is not the expected JSON")
                }
                let after = try VersionVector(jsonData: pull.after)
                let county = Self.readerCounty(exchange.caller)
                let page = try await executor.run {
                    try $0.exportPage(
                        after: after, county: county, maxSets: min(max(pull.maxSets, 1), 1000),
                        maxBytes: min(max(pull.maxBytes, 1 << 16), 32 << 20))
                }
                var headers: HTTPFields = [.contentType: "application/octet-stream"]
                headers[HTTPField.Name(WireMessages.moreHeader)!] = page.more ? "1" : "0"
                var body: [UInt8]
                if exchange.protocolVersion >= WireMessages.storedFormsSince {
                    // The sets as stored, deflated one by one; one stored plain (by an older release) is deflated now.
                    body = BundleFile.encode(
                        stored: try page.envelopes.map { e throws(SyncError) in
                            guard let plain = e.plain else { return e }
                            return try StoredEnvelope.deflating(plain)
                        })
                } else {
                    body = BundleFile.encode(try StoredEnvelope.envelopes(page.envelopes))
                    if exchange.acceptsDeflate, body.count >= WireCompression.threshold {
                        body = try WireCompression.compress(body)
                        headers[.contentEncoding] = WireCompression.encoding
                    }
                }
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        }
        router.post("/v1/keys/authorize") { request, _ in
            // A county hands the hub its new node key's authorization, signed by the county's root; the
            // request is signed by the new key itself. First enrolments (a county's root) are made by the hub
            // operator, never over the network.
            try await signed(request, endpoint: "keys_authorize", newKey: Self.authorizedKey) { exchange in
                let authorization = try KeyAuthorization(text: String(decoding: exchange.body, as: UTF8.self))
                guard authorization.origin == exchange.caller.origin else {
                    throw SyncError(.authForbidden, "the request is not signed by the key it authorizes")
                }
                let enrolment: KeyEnrolment
                do {
                    enrolment = try await executor.run { try $0.enrol(authorization, registerRoot: false) }
                } catch let error as ReplicaError {
                    guard let reason = error.reason, reason != .storeFailure else { throw error }
                    throw SyncError(reason, error.message)
                }
                logger.notice(
                    "key enrolled",
                    metadata: [
                        "county": "\(authorization.county)", "origin": "\(authorization.origin)",
                        "retired": "\(enrolment.retired.map(\.origin.description))",
                    ])
                return try json(
                    WireMessages.Enrolment(
                        origin: enrolment.record.origin.hex, retired: enrolment.retired.map(\.origin.hex),
                        alreadyEnrolled: enrolment.alreadyEnrolled))
            }
        }
        router.post("/v1/receipts") { request, _ in
            // Receipts for the caller's own streams as the hub holds them now: for a county whose upload was
            // applied but whose answer was lost on the way, so the next round had nothing to push.
            try await signed(request, endpoint: "receipts") { exchange in
                let origin = exchange.caller.origin
                let receipts = try await executor.run { replica in
                    let own = try replica.versionVector().heads.keys.filter { $0.origin == origin }
                    return try replica.receipts(for: Set(own))
                }
                return try json(WireMessages.ReceiptList(receipts: receipts))
            }
        }
        router.post("/v1/log/head") { request, _ in
            try await signed(request, endpoint: "log_head") { _ in
                try json(try await executor.run { try $0.signedLogHead() })
            }
        }
        router.post("/v1/log/entries") { request, _ in
            try await signed(request, endpoint: "log_entries") { exchange in
                guard
                    let asked = try? JSONDecoder().decode(
                        WireMessages.LogEntriesRequest.self, from: Data(exchange.body)),
                    asked.from >= 1
                else {
                    throw SyncError(.malformed, "a log request is {\"from\": position ≥ 1, \"limit\": n}")
                }
                let limit = min(max(asked.limit, 1), 50_000)
                let ids = try await executor.run { try $0.logEntries(from: asked.from, limit: limit) }
                return try json(WireMessages.LogEntries(from: asked.from, setIDs: Data(ids.joined())))
            }
        }
        return router
    }

    /// The key a `/v1/keys/authorize` body authorizes, as the registry entry it would get.
    static func authorizedKey(_ body: [UInt8]) -> OriginRecord? {
        guard body.count <= 4096, let a = try? KeyAuthorization(text: String(decoding: body, as: UTF8.self)) else {
            return nil
        }
        return OriginRecord(publicKey: a.nodeKey, role: .county, county: a.county, status: .active)
    }

    /// The county whose streams a caller may read: `nil` (all) for the hub only; a county origin without a
    /// county reads the province-wide streams alone.
    static func readerCounty(_ caller: OriginRecord) -> String? {
        caller.role == .hub ? nil : (caller.county ?? "")
    }

    /// Applies an uploaded batch (a bundle); the batch is durably committed before any of it is counted or answered.
    ///
    /// A county's or a provider's batch is checked against the caller's scope from the sets' headers, then its sets
    /// are decoded on another thread while the writer applies them (``DecodePipeline``). A hub-role caller's batch is
    /// decoded first, and an envelope that does not decode is quarantined with its reason.
    ///
    /// From protocol 3 the bundle may carry the sets deflated one by one (bundle format 2): each is inflated on the
    /// decoding thread, and stored as it came.
    private func upload(_ body: [UInt8], from caller: OriginRecord, protocolVersion: Int) async throws -> Response {
        let newest = protocolVersion >= WireMessages.storedFormsSince ? BundleFile.storedFormat : BundleFile.format
        let envelopes = try BundleFile.entries(body, formats: BundleFile.format...newest)
        // What the sets inflate to is bounded as a body deflated whole is.
        let inflated = envelopes.reduce(0) { $0 + $1.size }
        guard inflated <= limits.maxBodyBytes else {
            throw SyncError(.tooLarge, "the sets of the request come to \(inflated) bytes, over \(limits.maxBodyBytes)")
        }
        // The uploaded streams, for the receipts.
        var uploaded = Set<StreamID>()
        let receive: @Sendable (Replica) throws -> ReceiveReport
        let refusal = Mutex<SyncError?>(nil)
        if caller.role == .county || caller.role == .provider {
            for envelope in envelopes {
                let stream = try ChangeSet.stream(
                    ofEnvelopePrefix: try envelope.prefix(ChangeSet.headerBytes), size: envelope.size)
                if caller.role == .county {
                    // A county uploads only sets of its own county's streams (its own, or relayed ones of its county).
                    guard stream.scope == .county(caller.county ?? "") else {
                        throw SyncError(.authForbidden, "a county uploads only its own county's streams")
                    }
                } else {
                    // A provider uploads only its own sets, in county streams; the hub then checks them against its
                    // project (PROTOCOL.md, section 11.1).
                    guard stream.origin == caller.origin, stream.scope != .province else {
                        throw SyncError(.authForbidden, "a provider uploads only its own sets, in county streams")
                    }
                }
                uploaded.insert(stream)
            }
            // The uploader's own sets are checked against its registry entry while they are decoded; the writer
            // checks again only if its registry says otherwise by then (`Replica.prepare`).
            let replica = executor.replica
            let pipeline = DecodePipeline(envelopes) { set in replica.prepare(set, expectedAuthor: caller) }
            receive = { replica in
                // A set that does not decode refuses the whole request, as it always has.
                try replica.receive(count: pipeline.count) { i throws(ReplicaError) in
                    switch pipeline.set(i) {
                    case .success(let set): return set
                    case .failure(let error):
                        refusal.withLock { $0 = error }
                        throw .scope(error)
                    }
                }
            }
        } else {
            var sets = [ChangeSet]()
            sets.reserveCapacity(envelopes.count)
            for decoded in await Self.decodeConcurrently(envelopes) {
                if let set = try? decoded.get() {
                    uploaded.insert(set.stream)
                    sets.append(set)
                }
            }
            // An envelope that does not decode is quarantined by the replica with its reason; the batch then goes to
            // it as it came.
            let decoded = sets.count == envelopes.count ? sets : nil
            let raw = decoded == nil ? envelopes : []
            receive = { replica in
                try decoded.map { try replica.receive(decoded: $0) } ?? replica.receive(stored: raw)
            }
        }
        let streams = uploaded
        let (report, heads, receipts): (ReceiveReport, VersionVector, [Receipt])
        do {
            (report, heads, receipts) = try await executor.run { replica -> (ReceiveReport, VersionVector, [Receipt]) in
                var report = try receive(replica)
                if report.applied > 0 {
                    let retried = try replica.retryQuarantined()
                    report.applied += retried.applied
                    report.operationsApplied += retried.operationsApplied
                }
                // Signed after the commit: a receipt names only what is durably held.
                return (report, try replica.versionVector(), try replica.receipts(for: streams))
            }
        } catch {
            if let refused = refusal.withLock({ $0 }) { throw refused }
            throw error
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
            heads: try heads.readable(by: Self.readerCounty(caller)).jsonData(), receipts: receipts)
        return try json(result)
    }

    /// Decodes envelopes (hashing each body for its id) on the cooperative pool's threads at once; the results in
    /// the envelopes' order.
    static func decodeConcurrently(_ envelopes: [StoredEnvelope]) async -> [Result<ChangeSet, SyncError>] {
        guard envelopes.count > 1 else {
            return envelopes.map { e in Result { () throws(SyncError) in try e.changeSet() } }
        }
        return await withTaskGroup(of: (Int, Result<ChangeSet, SyncError>).self) { group in
            for (index, e) in envelopes.enumerated() {
                group.addTask { (index, Result { () throws(SyncError) in try e.changeSet() }) }
            }
            var results = [Result<ChangeSet, SyncError>?](repeating: nil, count: envelopes.count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }

    /// One authenticated request: who sent it, its body (decompressed), and what the two sides agreed on.
    struct Exchange {
        let caller: OriginRecord
        let body: [UInt8]
        /// The protocol version of this exchange: the lower of the caller's and the hub's newest.
        let protocolVersion: Int
        /// Whether the response may be compressed (protocol 2 or later and `Accept-Encoding: deflate`).
        let acceptsDeflate: Bool
    }

    /// The protocol version of a request: the lower of the caller's `TS-Protocol` (1 when absent, as before
    /// version 2 existed) and the hub's newest. A caller older than every version the hub speaks is refused.
    static func negotiatedProtocol(_ header: String?) throws(SyncError) -> Int {
        guard let header else { return 1 }
        guard let requested = Int(header.trimmingCharacters(in: .whitespaces)), requested >= 1 else {
            throw SyncError(.protocolUnsupported, "\(WireMessages.protocolHeader) must be a whole number")
        }
        guard requested >= WireMessages.supportedProtocols.lowerBound else {
            throw SyncError(
                .protocolUnsupported,
                "protocol \(requested) is no longer spoken; this hub speaks \(WireMessages.supportedProtocols)")
        }
        return min(requested, WireMessages.supportedProtocols.upperBound)
    }

    /// Authenticates a request, runs the handler, and maps refusals to status codes with a reason body.
    ///
    /// The signature covers the body as sent (compressed or not), so a request is authenticated before its
    /// body is decompressed: a stranger cannot make the hub inflate anything.
    ///
    /// With a `gate` (uploads), the request then waits for a slot before its body is inflated and handled: the
    /// bodies of waiting uploads are held as they came, compressed, and one arriving slowly over a bad line
    /// holds no slot while it arrives. No slot within `limits.upload_wait_seconds`: 503 `limit.busy`.
    func signed(
        _ request: Request, endpoint: String, gate: UploadGate? = nil,
        newKey: (([UInt8]) -> OriginRecord?)? = nil, _ handler: (Exchange) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        defer { metrics.recordLatency(endpoint: endpoint, ContinuousClock.now - started) }
        var request = request
        var negotiated = 1
        do {
            let headers = request.headers
            negotiated = try Self.negotiatedProtocol(headers[HTTPField.Name(WireMessages.protocolHeader)!])
            let buffer: ByteBuffer
            do { buffer = try await request.collectBody(upTo: limits.maxBodyBytes) } catch is NIOTooManyBytesError {
                throw SyncError(.tooLarge, "the request body is over \(limits.maxBodyBytes) bytes")
            }
            let wire = Array(buffer.readableBytesView)
            let path = request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
            let caller = try await authenticator.authenticate(
                method: request.method.rawValue, path: path, body: wire, newKey: newKey?(wire)
            ) {
                HTTPField.Name($0).flatMap { headers[$0] }
            }
            try limiter.admit(caller.origin, nowMillis: wallClock.nowMillis())
            defer { limiter.finish(caller.origin) }
            if let gate {
                guard await gate.acquire(wait: .seconds(limits.uploadWaitSeconds)) else {
                    throw SyncError(.limitBusy, "the hub is busy with other counties' uploads; try again in a minute")
                }
            }
            defer { gate?.release() }
            let body: [UInt8]
            switch headers[.contentEncoding]?.lowercased() {
            case nil, "identity": body = wire
            case WireCompression.encoding where negotiated >= WireMessages.compressionSince:
                body = try WireCompression.decompress(wire, limit: limits.maxBodyBytes)
            case let other?:
                throw SyncError(
                    .protocolUnsupported, "Content-Encoding \(other) is not accepted at protocol \(negotiated)")
            }
            let acceptsDeflate =
                negotiated >= WireMessages.compressionSince
                && (headers[.acceptEncoding]?.lowercased().split(separator: ",")
                    .contains { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces) == "deflate" }
                    ?? false)
            var response = try await handler(
                Exchange(caller: caller, body: body, protocolVersion: negotiated, acceptsDeflate: acceptsDeflate))
            metrics.recordBytes(endpoint: endpoint, wireIn: wire.count, bodyIn: body.count)
            response.headers[HTTPField.Name(WireMessages.protocolHeader)!] = String(negotiated)
            return response
        } catch let error as SyncError {
            metrics.recordRefusal(error.reason)
            logger.notice("request refused", metadata: ["endpoint": "\(endpoint)", "reason": "\(error.reason)"])
            var response = try json(
                WireMessages.Refusal(reason: error.reason.rawValue, detail: error.detail), status: status(for: error),
                protocolVersion: negotiated)
            if error.reason == .limitBusy { response.headers[.retryAfter] = "60" }
            return response
        } catch let error as ReplicaError {
            logger.error("store failure", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            return try json(
                WireMessages.Refusal(reason: ReasonCode.storeFailure.rawValue, detail: error.message),
                status: .serviceUnavailable, protocolVersion: negotiated)
        }
    }

    private func status(for error: SyncError) -> HTTPResponse.Status {
        switch error.reason {
        case .authMissing, .authBadSignature, .authStale, .authReplayed, .unknownOrigin, .revokedOrigin,
            .rotatedOrigin:
            return .unauthorized
        case .authForbidden, .wrongRoot, .unknownRoot: return .forbidden
        case .staleAuthorization: return .conflict
        case .tooLarge: return .contentTooLarge
        case .protocolUnsupported: return .unsupportedMediaType
        case .limitRate, .limitConcurrency: return .tooManyRequests
        case .limitBusy: return .serviceUnavailable
        default: return .badRequest
        }
    }

    private func json<T: Encodable>(
        _ value: T, status: HTTPResponse.Status = .ok, protocolVersion: Int = WireMessages.protocolVersion
    ) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name(WireMessages.protocolHeader)!] = String(protocolVersion)
        return Response(
            status: status, headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: try WireMessages.encoder.encode(value))))
    }
}
