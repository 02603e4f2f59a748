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

// MARK: The training year's records

/// Codes joined by `;`, the stored form of every code list.
private func joined(_ stages: [TeachingStage]) -> Value {
    .text(stages.map(\.rawValue).joined(separator: ";"))
}

/// A year or a count as an integer value.
private func integer(_ value: Int) -> Value {
    .integer(Int64(value))
}

extension Provider {
    /// The provider as a row of ``TrainingTables/providers``.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.providers, key: [.text(providerCode)],
            fields: [.init("name", .text(name)), .init("stages", joined(stages))])
    }
}

extension TrainingProject {
    /// The project as a row of ``TrainingTables/projects``; hours in tenths.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.projects, key: [.text(projectCode)],
            fields: [
                .init("year", integer(year)), .init("name", .text(name)), .init("stages", joined(stages)),
                .init("provider_code", .text(providerCode)), .init("hours_required", integer(hoursRequired)),
            ])
    }
}

extension Course {
    /// The course as a row of ``TrainingTables/courses``; hours in tenths, "all" as empty text, no project as null.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.courses, key: [.text(courseCode)],
            fields: [
                .init("year", integer(year)), .init("project_code", projectCode.map { .text($0) } ?? .null),
                .init("name", .text(name)), .init("kind", .text(kind.rawValue)), .init("category", .text(category)),
                .init("hours", integer(hours)), .init("stages", joined(stages)),
                .init("subject", .text(subject?.code ?? "")), .init("dev_stage", .text(devStage?.rawValue ?? "")),
            ])
    }
}

extension TrainingContact {
    /// The contact as a row of ``TrainingTables/contacts``; no e-mail as null.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.contacts, key: [.text(unitCode), .text(duty)],
            fields: [
                .init("name", .text(name)), .init("phone", .text(phone)),
                .init("email", email.map { .text($0) } ?? .null),
            ])
    }
}

extension Cohort {
    /// The cohort as a row of ``TrainingTables/cohorts``; "all" as empty text, courses joined by `;`.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.cohorts, key: [.text(countyCode), integer(year), .text(cohortCode)],
            fields: [
                .init("stage", .text(stage.rawValue)), .init("subject", .text(subject?.code ?? "")),
                .init("dev_stage", .text(devStage?.rawValue ?? "")),
                .init("courses", .text(courses.joined(separator: ";"))),
            ])
    }
}

extension CourseSelection {
    /// The selection as a row of ``TrainingTables/selections``; a teacher's own choice has a null cohort.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.selections,
            key: [.text(countyCode), integer(year), .text(idType.code), .text(idNumber), .text(courseCode)],
            fields: [.init("cohort_code", cohortCode.map { .text($0) } ?? .null)])
    }
}

extension ResearchActivity {
    /// The activity as a row of ``TrainingTables/activities``; the county's own activity has a null school.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.activities, key: [.text(countyCode), .text(activityID)],
            fields: [
                .init("year", integer(year)), .init("title", .text(title)), .init("course_code", .text(courseCode)),
                .init("school_code", schoolCode.map { .text($0) } ?? .null), .init("held_on", .text(heldOn)),
                .init("minutes", integer(minutes)),
            ])
    }
}

extension Attendance {
    /// The attendance as a row of ``TrainingTables/attendance``.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.attendance,
            key: [.text(countyCode), .text(activityID), .text(idType.code), .text(idNumber)],
            fields: [.init("minutes", integer(minutes))])
    }
}

extension Exemption {
    /// The claim as a row of ``TrainingTables/exemptions``.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.exemptions,
            key: [.text(countyCode), integer(year), .text(idType.code), .text(idNumber), .text(kind.rawValue)],
            fields: [.init("certificate_year", integer(certificateYear)), .init("evidence", .text(evidence))])
    }
}

extension MakeUp {
    /// The enrolment as a row of ``TrainingTables/makeUps``.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.makeUps,
            key: [.text(countyCode), integer(year), .text(idType.code), .text(idNumber)],
            fields: [.init("enrolled_on", .text(enrolledOn))])
    }
}

extension Homework {
    /// The result as a fact of ``TrainingTables/homework``; score in tenths, `submitted_at` normalised.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.homework, key: [.text(countyCode), .text(recordID)],
            fields: [
                .init("id_type", .text(idType.code)), .init("id_number", .text(idNumber)), .init("year", integer(year)),
                .init("project_code", .text(projectCode)), .init("assignment_id", .text(assignmentID)),
                .init("score", integer(score)), .init("submitted_at", .text(submittedAt.text)),
            ])
    }
}

extension Withdrawal {
    /// The withdrawal as a fact of ``TrainingTables/withdrawals``; `withdrawn_at` normalised.
    public var syncedRow: SyncedRow {
        SyncedRow(
            table: TrainingTables.withdrawals, key: [.text(countyCode), .text(recordID)],
            fields: [.init("reason", .text(reason)), .init("withdrawn_at", .text(withdrawnAt.text))])
    }
}
