enum _PlaceholderSQLiteReplica {}
