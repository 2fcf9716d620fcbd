"""Migrations build exactly the schema the models describe, and go down cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine

from congress.db import migrate
from congress.db.base import metadata


def test_migrated_database_matches_the_models(sync_engine: Engine) -> None:
    with sync_engine.connect() as conn:
        # Types are left out: SQLite reflects the portable GUID and JSON types as their storage types.
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, metadata())
    assert diff == []


def test_migrations_downgrade_to_empty_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    migrate.upgrade(url)
    tables = set(migrate.current_tables(url))
    assert {"congress", "room", "person", "registration", "schedule_version", "assignment"} <= tables
    migrate.downgrade(url, "base")
    assert migrate.current_tables(url) == ["alembic_version"]
    migrate.upgrade(url)
    assert set(migrate.current_tables(url)) == tables
    create_engine(url).dispose()
