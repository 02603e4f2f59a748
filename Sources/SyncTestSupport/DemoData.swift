/// Generates plausible, valid CSV files for one county: schools, teachers with valid identity numbers,
/// and study records. Deterministic for a given seed, so demos and benchmarks are repeatable.
///
/// The names and identity numbers are synthetic (check characters valid, birth dates real); they
/// belong to nobody.
public struct DemoData: Sendable {
    /// The county the data belongs to.
    public let county: String
    public let schools: Int
    public let teachers: Int
    /// Study records per teacher.
    public let recordsPerTeacher: Int
    public let seed: UInt64

    public init(county: String, schools: Int = 20, teachers: Int = 500, recordsPerTeacher: Int = 2, seed: UInt64 = 2019)
    {
        self.county = county
        self.schools = max(1, schools)
        self.teachers = teachers
        self.recordsPerTeacher = recordsPerTeacher
        self.seed = seed
    }

    private static let surnames = Array("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗")
    private static let given = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰")
    private static let subjects = ["13", "14", "16", "17", "18", "41", "61"]
    private static let devStages = ["new", "young", "key", "leader", "master"]

    /// The school code of school `index` (county code + four digits).
    public func schoolCode(_ index: Int) -> String { county + String(format4(index + 1)) }

    /// The schools CSV, with a header row.
    public func schoolsCSV() -> String {
        var out = "school_code,name,county_code,stages\n"
        for i in 0..<schools {
            let stages = i % 3 == 0 ? "1" : (i % 3 == 1 ? "2" : "3;4")
            out += "\(schoolCode(i)),第\(i + 1)学校,\(county),\(stages)\n"
        }
        return out
    }

    /// One synthetic teacher.
    public struct Teacher: Sendable {
        public let idNumber: String
        public let name: String
        public let gender: String
        public let school: String
        public let stage: String
        public let subject: String
        public let devStage: String
    }

    /// The synthetic teachers, in a stable order.
    public func teacherList() -> [Teacher] {
        var rng = SeededGenerator(seed: seed ^ (UInt64(county) ?? 0))
        var out = [Teacher]()
        out.reserveCapacity(teachers)
        // Birth dates walk a permutation of 35 × 12 × 28 days; each further lap uses the next serial numbers.
        // The region part is the county's own code, so numbers are unique within and across counties.
        let days = 35 * 12 * 28
        for i in 0..<teachers {
            let dayIndex = (i * 7919) % days
            let year = 1965 + dayIndex / (12 * 28)
            let month = 1 + (dayIndex / 28) % 12
            let day = 1 + dayIndex % 28
            let male = rng.next() % 2 == 0
            let serial = ((i / days) % 500) * 2 + (male ? 1 : 0)
            let first17 = county + String(year) + pad2(month) + pad2(day) + pad3(serial)
            let id = first17 + String(Self.checkCharacter(first17))
            let name =
                String(Self.surnames[Int(rng.next() % UInt64(Self.surnames.count))])
                + String(Self.given[Int(rng.next() % UInt64(Self.given.count))])
            let schoolIndex = i % schools
            let stage = schoolIndex % 3 == 0 ? "1" : (schoolIndex % 3 == 1 ? "2" : "3")
            out.append(
                Teacher(
                    idNumber: id, name: name, gender: male ? "M" : "F", school: schoolCode(schoolIndex), stage: stage,
                    subject: Self.subjects[Int(rng.next() % UInt64(Self.subjects.count))],
                    devStage: Self.devStages[Int(rng.next() % UInt64(Self.devStages.count))]))
        }
        return out
    }

    /// The teachers CSV, with a header row.
    public func teachersCSV() -> String {
        var out = "id_type,id_number,name,gender,school_code,county_code,stage,subject,dev_stage\n"
        for t in teacherList() {
            out += "1,\(t.idNumber),\(t.name),\(t.gender),\(t.school),\(county),\(t.stage),\(t.subject),\(t.devStage)\n"
        }
        return out
    }

    /// The study-records CSV, with a header row.
    public func studyRecordsCSV() -> String {
        var out = "record_id,id_type,id_number,activity_code,minutes,recorded_at,source\n"
        var rng = SeededGenerator(seed: seed ^ 0x5EED)
        for (i, t) in teacherList().enumerated() {
            for r in 0..<recordsPerTeacher {
                let minutes = 20 + Int(rng.next() % 160)
                let day = 1 + (i + r) % 28
                let hour = 8 + Int(rng.next() % 12)
                out +=
                    "R\(county)-\(i)-\(r),1,\(t.idNumber),C2019-\(pad2(1 + r % 12)),\(minutes),"
                    + "2019-09-\(pad2(day))T\(pad2(hour)):15:00+08:00,provider\n"
            }
        }
        return out
    }

    /// The ISO 7064 MOD 11-2 check character of a resident identity card's first 17 digits.
    public static func checkCharacter(_ first17: String) -> Character {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(first17.utf8, weights).reduce(0) { $0 + Int($1.0 - 48) * $1.1 }
        return Array("10X98765432")[sum % 11]
    }

    private func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    private func pad3(_ n: Int) -> String { String(repeating: "0", count: max(0, 3 - String(n).count)) + String(n) }
    private func format4(_ n: Int) -> String { String(repeating: "0", count: max(0, 4 - String(n).count)) + String(n) }
}
