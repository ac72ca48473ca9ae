"""Persistence: SQLModel tables, the engine and sessions, queries, Alembic migrations."""
