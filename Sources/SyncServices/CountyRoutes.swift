import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
import SQLiteReplica
import SyncCore
public import SyncTransport

/// The county daemon's local HTTP API for the county's staff and schools (docs/API.md). It listens on
/// loopback by default; expose it on the LAN only behind the county's own access control.
public struct CountyRoutes: Sendable {
    let executor: ReplicaExecutor
    let coordinator: SyncCoordinator

    public init(executor: ReplicaExecutor, coordinator: SyncCoordinator) {
        self.executor = executor
        self.coordinator = coordinator
    }

    /// The largest CSV accepted in one request.
    static let maxImportBytes = 256 << 20

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/metrics") { _, _ in
            let (s, sync) = try await executor.run { replica in (try replica.status(), try replica.syncState()) }
            var text =
                "# TYPE teachersync_pending_operations gauge\nteachersync_pending_operations \(s.pendingOperations)\n"
            text += "# TYPE teachersync_stored_sets gauge\nteachersync_stored_sets \(s.storedSets)\n"
            text +=
                "# TYPE teachersync_quarantined_sets gauge\nteachersync_quarantined_sets \(s.quarantined.values.reduce(0, +))\n"
            text +=
                "# TYPE teachersync_sync_consecutive_failures gauge\nteachersync_sync_consecutive_failures \(sync.consecutiveFailures)\n"
            if let last = sync.lastSuccessAtMillis {
                text +=
                    "# TYPE teachersync_last_sync_success_seconds gauge\nteachersync_last_sync_success_seconds \(Double(last) / 1000)\n"
            }
            if let registry = s.registry {
                // 1 when the key registry is past its expiry: this node has not heard from the hub for that long.
                text +=
                    "# TYPE teachersync_registry_expired gauge\nteachersync_registry_expired \(registry.expired ? 1 : 0)\n"
                text +=
                    "# TYPE teachersync_registry_expires_seconds gauge\nteachersync_registry_expires_seconds \(Double(registry.expiresAtMillis) / 1000)\n"
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/v1/status") { _, _ in
            try json(try await executor.run { try $0.status() })
        }
        router.post("/v1/sync") { _, _ in
            let report = await coordinator.syncNow()
            let refusedHere = report.rejectedHere.map {
                SyncAnswer.Refused(set: $0.setID, stream: $0.stream, sequence: $0.sequence, reason: $0.reason.rawValue)
            }
            switch report.outcome {
            case .inSync(let pushed, let pulled):
                return try json(
                    SyncAnswer(
                        outcome: "in_sync", reason: nil, detail: nil, pushed: pushed, pulled: pulled,
                        refusedHere: refusedHere, refusedByHub: report.rejectedByHub,
                        receiptProblems: report.receiptProblems))
            case .failed(let reason, let detail, _):
                return try json(
                    SyncAnswer(
                        outcome: "failed", reason: reason.rawValue, detail: detail, pushed: nil, pulled: nil,
                        refusedHere: refusedHere, refusedByHub: report.rejectedByHub,
                        receiptProblems: report.receiptProblems),
                    status: .serviceUnavailable)
            }
        }
        router.post("/v1/import/{kind}") { request, context in
            guard let kindText = context.parameters.get("kind"), let kind = CSVKind(rawValue: kindText) else {
                return try json(
                    ImportAnswer.refusal("kind must be schools, teachers or study-records"), status: .notFound)
            }
            let skipInvalid = request.uri.queryParameters.get("skip_invalid") == "1"
            var request = request
            let body = try await request.collectBody(upTo: Self.maxImportBytes)
            let data = Data(body.readableBytesView)
            let result = try await executor.run { try $0.importCSV(kind, data: data, skipInvalid: skipInvalid) }
            return try json(ImportAnswer(result), status: result.imported ? .ok : .unprocessableContent)
        }
        return router
    }

    struct SyncAnswer: Encodable {
        /// A set refused here, by id prefix and reason code.
        struct Refused: Encodable {
            let set: String
            let stream: String?
            let sequence: UInt64?
            let reason: String
        }
        let outcome: String
        let reason: String?
        let detail: String?
        let pushed: Int?
        let pulled: Int?
        /// Sets received from the hub this node refused: why a stream may be held back.
        let refusedHere: [Refused]
        /// Sets the hub refused (set id, reason code, detail).
        let refusedByHub: [String]
        /// Receipts that could not be kept, or uploads acknowledged without one.
        let receiptProblems: [String]
    }

    struct ImportAnswer: Encodable {
        struct Issue: Encodable {
            let line: Int
            let column: String?
            let reason: String
            let detail: String
        }
        let imported: Bool
        let written: Int
        let unchanged: Int
        let sealed: Int
        let issues: [Issue]

        init(_ r: CSVImportResult) {
            imported = r.imported
            written = r.report.written
            unchanged = r.report.unchanged
            sealed = r.sealed
            issues =
                r.issues.map { Issue(line: $0.line, column: $0.column, reason: $0.reason.code, detail: $0.detail) }
                + r.conflictingLines.map {
                    Issue(
                        line: $0, column: "record_id", reason: "fact.conflict",
                        detail: "a record with this id exists with different content")
                }
        }

        static func refusal(_ detail: String) -> ImportAnswer {
            ImportAnswer(
                imported: false, written: 0, unchanged: 0, sealed: 0,
                issues: [Issue(line: 0, column: nil, reason: "request.invalid", detail: detail)])
        }

        init(imported: Bool, written: Int, unchanged: Int, sealed: Int, issues: [Issue]) {
            self.imported = imported
            self.written = written
            self.unchanged = unchanged
            self.sealed = sealed
            self.issues = issues
        }
    }

    private func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
