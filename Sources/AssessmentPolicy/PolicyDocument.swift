public import Foundation

/// The published form of an ``AssessmentPolicy``: a JSON document (schema in docs/POLICY.md).
public enum PolicyDocument {
    /// Parses and checks a policy document.
    ///
    /// - Throws: ``PolicyError`` naming the field and what is wrong with it: not JSON (`malformed`), a format this
    ///   release does not read, a missing, unknown or mistyped field, or a value that breaks a rule.
    public static func parse(_ data: Data) throws(PolicyError) -> AssessmentPolicy {
        do {
            return try JSONDecoder().decode(AssessmentPolicy.self, from: data)
        } catch let error as PolicyError {
            throw error
        } catch let error as DecodingError {
            throw policyError(error)
        } catch {
            throw PolicyError(.malformed, field: PolicyError.documentField, detail: "not a JSON document")
        }
    }

    /// The document for `policy`: pretty-printed JSON with sorted keys, so that one policy always gives the same
    /// bytes (and the same digest) and parsing them gives the policy back.
    public static func encode(_ policy: AssessmentPolicy) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // The policy's types encode only strings, integers and one-decimal numbers: encoding cannot fail.
        return try! encoder.encode(policy)
    }

    private static func policyError(_ error: DecodingError) -> PolicyError {
        switch error {
        case .keyNotFound(let key, let context):
            return PolicyError(
                .missingField, field: FieldReader.describe(context.codingPath + [key]), detail: "is required")
        case .valueNotFound(_, let context):
            return PolicyError(
                .missingField, field: FieldReader.describe(context.codingPath), detail: "is required, not null")
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty {
                return PolicyError(.malformed, field: PolicyError.documentField, detail: "expected a JSON object")
            }
            return PolicyError(
                .wrongType, field: FieldReader.describe(context.codingPath), detail: "expected \(describe(type))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return PolicyError(.malformed, field: PolicyError.documentField, detail: "not a JSON document")
            }
            // Raised by the policy's own types (instants, one-decimal numbers) and by enumerations with a raw value.
            let detail =
                context.underlyingError == nil && context.debugDescription.hasPrefix("expected")
                ? context.debugDescription : "is not one of the accepted values"
            return PolicyError(.wrongType, field: FieldReader.describe(context.codingPath), detail: detail)
        @unknown default:
            return PolicyError(.malformed, field: PolicyError.documentField, detail: "could not be read")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        case is [String: Any].Type: "an object"
        default: "a value of another type"
        }
    }
}
