"""Credit models: binning and scorecards, gradient boosting, evaluation, reason codes, the registry."""
