/// A teacher's professional development stage (专业发展阶段), which with stage and subject decides the electives a
/// teacher is offered and the cohort a county may assign courses to together.
///
/// The codes are this project's own (the notice names the stages but gives them no codes); they are the values of the
/// `dev_stage` column.
public enum DevelopmentStage: String, Sendable, Hashable, CaseIterable {
    /// New teacher (新任教师), code `new`.
    case new
    /// Young teacher (青年教师), code `young`.
    case young
    /// Key or backbone teacher (骨干教师) at county, city or province level, code `key`.
    case key
    /// Subject leader (学科带头人), code `leader`.
    case leader
    /// Master teacher (名师), code `master`.
    case master

    /// The Chinese name of the stage.
    public var name: String {
        switch self {
        case .new: "新任教师"
        case .young: "青年教师"
        case .key: "骨干教师"
        case .leader: "学科带头人"
        case .master: "名师"
        }
    }
}
