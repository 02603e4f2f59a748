public import Crypto
import Foundation
import GRDB
public import SyncCore
import TrainingDomain

extension Replica {
    /// Enrols a training provider's connector key for one project (hub only).
    ///
    /// The provider then writes study records, homework and withdrawals of that project's teachers, in the
    /// streams of their counties; the hub checks each of its sets against the project (``outsideProject``).
    public func enrolProvider(
        publicKey: Curve25519.Signing.PublicKey, project: String
    ) throws(ReplicaError) -> OriginRecord {
        guard identity.role == .hub else { throw .wrongRole("keys are enrolled at the hub") }
        let record = OriginRecord(publicKey: publicKey, role: .provider, county: nil, status: .active)
        guard record.origin != identity.origin else {
            throw .scope(SyncError(.badAuthorization, "that is the hub's own key"))
        }
        try run { db in
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM projects WHERE project_code = ? AND _live = 1", arguments: [project])
                    == true
            else {
                throw ReplicaError.scope(SyncError(.outsideProject, "no project \(project) is in the catalogue"))
            }
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM origins WHERE origin = ? AND _live = 1", arguments: [record.origin.hex]) == true
            {
                throw ReplicaError.scope(
                    SyncError(.staleAuthorization, "origin \(record.origin) is already in the registry"))
            }
            let assignment = LocalWrite(
                kind: .upsert, table: TrainingTables.providerOrigins.name, key: [.text(record.origin.hex)],
                fields: [.init("project_code", .text(project))])
            _ = try applyLocalWrites(db, [.registryEntry(record), assignment, try nextRegistryVersion(db)])
        }
        try seal()
        return record
    }

    /// Refuses a provider's set that writes outside its project: at the hub, which holds the catalogue and
    /// every county's teachers when it accepts the set. A county relaying the set checks its form and the
    /// tables the role may write (``SetVerifier``), and takes the hub's word on project membership, which
    /// rests on rows (a teacher's stage) that the county may have changed since.
    static func checkProviderOwnership(_ db: Database, _ set: ChangeSet, author: OriginRecord) throws {
        guard
            let project = try String.fetchOne(
                db, sql: "SELECT project_code FROM provider_origins WHERE origin = ? AND _live = 1",
                arguments: [author.origin.hex])
        else {
            throw SyncError(.outsideProject, "provider origin \(author.origin) is enrolled for no project")
        }
        guard
            let stagesText = try String.fetchOne(
                db, sql: "SELECT stages FROM projects WHERE project_code = ? AND _live = 1", arguments: [project])
        else { throw SyncError(.outsideProject, "project \(project) is not in the catalogue") }
        let stages = Set(stagesText.split(separator: ";").map(String.init))
        let teacherStage = try db.cachedStatement(
            sql: "SELECT stage FROM teachers WHERE county_code = ? AND id_type = ? AND id_number = ? AND _live = 1")
        let courseProject = try db.cachedStatement(
            sql: "SELECT project_code FROM courses WHERE course_code = ? AND _live = 1")
        func checkTeacher(_ op: RowOperation, at: String) throws {
            guard let county = op.key.first?.textValue, let type = op.value(of: "id_type")?.textValue,
                let number = op.value(of: "id_number")?.textValue,
                let stage = try String.fetchOne(teacherStage, arguments: [county, type, number]), stages.contains(stage)
            else { throw SyncError(.outsideProject, "\(at): the teacher is not one of project \(project)'s") }
        }
        for (index, op) in set.operations.enumerated() {
            let at = "operation \(index + 1)"
            // A fact already held with other content is not the provider's to replace: the smaller clock reading
            // would otherwise win the merge, and a provider could backdate its way over a county's record.
            if try heldWithOtherContent(db, op) {
                throw SyncError(.outsideProject, "\(at): a record with this id is held with other content")
            }
            switch op.table {
            case TrainingTables.studyRecords.name:
                guard let course = op.value(of: "activity_code")?.textValue,
                    try String.fetchOne(courseProject, arguments: [course]) == project
                else { throw SyncError(.outsideProject, "\(at): the course is not one of project \(project)'s") }
                guard op.value(of: "source") == .text(StudySource.provider.rawValue) else {
                    throw SyncError(.outsideProject, "\(at): a provider's study records have source provider")
                }
                try checkTeacher(op, at: at)
            case TrainingTables.homework.name:
                guard op.value(of: "project_code") == .text(project) else {
                    throw SyncError(.outsideProject, "\(at): homework of another project than \(project)")
                }
                try checkTeacher(op, at: at)
            case TrainingTables.withdrawals.name:
                guard let county = op.key.first?.textValue, let record = op.key.last?.textValue,
                    try withdrawable(db, county: county, record: record, project: project)
                else {
                    throw SyncError(.outsideProject, "\(at): the withdrawn record is not one of project \(project)'s")
                }
            default:
                throw SyncError(.tableNotWritable, "\(at): role provider may not write \(op.table)")
            }
        }
    }

    /// Whether the row an operation names is live with a value other than the operation's in some column.
    private static func heldWithOtherContent(_ db: Database, _ op: RowOperation) throws -> Bool {
        guard op.key.count == 2, let county = op.key[0].textValue, let id = op.key[1].textValue,
            let schema = TrainingTables.catalog[op.table], schema.keyColumns == ["county_code", "record_id"],
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM \(schema.name) WHERE county_code = ? AND record_id = ? AND _live = 1",
                arguments: [county, id])
        else { return false }
        return op.fields.contains { field in RowCodec.value(row[field.name] as DatabaseValue) != field.value }
    }

    /// Whether a record a provider withdraws is a study record or homework result of its project.
    private static func withdrawable(_ db: Database, county: String, record: String, project: String) throws -> Bool {
        if let course = try String.fetchOne(
            db, sql: "SELECT activity_code FROM study_records WHERE county_code = ? AND record_id = ? AND _live = 1",
            arguments: [county, record])
        {
            return try String.fetchOne(
                db, sql: "SELECT project_code FROM courses WHERE course_code = ? AND _live = 1", arguments: [course])
                == project
        }
        return try String.fetchOne(
            db, sql: "SELECT project_code FROM homework WHERE county_code = ? AND record_id = ? AND _live = 1",
            arguments: [county, record]) == project
    }
}

extension Replica {
    /// The project a provider origin is enrolled for, if any.
    public func providerProject(of origin: OriginID) throws(ReplicaError) -> String? {
        try runRead { db in
            try String.fetchOne(
                db, sql: "SELECT project_code FROM provider_origins WHERE origin = ? AND _live = 1",
                arguments: [origin.hex])
        }
    }
}
