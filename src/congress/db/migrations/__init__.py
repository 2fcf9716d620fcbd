"""Alembic migrations, driven from ``congress.db.migrate`` (no alembic.ini needed)."""
