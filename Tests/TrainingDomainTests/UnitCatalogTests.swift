import Testing
import TrainingDomain

@Suite struct UnitCatalogTests {
    let catalog = UnitCatalog.hebei201904

    @Test func hasTheProvinceElevenCitiesAnd168Counties() {
        let levels = Dictionary(grouping: catalog.units, by: \.level).mapValues(\.count)
        #expect(levels == [.province: 1, .city: 11, .county: 168])
        #expect(catalog.units.first == AdministrativeUnit(code: "130000", name: "河北省", level: .province, parent: nil))
        #expect(catalog.units.map(\.code) == catalog.units.map(\.code).sorted())
        #expect(Set(catalog.units.map(\.code)).count == 180)
    }

    @Test func citiesAreTheElevenPrefectures() {
        let cities = catalog.units.filter { $0.level == .city }
        #expect(cities.map(\.code) == (1...11).map { "13\(String(format: "%02d", $0))00" })
        #expect(cities.allSatisfy { $0.parent == "130000" })
        #expect(catalog.unit(code: "130600")?.name == "保定市")
    }

    @Test func everyCountyHasAKnownCityAsParent() {
        for county in catalog.units where county.level == .county {
            #expect(county.code.count == 6 && county.code.allSatisfy(\.isASCII))
            #expect(catalog.unit(code: county.parent ?? "")?.level == .city, "\(county.code)")
            #expect(catalog.isCounty(county.code))
        }
    }

    @Test func looksUpUnitsByCode() {
        #expect(
            catalog.unit(code: "130102")
                == AdministrativeUnit(code: "130102", name: "长安区", level: .county, parent: "130100"))
        #expect(catalog.unit(code: "131182")?.name == "深州市")
        #expect(catalog.unit(code: "130682")?.name == "定州市")
        #expect(catalog.unit(code: "130181")?.name == "辛集市")
        #expect(catalog.unit(code: "110105") == nil)
        #expect(catalog.unit(code: "") == nil)
    }

    @Test(arguments: ["139001", "139002", "130000", "130100", "139900", "110105", "13010", ""])
    func isCountyRejectsNonCounties(code: String) {
        #expect(!catalog.isCounty(code))
    }

    @Test func hasFourteenReportingUnits() {
        let codes = catalog.reportingUnits.map(\.code)
        #expect(codes.count == 14)
        #expect(
            codes == [
                "130100", "130181", "130200", "130300", "130400", "130500", "130600", "130682", "130700", "130800",
                "130900", "131000", "131100", "139900",
            ])
        #expect(catalog.reportingUnits.contains(UnitCatalog.xiongAnNewArea))
    }

    @Test func xiongAnIsASyntheticCityLevelUnit() {
        let xiongAn = UnitCatalog.xiongAnNewArea
        #expect(xiongAn.code == "139900")
        #expect(xiongAn.name == "雄安新区")
        #expect(xiongAn.level == .city)
        #expect(xiongAn.parent == "130000")
        #expect(catalog.unit(code: "139900") == xiongAn)
        #expect(!catalog.units.contains(xiongAn))
    }

    @Test(
        "reporting unit of a county",
        arguments: [
            ("130102", "130100"),  // 长安区 → 石家庄
            ("130181", "130181"),  // 辛集 reports itself
            ("130183", "130100"),  // 晋州 → 石家庄
            ("130682", "130682"),  // 定州 reports itself
            ("130638", "139900"),  // 雄县 → 雄安新区
            ("130629", "139900"),  // 容城县 → 雄安新区
            ("130632", "139900"),  // 安新县 → 雄安新区
            ("130602", "130600"),  // 竞秀区 → 保定
            ("130681", "130600"),  // 涿州 → 保定
            ("131182", "131100"),  // 深州 → 衡水
        ])
    func reportingUnit(county: String, unit: String) {
        #expect(catalog.reportingUnit(forCounty: county)?.code == unit)
    }

    @Test(arguments: ["130000", "130600", "139900", "139001", "999999"])
    func noReportingUnitForNonCounties(code: String) {
        #expect(catalog.reportingUnit(forCounty: code) == nil)
    }

    @Test func reportingUnitsPartitionTheCounties() {
        var seen: Set<String> = []
        for unit in catalog.reportingUnits {
            let counties = catalog.counties(reportingTo: unit.code)
            #expect(!counties.isEmpty, "\(unit.code)")
            for county in counties {
                #expect(seen.insert(county.code).inserted)
            }
        }
        #expect(seen.count == 168)
        #expect(catalog.counties(reportingTo: "139900").map(\.code) == ["130629", "130632", "130638"])
        #expect(catalog.counties(reportingTo: "130682").map(\.code) == ["130682"])
        #expect(!catalog.counties(reportingTo: "130600").contains { ["130638", "130682"].contains($0.code) })
    }
}
