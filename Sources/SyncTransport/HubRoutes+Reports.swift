import AssessmentPolicy
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SQLiteReplica
import SyncCore
import TrainingDomain

extension HubRoutes {
    /// The body of `POST /v1/reports` (docs/API.md).
    struct ReportRequest: Decodable {
        let kind: String
        let year: Int
        let by: String?
        let format: String?
        /// ISO 8601 with offset; default now.
        let asOf: String?

        enum CodingKeys: String, CodingKey {
            case kind, year, by, format
            case asOf = "as_of"
        }
    }

    /// Reports over the hub's data for the caller's own share of it: a county gets `completion`, `hours` and
    /// `at-risk` of its own county (the at-risk list names its teachers: it is theirs), a provider the
    /// `provider` briefing of its project. Anything else is `auth.forbidden`.
    func addReportRoutes(_ router: Router<BasicRequestContext>) {
        router.post("/v1/reports") { request, _ in
            try await signed(request, endpoint: "reports") { exchange in
                guard let ask = try? JSONDecoder().decode(ReportRequest.self, from: Data(exchange.body)) else {
                    throw SyncError(
                        .malformed, "a report request is {\"kind\", \"year\", \"by\"?, \"format\"?, \"as_of\"?}")
                }
                guard let format = Report.Format(rawValue: ask.format ?? "json") else {
                    throw SyncError(.malformed, "format must be csv, json or html")
                }
                guard let grouping = ReportGrouping(rawValue: ask.by ?? "county") else {
                    throw SyncError(.malformed, "by must be city, county, school, stage or subject")
                }
                var asOf = Date(timeIntervalSince1970: Double(wallClock.nowMillis()) / 1000)
                if let text = ask.asOf {
                    guard let instant = OffsetInstant(text) else {
                        throw SyncError(.malformed, "as_of must be an ISO 8601 time with offset")
                    }
                    asOf = instant.date
                }
                let caller = exchange.caller
                let instant = asOf
                let report = try await executor.run { replica throws -> Report in
                    try Self.report(ask, grouping: grouping, asOf: instant, for: caller, from: replica)
                }
                let type: String
                switch format {
                case .csv: type = "text/csv; charset=utf-8"
                case .json: type = "application/json"
                case .html: type = "text/html; charset=utf-8"
                }
                return Response(
                    status: .ok, headers: [.contentType: type],
                    body: .init(byteBuffer: ByteBuffer(bytes: Array(report.rendered(format).utf8))))
            }
        }
    }

    private static func report(
        _ ask: ReportRequest, grouping: ReportGrouping, asOf: Date, for caller: OriginRecord, from replica: Replica
    ) throws -> Report {
        let year = ask.year
        do {
            switch (caller.role, ask.kind) {
            case (.county, "completion"):
                return try replica.completionReport(year: year, by: grouping, county: caller.county, asOf: asOf)
            case (.county, "hours"):
                return try replica.hoursReport(year: year, county: caller.county, asOf: asOf)
            case (.county, "at-risk"):
                return try replica.atRiskReport(year: year, county: caller.county, asOf: asOf)
            case (.provider, "provider"):
                guard let project = try replica.providerProject(of: caller.origin) else {
                    throw SyncError(.authForbidden, "this provider key is enrolled for no project")
                }
                return try replica.providerBriefing(year: year, project: project, asOf: asOf)
            default:
                throw SyncError(.authForbidden, "a \(caller.role.rawValue) origin may not read the \(ask.kind) report")
            }
        } catch {
            // Something the report needs is not there (no policy published for the year): the caller's
            // request, not the hub, is at fault.
            if let failure = error as? ReplicaError, !failure.isRetryable {
                throw SyncError("report.unavailable", failure.message)
            }
            throw error
        }
    }
}
