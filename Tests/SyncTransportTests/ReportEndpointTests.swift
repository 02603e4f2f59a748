import Crypto
import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// `POST /v1/reports` (docs/API.md): each caller gets the reports of its own share of the data.
@Suite struct ReportEndpointTests {
    static let policy: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/policy-2019.json")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    static func row(_ table: String, _ key: [Value], _ fields: [(String, Value)]) -> LocalWrite {
        LocalWrite(kind: .upsert, table: table, key: key, fields: fields.map { .init($0.0, $0.1) })
    }

    @Test("a county gets its own county's reports, a provider its project's briefing, and nothing else")
    func reportsByCaller() async throws {
        let f = try TransportFixture(counties: ["130102", "130104"])
        try f.hub.write([
            TransportFixture.teacher(1), TransportFixture.teacher(2), TransportFixture.teacher(3, county: "130104"),
            Self.row(
                "projects", [.text("PJ")],
                [
                    ("year", .integer(2019)), ("name", .text("小学")), ("stages", .text("2")),
                    ("provider_code", .text("P1")), ("hours_required", .integer(520)),
                ]),
        ])
        try f.hub.publishPolicy(year: 2019, version: 1, document: Self.policy)
        let provider = SigningIdentity(privateKey: Curve25519.Signing.PrivateKey())
        try f.hub.enrolProvider(publicKey: provider.publicKey, project: "PJ")
        try await f.withHub { hub in
            func ask(_ body: String, as signer: SigningIdentity) async throws -> RawHTTP.Answer {
                let request = RawHTTP.signed(
                    "/v1/reports", on: hub, body: Array(body.utf8), signer: signer, nowMillis: f.clock.nowMillis())
                return try await RawHTTP.send("POST", request.url, body: request.body, headers: request.headers)
            }
            let county = f.counties[0].identity.signer
            let csv = try await ask(#"{"kind": "completion", "year": 2019, "format": "csv"}"#, as: county)
            #expect(csv.status == 200)
            #expect(csv.headers.first(name: "content-type") == "text/csv; charset=utf-8")
            #expect(csv.text.contains("130102,长安区,2,"))
            #expect(!csv.text.contains("130104"))
            let risk = try await ask(
                #"{"kind": "at-risk", "year": 2019, "as_of": "2019-09-01T00:00:00+08:00"}"#, as: county)
            #expect(risk.status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(risk.body)) as? [String: Any]
            #expect(json?["personal_data"] as? Bool == true)
            let rows = ((json?["sections"] as? [[String: Any]])?.first?["rows"] as? [[String]]) ?? []
            #expect(rows.map { $0[3] }.sorted() == ["ID1", "ID2"], "its own teachers, not 130104's")
            let html = try await ask(#"{"kind": "hours", "year": 2019, "format": "html"}"#, as: county)
            #expect(html.status == 200 && html.text.contains("<svg"))
            #expect(try await ask(#"{"kind": "provider", "year": 2019}"#, as: county).reason == "auth.forbidden")
            #expect(try await ask(#"{"kind": "completion", "year": 2030}"#, as: county).reason == "report.unavailable")
            #expect(try await ask(#"{"kind": "completion"}"#, as: county).reason == "format.malformed")
            let briefing = try await ask(#"{"kind": "provider", "year": 2019, "format": "csv"}"#, as: provider)
            #expect(briefing.status == 200)
            #expect(briefing.text.contains("130102,长安区,2,0,0,0,0.0"))
            #expect(briefing.text.contains("130104,"))
            #expect(!briefing.text.contains("ID1"))
            #expect(try await ask(#"{"kind": "completion", "year": 2019}"#, as: provider).reason == "auth.forbidden")
        }
    }

    @Test("a provider uploads only its own sets, in county streams")
    func providerUploads() async throws {
        let f = try TransportFixture()
        try f.hub.write([
            Self.row(
                "projects", [.text("PJ")],
                [
                    ("year", .integer(2019)), ("name", .text("小学")), ("stages", .text("2")),
                    ("provider_code", .text("P1")), ("hours_required", .integer(520)),
                ])
        ])
        try f.hub.seal()
        let provider = SigningIdentity(privateKey: Curve25519.Signing.PrivateKey())
        try f.hub.enrolProvider(publicKey: provider.publicKey, project: "PJ")
        let other = SigningIdentity(privateKey: Curve25519.Signing.PrivateKey())
        func envelope(_ signer: SigningIdentity, _ scope: Scope) throws -> [UInt8] {
            let op = RowOperation(
                kind: .insertFact, hlc: HybridTimestamp(physicalMillis: UInt64(f.clock.nowMillis()), logical: 0),
                table: "withdrawals", key: [.text("130102"), .text("R1")],
                fields: [.init("reason", .text("x")), .init("withdrawn_at", .text("2019-10-01T10:00:00+08:00"))])
            return try ChangeSet.seal(
                stream: StreamID(origin: signer.origin, scope: scope), sequence: 1,
                previous: [UInt8](repeating: 0, count: 32), operations: [op], signer: signer
            ).envelope
        }
        try await f.withHub { hub in
            func upload(_ envelopes: [[UInt8]]) async throws -> RawHTTP.Answer {
                let request = RawHTTP.signed(
                    "/v1/sets", on: hub, body: BundleFile.encode(envelopes), signer: provider,
                    nowMillis: f.clock.nowMillis())
                return try await RawHTTP.send("POST", request.url, body: request.body, headers: request.headers)
            }
            #expect(try await upload([envelope(other, .county("130102"))]).reason == "auth.forbidden")
            #expect(try await upload([envelope(provider, .province)]).reason == "auth.forbidden")
            #expect(try await upload([[1, 2, 3]]).reason == "format.malformed")
            // Its own set in a county stream reaches the hub's project check (no such record: refused there).
            let own = try await upload([envelope(provider, .county("130102"))])
            #expect(own.status == 200, "\(own.text)")
            #expect(own.text.contains("scope.outside_project"), "\(own.text)")
        }
    }
}
