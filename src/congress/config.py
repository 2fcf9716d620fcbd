"""Settings read from the environment, cached for the life of the process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_SQLITE_PATH = Path("var") / "congress.sqlite3"


def _async_url(url: str) -> str:
    """Return the SQLAlchemy URL the API uses (an async driver)."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url.removeprefix("sqlite:")
    if url.startswith(("postgresql:", "postgres:")):
        return "postgresql+psycopg:" + url.split(":", 1)[1]
    return url


def _sync_url(url: str) -> str:
    """Return the SQLAlchemy URL migrations and the CLI use (a sync driver)."""
    if url.startswith("sqlite+aiosqlite:"):
        return "sqlite:" + url.removeprefix("sqlite+aiosqlite:")
    if url.startswith(("postgresql:", "postgres:", "postgresql+asyncpg:")):
        return "postgresql+psycopg:" + url.split(":", 1)[1]
    return url


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    host: str
    port: int
    public_base_url: str
    log_level: str
    # "process": the API starts a worker process per solve; "external": `congress worker` takes the jobs.
    solve_jobs: str = "process"
    # Rendered calendar feeds kept in memory per process (by ETag); 0 turns the cache off.
    feed_cache_bytes: int = 64 * 1024 * 1024
    # PostgreSQL connections each API process keeps open: every concurrent request holds one for a moment
    # (its token check, then its transaction); a request beyond the pool waits for one to come back.
    db_pool_size: int = 20
    # Threads writing door scans in groups. One keeps groups large; more let one group be checked while
    # another waits for a PostgreSQL server on another host. SQLite always has one.
    scan_writers: int = 1

    @property
    def async_database_url(self) -> str:
        return _async_url(self.database_url)

    @property
    def sync_database_url(self) -> str:
        return _sync_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


SOLVE_JOBS = ("process", "external")


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    values = os.environ if env is None else env
    solve_jobs = values.get("CONGRESS_SOLVE_JOBS", "process")
    if solve_jobs not in SOLVE_JOBS:
        raise ValueError(f"CONGRESS_SOLVE_JOBS must be one of {', '.join(SOLVE_JOBS)}, not {solve_jobs!r}")
    port = int(values.get("PORT", "8000"))
    feed_cache_mb = int(values.get("CONGRESS_FEED_CACHE_MB", "64"))
    if not 0 <= feed_cache_mb <= 64 * 1024:
        raise ValueError(f"CONGRESS_FEED_CACHE_MB must be between 0 and 65536, not {feed_cache_mb}")
    host = values.get("CONGRESS_HOST", "127.0.0.1")
    pool = int(values.get("CONGRESS_DB_POOL_SIZE", "20"))
    if not 1 <= pool <= 1000:
        raise ValueError(f"CONGRESS_DB_POOL_SIZE must be between 1 and 1000, not {pool}")
    writers = int(values.get("CONGRESS_SCAN_WRITERS", "1"))
    if not 1 <= writers <= 16:
        raise ValueError(f"CONGRESS_SCAN_WRITERS must be between 1 and 16, not {writers}")
    return Settings(
        database_url=values.get("CONGRESS_DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}"),
        host=host,
        port=port,
        public_base_url=values.get("CONGRESS_PUBLIC_URL", f"http://{host}:{port}").rstrip("/"),
        log_level=values.get("CONGRESS_LOG_LEVEL", "INFO"),
        solve_jobs=solve_jobs,
        feed_cache_bytes=feed_cache_mb * 1024 * 1024,
        db_pool_size=pool,
        scan_writers=writers,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
