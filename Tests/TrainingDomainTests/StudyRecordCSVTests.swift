import Testing
import TrainingDomain

@Suite struct StudyRecordCSVTests {
    static let header = "record_id,id_type,id_number,activity_code,minutes,recorded_at,source\n"
    static let context = TestImportContext(
        allowedCounty: "130102",
        teachers: [
            "1 130102198506121234": "130102", "1 11010519491231002X": "130102", "2 E1234567": "130102",
            "1 130104199001010018": "130104",
        ])

    func parse(_ rows: String, context: TestImportContext = Self.context) -> ImportBatch<StudyRecord> {
        CSVImport.parseStudyRecords(csv: Self.header + rows, context: context)
    }

    @Test func readsRecordsAndTakesTheCountyFromTheTeacher() {
        let batch = parse(
            "R1,1,130102198506121234,C-2019-001,45,2019-09-01T20:15:00+08:00,provider\n"
                + "R2,1,11010519491231002x,OFFLINE-7,120,2019-09-02T01:00:00Z,county\n"
                + "R3,2,e1234567,SCHOOL-1,1440,2019-09-03T09:30:00.5+08:00,school\n")
        #expect(batch.isClean)
        let first = batch.records.first?.record
        #expect(first?.recordID == "R1")
        #expect(first?.countyCode == "130102")
        #expect(first?.minutes == 45)
        #expect(first?.recordedAt.text == "2019-09-01T20:15:00+08:00")
        #expect(first?.recordedAt.epochSeconds == 1_567_340_100)
        #expect(first?.source == .provider)
        #expect(batch.records.map(\.record.idNumber) == ["130102198506121234", "11010519491231002X", "E1234567"])
        #expect(batch.records[1].record.recordedAt.text == "2019-09-02T01:00:00+00:00")
        #expect(batch.records[2].record.recordedAt.text == "2019-09-03T09:30:00+08:00")
    }

    @Test func requiresAKnownTeacher() {
        let batch = parse("R1,1,130682200012290440,C1,45,2019-09-01T20:15:00+08:00,provider\n")
        #expect(batch.records.isEmpty)
        #expect(batch.issues.map(\.reason) == [.teacherUnknown])
        #expect(batch.issues.first?.column == "id_number")
    }

    @Test func refusesRecordsOfAnotherCountysTeacher() {
        let batch = parse("R1,1,130104199001010018,C1,45,2019-09-01T20:15:00+08:00,provider\n")
        #expect(batch.records.isEmpty)
        #expect(batch.issues.map(\.reason) == [.countyOutOfScope])
        var hub = Self.context
        hub.allowedCounty = nil
        let atTheHub = parse("R1,1,130104199001010018,C1,45,2019-09-01T20:15:00+08:00,provider\n", context: hub)
        #expect(atTheHub.records.first?.record.countyCode == "130104")
    }

    @Test(
        "minutes",
        arguments: [
            ("1", nil), ("1440", nil), (" 60 ", nil), ("0", ImportIssue.Reason.minutesOutOfRange),
            ("1441", .minutesOutOfRange), ("999999999", .minutesOutOfRange), ("-5", .minutesInvalid),
            ("+5", .minutesInvalid), ("1.5", .minutesInvalid), ("45分钟", .minutesInvalid),
            ("9999999999999999999999", .minutesInvalid), ("", .valueMissing),
        ])
    func minutes(value: String, reason: ImportIssue.Reason?) {
        let batch = parse("R1,1,130102198506121234,C1,\(value),2019-09-01T20:15:00+08:00,provider\n")
        #expect(batch.issues.map(\.reason) == (reason.map { [$0] } ?? []))
        #expect(batch.records.count == (reason == nil ? 1 : 0))
        if reason != nil { #expect(batch.issues.first?.column == "minutes") }
    }

    @Test(arguments: ["2019-09-01T20:15:00", "2019-09-01 20:15", "2019/9/1 20:15", "2019-02-29T20:15:00+08:00"])
    func refusesTimestampsWithoutOffsetOrDate(value: String) {
        let batch = parse("R1,1,130102198506121234,C1,45,\(value),provider\n")
        #expect(batch.issues.map(\.reason) == [.recordedAtInvalid])
        #expect(batch.issues.first?.column == "recorded_at")
    }

    @Test func collectsEveryIssueOfARow() {
        let long = String(repeating: "x", count: 65)
        let batch = parse("\(long),1,130102198506121235,\"C\n1\",0,yesterday,platform\n")
        #expect(
            batch.issues.map(\.reason) == [
                .valueTooLong, .idNumberCheckCharacter, .valueControlCharacter, .minutesOutOfRange,
                .recordedAtInvalid, .sourceUnknown,
            ])
        #expect(
            batch.issues.map(\.column) == [
                "record_id", "id_number", "activity_code", "minutes", "recorded_at", "source",
            ])
    }

    @Test func reportsARepeatedRecordIDOnTheLaterLine() {
        let batch = parse(
            "R1,1,130102198506121234,C1,45,2019-09-01T20:15:00+08:00,provider\n"
                + "R2,1,130102198506121234,C1,45,2019-09-01T21:15:00+08:00,provider\n"
                + "R1,1,11010519491231002X,C2,30,2019-09-02T20:15:00+08:00,provider\n")
        #expect(batch.records.map(\.line) == [2, 3])
        #expect(batch.issues.map(\.reason) == [.duplicateKey])
        #expect(batch.issues.first?.line == 4)
        #expect(batch.issues.first?.column == "record_id")
    }
}
