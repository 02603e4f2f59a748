enum _PlaceholderTeacherSyncCLI {}
