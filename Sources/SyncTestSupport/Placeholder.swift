enum _PlaceholderSyncTestSupport {}
