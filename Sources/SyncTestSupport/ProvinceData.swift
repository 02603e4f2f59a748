public import Foundation
import TrainingDomain

/// A synthetic province for tests, the demo and benchmarks (docs/RECORDS.md, "Demo data"): Hebei's real county
/// codes, schools per county, teachers with valid identity numbers, the 2019 projects of two providers by stage
/// group, a course catalogue, and for each teacher a training season's study records, offline research
/// attendance and homework, with some exemptions and make-up enrolments.
///
/// Deterministic for a seed. Everyone in it is synthetic; the files import with `teachersync import`.
public struct ProvinceData: Sendable {
    public let counties: [String]
    public let teachersPerCounty: Int
    public let schoolsPerCounty: Int
    public let seed: UInt64
    /// The season's records run from the policy's opening to this day (`YYYY-MM-DD`, inclusive).
    public let through: String

    /// `countyCount` real county-level codes, taken in turn from each of the 14 reporting units so that a small
    /// province still spans several cities.
    ///
    /// `counties`, when given, are used instead (each must be a Hebei county-level code).
    public init(
        countyCount: Int = 4, counties: [String] = [], teachersPerCounty: Int = 500, schoolsPerCounty: Int = 20,
        seed: UInt64 = 2019, through: String = "2019-12-20"
    ) {
        let catalog = UnitCatalog.hebei201904
        let perUnit = catalog.reportingUnits.map { catalog.counties(reportingTo: $0.code).map(\.code) }
        var picked = [String]()
        var round = 0
        while picked.count < countyCount, round < 64 {
            for list in perUnit where round < list.count && picked.count < countyCount { picked.append(list[round]) }
            round += 1
        }
        self.counties = counties.isEmpty ? picked : counties
        self.teachersPerCounty = teachersPerCounty
        self.schoolsPerCounty = max(1, schoolsPerCounty)
        self.seed = seed
        self.through = through
    }

    /// The two 2019 projects: compulsory stages to the first provider, the others to the second (notice, part 3).
    public static let projects: [(code: String, stages: [String], provider: String)] = [
        ("HB2019-A", ["2", "3"], "PA"), ("HB2019-B", ["1", "4", "5", "6", "A", "Z"], "PB"),
    ]

    static func project(ofStage stage: String) -> String {
        projects.first { $0.stages.contains(stage) }?.code ?? projects[1].code
    }

    /// The county's offline research course (no provider).
    public static let offlineCourse = "OFF2019"

    // MARK: The province's files (imported at the hub)

    public func providersCSV() -> String {
        "provider_code,name,stages\nPA,甲培训平台,2;3\nPB,乙培训平台,1;4;5;6;A;Z\n"
    }

    public func projectsCSV() -> String {
        var out = "project_code,year,name,stages,provider_code,hours_required\n"
        out += "HB2019-A,2019,2019年义务教育段教师全员培训,2;3,PA,52\n"
        out += "HB2019-B,2019,2019年幼儿园及高中段教师全员培训,1;4;5;6;A;Z,PB,52\n"
        return out
    }

    /// Per project: three mandatory topics of 4 hours, four electives of 4.5 hours per stage, the IT-ability
    /// course (10 hours), a class-teacher and a school-management course; and the counties' offline course.
    public func coursesCSV() -> String {
        var out = "course_code,year,project_code,name,kind,category,hours,stages,subject,dev_stage\n"
        for project in Self.projects {
            let p = project.code
            for n in 1...3 { out += "\(p)-M\(n),2019,\(p),师德专题\(n),mandatory,mandatory,4,,,\n" }
            for stage in project.stages {
                for n in 1...4 {
                    out += "\(p)-E\(stage)\(n),2019,\(p),学段选修\(stage)-\(n),elective,elective,4.5,\(stage),,\n"
                }
            }
            out += "\(p)-IT,2019,\(p),信息技术应用能力提升,it,it,10,,,\n"
            out += "\(p)-CT,2019,\(p),班主任专题,class_teacher,elective,3,,,\n"
            out += "\(p)-SM,2019,\(p),学校管理专题,school_management,elective,3,,,leader\n"
        }
        out += "\(Self.offlineCourse),2019,,县级线下研修,research,offline,12,,,\n"
        return out
    }

    /// A training contact for each reporting unit and each county.
    public func contactsCSV() -> String {
        var out = "unit_code,duty,name,phone,email\n"
        // 定州 and 辛集 are reporting units and counties both: one contact each.
        let reporting = UnitCatalog.hebei201904.reportingUnits.map(\.code)
        let units = reporting + counties.filter { !reporting.contains($0) }
        for (i, unit) in units.enumerated() {
            out += "\(unit),培训负责人,联系人\(i + 1),0311-8\(String(format: "%06d", 100_000 + i)),\n"
        }
        return out
    }

    // MARK: A county's files

    public func demo(_ county: String) -> DemoData {
        DemoData(
            county: county, schools: schoolsPerCounty, teachers: teachersPerCounty, recordsPerTeacher: 0, seed: seed)
    }

    /// How far through the year's work a teacher is: most are done, some part-way, a few barely started; about
    /// 2% are exempt (a 2019 国培计划 certificate) and do no training.
    enum Progress {
        case exempt
        case fraction(Double)
    }

    func progress(county: String, index: Int) -> Progress {
        var rng = SeededGenerator(seed: seed ^ (UInt64(county) ?? 0) &* 31 ^ UInt64(index) &* 0x9E37_79B9)
        let draw = Double(rng.next() % 10_000) / 10_000
        if draw < 0.02 { return .exempt }
        if draw < 0.72 { return .fraction(1.0 + Double(rng.next() % 20) / 100) }
        if draw < 0.92 { return .fraction(0.3 + Double(rng.next() % 65) / 100) }
        return .fraction(Double(rng.next() % 30) / 100)
    }

    /// Four offline research sessions a county holds, of three hours each.
    public func activitiesCSV(_ county: String) -> String {
        var out = "activity_id,year,county_code,title,course_code,school_code,held_on,minutes\n"
        for n in 1...4 {
            out +=
                "\(county)-A\(n),2019,\(county),线下研修第\(n)次,\(Self.offlineCourse),,"
                + String(format: "2019-%02d-15", 8 + n) + ",180\n"
        }
        return out
    }

    /// One cohort per stage taught in the county: the stage's project's mandatory topics and IT course.
    public func cohortsCSV(_ county: String) -> String {
        var out = "cohort_code,year,county_code,stage,subject,dev_stage,courses\n"
        for stage in Set(demo(county).teacherList().map(\.stage)).sorted() {
            let p = Self.project(ofStage: stage)
            out += "C\(stage),2019,\(county),\(stage),,,\(p)-M1;\(p)-M2;\(p)-M3;\(p)-IT\n"
        }
        return out
    }

    /// The county's season: study records, attendance, homework, exemptions and make-up enrolments.
    public func seasonCSVs(
        _ county: String
    ) -> (
        studyRecords: String, attendance: String, homework: String, exemptions: String, makeUps: String
    ) {
        var study = "record_id,id_type,id_number,activity_code,minutes,recorded_at,source\n"
        var attendance = "activity_id,id_type,id_number,minutes\n"
        var homework = "record_id,id_type,id_number,year,project_code,assignment_id,score,submitted_at\n"
        var exemptions = "year,id_type,id_number,kind,certificate_year,evidence\n"
        var makeUps = "year,id_type,id_number,enrolled_on\n"
        let lastDay = days(through)
        for (i, t) in demo(county).teacherList().enumerated() {
            var rng = SeededGenerator(seed: seed ^ UInt64(i) &* 0x2545_F491_4F6C_DD1D ^ (UInt64(county) ?? 0))
            if i % 97 == 5 { makeUps += "2018,1,\(t.idNumber),2019-07-01\n" }
            guard case .fraction(let p) = progress(county: county, index: i) else {
                exemptions += "2019,1,\(t.idNumber),guopei,2019,GP2019-\(county)-\(i)\n"
                continue
            }
            let project = Self.project(ofStage: t.stage)
            // Minutes per online category at 45 minutes a credited hour: mandatory 12 h, elective 18 h, IT 10 h.
            let plan: [(String, Int)] = [
                ("\(project)-M\(1 + i % 3)", Int(12 * 45 * p)),
                ("\(project)-E\(t.stage)\(1 + i % 4)", Int(18 * 45 * p)),
                ("\(project)-IT", Int(10 * 45 * p)),
            ]
            var n = 0
            for (course, total) in plan {
                var left = total
                while left > 0 {
                    let minutes = min(left, 60 + Int(rng.next() % 120))
                    left -= minutes
                    n += 1
                    let day = 157 + Int(rng.next() % UInt64(max(1, lastDay - 156)))
                    study +=
                        "\(county)-\(i)-\(n),1,\(t.idNumber),\(course),\(minutes),\(date(day))T\(10 + n % 10):00:00+08:00,provider\n"
                }
            }
            let sessions = min(4, Int((p * 4).rounded()))
            for a in 0..<sessions where days(String(format: "2019-%02d-15", 9 + a)) <= lastDay {
                attendance += "\(county)-A\(a + 1),1,\(t.idNumber),180\n"
            }
            if p >= 0.5 {
                for h in 1...2 {
                    let score = 55 + Double(rng.next() % 450) / 10
                    homework +=
                        "\(county)-\(i)-H\(h),1,\(t.idNumber),2019,\(project),H\(h),\(String(format: "%.1f", score)),2019-11-0\(h)T20:00:00+08:00\n"
                }
            }
        }
        return (study, attendance, homework, exemptions, makeUps)
    }

    /// Writes the province's files to `directory/province` and each county's to `directory/CODE`.
    public func write(to directory: URL) throws {
        func put(_ text: String, _ path: String) throws {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try put(providersCSV(), "province/providers.csv")
        try put(projectsCSV(), "province/projects.csv")
        try put(coursesCSV(), "province/courses.csv")
        try put(contactsCSV(), "province/contacts.csv")
        for county in counties {
            let d = demo(county)
            try put(d.schoolsCSV(), "\(county)/schools.csv")
            try put(d.teachersCSV(), "\(county)/teachers.csv")
            try put(cohortsCSV(county), "\(county)/cohorts.csv")
            try put(activitiesCSV(county), "\(county)/activities.csv")
            let season = seasonCSVs(county)
            try put(season.studyRecords, "\(county)/study-records.csv")
            try put(season.attendance, "\(county)/attendance.csv")
            try put(season.homework, "\(county)/homework.csv")
            try put(season.exemptions, "\(county)/exemptions.csv")
            try put(season.makeUps, "\(county)/make-ups.csv")
        }
    }

    /// The order the files import in: the province's at the hub, then each county's.
    public static let provinceFiles = ["providers", "projects", "courses", "contacts"]
    public static let countyFiles = [
        "schools", "teachers", "cohorts", "activities", "study-records", "attendance", "homework", "exemptions",
        "make-ups",
    ]

    /// Day of 2019 (1-based) of `YYYY-MM-DD`, or 365 + day of 2020.
    private func days(_ text: String) -> Int {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return 365 }
        let starts = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        return (parts[0] - 2019) * 365 + starts[parts[1] - 1] + parts[2]
    }

    private func date(_ day: Int) -> String {
        let starts = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        let month = (starts.lastIndex { $0 < day } ?? 0)
        return String(format: "2019-%02d-%02d", month + 1, day - starts[month])
    }
}
