import Foundation
import SQLiteReplica
import SyncCore
import SyncTestSupport
import SyncTransport
import Testing

/// `GET /healthz` and `GET /metrics`.
@Suite struct OperationalEndpointTests {
    @Test func healthzAnswersOk() async throws {
        let f = try TransportFixture()
        try await f.withHub { hub in
            let answer = try await RawHTTP.send("GET", hub.url + "/healthz")
            #expect(answer.status == 200)
            #expect(answer.text == "ok\n")
            // Unsigned, and unknown paths are not found rather than refused.
            #expect(try await RawHTTP.send("GET", hub.url + "/nothing-here").status == 404)
        }
    }

    @Test func metricsCountUploadsAndRefusalsWithoutPersonalData() async throws {
        let f = try TransportFixture()
        let county = f.counties[0]
        // Realistic personal data: valid identity numbers and Chinese names.
        let demo = DemoData(county: "130102", schools: 1, teachers: 4, recordsPerTeacher: 0)
        let teachers = demo.teacherList()
        try county.write(
            teachers.map { t in
                LocalWrite(
                    kind: .upsert, table: "teachers", key: [.text("130102"), .text("1"), .text(t.idNumber)],
                    fields: [
                        .init("name", .text(t.name)), .init("gender", .text(t.gender)),
                        .init("school_code", .text(t.school)), .init("stage", .text(t.stage)),
                        .init("subject", .text(t.subject)), .init("dev_stage", .text(t.devStage)),
                    ])
            })

        try await f.withHub { hub in
            let before = try await RawHTTP.metrics(hub)
            // The counters exist from the start, at 0.
            #expect(before.split(separator: "\n").contains("teachersync_sets_applied_total 0"))

            #expect(await f.driver(county, hub).runRound().outcome == .inSync(pushed: 1, pulled: 2))
            // An unsigned request and a replayed one.
            _ = try await RawHTTP.send("POST", hub.url + "/v1/heads", body: emptyVectorJSON())
            let body = try emptyVectorJSON()
            let signed = RawHTTP.signed(
                "/v1/heads", on: hub, body: body, signer: county.identity.signer, nowMillis: f.clock.nowMillis())
            _ = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)
            _ = try await RawHTTP.send("POST", signed.url, body: body, headers: signed.headers)

            let metrics = try await RawHTTP.metrics(hub)
            let lines = metrics.split(separator: "\n").map(String.init)
            #expect(lines.contains("teachersync_sets_applied_total 1"))
            #expect(lines.contains("teachersync_sets_received_total 1"))
            #expect(lines.contains("teachersync_operations_applied_total \(teachers.count)"))
            #expect(lines.contains(#"teachersync_requests_refused_total{reason="auth.missing"} 1"#))
            #expect(lines.contains(#"teachersync_requests_refused_total{reason="auth.replayed"} 1"#))
            #expect(lines.contains { $0.hasPrefix(#"teachersync_county_last_sync_seconds{county="130102"}"#) })

            // No identity number, name or key in the exposition.
            #expect(teachers.count == 4)
            for t in teachers {
                #expect(!metrics.contains(t.idNumber))
                #expect(!metrics.contains(t.name))
            }
            #expect(!metrics.contains(county.identity.origin.hex))
            #expect(!metrics.contains(county.identity.signer.publicKeyBase64))
            // Control: the hub does hold the personal data the metrics leave out.
            #expect(try f.hub.teacherCounties().keys.contains("1 \(teachers[0].idNumber)"))
        }
    }
}
