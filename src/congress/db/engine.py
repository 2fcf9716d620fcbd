"""Engines for the API (async) and the CLI/migrations (sync), with SQLite tuned for durability."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from congress.config import Settings
from congress.lib.transactions import WRITE_INTENT

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # FULL with WAL: a committed transaction survives a crash or power loss.
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not open transactions on its own; ``_on_sqlite_begin`` does.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    """Writers begin IMMEDIATE: they queue on the write lock (busy_timeout) from the start,
    so a read-then-write transaction never fails halfway with "database is locked"."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_INTENT) else "BEGIN")


def _tune_sqlite(engine: Engine) -> None:
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)


def _ensure_parent_dir(url: str) -> None:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def make_async_engine(settings: Settings) -> AsyncEngine:
    url = settings.async_database_url
    if settings.is_sqlite:
        _ensure_parent_dir(url)
        engine = create_async_engine(url)
        _tune_sqlite(engine.sync_engine)
        return engine
    # Connections opened beyond the pool (the overflow) are closed again when returned, and opening one costs
    # more than the queries of a request: the pool is sized for the usual concurrency.
    return create_async_engine(
        url, pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size // 2, pool_pre_ping=True
    )


def make_sync_engine(settings: Settings, *, pre_ping: bool = True) -> Engine:
    """A synchronous engine; ``pre_ping=False`` saves a round trip per checkout on PostgreSQL, for callers
    that write again on a new connection when the database has dropped theirs."""
    url = settings.sync_database_url
    if settings.is_sqlite:
        _ensure_parent_dir(url)
        engine = create_engine(url, execution_options={WRITE_INTENT: True})
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=pre_ping)


def async_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
