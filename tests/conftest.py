"""Shared fixtures: one migrated test database (SQLite by default, PostgreSQL when
CONGRESS_TEST_DATABASE_URL says so), emptied before every test that uses it."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, insert

from congress.app import create_app
from congress.config import Settings, settings_from_env
from congress.db import migrate
from congress.db.base import metadata
from congress.db.engine import make_sync_engine
from congress.db.models import ApiToken
from congress.lib.security import Role, hash_token, new_token
from tests.factories import Api


def _test_url(tmp_root: Path) -> str:
    return os.environ.get("CONGRESS_TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    url = _test_url(tmp_path_factory.mktemp("db"))
    # Solve jobs are run by the tests themselves (or by a worker a test starts), never in the background.
    return settings_from_env(
        {"CONGRESS_DATABASE_URL": url, "CONGRESS_LOG_LEVEL": "WARNING", "CONGRESS_SOLVE_JOBS": "external"}
    )


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> Settings:
    migrate.recreate(settings.sync_database_url)
    return settings


@pytest.fixture(scope="session")
def sync_engine(migrated: Settings) -> Iterator[Engine]:
    engine = make_sync_engine(migrated)
    yield engine
    engine.dispose()


@pytest.fixture
def clean_db(sync_engine: Engine) -> Engine:
    """Every table emptied (children first), the schema kept."""
    with sync_engine.begin() as conn:
        for table in reversed(metadata().sorted_tables):
            conn.execute(table.delete())
    return sync_engine


@pytest.fixture(scope="session")
def app_client(migrated: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(migrated)) as client:
        yield client


@pytest.fixture
def client(app_client: TestClient[Litestar], clean_db: Engine) -> TestClient[Litestar]:
    app_client.headers.clear()
    return app_client


def issue_token(engine: Engine, role: Role, person_id: uuid.UUID | None = None, *, revoked: bool = False) -> str:
    token = new_token()
    with engine.begin() as conn:
        conn.execute(
            insert(ApiToken).values(
                id=uuid.uuid4(),
                name=f"test {role}",
                role=role.value,
                person_id=person_id,
                digest=hash_token(token),
                created_at=dt.datetime.now(dt.UTC),
                updated_at=dt.datetime.now(dt.UTC),
                revoked_at=dt.datetime.now(dt.UTC) if revoked else None,
            )
        )
    return token


@pytest.fixture
def organiser_token(clean_db: Engine) -> str:
    return issue_token(clean_db, Role.ORGANISER)


@pytest.fixture
def api(client: TestClient[Litestar], organiser_token: str) -> Api:
    return Api(client, organiser_token)
