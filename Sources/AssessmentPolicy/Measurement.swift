/// What counted inputs amount to under a policy: hours, homework passed, component scores and score, and the
/// requirements they fall short of. Integer arithmetic throughout.
struct Measurement {
    let categoryMinutes: [Int]
    let categoryHours: [Tenths]
    let totalMinutes: Int
    let totalHours: Tenths
    let homeworkPassed: Int
    let componentScores: [Tenths]
    let score: Tenths
    /// Whether anything counted: a study minute or a homework result.
    let anythingCounted: Bool
    /// The unmet requirements, in order: total, categories, homework, score.
    let shortfalls: [Reason]
    /// Provided components nobody scored.
    let missingScores: [Reason]

    /// Whether every requirement is met.
    var met: Bool {
        shortfalls.isEmpty
    }

    init(policy: AssessmentPolicy, minutes: [Int], homeworkScores: [Tenths], provided: [ProvidedScore]) {
        categoryMinutes = minutes
        categoryHours = minutes.map { policy.rounding.tenths(ofMinutes: $0, minutesPerHour: policy.minutesPerHour) }
        totalMinutes = minutes.reduce(0, +)
        totalHours = policy.rounding.tenths(ofMinutes: totalMinutes, minutesPerHour: policy.minutesPerHour)
        homeworkPassed = homeworkScores.filter { $0 >= policy.homework.minimumScore }.count
        anythingCounted = totalMinutes > 0 || !homeworkScores.isEmpty

        var missing: [Reason] = []
        var scores: [Tenths] = []
        for component in policy.components {
            switch component.measure {
            case .hours(let codes, let fullMarksHours):
                let counted = zip(policy.categories, categoryHours).filter { codes.contains($0.0.code) }
                    .reduce(0) { $0 + $1.1.tenths }
                scores.append(Tenths(tenths: min(1000, counted * 1000 / fullMarksHours.tenths)))
            case .homework:
                // The best `count` results; missing ones count as 0. The list is sorted, so its order of arrival
                // does not matter.
                let best = homeworkScores.sorted(by: >).prefix(policy.homework.count)
                scores.append(Tenths(tenths: best.reduce(0) { $0 + $1.tenths } / policy.homework.count))
            case .provided:
                let valid = provided.filter {
                    $0.component == component.code && $0.score >= .zero && $0.score <= Tenths(whole: 100)
                }
                if let best = valid.map(\.score).max() {
                    scores.append(best)
                } else {
                    scores.append(.zero)
                    missing.append(
                        Reason(.scoreNotProvided, "no score for \(component.label) was provided; it counted as 0"))
                }
            }
        }
        componentScores = scores
        let weighted = zip(policy.components, scores).reduce(0) { $0 + $1.0.weight * $1.1.tenths }
        score = Tenths(tenths: weighted / 100)
        missingScores = missing

        var shortfalls: [Reason] = []
        if totalHours < policy.hoursRequired {
            shortfalls.append(
                Reason(
                    .shortTotal,
                    "short of \(Phrase.hours(policy.hoursRequired - totalHours)) in total "
                        + "(\(totalHours) of \(policy.hoursRequired))"))
        }
        for (category, hours) in zip(policy.categories, categoryHours) where hours < category.minimumHours {
            shortfalls.append(
                Reason(
                    .short(category.code),
                    "short of \(Phrase.hours(category.minimumHours - hours, label: category.label)) "
                        + "(\(hours) of \(category.minimumHours))"))
        }
        if homeworkPassed < policy.homework.count {
            let lacking = policy.homework.count - homeworkPassed
            shortfalls.append(
                Reason(
                    .shortHomework,
                    "short of \(Phrase.count(lacking, "homework assignment")) scoring at least "
                        + "\(policy.homework.minimumScore) (\(homeworkPassed) of \(policy.homework.count))"))
        }
        if score < policy.passScore {
            shortfalls.append(Reason(.scoreBelowPass, "score \(score) is below the pass score \(policy.passScore)"))
        }
        self.shortfalls = shortfalls
    }
}

/// Small pieces of English for reasons.
enum Phrase {
    /// `"4.5 mandatory-topic hours"`, `"1 hour"`.
    static func hours(_ amount: Tenths, label: String? = nil) -> String {
        let noun = amount == Tenths(whole: 1) ? "hour" : "hours"
        return label.map { "\(amount) \($0) \(noun)" } ?? "\(amount) \(noun)"
    }

    /// `"1 study record"`, `"2 study records"`.
    static func count(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }
}
