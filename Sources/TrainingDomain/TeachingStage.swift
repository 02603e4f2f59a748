/// The stage a teacher teaches at (任课学段), as coded in the teacher records: the `stage` column of the teacher roster
/// and the `;`-separated `stages` column of the school list.
///
/// Codes `1`–`6`, `A` and `Z` are those of the project's domain description. Codes `7` and `8` are not in it; they are
/// the adult-education stages as we recall the Ministry of Education's teacher-information code table (成人初中,
/// 成人高中). Confirm them against the province's code table before relying on their names; the codes themselves are
/// accepted either way.
///
/// Stages order by their position in the code table, which is also the order of their codes.
public enum TeachingStage: String, Sendable, Hashable, CaseIterable, Comparable {
    /// 学前教育 (kindergarten), code `1`.
    case preschool = "1"
    /// 小学 (primary), code `2`.
    case primary = "2"
    /// 普通初中 (general junior secondary), code `3`.
    case juniorSecondary = "3"
    /// 普通高中 (general senior secondary), code `4`.
    case seniorSecondary = "4"
    /// 职业初中 (vocational junior secondary), code `5`.
    case vocationalJuniorSecondary = "5"
    /// 职业高中 (vocational senior secondary), code `6`.
    case vocationalSeniorSecondary = "6"
    /// 成人初中 (adult junior secondary), code `7`; see the note on the type.
    case adultJuniorSecondary = "7"
    /// 成人高中 (adult senior secondary), code `8`; see the note on the type.
    case adultSeniorSecondary = "8"
    /// 特殊教育 (special education), code `A`.
    case specialEducation = "A"
    /// 其他 (other), code `Z`.
    case other = "Z"

    /// The Chinese name of the stage.
    public var name: String {
        switch self {
        case .preschool: "学前教育"
        case .primary: "小学"
        case .juniorSecondary: "普通初中"
        case .seniorSecondary: "普通高中"
        case .vocationalJuniorSecondary: "职业初中"
        case .vocationalSeniorSecondary: "职业高中"
        case .adultJuniorSecondary: "成人初中"
        case .adultSeniorSecondary: "成人高中"
        case .specialEducation: "特殊教育"
        case .other: "其他"
        }
    }

    /// Orders stages by their codes (`"1"` < … < `"8"` < `"A"` < `"Z"`).
    public static func < (lhs: TeachingStage, rhs: TeachingStage) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
