/// The administrative units of Hebei and the province's 14 education reporting units.
///
/// The catalogue is fixed data shipped in the binary (GB/T 2260 revision 201904). Codes from older revisions are
/// unknown to it: in particular 定州 and 辛集 are `130682` and `130181` here, not the `139001`/`139002` that some
/// older code sets give them.
public struct UnitCatalog: Sendable {
    /// Hebei's 180 units of GB/T 2260 revision 201904: the province, 11 prefecture-level cities and 168 county-level
    /// units.
    public static let hebei201904 = UnitCatalog(csv: HebeiUnits201904.csv)

    /// The code of the synthetic reporting unit for 雄安新区.
    ///
    /// GB/T 2260 gives 雄安新区 no code. `139900` is not a code of any Hebei unit, and it stays clear of the `1390xx`
    /// block where older code sets put 定州 and 辛集 (`139001`, `139002`). It is the project's own convention: the
    /// replica and the reports use it, and it never appears in ``units``.
    public static let xiongAnCode = "139900"

    /// 雄安新区 as a city-level reporting unit: code ``xiongAnCode``, level ``AdministrativeUnit/Level/city``, parent
    /// the province. It covers 雄县 (130638), 容城县 (130629) and 安新县 (130632), which report to it rather than to 保定.
    public static let xiongAnNewArea = AdministrativeUnit(
        code: xiongAnCode, name: "雄安新区", level: .city, parent: "130000")

    /// County-level cities that report to the province directly in education matters: 辛集 and 定州.
    static let directlyReportingCounties: Set<String> = ["130181", "130682"]

    /// The counties of 雄安新区: 容城县, 安新县 and 雄县.
    static let xiongAnCounties: Set<String> = ["130629", "130632", "130638"]

    /// Every GB/T 2260 unit, in code order. The synthetic 雄安新区 unit is not among them.
    public let units: [AdministrativeUnit]

    /// The 14 units that education reports are made for, in code order: the 11 prefecture-level cities, 辛集
    /// (130181) and 定州 (130682) themselves, and ``xiongAnNewArea``.
    public let reportingUnits: [AdministrativeUnit]

    private let byCode: [String: AdministrativeUnit]

    /// Parses the embedded `code,name,level,parent` table; the data is part of the binary, so a defect is fatal.
    init(csv: String) {
        var units: [AdministrativeUnit] = []
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let level = AdministrativeUnit.Level(rawValue: fields[2]) else {
                preconditionFailure("malformed embedded unit table row")
            }
            units.append(
                AdministrativeUnit(
                    code: fields[0], name: fields[1], level: level, parent: fields[3].isEmpty ? nil : fields[3]))
        }
        units.sort { $0.code < $1.code }
        self.units = units

        var byCode = Dictionary(uniqueKeysWithValues: units.map { ($0.code, $0) })
        byCode[Self.xiongAnCode] = Self.xiongAnNewArea
        self.byCode = byCode

        let reporting =
            units.filter { $0.level == .city || Self.directlyReportingCounties.contains($0.code) }
            + [Self.xiongAnNewArea]
        self.reportingUnits = reporting.sorted { $0.code < $1.code }
    }

    /// Returns the unit with this code, or `nil` if there is none. Besides the GB/T 2260 units this finds the
    /// synthetic ``xiongAnNewArea``.
    public func unit(code: String) -> AdministrativeUnit? {
        byCode[code]
    }

    /// Whether `code` names a county-level unit, the level at which schools and teachers are registered.
    public func isCounty(_ code: String) -> Bool {
        byCode[code]?.level == .county
    }

    /// Returns the education reporting unit that a county-level unit reports to, or `nil` if `code` is not a
    /// county-level unit.
    ///
    /// That is the county's prefecture-level city, except that 辛集 and 定州 report as themselves and the three
    /// counties of 雄安新区 report to ``xiongAnNewArea`` rather than to 保定.
    public func reportingUnit(forCounty code: String) -> AdministrativeUnit? {
        guard let county = byCode[code], county.level == .county else { return nil }
        if Self.directlyReportingCounties.contains(code) { return county }
        if Self.xiongAnCounties.contains(code) { return Self.xiongAnNewArea }
        return county.parent.flatMap { byCode[$0] }
    }

    /// Returns the county-level units that report to the reporting unit `code`, in code order; empty if `code` is not
    /// one of ``reportingUnits``.
    public func counties(reportingTo code: String) -> [AdministrativeUnit] {
        units.filter { $0.level == .county && reportingUnit(forCounty: $0.code)?.code == code }
    }
}
