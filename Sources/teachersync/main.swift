import TeacherSyncCLI

TeacherSyncCommand.runAndExit()
