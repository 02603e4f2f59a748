extension AssessmentPolicy {
    /// Codes that would make a category's shortfall reason collide with another reason.
    static let reservedCategoryCodes: Set<String> = ["total", "homework"]

    /// Checks the rules of docs/POLICY.md in document order and throws for the first broken one.
    func validate() throws(PolicyError) {
        func fail(_ field: String, _ detail: String) -> PolicyError {
            PolicyError(.invalidValue, field: field, detail: detail)
        }
        guard (2000...2100).contains(year) else { throw fail("year", "must be between 2000 and 2100") }
        guard version >= 1 else { throw fail("version", "must be at least 1") }
        guard hoursRequired > .zero else { throw fail("hours_required", "must be more than 0") }
        guard (1...600).contains(minutesPerHour) else { throw fail("minutes_per_hour", "must be between 1 and 600") }
        guard opens < deadline else { throw fail("deadline", "must be after opens") }

        guard !categories.isEmpty else { throw fail("categories", "must name at least one category") }
        var categoryCodes: Set<String> = []
        var minimumSum = Tenths.zero
        for (index, category) in categories.enumerated() {
            let path = "categories[\(index)]"
            guard Self.isCode(category.code) else {
                throw fail("\(path).code", "must be lower-case letters, digits and _, starting with a letter")
            }
            guard !Self.reservedCategoryCodes.contains(category.code) else {
                throw fail("\(path).code", "'\(category.code)' is reserved for another reason")
            }
            guard categoryCodes.insert(category.code).inserted else {
                throw fail("\(path).code", "'\(category.code)' appears twice")
            }
            guard !category.name.isEmpty else { throw fail("\(path).name", "must not be empty") }
            guard !category.label.isEmpty else { throw fail("\(path).label", "must not be empty") }
            guard category.minimumHours >= .zero else { throw fail("\(path).minimum_hours", "must not be negative") }
            minimumSum = minimumSum + category.minimumHours
        }
        guard minimumSum <= hoursRequired else {
            throw fail("categories", "minimum hours sum to \(minimumSum), more than hours_required \(hoursRequired)")
        }

        guard !components.isEmpty else { throw fail("components", "must name at least one component") }
        var componentCodes: Set<String> = []
        var weightSum = 0
        for (index, component) in components.enumerated() {
            let path = "components[\(index)]"
            guard Self.isCode(component.code) else {
                throw fail("\(path).code", "must be lower-case letters, digits and _, starting with a letter")
            }
            guard componentCodes.insert(component.code).inserted else {
                throw fail("\(path).code", "'\(component.code)' appears twice")
            }
            guard !component.label.isEmpty else { throw fail("\(path).label", "must not be empty") }
            guard (0...100).contains(component.weight) else { throw fail("\(path).weight", "must be 0 to 100") }
            weightSum += component.weight
            switch component.measure {
            case .hours(let measured, let fullMarksHours):
                guard !measured.isEmpty else { throw fail("\(path).categories", "must name at least one category") }
                var seen: Set<String> = []
                for (position, code) in measured.enumerated() {
                    guard categoryCodes.contains(code) else {
                        throw fail("\(path).categories[\(position)]", "names no category of this policy")
                    }
                    guard seen.insert(code).inserted else {
                        throw fail("\(path).categories[\(position)]", "'\(code)' appears twice")
                    }
                }
                guard fullMarksHours > .zero else { throw fail("\(path).full_marks_hours", "must be more than 0") }
            case .homework:
                guard homework.count >= 1 else {
                    throw fail("\(path).measure", "a homework component needs homework.count of at least 1")
                }
            case .provided:
                break
            }
        }
        guard weightSum == 100 else { throw fail("components", "weights sum to \(weightSum), not 100") }

        guard passScore >= .zero, passScore <= Tenths(whole: 100) else { throw fail("pass_score", "must be 0 to 100") }
        guard homework.count >= 0 else { throw fail("homework.count", "must not be negative") }
        guard homework.minimumScore >= .zero, homework.minimumScore <= Tenths(whole: 100) else {
            throw fail("homework.minimum_score", "must be 0 to 100")
        }

        var kinds: Set<String> = []
        for (index, exemption) in exemptions.enumerated() {
            let path = "exemptions[\(index)]"
            guard Self.isCode(exemption.kind) else {
                throw fail("\(path).kind", "must be lower-case letters, digits and _, starting with a letter")
            }
            guard kinds.insert(exemption.kind).inserted else {
                throw fail("\(path).kind", "'\(exemption.kind)' appears twice")
            }
            guard !exemption.name.isEmpty else { throw fail("\(path).name", "must not be empty") }
            guard (2000...2100).contains(exemption.certificateYear) else {
                throw fail("\(path).certificate_year", "must be between 2000 and 2100")
            }
        }

        if let makeUp {
            guard (2000..<year).contains(makeUp.creditsYear) else {
                throw fail("make_up.credits_year", "must be an earlier year than \(year)")
            }
            guard makeUp.opens < makeUp.deadline else { throw fail("make_up.deadline", "must be after make_up.opens") }
        }
    }

    /// Whether `text` is a code: 1 to 32 of lower-case ASCII letters, digits and `_`, starting with a letter.
    static func isCode(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...32).contains(bytes.count), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[0]) else {
            return false
        }
        return bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }
}
