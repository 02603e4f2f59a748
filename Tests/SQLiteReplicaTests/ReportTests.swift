import Foundation
import SQLiteReplica
import SyncCore
import Testing
import TrainingDomain

/// The reports (docs/REPORTS.md) over the four teachers of ``AssessmentRunTests/province()``.
@Suite struct ReportTests {
    static let asOf = AssessmentRunTests.afterDeadline

    @Test("completion by every grouping counts each status, at the county (preview) and at the hub (official)")
    func completion() throws {
        let f = try AssessmentRunTests.province()
        let preview = try f.counties[0].completionReport(year: 2019, by: .county, county: nil, asOf: Self.asOf)
        #expect(preview.notes.first?.hasPrefix("preview") == true)
        let section = try #require(preview.sections.first)
        #expect(
            section.columns == [
                "county", "name", "teachers", "not_started", "in_progress", "qualified", "not_qualified", "exempt",
                "completion_percent",
            ])
        #expect(section.rows == [["130102", "长安区", "4", "0", "0", "1", "2", "1", "50.0"]])
        _ = try f.hub.publishAssessments(year: 2019, county: nil, asOf: Self.asOf)
        let official = try f.hub.completionReport(year: 2019, by: .city, county: nil, asOf: Self.asOf)
        #expect(official.notes.first?.hasPrefix("official") == true)
        #expect(official.sections[0].rows == [["130100", "石家庄市", "4", "0", "0", "1", "2", "1", "50.0"]])
        // A teacher registered after the official run is counted from the hub's own run, and the notes say so.
        try f.hub.write([ReplicaFixture.teacher(9)])
        let mixed = try f.hub.completionReport(year: 2019, by: .county, county: nil, asOf: Self.asOf)
        #expect(mixed.sections[0].rows.first?[2] == "5")
        #expect(mixed.notes.first?.contains("1 teacher(s) not yet in them") == true)
        for grouping in ReportGrouping.allCases {
            let report = try f.hub.completionReport(year: 2019, by: grouping, county: nil, asOf: Self.asOf)
            #expect(report.sections[0].rows.map { Int($0[2]) ?? 0 }.reduce(0, +) == 5, "\(grouping)")
            #expect(!report.containsPersonalData)
        }
    }

    @Test("the at-risk list names teachers only when scoped to one county")
    func atRisk() throws {
        let f = try AssessmentRunTests.province()
        // Two months into the window: ID4 has nothing and ID2 is short; ID1 is done and ID3 exempt.
        let during = Date(timeIntervalSince1970: 1_565_000_000)
        let county = try f.counties[0].atRiskReport(year: 2019, county: nil, asOf: during)
        #expect(county.containsPersonalData)
        #expect(county.sections[0].rows.map { $0[3] } == ["ID4"])
        let province = try f.hub.atRiskReport(year: 2019, county: nil, asOf: during)
        #expect(!province.containsPersonalData)
        #expect(province.sections[0].rows == [["130102", "长安区", "4", "1", "25.0"]])
        for format in Report.Format.allCases {
            let text = province.rendered(format)
            #expect(!text.contains("ID4") && !text.contains("张三"), "\(format)")
        }
        let hubForCounty = try f.hub.atRiskReport(year: 2019, county: "130102", asOf: during)
        #expect(hubForCounty.containsPersonalData)
    }

    @Test("hours, the city summary and the provider briefing")
    func otherReports() throws {
        let f = try AssessmentRunTests.province()
        try f.hub.write([
            ReplicaFixture.row(
                "contacts", [.text("130100"), .text("training")],
                [("name", .text("联系人")), ("phone", .text("0311-1234567")), ("email", .null)])
        ])
        try f.hub.seal()
        let hours = try f.hub.hoursReport(year: 2019, county: nil, asOf: Self.asOf)
        #expect(hours.sections[0].rows.map { Int($0[1])! }.reduce(0, +) == 3, "exempt teachers are left out")
        #expect(hours.sections[0].rows.last == ["52 or more", "2", "66.7"])
        #expect(hours.sections[1].rows.map { $0[0] } == ["mandatory", "elective", "it", "offline"])
        let city = try f.hub.citySummaryReport(year: 2019, city: "130100", asOf: Self.asOf)
        #expect(city.sections[0].rows.first?.first == "130102")
        #expect(city.sections[1].rows == [["130100", "training", "联系人", "0311-1234567", ""]])
        #expect(throws: ReplicaError.self) { try f.hub.citySummaryReport(year: 2019, city: "130102", asOf: Self.asOf) }
        // ID1 and ID2 each have 39.9 online hours (mandatory, elective, IT), ID3 and ID4 none: a mean of 19.9.
        let briefing = try f.hub.providerBriefing(year: 2019, project: "PJ-PRI", asOf: Self.asOf)
        #expect(briefing.sections[0].rows == [["130102", "长安区", "4", "2", "19.9", "2", "50.0"]])
        #expect(throws: ReplicaError.self) { try f.hub.providerBriefing(year: 2019, project: "NOPE", asOf: Self.asOf) }
    }

    @Test("CSV, JSON and HTML renderings carry the same rows")
    func renderings() throws {
        let report = Report(
            kind: "t", title: "标题 <x>", notes: ["n"],
            sections: [
                .init(title: "s", columns: ["a", "b"], rows: [["1", "x,\"y\""], ["2", "z"]], chartColumn: "a")
            ])
        #expect(report.csv == "# 标题 <x>\r\n# n\r\n\r\n# s\r\na,b\r\n1,\"x,\"\"y\"\"\"\r\n2,z\r\n")
        let json = try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any]
        let sections = json?["sections"] as? [[String: Any]]
        #expect((sections?.first?["rows"] as? [[String]]) == [["1", "x,\"y\""], ["2", "z"]])
        #expect(report.html.contains("<title>标题 &lt;x&gt;</title>"))
        #expect(report.html.contains("<svg") && report.html.components(separatedBy: "<rect").count == 3)
    }
}
