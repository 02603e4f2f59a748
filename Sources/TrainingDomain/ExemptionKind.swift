/// Why a teacher claims exemption from a year's training (`kind` column of the exemption file).
public enum ExemptionKind: String, Sendable, Hashable, CaseIterable {
    /// A certificate of the national programme (国培计划), code `guopei`.
    case guopei
    /// A certificate of a recognised provincial programme (省级培训项目), code `provincial`.
    case provincial
    /// A manual exemption the county grants, with its reason in words, code `manual`.
    case manual
}
