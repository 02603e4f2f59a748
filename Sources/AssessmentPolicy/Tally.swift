import Foundation

/// The inputs that count, sorted into the year's window and the make-up window, and the counts of those that do not
/// (which become `credit.*` and `homework.*` reasons).
///
/// Study records are sorted before repeated ones are dropped, and every figure kept is a sum, a count or a maximum, so
/// the tally does not depend on the order the inputs were given in.
struct Tally {
    /// Where an instant falls for a policy and an open make-up window.
    enum Placement {
        case window, makeUp, beforeOpening, afterDeadline
    }

    /// Things that did not count: how many, and their minutes (for study records).
    struct Ignored {
        var count = 0
        var minutes = 0

        mutating func add(minutes: Int = 0) {
            count += 1
            self.minutes += max(0, minutes)
        }
    }

    /// Counted minutes per category (in the policy's order) in the year's window.
    var windowMinutes: [Int]
    /// Counted minutes per category in the make-up window.
    var makeUpMinutes: [Int]
    /// Best counted score per assignment in the year's window.
    var windowHomework: [String: Tenths] = [:]
    /// Best counted score per assignment in the make-up window.
    var makeUpHomework: [String: Tenths] = [:]

    var creditDuplicate = Ignored()
    var creditWithdrawn = Ignored()
    var creditUnknownCategory = Ignored()
    var creditSourceNotAccepted = Ignored()
    var creditInvalid = Ignored()
    var creditBeforeOpening = Ignored()
    var creditAfterDeadline = Ignored()
    var homeworkWithdrawn = Ignored()
    var homeworkInvalid = Ignored()
    var homeworkBeforeOpening = Ignored()
    var homeworkAfterDeadline = Ignored()

    init(policy: AssessmentPolicy, input: AssessmentInput, makeUp: MakeUpRule?) {
        windowMinutes = Array(repeating: 0, count: policy.categories.count)
        makeUpMinutes = windowMinutes
        var categoryIndex: [String: Int] = [:]
        for (index, category) in policy.categories.enumerated() { categoryIndex[category.code] = index }

        var previousID: String?
        // A withdrawn copy sorts first among copies of one record, so a withdrawal always wins.
        for credit in input.credits.sorted(by: StudyCredit.precedes) {
            defer { previousID = credit.recordID }
            guard credit.recordID != previousID else {
                creditDuplicate.add()
                continue
            }
            guard !credit.withdrawn else {
                creditWithdrawn.add(minutes: credit.minutes)
                continue
            }
            guard let index = categoryIndex[credit.category] else {
                creditUnknownCategory.add(minutes: credit.minutes)
                continue
            }
            guard policy.categories[index].accepts(credit.source) else {
                creditSourceNotAccepted.add(minutes: credit.minutes)
                continue
            }
            // A day has 1,440 minutes (the replica's own bound); the bound also keeps the sums far from overflow.
            guard (1...1440).contains(credit.minutes) else {
                creditInvalid.add()
                continue
            }
            switch Self.place(credit.recordedAt, policy: policy, makeUp: makeUp) {
            case .window: windowMinutes[index] += credit.minutes
            case .makeUp: makeUpMinutes[index] += credit.minutes
            case .beforeOpening: creditBeforeOpening.add(minutes: credit.minutes)
            case .afterDeadline: creditAfterDeadline.add(minutes: credit.minutes)
            }
        }

        let hundred = Tenths(whole: 100)
        for result in input.homework {
            guard !result.withdrawn else {
                homeworkWithdrawn.add()
                continue
            }
            guard result.score >= .zero, result.score <= hundred else {
                homeworkInvalid.add()
                continue
            }
            switch Self.place(result.submittedAt, policy: policy, makeUp: makeUp) {
            case .window:
                windowHomework[result.assignmentID] = max(windowHomework[result.assignmentID] ?? .zero, result.score)
            case .makeUp:
                makeUpHomework[result.assignmentID] = max(makeUpHomework[result.assignmentID] ?? .zero, result.score)
            case .beforeOpening: homeworkBeforeOpening.add()
            case .afterDeadline: homeworkAfterDeadline.add()
            }
        }
    }

    /// Where `instant` falls: the year's window wins over an overlapping make-up window.
    static func place(_ instant: Date, policy: AssessmentPolicy, makeUp: MakeUpRule?) -> Placement {
        if instant >= policy.opens.date, instant < policy.deadline.date { return .window }
        if let makeUp, instant >= makeUp.opens.date, instant < makeUp.deadline.date { return .makeUp }
        return instant < policy.opens.date ? .beforeOpening : .afterDeadline
    }

    /// Minutes per category counted in the year's window, plus those of the make-up window if `withMakeUp`.
    func minutes(withMakeUp: Bool) -> [Int] {
        withMakeUp ? zip(windowMinutes, makeUpMinutes).map { $0 + $1 } : windowMinutes
    }

    /// Best score per assignment in the year's window, merged with the make-up window if `withMakeUp`, as a list of
    /// scores (the assignments' identities no longer matter).
    func homeworkScores(withMakeUp: Bool) -> [Tenths] {
        guard withMakeUp else { return Array(windowHomework.values) }
        return Array(windowHomework.merging(makeUpHomework, uniquingKeysWith: max).values)
    }
}
