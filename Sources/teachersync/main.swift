import TeacherSyncCLI

await TeacherSyncCommand.runAndExit()
