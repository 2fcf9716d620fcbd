from __future__ import annotations

import pytest

from congress.config import settings_from_env


def test_default_database_is_a_sqlite_file() -> None:
    settings = settings_from_env({})
    assert settings.database_url == "sqlite:///var/congress.sqlite3"
    assert settings.is_sqlite
    assert settings.async_database_url == "sqlite+aiosqlite:///var/congress.sqlite3"
    assert settings.sync_database_url == "sqlite:///var/congress.sqlite3"


def test_postgres_url_gets_psycopg_for_both_engines() -> None:
    settings = settings_from_env({"CONGRESS_DATABASE_URL": "postgresql://u@db:5432/congress"})
    assert not settings.is_sqlite
    assert settings.async_database_url == "postgresql+psycopg://u@db:5432/congress"
    assert settings.sync_database_url == "postgresql+psycopg://u@db:5432/congress"


def test_port_and_public_url_follow_the_environment() -> None:
    settings = settings_from_env({"PORT": "9001", "CONGRESS_HOST": "0.0.0.0"})
    assert settings.port == 9001
    assert settings.public_base_url == "http://0.0.0.0:9001"


def test_an_unknown_solve_jobs_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="CONGRESS_SOLVE_JOBS"):
        settings_from_env({"CONGRESS_SOLVE_JOBS": "Process"})


def test_database_pool_size_follows_the_environment_within_bounds() -> None:
    assert settings_from_env({}).db_pool_size == 20
    assert settings_from_env({"CONGRESS_DB_POOL_SIZE": "5"}).db_pool_size == 5
    for bad in ("0", "1001"):
        with pytest.raises(ValueError, match="CONGRESS_DB_POOL_SIZE"):
            settings_from_env({"CONGRESS_DB_POOL_SIZE": bad})


def test_scan_writers_default_to_one_and_stay_within_bounds() -> None:
    assert settings_from_env({}).scan_writers == 1
    assert settings_from_env({"CONGRESS_SCAN_WRITERS": "3"}).scan_writers == 3
    for bad in ("0", "17"):
        with pytest.raises(ValueError, match="CONGRESS_SCAN_WRITERS"):
            settings_from_env({"CONGRESS_SCAN_WRITERS": bad})
