from __future__ import annotations

from tests.factories import Api


def test_health_reports_database_ok(api: Api) -> None:
    body = api.call("GET", "/health")
    assert body["status"] == "ok"
    assert body["database"] == "ok"
