"""Contract tests: each repository Protocol's behaviour, run on the in-memory fakes, SQLite and
PostgreSQL alike."""
