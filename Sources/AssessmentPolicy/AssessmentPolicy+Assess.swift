public import Foundation

extension AssessmentPolicy {
    /// Assesses one teacher's year under this policy as things stand at `asOf`.
    ///
    /// Pure and deterministic: no clock is read, inputs are sorted, and equal arguments give an equal result. The
    /// steps, the rounding and every reason are in docs/POLICY.md. In short: exemptions first; then credits and
    /// homework count if not withdrawn, in a known category accepting their source, and recorded at or after
    /// ``opens`` and before ``deadline`` (or in the make-up window); the year is qualified once every hour, homework
    /// and score requirement is met, in progress or not started before the deadline, and not qualified after it.
    ///
    /// - Parameters:
    ///   - input: the teacher's records for the year (for a make-up, the records of the year made up, from both its
    ///     own window and the make-up window).
    ///   - asOf: the instant the assessment is made for; it decides only whether the deadline has passed.
    ///   - makeUp: the make-up rule of a later year's policy (`policy2019.makeUp` when assessing 2018 under the 2018
    ///     policy). It applies only when the input has a ``MakeUpEnrolment`` for this policy's year and the rule
    ///     credits this year.
    public func assess(_ input: AssessmentInput, asOf: Date, makeUp: MakeUpRule? = nil) -> Assessment {
        let (window, makeUpReasons) = makeUpWindow(input.makeUp, rule: makeUp)
        let tally = Tally(policy: self, input: input, makeUp: window)
        let combined = Measurement(
            policy: self, minutes: tally.minutes(withMakeUp: true),
            homeworkScores: tally.homeworkScores(withMakeUp: true), provided: input.providedScores)
        let (exempting, refusals) = exemptionReasons(input)

        let status: AssessmentStatus
        var reasons: [Reason]
        if !exempting.isEmpty {
            status = .exempt
            reasons = exempting + refusals
        } else if combined.met {
            status = .qualified
            reasons = refusals + combined.missingScores
            if let window {
                let ownWindow = Measurement(
                    policy: self, minutes: tally.minutes(withMakeUp: false),
                    homeworkScores: tally.homeworkScores(withMakeUp: false), provided: input.providedScores)
                reasons.append(
                    ownWindow.met
                        ? Reason(.makeUpNotNeeded, "\(year) qualified without make-up study")
                        : Reason(.makeUpQualified, "\(year) qualified by make-up study before \(window.deadline)"))
            }
            reasons += makeUpReasons + ignoredReasons(tally, makeUpOpen: window != nil)
        } else {
            // Results are final once the later of the year's deadline and an open make-up's deadline has passed.
            let closes = window.map { Swift.max($0.deadline, deadline) } ?? deadline
            let open = asOf < closes.date
            status = open ? (combined.anythingCounted ? .inProgress : .notStarted) : .notQualified
            reasons = refusals
            reasons +=
                combined.anythingCounted ? combined.shortfalls : [Reason(.studyNone, "no study counted for \(year)")]
            reasons += combined.missingScores
            if let window {
                reasons.append(
                    open
                        ? Reason(.makeUpOpen, "make-up of \(year) open until \(window.deadline)")
                        : Reason(
                            .makeUpFailed,
                            "make-up of \(year) closed at \(window.deadline) without reaching the standard; "
                                + "\(year) stays not qualified"))
            }
            reasons += makeUpReasons + ignoredReasons(tally, makeUpOpen: window != nil)
        }

        return Assessment(
            year: year, policyVersion: version, status: status,
            categories: categories.indices.map {
                Assessment.CategoryHours(
                    code: categories[$0].code, minutes: combined.categoryMinutes[$0], hours: combined.categoryHours[$0],
                    minimumHours: categories[$0].minimumHours)
            },
            totalMinutes: combined.totalMinutes, totalHours: combined.totalHours,
            homeworkPassed: combined.homeworkPassed,
            components: components.indices.map {
                Assessment.ComponentScore(
                    code: components[$0].code, weight: components[$0].weight, score: combined.componentScores[$0])
            },
            score: combined.score, reasons: reasons)
    }

    /// The make-up window that applies to `enrolment` under `rule`, or the reason it does not.
    private func makeUpWindow(_ enrolment: MakeUpEnrolment?, rule: MakeUpRule?) -> (MakeUpRule?, [Reason]) {
        guard let enrolment else { return (nil, []) }
        guard enrolment.year == year else {
            let message = "the make-up enrolment is for \(enrolment.year), not \(year); it was ignored"
            return (nil, [Reason(.makeUpNotApplicable, message)])
        }
        guard let rule, rule.creditsYear == year else {
            let message = "no make-up of \(year) is open under the rule given; the enrolment was ignored"
            return (nil, [Reason(.makeUpNotApplicable, message)])
        }
        return (rule, [])
    }

    /// The accepted grounds of exemption (certificates in the policy's order, then a manual decision) and the refused
    /// claims, each sorted so that the order of the claims does not matter.
    private func exemptionReasons(_ input: AssessmentInput) -> (accepted: [Reason], refused: [Reason]) {
        var accepted: [Reason] = []
        var refused: [Reason] = []
        let claims = input.exemptionClaims.sorted { ($0.kind, $0.year, $0.evidence) < ($1.kind, $1.year, $1.evidence) }
        for exemption in exemptions {
            let claimed = claims.filter { $0.kind == exemption.kind }
            if let good = claimed.first(where: { $0.year == exemption.certificateYear && !Self.isBlank($0.evidence) }) {
                accepted.append(Reason(.exemptCertificate, "exempt by a \(exemption.name) certificate of \(good.year)"))
                continue
            }
            for claim in claimed {
                refused.append(
                    Self.isBlank(claim.evidence)
                        ? Reason(
                            .exemptRefused, "a \(exemption.name) certificate claimed without evidence does not exempt")
                        : Reason(
                            .exemptRefused,
                            "a \(exemption.name) certificate of \(claim.year) does not exempt from the "
                                + "\(year) training; it must be of \(exemption.certificateYear)"))
            }
        }
        let unknown = claims.filter { claim in !exemptions.contains { $0.kind == claim.kind } }.count
        if unknown > 0 {
            refused.append(
                Reason(
                    .exemptRefused,
                    "\(Phrase.count(unknown, "certificate")) of a kind this policy does not name did not exempt"))
        }
        if let manual = input.manualExemption {
            if Self.isBlank(manual.reason) {
                refused.append(Reason(.exemptRefused, "a manual exemption without a reason does not exempt"))
            } else {
                accepted.append(Reason(.exemptManual, "exempt by manual decision: \(manual.reason)"))
            }
        }
        return (accepted, refused)
    }

    /// The `credit.*` and `homework.*` reasons, in a fixed order, for what did not count.
    private func ignoredReasons(_ tally: Tally, makeUpOpen: Bool) -> [Reason] {
        var reasons: [Reason] = []
        // "2 withdrawn study records (90 minutes) did not count": a count, a noun, minutes for study, the rest.
        func add(_ ignored: Tally.Ignored, _ code: Reason.Code, _ noun: String, _ rest: String, minutes: Bool = true) {
            guard ignored.count > 0 else { return }
            let amount = minutes ? " (\(Phrase.count(ignored.minutes, "minute")))" : ""
            reasons.append(Reason(code, "\(Phrase.count(ignored.count, noun))\(amount) \(rest)"))
        }
        let outside = makeUpOpen ? " and outside the make-up window" : ""
        add(tally.creditDuplicate, .creditDuplicate, "repeated study record", "counted once", minutes: false)
        add(tally.creditWithdrawn, .creditWithdrawn, "withdrawn study record", "did not count")
        add(
            tally.creditUnknownCategory, .creditUnknownCategory, "study record",
            "in a category the policy does not name did not count")
        add(
            tally.creditSourceNotAccepted, .creditSourceNotAccepted, "study record",
            "from a source its category does not accept did not count")
        add(
            tally.creditInvalid, .creditInvalid, "study record", "with minutes outside 1–1440 did not count",
            minutes: false)
        add(
            tally.creditBeforeOpening, .creditBeforeOpening, "study record",
            "recorded before the opening \(opens) did not count")
        add(
            tally.creditAfterDeadline, .creditAfterDeadline, "study record",
            "recorded at or after the deadline \(deadline)\(outside) did not count")
        add(tally.homeworkWithdrawn, .homeworkWithdrawn, "withdrawn homework result", "did not count", minutes: false)
        add(
            tally.homeworkInvalid, .homeworkInvalid, "homework result", "with a score outside 0–100 did not count",
            minutes: false)
        add(
            tally.homeworkBeforeOpening, .homeworkBeforeOpening, "homework result",
            "submitted before the opening \(opens) did not count", minutes: false)
        add(
            tally.homeworkAfterDeadline, .homeworkAfterDeadline, "homework result",
            "submitted at or after the deadline \(deadline)\(outside) did not count", minutes: false)
        return reasons
    }

    private static func isBlank(_ text: String) -> Bool {
        text.allSatisfy(\.isWhitespace)
    }
}
