/// An administrative unit of Hebei province: the province itself, a prefecture-level city or a county-level unit
/// (county, district or county-level city), identified by its six-digit GB/T 2260 code.
///
/// Education reports also use one synthetic unit, 雄安新区, which has no GB/T 2260 code of its own; see
/// ``UnitCatalog/xiongAnNewArea``.
public struct AdministrativeUnit: Sendable, Hashable {
    /// The level of a unit in the administrative hierarchy.
    public enum Level: String, Sendable, Hashable, CaseIterable {
        /// The province (省), code `130000` for Hebei.
        case province
        /// A prefecture-level city (地级市), or a city-level reporting unit such as 雄安新区.
        case city
        /// A county-level unit (县、县级市、市辖区): the level at which teachers and schools are registered.
        case county
    }

    /// The six-digit code, for example `"130102"`.
    public let code: String
    /// The official Chinese name, for example `"长安区"`.
    public let name: String
    /// The unit's level.
    public let level: Level
    /// The code of the unit directly above in GB/T 2260 (a county's city, a city's province); `nil` for the province.
    public let parent: String?

    /// Creates a unit from its four attributes.
    public init(code: String, name: String, level: Level, parent: String?) {
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
    }
}
