"""Feature definitions: one function per feature family, used online (row) and in batch (columns)."""
