import AssessmentPolicy
import Foundation

/// The policies, instants and records the tests share.
enum Fixtures {
    /// The text of Config/policy-2019.json.
    static let policy2019Text: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/policy-2019.json")
        return try! String(contentsOf: url, encoding: .utf8)
    }()

    /// The 2019 policy of Config/policy-2019.json.
    static let policy2019: AssessmentPolicy = try! PolicyDocument.parse(Data(policy2019Text.utf8))

    /// A 2018 policy with the 2019 rules, 2018's own window and no make-up of its own.
    static let policy2018: AssessmentPolicy = {
        var text = policy2019Text
        let makeUp = text.range(of: ",\n  \"make_up\"")!.lowerBound..<text.range(of: "\n}")!.lowerBound
        text.removeSubrange(makeUp)
        return try! policy2019(
            text: text,
            replacing: [
                ("\"year\": 2019", "\"year\": 2018"), ("\"certificate_year\": 2019", "\"certificate_year\": 2018"),
                ("\"opens\": \"2019-06-06T00:00:00+08:00\"", "\"opens\": \"2018-06-01T00:00:00+08:00\""),
                ("\"deadline\": \"2020-01-01T00:00:00+08:00\"", "\"deadline\": \"2019-01-01T00:00:00+08:00\""),
            ])
    }()

    /// The 2019 policy (or `text`) with pieces of its text replaced.
    static func policy2019(
        text original: String = policy2019Text, replacing replacements: [(String, String)]
    ) throws -> AssessmentPolicy {
        var text = original
        for (old, new) in replacements {
            precondition(text.contains(old), "the fixture has no \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return try PolicyDocument.parse(Data(text.utf8))
    }

    /// The instant of `text` (`2019-09-01T10:00:00+08:00`).
    static func at(_ text: String) -> Date {
        OffsetInstant(text)!.date
    }

    /// A day in the middle of the 2019 training.
    static let during2019 = at("2019-09-01T10:00:00+08:00")
    /// Before the 2019 deadline: a county's preview.
    static let preview2019 = at("2019-12-20T12:00:00+08:00")
    /// After the 2019 deadline: the hub's official run.
    static let official2019 = at("2020-01-15T09:00:00+08:00")

    /// A study credit.
    static func credit(
        _ id: String, _ category: String, _ minutes: Int, at instant: Date = during2019, source: CreditSource? = nil,
        withdrawn: Bool = false
    ) -> StudyCredit {
        StudyCredit(
            recordID: id, category: category, minutes: minutes, recordedAt: instant,
            source: source ?? (category == "offline" ? .county : .provider), withdrawn: withdrawn)
    }

    /// A homework result.
    static func homework(_ id: String, _ score: String, at instant: Date = during2019) -> HomeworkResult {
        HomeworkResult(assignmentID: id, score: Tenths(score)!, submittedAt: instant)
    }

    /// Exactly the 2019 requirement: 10 mandatory, 22 elective, 10 IT and 10 offline hours (2,340 minutes at 45 a
    /// hour, 52 hours), each category as several records; `elective` minutes may be changed.
    static func fullYear(elective: Int = 990, mandatory: Int = 450, at instant: Date = during2019) -> [StudyCredit] {
        [
            credit("m1", "mandatory", mandatory - 200, at: instant), credit("m2", "mandatory", 200, at: instant),
            credit("e1", "elective", elective - 495, at: instant), credit("e2", "elective", 450, at: instant),
            credit("e3", "elective", 45, at: instant),
            credit("i1", "it", 450, at: instant),
            credit("o1", "offline", 270, at: instant), credit("o2", "offline", 180, at: instant, source: .school),
        ]
    }

    /// Two passed assignments, 80 and 90.
    static let passedHomework = [homework("h1", "80"), homework("h2", "90")]
}
