enum _PlaceholderTrainingDomain {}
