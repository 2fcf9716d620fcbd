from __future__ import annotations

import gc
from pathlib import Path

from litestar.testing import TestClient

import congress
from congress.app import create_app
from congress.config import settings_from_env
from tests.factories import Api


def test_health_reports_database_ok(api: Api) -> None:
    body = api.call("GET", "/health")
    assert body["status"] == "ok"
    assert body["database"] == "ok"


def test_health_reports_unmigrated_database(tmp_path: Path) -> None:
    settings = settings_from_env({"CONGRESS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    with TestClient(create_app(settings)) as client:
        body = client.get("/health").json()
    assert body == {"status": "degraded", "database": "unmigrated", "version": congress.__version__}


def test_the_server_keeps_what_lives_from_startup_out_of_full_collections_until_shutdown(tmp_path: Path) -> None:
    settings = settings_from_env({"CONGRESS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    app = create_app(settings)
    assert gc.get_freeze_count() == 0
    with TestClient(app):
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
