/// The type of a teacher's identity document (证件类型), the `id_type` column: a single digit `1`–`9`.
///
/// Type `1`, the resident identity card (居民身份证), has a strictly checked 18-character number; the other types
/// share a looser rule (see ``IdentityNumber``). Names for `2`–`9` follow the education sector's identity-document code
/// table as we recall it; they are informative only and confirm them before showing them to users. (That table also
/// has `A` 护照 and `Z` 其他; the project accepts only `1`–`9` for now.)
public struct IdentityDocumentType: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The one-character code, `"1"` to `"9"`.
    public let code: String

    private static let names: [String: String] = [
        "1": "居民身份证",
        "2": "军官证",
        "3": "士兵证",
        "4": "文职干部证",
        "5": "部队离退休证",
        "6": "香港特区护照/身份证明",
        "7": "澳门特区护照/身份证明",
        "8": "台湾居民来往大陆通行证",
        "9": "境外永久居住证",
    ]

    /// The resident identity card of the People's Republic of China (居民身份证), code `1`.
    public static let residentIdentityCard = IdentityDocumentType(uncheckedCode: "1")

    /// Every accepted type, in code order.
    public static let all: [IdentityDocumentType] = names.keys.sorted().map { IdentityDocumentType(uncheckedCode: $0) }

    private init(uncheckedCode code: String) {
        self.code = code
    }

    /// Returns the type with this code, or `nil` if the code is not `1`–`9`.
    public init?(code: String) {
        guard Self.names[code] != nil else { return nil }
        self.code = code
    }

    /// The Chinese name of the document type.
    public var name: String {
        Self.names[code] ?? code
    }

    /// Whether this is the resident identity card, whose numbers are checked strictly.
    public var isResidentIdentityCard: Bool {
        code == "1"
    }

    /// The code, as written in CSV files.
    public var description: String {
        code
    }

    /// Orders types by code.
    public static func < (lhs: IdentityDocumentType, rhs: IdentityDocumentType) -> Bool {
        lhs.code < rhs.code
    }
}
