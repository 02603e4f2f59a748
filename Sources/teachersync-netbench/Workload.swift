import BenchSupport
import Foundation
import GRDB
import SQLiteReplica
import SyncCore
import SyncTestSupport
import TrainingDomain

/// One county's data: its base state (already in sync with the hub) and one or more nightly deltas.
///
/// Generated with `DemoData` (synthetic teachers with valid identity numbers) and validated with `CSVImport`, as
/// `teachersync import` does; the validated records become `LocalWrite`s through `syncedRow`.
struct CountyWorkload: Sendable {
    struct Night: Sendable {
        /// New study records (facts).
        let records: [LocalWrite]
        /// Teachers whose development stage changed (upserts of the whole row; the replica records only the field
        /// that changed).
        let updates: [LocalWrite]
        var writes: [LocalWrite] { records + updates }
        var count: Int { records.count + updates.count }
    }

    let code: String
    let schools: [LocalWrite]
    let teachers: [LocalWrite]
    let baseRecords: [LocalWrite]
    let nights: [Night]
    /// Raw-baseline rows: the first nights' study records (as many as the first night has writes).
    let baselineRows: [Baseline.Row]

    var base: [LocalWrite] { schools + teachers + baseRecords }
    var baseCount: Int { schools.count + teachers.count + baseRecords.count }

    /// - Parameters:
    ///   - teacherOffset: skip this many of the generator's teachers (a second node of the same county gets teachers
    ///     and records of its own).
    static func make(
        code: String, teachers: Int, baseRecords: Int, nights: [(records: Int, updates: Int)], teacherOffset: Int = 0,
        schools: Int = 50, baselineCount: Int = 0
    ) throws -> CountyWorkload {
        let recordTotal = baseRecords + nights.reduce(0) { $0 + $1.records }
        try require(teachers > 0 || recordTotal == 0, "study records need at least one teacher")
        let perTeacher = teachers == 0 ? 0 : (recordTotal + teachers - 1) / teachers
        let demo = DemoData(
            county: code, schools: schools, teachers: teacherOffset + teachers, recordsPerTeacher: perTeacher)

        let schoolBatch = CSVImport.parseSchools(
            csv: Data(demo.schoolsCSV().utf8),
            context: ReplicaImportContext(allowedCounty: code, schools: [:], teachers: [:]))
        try require(schoolBatch.issues.isEmpty, "school CSV of \(code): \(schoolBatch.issues.prefix(3))")
        let schoolCounties = Dictionary(uniqueKeysWithValues: schoolBatch.records.map { ($0.record.schoolCode, code) })

        let teacherBatch = CSVImport.parseTeachers(
            csv: Data(demo.teachersCSV().utf8),
            context: ReplicaImportContext(allowedCounty: code, schools: schoolCounties, teachers: [:]))
        try require(teacherBatch.issues.isEmpty, "teacher CSV of \(code): \(teacherBatch.issues.prefix(3))")
        let allTeachers = teacherBatch.records.map(\.record)
        try require(allTeachers.count == teacherOffset + teachers, "generated \(allTeachers.count) teachers")
        let ownTeachers = Array(allTeachers[teacherOffset...])

        var records: [StudyRecord] = []
        if recordTotal > 0 {
            let recordBatch = CSVImport.parseStudyRecords(
                csv: Data(demo.studyRecordsCSV().utf8),
                context: ReplicaImportContext(
                    allowedCounty: code, schools: schoolCounties,
                    teachers: Dictionary(
                        uniqueKeysWithValues: allTeachers.map { ($0.idType.code + " " + $0.idNumber, code) })))
            try require(recordBatch.issues.isEmpty, "study-record CSV of \(code): \(recordBatch.issues.prefix(3))")
            let all = recordBatch.records.map(\.record)
            // The CSV lists each teacher's records together; take them round by round instead (every teacher's first
            // record, then every teacher's second...), so that each night's new records are spread over all
            // teachers and over the whole key range, as new study is.
            records.reserveCapacity(teachers * perTeacher)
            for r in 0..<perTeacher {
                for i in teacherOffset..<(teacherOffset + teachers) { records.append(all[i * perTeacher + r]) }
            }
        }

        var cursor = baseRecords
        var built = [Night]()
        for (n, night) in nights.enumerated() {
            let slice = records[cursor..<(cursor + night.records)]
            cursor += night.records
            built.append(
                Night(
                    records: slice.map { write($0.syncedRow) },
                    updates: try updates(of: ownTeachers, count: night.updates, night: n)))
        }
        let baselineSource = records[baseRecords...] + records[..<baseRecords]
        let baselineRows = baselineSource.prefix(baselineCount).map { r in
            Baseline.Row(
                text: [
                    r.recordID, r.idType.code, r.idNumber, r.countyCode, r.activityCode, r.recordedAt.text,
                    r.source.rawValue,
                ], minutes: r.minutes)
        }
        return CountyWorkload(
            code: code, schools: schoolBatch.records.map { write($0.record.syncedRow) },
            teachers: ownTeachers.map { write($0.syncedRow) },
            baseRecords: records[..<baseRecords].map { write($0.syncedRow) }, nights: built,
            baselineRows: Array(baselineRows))
    }

    /// `count` teachers, spread evenly over the list (night `n` takes the ones after night `n-1`'s), whose
    /// development stage moves on by `n + 1` stages from the base state.
    static func updates(of teachers: [Teacher], count: Int, night n: Int) throws -> [LocalWrite] {
        guard count > 0 else { return [] }
        try require(count <= teachers.count, "\(count) updates need at least as many teachers")
        let stages = DevelopmentStage.allCases
        let stride = max(1, teachers.count / count)
        var seen = Set<Int>()
        var out = [LocalWrite]()
        var j = 0
        while out.count < count {
            var index = (j * stride + n) % teachers.count
            while seen.contains(index) { index = (index + 1) % teachers.count }
            seen.insert(index)
            j += 1
            let t = teachers[index]
            let position = stages.firstIndex(of: t.devStage) ?? 0
            let next = stages[(position + n + 1) % stages.count]
            let changed = Teacher(
                idType: t.idType, idNumber: t.idNumber, name: t.name, gender: t.gender, schoolCode: t.schoolCode,
                countyCode: t.countyCode, stage: t.stage, subject: t.subject, devStage: next)
            out.append(write(changed.syncedRow))
        }
        return out
    }

    static func write(_ row: SyncedRow) -> LocalWrite {
        LocalWrite(
            kind: row.table.kind == .fact ? .insertFact : .upsert, table: row.table.name, key: row.key,
            fields: row.fields)
    }
}

/// The county-level units of Hebei (GB/T 2260, 201904), in code order.
let hebeiCounties: [String] = UnitCatalog.hebei201904.units.filter { $0.level == .county }.map(\.code)

extension Replica {
    /// The heads of this node's own streams.
    func ownHeads() throws -> [StreamID: StreamHead] {
        let own = identity.origin
        return try versionVector().heads.filter { $0.key.origin == own }
    }
}

/// The sum of `op_count` per origin (hex) of the stored sets, read straight from a replica's file.
func operationsPerOrigin(_ replicaDirectory: URL) throws -> [String: Int] {
    var config = Configuration()
    config.readonly = true
    let queue = try DatabaseQueue(
        path: replicaDirectory.appendingPathComponent(Replica.databaseName).path, configuration: config)
    return try queue.read { db in
        var out = [String: Int]()
        for row in try Row.fetchAll(
            db, sql: "SELECT hex(origin) AS o, SUM(op_count) AS n FROM change_sets GROUP BY origin")
        {
            out[(row["o"] as String).lowercased()] = row["n"]
        }
        return out
    }
}
