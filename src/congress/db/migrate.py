"""Programmatic Alembic: upgrade, downgrade and new revisions without an ini file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(sync_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sync_url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    return cfg


def upgrade(sync_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(sync_url), revision)


def downgrade(sync_url: str, revision: str) -> None:
    command.downgrade(alembic_config(sync_url), revision)


def new_revision(sync_url: str, message: str) -> None:
    rev_id = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M")
    command.revision(alembic_config(sync_url), message=message, autogenerate=True, rev_id=rev_id)


def recreate(sync_url: str) -> None:
    """Empty a database and migrate it to the newest schema.

    On PostgreSQL this drops the ``public`` schema with everything in it: for
    test and benchmark databases only.
    """
    if not sync_url.startswith("sqlite"):
        engine = create_engine(sync_url)
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
    upgrade(sync_url)


def current_tables(sync_url: str) -> list[str]:
    engine = create_engine(sync_url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()
