public import AssessmentPolicy
import Crypto
public import Foundation
import GRDB
import SyncCore
import TrainingDomain

/// One teacher's assessment as the `assessments` table stores it (docs/RECORDS.md): hours and scores in tenths.
public struct AssessmentRecord: Sendable, Hashable {
    public let county: String
    public let idType: String
    public let idNumber: String
    public let year: Int
    /// `not_started`, `in_progress`, `qualified`, `not_qualified` or `exempt`.
    public let status: String
    /// Hours per category, `code=tenths` joined by `;`, in the policy's order.
    public let hours: String
    public let totalHours: Int
    public let score: Int?
    /// One `code: message` line per reason, in the engine's order.
    public let reasons: String
    public let policyVersion: Int

    /// The reason codes, without their messages.
    public var reasonCodes: [String] {
        reasons.split(separator: "\n").map { line in String(line.prefix { $0 != ":" }) }
    }

    /// Hours per category in tenths, parsed from ``hours``, in the policy's order.
    public var categoryHours: [(category: String, tenths: Int)] {
        hours.split(separator: ";").compactMap { pair in
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let tenths = Int(parts[1]) else { return nil }
            return (String(parts[0]), tenths)
        }
    }

    /// Hours of one category, in tenths (0 when the category is not listed).
    public func hours(_ category: String) -> Int {
        categoryHours.first { $0.category == category }?.tenths ?? 0
    }

    /// The line the assessment digest hashes: everything but the reasons' wording, which may change between
    /// releases without making a county's preview disagree with the hub.
    var digestLine: String {
        [
            county, idType, idNumber, String(year), status, hours, String(totalHours), score.map(String.init) ?? "",
            reasonCodes.joined(separator: ","), String(policyVersion),
        ].joined(separator: "|")
    }

    init(county: String, idType: String, idNumber: String, year: Int, assessment: Assessment) {
        self.county = county
        self.idType = idType
        self.idNumber = idNumber
        self.year = year
        self.status = assessment.status.rawValue
        self.hours = assessment.categories.map { "\($0.code)=\($0.hours.tenths)" }.joined(separator: ";")
        self.totalHours = assessment.totalHours.tenths
        self.score = assessment.score.tenths
        self.reasons = assessment.reasons.map { "\($0.code.rawValue): \($0.message)" }.joined(separator: "\n")
        self.policyVersion = assessment.policyVersion
    }

    /// A stored row; `nil` when a required column is empty (a row is visible with any one column written).
    init?(_ row: Row) {
        guard let county: String = row["county_code"], let idType: String = row["id_type"],
            let idNumber: String = row["id_number"], let year: Int = row["year"], let status: String = row["status"],
            let hours: String = row["hours"], let totalHours: Int = row["total_hours"],
            let reasons: String = row["reasons"], let policyVersion: Int = row["policy_version"]
        else { return nil }
        self.county = county
        self.idType = idType
        self.idNumber = idNumber
        self.year = year
        self.status = status
        self.hours = hours
        self.totalHours = totalHours
        self.score = row["score"]
        self.reasons = reasons
        self.policyVersion = policyVersion
    }

    var fields: [RowOperation.Field] {
        [
            .init("status", .text(status)), .init("hours", .text(hours)),
            .init("total_hours", .integer(Int64(totalHours))),
            .init("score", score.map { .integer(Int64($0)) } ?? .null),
            .init("reasons", .text(reasons)), .init("policy_version", .integer(Int64(policyVersion))),
        ]
    }

    var key: [Value] { [.text(county), .integer(Int64(year)), .text(idType), .text(idNumber)] }
}

/// A set of assessments of one year, and their digest: equal at a county and at the hub when both ran the same
/// policy over the same records.
public struct AssessmentRun: Sendable {
    public let year: Int
    public let records: [AssessmentRecord]

    /// SHA-256 over the sorted digest lines, in hex; independent of the order the teachers were assessed in.
    public var digest: String { Self.digest(records) }

    /// How many teachers have each status.
    public var countsByStatus: [String: Int] { records.reduce(into: [:]) { $0[$1.status, default: 0] += 1 } }

    static func digest(_ records: [AssessmentRecord]) -> String {
        var hash = SHA256()
        hash.update(data: Data("teachersync-assessments 1\n".utf8))
        for line in records.map(\.digestLine).sorted() { hash.update(data: Data((line + "\n").utf8)) }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// What publishing the official assessments did.
public struct AssessmentPublication: Sendable {
    public let run: AssessmentRun
    /// Rows written or changed, and rows of teachers no longer registered that were removed.
    public let written: Int
    public let removed: Int
    public let sealed: Int
}

extension Replica {
    /// Runs the published policy of `year` over this replica's records: the county's preview, or at the hub
    /// the official run (``publishAssessments(year:county:asOf:)`` stores it).
    ///
    /// Every live teacher of the county (at the hub: of `county`, or of every county) is assessed. A teacher's
    /// credits are the study records of the year's courses (a record whose course is in no catalogue counts
    /// for the year whose window holds it, in no category), attendance at the year's activities (from the
    /// county, or the school when the activity names one), homework of the year, exemption claims and a
    /// make-up enrolment for the year; withdrawn records stay in, marked withdrawn. The make-up rule is that of
    /// the published policy which credits `year`.
    public func assess(year: Int, county: String?, asOf: Date) throws(ReplicaError) -> AssessmentRun {
        let (policy, makeUp) = try assessmentPolicies(year: year)
        let records = try runRead { db -> [AssessmentRecord] in
            let counties: [String]
            if identity.role == .county {
                counties = [identity.county ?? ""]
            } else if let county {
                counties = [county]
            } else {
                counties = try String.fetchAll(
                    db, sql: "SELECT DISTINCT county_code FROM teachers WHERE _live = 1 ORDER BY county_code")
            }
            let inputs = try AssessmentInputs(db, year: year, policy: policy, makeUp: makeUp)
            var out = [AssessmentRecord]()
            for code in counties {
                for (teacher, input) in try inputs.load(db, county: code) {
                    out.append(
                        AssessmentRecord(
                            county: code, idType: teacher.type, idNumber: teacher.number, year: year,
                            assessment: policy.assess(input, asOf: asOf, makeUp: makeUp)))
                }
            }
            return out
        }
        return AssessmentRun(year: year, records: records)
    }

    /// The hub's official run: assesses, stores every changed assessment (hub-signed, in each county's
    /// stream), removes those of teachers no longer registered, and seals.
    public func publishAssessments(
        year: Int, county: String?, asOf: Date
    ) throws(ReplicaError)
        -> AssessmentPublication
    {
        guard identity.role == .hub else { throw .wrongRole("official assessments are published by the hub") }
        let run = try assess(year: year, county: county, asOf: asOf)
        let current = Set(run.records.map(\.key))
        let stale = try officialAssessments(year: year, county: county).records.map(\.key).filter {
            !current.contains($0)
        }
        var writes = run.records.map {
            LocalWrite(kind: .upsert, table: TrainingTables.assessments.name, key: $0.key, fields: $0.fields)
        }
        writes += stale.map { LocalWrite(kind: .delete, table: TrainingTables.assessments.name, key: $0, fields: []) }
        let report = try write(writes)
        let sealed = try seal().count
        return AssessmentPublication(run: run, written: report.written, removed: stale.count, sealed: sealed)
    }

    /// The official assessments of `year` this replica holds (a county: its own; the hub: `county`'s or all).
    public func officialAssessments(year: Int, county: String?) throws(ReplicaError) -> AssessmentRun {
        let records = try runRead { db -> [AssessmentRecord] in
            var sql = "SELECT * FROM assessments WHERE year = ? AND _live = 1"
            var arguments: StatementArguments = [year]
            if let county = identity.role == .county ? identity.county : county {
                sql += " AND county_code = ?"
                arguments += [county]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap(AssessmentRecord.init)
        }
        return AssessmentRun(year: year, records: records)
    }

    /// The policy of `year` and the make-up rule that credits it, parsed from the published documents.
    func assessmentPolicies(year: Int) throws(ReplicaError) -> (AssessmentPolicy, MakeUpRule?) {
        let documents = try runRead { db in
            try Row.fetchAll(db, sql: "SELECT year, document FROM policies WHERE _live = 1 ORDER BY year").map {
                (year: $0["year"] as Int, document: $0["document"] as String)
            }
        }
        var policy: AssessmentPolicy?
        var makeUp: MakeUpRule?
        for entry in documents {
            let parsed: AssessmentPolicy
            do {
                parsed = try PolicyDocument.parse(Data(entry.document.utf8))
            } catch {
                // Another year's document this release cannot read (a newer format) does not stop this year.
                guard entry.year == year else { continue }
                throw .corruptStore("the published policy of \(entry.year) does not parse: \(error)")
            }
            if entry.year == year { policy = parsed }
            if let rule = parsed.makeUp, rule.creditsYear == year { makeUp = rule }
        }
        guard let policy else {
            throw .missing("no assessment policy is published for \(year) (the hub runs `teachersync policy publish`)")
        }
        return (policy, makeUp)
    }
}

/// Reads the engine's inputs for one year from the replica, a county at a time.
private struct AssessmentInputs {
    struct Teacher: Hashable {
        let type: String
        let number: String
    }

    let year: Int
    let opens: Date
    let deadline: Date
    /// Category by course code, for the year's courses.
    let categories: [String: String]
    /// Every course code of any year's catalogue.
    let catalogued: Set<String>

    init(_ db: Database, year: Int, policy: AssessmentPolicy, makeUp: MakeUpRule?) throws {
        self.year = year
        opens = policy.opens.date
        deadline = (makeUp.map { max($0.deadline, policy.deadline) } ?? policy.deadline).date
        var categories = [String: String]()
        var catalogued = Set<String>()
        for row in try Row.fetchAll(db, sql: "SELECT course_code, year, category FROM courses WHERE _live = 1") {
            let code: String = row["course_code"]
            catalogued.insert(code)
            if (row["year"] as Int?) == year, let category: String = row["category"] { categories[code] = category }
        }
        self.categories = categories
        self.catalogued = catalogued
    }

    /// The category a study record's course counts in for this year, or `nil` when it does not belong to it.
    private func category(course: String, recordedAt: Date) -> String? {
        if let category = categories[course] { return category }
        // A course in no catalogue: the year whose window holds the record, in no known category.
        return !catalogued.contains(course) && recordedAt >= opens && recordedAt < deadline ? "" : nil
    }

    /// The id prefix of attendance credits: U+0000 never appears in a stored text value (PROTOCOL.md, section
    /// 6), so no study record's id can collide with an attendance credit's.
    static let attendancePrefix = "activity\u{0}"

    private static func date(_ text: String) -> Date {
        OffsetInstant(text)?.date ?? .distantPast
    }

    func load(_ db: Database, county: String) throws -> [(Teacher, AssessmentInput)] {
        func teacher(_ row: Row) -> Teacher { Teacher(type: row["id_type"], number: row["id_number"]) }
        var inputs = [Teacher: AssessmentInput]()
        var order = [Teacher]()
        for row in try Row.fetchAll(
            db,
            sql:
                "SELECT id_type, id_number FROM teachers WHERE county_code = ? AND _live = 1 ORDER BY id_type, id_number",
            arguments: [county])
        {
            let t = teacher(row)
            inputs[t] = AssessmentInput()
            order.append(t)
        }
        let withdrawn = Set(
            try String.fetchAll(
                db, sql: "SELECT record_id FROM withdrawals WHERE county_code = ? AND _live = 1", arguments: [county]))
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT record_id, id_type, id_number, activity_code, minutes, recorded_at, source FROM study_records
                WHERE county_code = ? AND _live = 1
                """, arguments: [county])
        {
            let t = teacher(row)
            guard inputs[t] != nil else { continue }
            let recordedAt = Self.date(row["recorded_at"])
            guard let category = category(course: row["activity_code"], recordedAt: recordedAt) else { continue }
            let id: String = row["record_id"]
            inputs[t]!.credits.append(
                StudyCredit(
                    recordID: id, category: category, minutes: row["minutes"], recordedAt: recordedAt,
                    source: CreditSource(rawValue: row["source"]) ?? .county, withdrawn: withdrawn.contains(id)))
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT a.activity_id, a.id_type, a.id_number, a.minutes, v.course_code, v.held_on, v.school_code
                FROM attendance a JOIN activities v
                  ON v.county_code = a.county_code AND v.activity_id = a.activity_id AND v._live = 1
                WHERE a.county_code = ? AND a._live = 1 AND v.year = ?
                """, arguments: [county, year])
        {
            let t = teacher(row)
            guard inputs[t] != nil else { continue }
            // An activity or attendance row with an empty column (written partly) gives no credit.
            guard let heldOn: String = row["held_on"], let course: String = row["course_code"],
                let minutes: Int = row["minutes"]
            else { continue }
            let school: String? = row["school_code"]
            let activity: String = row["activity_id"]
            inputs[t]!.credits.append(
                StudyCredit(
                    recordID: Self.attendancePrefix + activity, category: categories[course] ?? "", minutes: minutes,
                    recordedAt: Self.date(heldOn + "T12:00:00+08:00"), source: school == nil ? .county : .school))
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT record_id, id_type, id_number, assignment_id, score, submitted_at FROM homework
                WHERE county_code = ? AND year = ? AND _live = 1
                """, arguments: [county, year])
        {
            let t = teacher(row)
            guard inputs[t] != nil else { continue }
            let id: String = row["record_id"]
            inputs[t]!.homework.append(
                HomeworkResult(
                    assignmentID: row["assignment_id"], score: Tenths(tenths: row["score"]),
                    submittedAt: Self.date(row["submitted_at"]), withdrawn: withdrawn.contains(id)))
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT id_type, id_number, kind, certificate_year, evidence FROM exemptions
                WHERE county_code = ? AND year = ? AND _live = 1
                """, arguments: [county, year])
        {
            let t = teacher(row)
            guard inputs[t] != nil else { continue }
            let kind: String = row["kind"]
            guard let evidence: String = row["evidence"] else { continue }
            if kind == "manual" {
                inputs[t]!.manualExemption = ManualExemption(reason: evidence)
            } else if let certificateYear: Int = row["certificate_year"] {
                inputs[t]!.exemptionClaims.append(ExemptionClaim(kind: kind, year: certificateYear, evidence: evidence))
            }
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT id_type, id_number FROM make_ups WHERE county_code = ? AND year = ? AND _live = 1",
            arguments: [county, year])
        {
            let t = teacher(row)
            if inputs[t] != nil { inputs[t]!.makeUp = MakeUpEnrolment(year: year) }
        }
        return order.map { ($0, inputs[$0]!) }
    }
}
