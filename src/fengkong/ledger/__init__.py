"""Chart of accounts, balanced double-entry journal, hash-chained audit log."""
