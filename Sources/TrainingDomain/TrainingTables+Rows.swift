public import SyncCore

/// A record as a synced row: its key values and its value fields.
public struct SyncedRow: Sendable, Hashable {
    /// The table the row belongs to.
    public let table: TableSchema
    /// Key values in the table's key-column order.
    public let key: [Value]
    /// Every value column's field.
    public let fields: [RowOperation.Field]
}

extension School {
    /// The school as a row of ``TrainingTables/schools``; stages are stored as codes joined by `;`.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.schools, key: [.text(countyCode), .text(schoolCode)],
            fields: [
                .init("name", .text(name)),
                .init("stages", .text(stages.map(\.rawValue).joined(separator: ";"))),
            ])
    }
}

extension Teacher {
    /// The teacher as a row of ``TrainingTables/teachers``.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.teachers, key: [.text(countyCode), .text(idType.code), .text(idNumber)],
            fields: [
                .init("name", .text(name)), .init("gender", .text(gender.rawValue)),
                .init("school_code", .text(schoolCode)),
                .init("stage", .text(stage.rawValue)), .init("subject", .text(subject.code)),
                .init("dev_stage", .text(devStage.rawValue)),
            ])
    }
}

extension StudyRecord {
    /// The record as a fact of ``TrainingTables/studyRecords``; `recorded_at` keeps its normalised ISO text.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.studyRecords, key: [.text(countyCode), .text(recordID)],
            fields: [
                .init("id_type", .text(idType.code)), .init("id_number", .text(idNumber)),
                .init("activity_code", .text(activityCode)),
                .init("minutes", .integer(Int64(minutes))), .init("recorded_at", .text(recordedAt.text)),
                .init("source", .text(source.rawValue)),
            ])
    }
}
