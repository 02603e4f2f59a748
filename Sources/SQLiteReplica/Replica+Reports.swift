import AssessmentPolicy
public import Foundation
import GRDB
import SyncCore
public import TrainingDomain

/// How the completion report groups teachers.
public enum ReportGrouping: String, Sendable, CaseIterable {
    /// The 14 education reporting units (11 cities, 定州, 辛集, 雄安新区).
    case city
    case county
    case school
    case stage
    case subject
}

/// One teacher's standing in a year: the assessment and what the reports group by.
struct TeacherStanding {
    let county: String
    let school: String
    let stage: String
    let subject: String
    let name: String
    let record: AssessmentRecord

    var settled: Bool { ["qualified", "exempt"].contains(record.status) }
}

extension Replica {
    /// The figures every report rests on: the official assessments when the scope has any, else this replica's
    /// own run of the policy (a county's preview), as of `asOf`.
    ///
    /// With `official: false` (the at-risk list, a projection to the deadline), always the node's own run as of
    /// `asOf`: an official run made at another instant says nothing of the pace at `asOf`.
    func standings(
        year: Int, county: String?, asOf: Date, official useOfficial: Bool = true
    ) throws(ReplicaError)
        -> (standings: [TeacherStanding], note: String)
    {
        let scope = identity.role == .county ? identity.county : county
        let official = useOfficial ? try officialAssessments(year: year, county: scope).records : []
        var byTeacher = Dictionary(
            official.map { ("\($0.county) \($0.idType) \($0.idNumber)", $0) }, uniquingKeysWith: { a, _ in a })
        var note = "official assessments published by the hub"
        let teachers = try runRead { db -> [Row] in
            var sql =
                "SELECT county_code, id_type, id_number, name, school_code, stage, subject FROM teachers WHERE _live = 1"
            var arguments: StatementArguments = []
            if let scope {
                sql += " AND county_code = ?"
                arguments = [scope]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments)
        }
        func key(_ row: Row) -> String {
            "\(row["county_code"] as String) \(row["id_type"] as String) \(row["id_number"] as String)"
        }
        let unassessed = teachers.filter { byTeacher[key($0)] == nil }.count
        if official.isEmpty || unassessed > 0 {
            // Teachers the hub has not assessed (none yet, or registered since its last run): this node's own run.
            for record in try assess(year: year, county: scope, asOf: asOf).records {
                let k = "\(record.county) \(record.idType) \(record.idNumber)"
                if byTeacher[k] == nil { byTeacher[k] = record }
            }
            let preview = "this node's own run of the published policy as of \(Self.isoText(asOf))"
            note =
                official.isEmpty
                ? "preview: " + preview : note + "; \(unassessed) teacher(s) not yet in them: " + preview
        }
        let standings = teachers.compactMap { row -> TeacherStanding? in
            guard let record = byTeacher[key(row)] else { return nil }
            return TeacherStanding(
                county: row["county_code"], school: (row["school_code"] as String?) ?? "",
                stage: (row["stage"] as String?) ?? "", subject: (row["subject"] as String?) ?? "",
                name: (row["name"] as String?) ?? "", record: record)
        }
        return (standings, note)
    }

    /// Completion by city, county, school, stage or subject: how many teachers have each status, and the share
    /// qualified or exempt. Aggregates only: no teacher is named.
    public func completionReport(
        year: Int, by grouping: ReportGrouping, county: String?, asOf: Date
    )
        throws(ReplicaError) -> Report
    {
        let (standings, note) = try standings(year: year, county: county, asOf: asOf)
        let schoolNames = try self.schoolNames()
        let catalog = UnitCatalog.hebei201904
        func group(_ s: TeacherStanding) -> (String, String) {
            switch grouping {
            case .city:
                let unit = catalog.reportingUnit(forCounty: s.county)
                return (unit?.code ?? s.county, unit?.name ?? "")
            case .county: return (s.county, catalog.unit(code: s.county)?.name ?? "")
            case .school: return ("\(s.county)-\(s.school)", schoolNames["\(s.county) \(s.school)"] ?? "")
            case .stage: return (s.stage, TeachingStage(rawValue: s.stage)?.name ?? "")
            case .subject: return (s.subject, SubjectCode(code: s.subject)?.name ?? "")
            }
        }
        let statuses = AssessmentStatus.allCases.map(\.rawValue)
        var groups = [String: (name: String, counts: [String: Int])]()
        for s in standings {
            let (code, name) = group(s)
            groups[code, default: (name, [:])].counts[s.record.status, default: 0] += 1
        }
        let rows = groups.keys.sorted().map { code -> [String] in
            let counts = groups[code]!.counts
            let total = counts.values.reduce(0, +)
            let settled = (counts["qualified"] ?? 0) + (counts["exempt"] ?? 0)
            return [code, groups[code]!.name, String(total)] + statuses.map { String(counts[$0] ?? 0) }
                + [Self.percent(settled, of: total)]
        }
        return Report(
            kind: "completion", title: "\(year) training completion by \(grouping.rawValue)",
            notes: [note, "completion = (qualified + exempt) / teachers"],
            sections: [
                .init(
                    title: "by \(grouping.rawValue)",
                    columns: [grouping.rawValue, "name", "teachers"] + statuses + ["completion_percent"],
                    rows: rows, chartColumn: "completion_percent")
            ])
    }

    /// The distribution of credited hours: teachers per band of total hours, and the mean hours per category.
    public func hoursReport(year: Int, county: String?, asOf: Date) throws(ReplicaError) -> Report {
        let (standings, note) = try standings(year: year, county: county, asOf: asOf)
        let (policy, _) = try assessmentPolicies(year: year)
        let required = policy.hoursRequired.tenths
        // Bands of ten hours below the requirement (the last one ends at it), then the requirement or more.
        var bands: [(String, Range<Int>)] = [("0", 0..<1)]
        var low = 1
        while low < required {
            let high = min(required, (low / 100 + 1) * 100)
            bands.append(("\(Tenths(tenths: low))-\(Tenths(tenths: high - 1))", low..<high))
            low = high
        }
        bands.append(("\(Tenths(tenths: max(required, 1))) or more", max(required, 1)..<Int.max))
        let assessed = standings.filter { $0.record.status != "exempt" }
        let bandRows = bands.map { label, range -> [String] in
            let n = assessed.filter { range.contains($0.record.totalHours) }.count
            return [label, String(n), Self.percent(n, of: assessed.count)]
        }
        let categoryRows = policy.categories.map { category -> [String] in
            let total = assessed.reduce(0) { $0 + $1.record.hours(category.code) }
            let mean = assessed.isEmpty ? 0 : total / assessed.count
            let reached = assessed.filter { $0.record.hours(category.code) >= category.minimumHours.tenths }.count
            return [
                category.code, category.name, String(describing: Tenths(tenths: mean)),
                String(describing: category.minimumHours), Self.percent(reached, of: assessed.count),
            ]
        }
        return Report(
            kind: "hours", title: "\(year) credited hours",
            notes: [note, "exempt teachers are left out; \(assessed.count) teacher(s) counted"],
            sections: [
                .init(
                    title: "teachers by total hours", columns: ["hours", "teachers", "percent"], rows: bandRows,
                    chartColumn: "teachers"),
                .init(
                    title: "hours per category",
                    columns: ["category", "name", "mean_hours", "minimum_hours", "reached_percent"], rows: categoryRows,
                    chartColumn: "mean_hours"),
            ])
    }

    /// Teachers at risk of not qualifying before the deadline: not yet qualified nor exempt, and either behind
    /// the pace the window asks (less than 80% of the hours a steady pace would have reached by now) or within
    /// 30 days of the deadline. Scoped to one county, the list names them (for that county only); for the whole
    /// province it counts them per county.
    public func atRiskReport(year: Int, county: String?, asOf: Date) throws(ReplicaError) -> Report {
        let (standings, note) = try standings(year: year, county: county, asOf: asOf, official: false)
        let (policy, _) = try assessmentPolicies(year: year)
        let opens = policy.opens.date, deadline = policy.deadline.date
        let window = deadline.timeIntervalSince(opens)
        let elapsed = min(max(asOf.timeIntervalSince(opens) / window, 0), 1)
        let expected = Int(Double(policy.hoursRequired.tenths) * elapsed * 0.8)
        let closing = deadline.timeIntervalSince(asOf) <= 30 * 86_400
        let atRisk = standings.filter {
            ["not_started", "in_progress"].contains($0.record.status) && ($0.record.totalHours < expected || closing)
        }
        let notes = [
            note,
            "as of \(Self.isoText(asOf)): \(Int(elapsed * 100))% of the window has passed; at risk below "
                + "\(Tenths(tenths: expected)) hours\(closing ? ", or anyone not qualified in the last 30 days" : "")",
        ]
        let scope = identity.role == .county ? identity.county : county
        if scope != nil {
            let schoolNames = try self.schoolNames()
            let rows = atRisk.sorted { ($0.school, $0.record.idNumber) < ($1.school, $1.record.idNumber) }.map {
                s -> [String] in
                [
                    s.school, schoolNames["\(s.county) \(s.school)"] ?? "", s.record.idType, s.record.idNumber, s.name,
                    String(describing: Tenths(tenths: s.record.totalHours)),
                    s.record.reasons.split(separator: "\n").filter { $0.hasPrefix("short.") }
                        .map { String($0.drop { $0 != ":" }.dropFirst().drop { $0 == " " }) }.joined(separator: "; "),
                ]
            }
            return Report(
                kind: "at-risk", title: "\(year) teachers at risk, county \(scope!)", notes: notes,
                sections: [
                    .init(
                        title: "at risk",
                        columns: ["school", "school_name", "id_type", "id_number", "name", "hours", "short_of"],
                        rows: rows)
                ], containsPersonalData: true)
        }
        var perCounty = [String: (teachers: Int, risk: Int)]()
        for s in standings { perCounty[s.county, default: (0, 0)].teachers += 1 }
        for s in atRisk { perCounty[s.county, default: (0, 0)].risk += 1 }
        let rows = perCounty.keys.sorted().map { code -> [String] in
            let entry = perCounty[code]!
            return [
                code, UnitCatalog.hebei201904.unit(code: code)?.name ?? "", String(entry.teachers), String(entry.risk),
                Self.percent(entry.risk, of: entry.teachers),
            ]
        }
        return Report(
            kind: "at-risk", title: "\(year) teachers at risk, by county", notes: notes,
            sections: [
                .init(
                    title: "at risk by county", columns: ["county", "name", "teachers", "at_risk", "at_risk_percent"],
                    rows: rows, chartColumn: "at_risk_percent")
            ])
    }

    /// The summary a city sends within a week after the training (notice, part 5): its counties' completion,
    /// hours, and the city's and counties' contacts.
    public func citySummaryReport(year: Int, city: String, asOf: Date) throws(ReplicaError) -> Report {
        let catalog = UnitCatalog.hebei201904
        guard let unit = catalog.reportingUnits.first(where: { $0.code == city }) else {
            throw .missing("\(city) is not one of the 14 reporting units (`teachersync report --help` lists them)")
        }
        let counties = Set(catalog.counties(reportingTo: city).map(\.code))
        let (all, note) = try standings(year: year, county: nil, asOf: asOf)
        let standings = all.filter { counties.contains($0.county) }
        let statuses = AssessmentStatus.allCases.map(\.rawValue)
        var rows = [[String]]()
        for code in counties.sorted() {
            let mine = standings.filter { $0.county == code }
            guard !mine.isEmpty else { continue }
            let settled = mine.filter(\.settled).count
            let mean = mine.reduce(0) { $0 + $1.record.totalHours } / mine.count
            rows.append(
                [code, catalog.unit(code: code)?.name ?? "", String(mine.count)]
                    + statuses.map { status in String(mine.filter { $0.record.status == status }.count) }
                    + [String(describing: Tenths(tenths: mean)), Self.percent(settled, of: mine.count)])
        }
        let settled = standings.filter(\.settled).count
        let contacts = try runRead { db in
            try Row.fetchAll(
                db,
                sql: "SELECT unit_code, duty, name, phone, email FROM contacts WHERE _live = 1 ORDER BY unit_code, duty"
            )
        }.filter { counties.contains($0["unit_code"]) || ($0["unit_code"] as String) == city }.map { row -> [String] in
            [
                row["unit_code"], row["duty"], (row["name"] as String?) ?? "", (row["phone"] as String?) ?? "",
                (row["email"] as String?) ?? "",
            ]
        }
        return Report(
            kind: "city-summary", title: "\(year) training summary, \(unit.name) (\(city))",
            notes: [
                note,
                "\(standings.count) teacher(s) in \(rows.count) county(ies); completion "
                    + "\(Self.percent(settled, of: standings.count))%",
            ],
            sections: [
                .init(
                    title: "counties",
                    columns: ["county", "name", "teachers"] + statuses + ["mean_hours", "completion_percent"],
                    rows: rows, chartColumn: "completion_percent"),
                .init(title: "contacts", columns: ["unit", "duty", "name", "phone", "email"], rows: contacts),
            ])
    }

    /// A provider's briefing: the progress of its project's teachers (those whose stage the project covers),
    /// per county: online hours (categories the provider's courses count in), homework, and status.
    public func providerBriefing(year: Int, project: String, asOf: Date) throws(ReplicaError) -> Report {
        let (stagesText, categories) = try runRead { db -> (String?, [String]) in
            let stages = try String.fetchOne(
                db, sql: "SELECT stages FROM projects WHERE project_code = ? AND year = ? AND _live = 1",
                arguments: [project, year])
            let categories = try String.fetchAll(
                db, sql: "SELECT DISTINCT category FROM courses WHERE project_code = ? AND _live = 1 ORDER BY category",
                arguments: [project])
            return (stages, categories)
        }
        guard let stagesText else { throw .missing("no project \(project) of \(year) is in the catalogue") }
        let stages = Set(stagesText.split(separator: ";").map(String.init))
        let (all, note) = try standings(year: year, county: nil, asOf: asOf)
        let standings = all.filter { stages.contains($0.stage) }
        var rows = [[String]]()
        for code in Set(standings.map(\.county)).sorted() {
            let mine = standings.filter { $0.county == code }
            let online = mine.reduce(0) { sum, s in sum + categories.reduce(0) { $0 + s.record.hours($1) } }
            let started = mine.filter { s in categories.contains { s.record.hours($0) > 0 } }.count
            rows.append([
                code, UnitCatalog.hebei201904.unit(code: code)?.name ?? "", String(mine.count), String(started),
                String(describing: Tenths(tenths: mine.isEmpty ? 0 : online / mine.count)),
                String(mine.filter(\.settled).count), Self.percent(started, of: mine.count),
            ])
        }
        return Report(
            kind: "provider", title: "\(year) briefing, project \(project)",
            notes: [note, "online categories: \(categories.joined(separator: ", ")); stages \(stagesText)"],
            sections: [
                .init(
                    title: "progress by county",
                    columns: [
                        "county", "name", "teachers", "started", "mean_online_hours", "qualified_or_exempt",
                        "started_percent",
                    ],
                    rows: rows, chartColumn: "started_percent")
            ])
    }

    /// School names by `county_code school_code`.
    private func schoolNames() throws(ReplicaError) -> [String: String] {
        try runRead { db in
            var out = [String: String]()
            for row in try Row.fetchAll(db, sql: "SELECT county_code, school_code, name FROM schools WHERE _live = 1") {
                out["\(row["county_code"] as String) \(row["school_code"] as String)"] = row["name"] as String?
            }
            return out
        }
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "0.0" : String(format: "%.1f", Double(part) * 100 / Double(whole))
    }

    static func isoText(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        return formatter.string(from: date)
    }
}
