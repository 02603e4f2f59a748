import Foundation
import TrainingDomain

/// One fuzz input, parsed as each of the three CSV files. Every bad row must come back as an issue with a line
/// number; a crash, a hang or an issue without a position is a bug.
enum CSVTarget {
    struct Context: ImportContext {
        var allowedCounty: String? = "130102"
        var referenceDate: Date { Date(timeIntervalSince1970: 1_567_296_000) }
        func schoolCounty(code: String) -> String? { code.hasPrefix("S") ? "130102" : nil }
        func teacherCounty(idType: IdentityDocumentType, idNumber: String) -> String? {
            idNumber.hasPrefix("1301") ? "130102" : nil
        }
    }

    static func run(_ bytes: [UInt8]) {
        let data = Data(bytes)
        for context in [Context(), Context(allowedCounty: nil)] {
            let schools = CSVImport.parseSchools(csv: data, context: context)
            let teachers = CSVImport.parseTeachers(csv: data, context: context)
            let records = CSVImport.parseStudyRecords(csv: data, context: context)
            for issue in schools.issues + teachers.issues + records.issues {
                precondition(issue.line >= 1, "an import issue without a line number")
            }
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    CSVTarget.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point under this name; in a fuzzing build it hands over to libFuzzer.
@_cdecl("teachersync_fuzz_csv_main")
func fuzzingMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return llvmFuzzerRunDriver(&argc, &argv) { fuzzerTestOneInput($0, $1) }
}
#endif
