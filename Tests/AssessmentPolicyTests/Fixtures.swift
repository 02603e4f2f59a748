import AssessmentPolicy
import Foundation

/// The policies the tests share.
enum Fixtures {
    /// The text of Config/policy-2019.json.
    static let policy2019Text: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/policy-2019.json")
        return try! String(contentsOf: url, encoding: .utf8)
    }()

    /// The 2019 policy of Config/policy-2019.json.
    static let policy2019: AssessmentPolicy = try! PolicyDocument.parse(Data(policy2019Text.utf8))

    /// The 2019 policy (or `text`) with pieces of its text replaced.
    static func policy2019(
        text original: String = policy2019Text, replacing replacements: [(String, String)]
    ) throws -> AssessmentPolicy {
        var text = original
        for (old, new) in replacements {
            precondition(text.contains(old), "the fixture has no \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return try PolicyDocument.parse(Data(text.utf8))
    }
}
