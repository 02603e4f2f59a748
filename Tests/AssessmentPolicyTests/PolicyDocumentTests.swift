import AssessmentPolicy
import Foundation
import Testing

/// A broken policy document, made by replacing one piece of Config/policy-2019.json, and the error it must give.
struct BrokenDocument: Sendable, CustomTestStringConvertible {
    let replace: String
    let with: String
    let kind: PolicyError.Kind
    let field: String
    let detail: String

    var testDescription: String { "\(field): \(detail)" }

    var text: String {
        Fixtures.policy2019Text.replacingOccurrences(of: replace, with: with)
    }
}

@Suite struct PolicyDocumentTests {
    @Test func parsesThe2019Example() throws {
        let policy = Fixtures.policy2019
        #expect(policy.year == 2019 && policy.version == 1)
        #expect(policy.hoursRequired == Tenths(whole: 52))
        #expect(policy.minutesPerHour == 45 && policy.rounding == .down)
        #expect(policy.opens.text == "2019-06-06T00:00:00+08:00")
        #expect(policy.deadline.text == "2020-01-01T00:00:00+08:00")
        #expect(policy.deadline.epochSeconds == 1_577_808_000)
        #expect(policy.categories.map(\.code) == ["mandatory", "elective", "it", "offline"])
        #expect(policy.categories.map(\.minimumHours.description) == ["10", "16", "10", "10"])
        #expect(policy.category("offline")?.sources == [.county, .school])
        #expect(policy.category("offline")?.accepts(.provider) == false)
        #expect(policy.category("mandatory")?.name == "必修专题")
        #expect(policy.components.map(\.weight) == [60, 20, 20])
        #expect(
            policy.components.first?.measure
                == .hours(categories: ["mandatory", "elective", "it"], fullMarksHours: Tenths(whole: 42)))
        #expect(policy.passScore == Tenths(whole: 60))
        #expect(policy.homework == HomeworkRequirement(count: 2, minimumScore: Tenths(whole: 60)))
        #expect(policy.exemptions.map(\.kind) == ["guopei", "provincial"])
        #expect(policy.exemptions.allSatisfy { $0.certificateYear == 2019 })
        #expect(policy.makeUp?.creditsYear == 2018)
        #expect(policy.makeUp?.deadline == policy.deadline)
    }

    @Test func encodingRoundTripsAndIsStable() throws {
        let encoded = PolicyDocument.encode(Fixtures.policy2019)
        let reparsed = try PolicyDocument.parse(encoded)
        #expect(reparsed == Fixtures.policy2019)
        #expect(PolicyDocument.encode(reparsed) == encoded)
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains("\"minimum_hours\" : 16"))
        #expect(text.contains("\"deadline\" : \"2020-01-01T00:00:00+08:00\""))
    }

    @Test func halfHoursSurviveTheRoundTrip() throws {
        let text = Fixtures.policy2019Text.replacingOccurrences(
            of: "\"label\": \"elective\", \"minimum_hours\": 16",
            with: "\"label\": \"elective\", \"minimum_hours\": 15.5")
        let policy = try PolicyDocument.parse(Data(text.utf8))
        #expect(policy.category("elective")?.minimumHours == Tenths("15.5"))
        #expect(String(decoding: PolicyDocument.encode(policy), as: UTF8.self).contains("\"minimum_hours\" : 15.5"))
        #expect(try PolicyDocument.parse(PolicyDocument.encode(policy)) == policy)
    }

    @Test func optionalPartsMayBeLeftOut() throws {
        let text = """
            {"format": 1, "year": 2020, "version": 3, "hours_required": 50, "minutes_per_hour": 40,
             "rounding": "nearest", "opens": "2020-03-01T00:00:00Z", "deadline": "2020-12-01T00:00:00+08:00",
             "categories": [{"code": "all", "name": "全部", "label": "study", "minimum_hours": 0}],
             "components": [{"code": "study", "label": "study", "weight": 100, "measure": "hours",
                             "categories": ["all"], "full_marks_hours": 50}],
             "pass_score": 60}
            """
        let policy = try PolicyDocument.parse(Data(text.utf8))
        #expect(policy.basis == "" && policy.homework == .none && policy.exemptions.isEmpty && policy.makeUp == nil)
        #expect(policy.categories.first?.sources == [])
        #expect(policy.opens.text == "2020-03-01T00:00:00+00:00")
    }

    static let broken: [BrokenDocument] = [
        BrokenDocument(
            replace: "\"format\": 1,", with: "\"format\": 2,", kind: .unsupportedFormat, field: "format",
            detail: "this release reads format 1, not 2"),
        BrokenDocument(
            replace: "  \"hours_required\": 52,\n", with: "", kind: .missingField, field: "hours_required",
            detail: "is required"),
        BrokenDocument(
            replace: "\"year\": 2019", with: "\"year\": null", kind: .missingField, field: "year",
            detail: "is required, not null"),
        BrokenDocument(
            replace: "\"label\": \"elective\", \"minimum_hours\"", with: "\"label\": \"elective\", \"minimun_hours\"",
            kind: .unknownField, field: "categories[1].minimun_hours", detail: "not a field of this object"),
        BrokenDocument(
            replace: "\"pass_score\": 60,", with: "\"pass_score\": 60, \"passing_score\": 60,", kind: .unknownField,
            field: "passing_score", detail: "not a field of this object"),
        BrokenDocument(
            replace: "\"measure\": \"homework\" }", with: "\"measure\": \"homework\", \"full_marks_hours\": 5 }",
            kind: .unknownField, field: "components[1].full_marks_hours",
            detail: "only a component measured in hours has this field"),
        BrokenDocument(
            replace: "\"hours_required\": 52", with: "\"hours_required\": \"52\"", kind: .wrongType,
            field: "hours_required", detail: "expected a number"),
        BrokenDocument(
            replace: "\"homework\": { \"count\": 2, \"minimum_score\": 60 }", with: "\"homework\": 2", kind: .wrongType,
            field: "homework", detail: "expected an object"),
        BrokenDocument(
            replace: "\"sources\": [\"provider\"] },\n    { \"code\": \"elective\"",
            with: "\"sources\": \"provider\" },\n    { \"code\": \"elective\"", kind: .wrongType,
            field: "categories[0].sources", detail: "expected an array"),
        BrokenDocument(
            replace: "\"year\": 2019", with: "\"year\": 2019.5", kind: .wrongType, field: "year",
            detail: "expected a whole number"),
        BrokenDocument(
            replace: "\"weight\": 60", with: "\"weight\": \"60\"", kind: .wrongType, field: "components[0].weight",
            detail: "expected a number"),
        BrokenDocument(
            replace: "\"label\": \"IT-ability\", \"minimum_hours\": 10",
            with: "\"label\": \"IT-ability\", \"minimum_hours\": 9.95", kind: .wrongType,
            field: "categories[2].minimum_hours", detail: "expected a number with at most one decimal place"),
        BrokenDocument(
            replace: "\"deadline\": \"2020-01-01T00:00:00+08:00\",\n", with: "\"deadline\": \"2020-01-01T00:00:00\",\n",
            kind: .wrongType, field: "deadline", detail: "expected an instant like 2020-01-01T00:00:00+08:00"),
        BrokenDocument(
            replace: "\"rounding\": \"down\"", with: "\"rounding\": \"up\"", kind: .wrongType, field: "rounding",
            detail: "expected down or nearest"),
        BrokenDocument(
            replace: "\"sources\": [\"county\", \"school\"]", with: "\"sources\": [\"county\", \"teacher\"]",
            kind: .wrongType, field: "categories[3].sources[1]", detail: "expected provider, county or school"),
        BrokenDocument(
            replace: "\"measure\": \"homework\"", with: "\"measure\": \"attendance\"", kind: .invalidValue,
            field: "components[1].measure", detail: "expected hours, homework or provided"),
        BrokenDocument(
            replace: "\"minutes_per_hour\": 45", with: "\"minutes_per_hour\": 0", kind: .invalidValue,
            field: "minutes_per_hour", detail: "must be between 1 and 600"),
        BrokenDocument(
            replace: "\"label\": \"elective\", \"minimum_hours\": 16",
            with: "\"label\": \"elective\", \"minimum_hours\": -1", kind: .invalidValue,
            field: "categories[1].minimum_hours", detail: "must not be negative"),
        BrokenDocument(
            replace: "\"hours_required\": 52", with: "\"hours_required\": 45.9", kind: .invalidValue,
            field: "categories", detail: "minimum hours sum to 46, more than hours_required 45.9"),
        BrokenDocument(
            replace: "\"hours_required\": 52", with: "\"hours_required\": 0", kind: .invalidValue,
            field: "hours_required", detail: "must be more than 0"),
        BrokenDocument(
            replace: "\"weight\": 60", with: "\"weight\": 50", kind: .invalidValue, field: "components",
            detail: "weights sum to 90, not 100"),
        BrokenDocument(
            replace: "\"weight\": 60", with: "\"weight\": 160", kind: .invalidValue, field: "components[0].weight",
            detail: "must be 0 to 100"),
        BrokenDocument(
            replace: "\"categories\": [\"mandatory\", \"elective\", \"it\"]",
            with: "\"categories\": [\"mandatory\", \"electives\", \"it\"]", kind: .invalidValue,
            field: "components[0].categories[1]", detail: "names no category of this policy"),
        BrokenDocument(
            replace: "\"full_marks_hours\": 42", with: "\"full_marks_hours\": 0", kind: .invalidValue,
            field: "components[0].full_marks_hours", detail: "must be more than 0"),
        BrokenDocument(
            replace: "{ \"count\": 2,", with: "{ \"count\": 0,", kind: .invalidValue, field: "components[1].measure",
            detail: "a homework component needs homework.count of at least 1"),
        BrokenDocument(
            replace: "\"code\": \"it\"", with: "\"code\": \"elective\"", kind: .invalidValue,
            field: "categories[2].code",
            detail: "'elective' appears twice"),
        BrokenDocument(
            replace: "\"code\": \"it\"", with: "\"code\": \"total\"", kind: .invalidValue, field: "categories[2].code",
            detail: "'total' is reserved for another reason"),
        BrokenDocument(
            replace: "\"code\": \"it\"", with: "\"code\": \"IT\"", kind: .invalidValue, field: "categories[2].code",
            detail: "must be lower-case letters, digits and _, starting with a letter"),
        BrokenDocument(
            replace: "\"label\": \"mandatory-topic\"", with: "\"label\": \"\"", kind: .invalidValue,
            field: "categories[0].label", detail: "must not be empty"),
        BrokenDocument(
            replace: "\"pass_score\": 60", with: "\"pass_score\": 100.1", kind: .invalidValue, field: "pass_score",
            detail: "must be 0 to 100"),
        BrokenDocument(
            replace: "\"minimum_score\": 60", with: "\"minimum_score\": 120", kind: .invalidValue,
            field: "homework.minimum_score", detail: "must be 0 to 100"),
        BrokenDocument(
            replace: "\"opens\": \"2019-06-06T00:00:00+08:00\",\n", with: "\"opens\": \"2020-01-01T00:00:00+08:00\",\n",
            kind: .invalidValue, field: "deadline", detail: "must be after opens"),
        BrokenDocument(
            replace: "\"kind\": \"provincial\"", with: "\"kind\": \"guopei\"", kind: .invalidValue,
            field: "exemptions[1].kind", detail: "'guopei' appears twice"),
        BrokenDocument(
            replace: "\"credits_year\": 2018", with: "\"credits_year\": 2019", kind: .invalidValue,
            field: "make_up.credits_year", detail: "must be an earlier year than 2019"),
        BrokenDocument(
            replace: "\"credits_year\": 2018, \"opens\": \"2019-06-06T00:00:00+08:00\"",
            with: "\"credits_year\": 2018, \"opens\": \"2020-06-06T00:00:00+08:00\"", kind: .invalidValue,
            field: "make_up.deadline", detail: "must be after make_up.opens"),
        BrokenDocument(
            replace: "\"credits_year\": 2018,", with: "", kind: .missingField, field: "make_up.credits_year",
            detail: "is required"),
        BrokenDocument(
            replace: "{ \"kind\": \"guopei\"", with: "\"guopei\", { \"kind\": \"x\"", kind: .wrongType,
            field: "exemptions[0]", detail: "expected an object"),
    ]

    @Test(arguments: broken)
    func refusesABrokenDocumentNamingTheField(_ row: BrokenDocument) {
        #expect(row.text != Fixtures.policy2019Text, "the replacement must change the document")
        #expect {
            try PolicyDocument.parse(Data(row.text.utf8))
        } throws: { error in
            guard let error = error as? PolicyError else { return false }
            #expect(error.field == row.field)
            #expect(error.detail == row.detail)
            #expect(error.kind == row.kind)
            return true
        }
    }

    @Test(arguments: ["", "{", "[]", "52", "\u{FF}{}", "{\"format\": 1"])
    func refusesWhatIsNotAJSONObject(_ text: String) {
        #expect(throws: PolicyError.self) { try PolicyDocument.parse(Data(text.utf8)) }
        do {
            _ = try PolicyDocument.parse(Data(text.utf8))
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.field == "(document)")
            #expect(error.description.hasPrefix("(document): "))
        }
    }

    @Test func aPolicyBuiltInCodeIsCheckedToo() {
        #expect {
            try AssessmentPolicy(
                year: 2019, version: 1, hoursRequired: Tenths(whole: 52), minutesPerHour: 45, rounding: .down,
                opens: OffsetInstant("2019-06-06T00:00:00+08:00")!,
                deadline: OffsetInstant("2020-01-01T00:00:00+08:00")!,
                categories: [
                    HourCategory(code: "mandatory", name: "必修专题", label: "mandatory-topic", minimumHours: .zero)
                ],
                components: [ScoreComponent(code: "homework", label: "homework", weight: 100, measure: .homework)],
                passScore: Tenths(whole: 60), homework: .none)
        } throws: { error in
            (error as? PolicyError)?.description
                == "components[0].measure: a homework component needs homework.count of at least 1"
        }
    }
}

extension PolicyDocumentTests {
    @Test func theExampleInPolicyMDIsTheConfigFile() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/POLICY.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        let start = try #require(text.range(of: "```json\n")).upperBound
        let end = try #require(text.range(of: "```", range: start..<text.endIndex)).lowerBound
        #expect(String(text[start..<end]) == Fixtures.policy2019Text)
    }
}
