/// Why a policy document or a policy built in code was refused: which field, and what is wrong with it.
///
/// ``field`` is the path in the JSON document (`categories[1].minimum_hours`, `make_up.deadline`); `(document)` when
/// the problem is the document as a whole. A policy holds no personal data, so the error is safe to log and to show.
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of problem. The set may grow; compare against the static members rather than switching.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private let code: Code

        private enum Code: String {
            case malformed, unsupportedFormat, missingField, unknownField, wrongType, invalidValue
        }

        private init(_ code: Code) {
            self.code = code
        }

        /// The bytes are not a JSON object (not JSON, bad UTF-8, an array at the top).
        public static let malformed = Kind(.malformed)
        /// The document's `format` is not one this release reads.
        public static let unsupportedFormat = Kind(.unsupportedFormat)
        /// A required field is absent (or `null`).
        public static let missingField = Kind(.missingField)
        /// The document has a field the schema does not define: usually a misspelling, which must not pass silently.
        public static let unknownField = Kind(.unknownField)
        /// A field has the wrong JSON type or form (a string where a number belongs, a badly written instant).
        public static let wrongType = Kind(.wrongType)
        /// A field is well formed but its value breaks a rule (negative hours, weights not summing to 100…).
        public static let invalidValue = Kind(.invalidValue)

        /// The kind's name, for example `invalidValue`.
        public var description: String {
            code.rawValue
        }
    }

    /// What class of problem this is.
    public let kind: Kind
    /// The path of the field in the document, for example `categories[1].minimum_hours`.
    public let field: String
    /// A short English explanation.
    public let detail: String

    /// Creates an error.
    public init(_ kind: Kind, field: String, detail: String) {
        self.kind = kind
        self.field = field
        self.detail = detail
    }

    /// `field: detail`, for example `components: weights sum to 90, not 100`.
    public var description: String {
        "\(field): \(detail)"
    }

    /// The path written for the document as a whole.
    static let documentField = "(document)"
}
