/// A school subject (中小学课程) as coded in the teacher roster's `subject` column: two digits from a fixed table.
///
/// Only codes in ``all`` are valid. The table is data, kept in one place (``table``) so that it can be corrected
/// without touching the validation. Codes 13 语文, 14 数学, 16 物理, 40–49 (foreign languages) and 61 信息技术 come
/// from the project's domain description. The others follow the Ministry of Education's 中小学课程 code table as
/// best we know it and should be confirmed against the province's own table; 44 德语, 45 法语, 46 西班牙语 (the
/// further languages of the 2017 senior-secondary curriculum), 49 其他外语 and 62 通用技术 are the least certain.
public struct SubjectCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The two-digit code, for example `"13"`.
    public let code: String
    /// The Chinese name, for example `"语文"`.
    public let name: String

    /// The code table, in code order.
    static let table: [(code: String, name: String)] = [
        ("11", "品德与生活"),
        ("12", "品德与社会/思想品德"),
        ("13", "语文"),
        ("14", "数学"),
        ("15", "科学"),
        ("16", "物理"),
        ("17", "化学"),
        ("18", "生物"),
        ("19", "历史与社会"),
        ("20", "地理"),
        ("21", "历史"),
        ("22", "体育与健康"),
        ("23", "音乐"),
        ("24", "美术"),
        ("25", "艺术"),
        ("26", "综合实践活动"),
        ("27", "劳动与技术"),
        ("40", "外语"),
        ("41", "英语"),
        ("42", "日语"),
        ("43", "俄语"),
        ("44", "德语"),
        ("45", "法语"),
        ("46", "西班牙语"),
        ("49", "其他外语"),
        ("61", "信息技术"),
        ("62", "通用技术"),
        ("99", "其他"),
    ]

    /// Every valid subject, in code order.
    public static let all: [SubjectCode] = table.map { SubjectCode(uncheckedCode: $0.code, name: $0.name) }

    private static let byCode: [String: SubjectCode] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })

    private init(uncheckedCode code: String, name: String) {
        self.code = code
        self.name = name
    }

    /// Returns the subject with this code, or `nil` if the code is not in the table.
    public init?(code: String) {
        guard let subject = Self.byCode[code] else { return nil }
        self = subject
    }

    /// Whether the subject is a foreign language (codes 40–49).
    public var isForeignLanguage: Bool {
        code.hasPrefix("4")
    }

    /// The code, as written in CSV files.
    public var description: String {
        code
    }

    /// Orders subjects by code.
    public static func < (lhs: SubjectCode, rhs: SubjectCode) -> Bool {
        lhs.code < rhs.code
    }
}
