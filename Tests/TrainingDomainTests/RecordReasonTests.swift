import Testing
import TrainingDomain

@Suite struct RecordReasonTests {
    /// Every reason the record imports added is produced by one of the bad-row cases of the per-kind tests (each of
    /// which asserts that its row gets exactly that reason).
    @Test func everyRecordReasonHasABadRowCase() {
        let cases =
            ProviderCSVTests.badValues + TrainingProjectCSVTests.badValues + CourseCSVTests.badValues
            + TrainingContactCSVTests.badValues + CohortCSVTests.badValues + CourseSelectionCSVTests.badValues
            + ResearchActivityCSVTests.badValues + AttendanceCSVTests.badValues + ExemptionCSVTests.badValues
            + MakeUpCSVTests.badValues + HomeworkCSVTests.badValues + WithdrawalCSVTests.badValues
        // `table.not_writable` has its own test in each province-owned kind.
        let reached = Set(cases.map(\.reason) + [.tableNotWritable])
        let missing = ImportIssue.Reason.records.filter { !reached.contains($0) }
        #expect(missing.isEmpty, "no bad-row case for: \(missing.map(\.code))")
        #expect(Set(ImportIssue.Reason.records).isSubset(of: Set(ImportIssue.Reason.all)))
    }
}
