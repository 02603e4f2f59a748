/// Who produced a study credit. The codes are those of the replica's `source` column (`StudySource` in
/// TrainingDomain), repeated here so that this module depends on nothing but Foundation.
public enum CreditSource: String, Sendable, Hashable, CaseIterable {
    /// The training provider's online platform: online study time, online research, code `provider`.
    case provider
    /// The county teacher-development center: online and offline research it organised, code `county`.
    case county
    /// A school: school-based research and attendance entered by its principal, code `school`.
    case school
}

extension CreditSource: Codable {
    /// Decodes the code, refusing any other string with the accepted codes in the error.
    public init(from decoder: any Decoder) throws {
        self = try CodeList.decode(Self.self, from: decoder)
    }
}
