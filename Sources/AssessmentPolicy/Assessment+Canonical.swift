extension Assessment {
    /// The version of the canonical line format, its first line.
    public static let canonicalFormat = "teachersync-assessment 1"

    /// A stable line-by-line encoding for digests: one `key value…` line per fact, `\n` after each, numbers in
    /// ``Tenths`` text, lists in the policy's order and reasons in the engine's order.
    ///
    /// Reasons appear by code only: their messages are for people and may be reworded between releases without
    /// making a county's preview disagree with the hub. The instant `asOf` is not included: two runs after the
    /// deadline agree whatever time they ran at.
    ///
    /// ```
    /// teachersync-assessment 1
    /// year 2019
    /// policy_version 1
    /// status in_progress
    /// total 2340 52
    /// category mandatory 247 5.4 10
    /// homework_passed 2
    /// component online_study 50 100
    /// score 93.3
    /// reason short.mandatory
    /// ```
    public var canonicalText: String {
        var lines = [
            Self.canonicalFormat, "year \(year)", "policy_version \(policyVersion)", "status \(status.rawValue)",
        ]
        lines.append("total \(totalMinutes) \(totalHours)")
        for category in categories {
            lines.append("category \(category.code) \(category.minutes) \(category.hours) \(category.minimumHours)")
        }
        lines.append("homework_passed \(homeworkPassed)")
        for component in components {
            lines.append("component \(component.code) \(component.weight) \(component.score)")
        }
        lines.append("score \(score)")
        for reason in reasons {
            lines.append("reason \(reason.code.rawValue)")
        }
        return lines.map { $0 + "\n" }.joined()
    }
}
