"""Database edge: SQLAlchemy metadata, engine and session, unit of work, Alembic migrations."""
