"""API tokens: shown once, expire, revoke, and never revoke themselves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, update

from congress.db.models import ApiToken
from tests.factories import Api


def test_issued_token_speaks_for_its_person(api: Api) -> None:
    person = api.person(name="Examiner One")
    issued = api.call("POST", "/api/tokens", {"name": "exam", "role": "examiner", "person_id": person["id"]})
    me = api.client.get("/api/me", headers={"Authorization": f"Bearer {issued['token']}"}).json()
    assert me == {
        "token_id": issued["info"]["id"],
        "role": "examiner",
        "person_id": person["id"],
        "person_name": "Examiner One",
    }


def test_expired_token_is_refused(api: Api, clean_db: Engine) -> None:
    issued = api.call("POST", "/api/tokens", {"name": "short", "role": "organiser"})
    with clean_db.begin() as conn:
        conn.execute(
            update(ApiToken)
            .where(ApiToken.name == "short")
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    response = api.client.get("/api/me", headers={"Authorization": f"Bearer {issued['token']}"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_expiry_in_the_past_is_refused(api: Api) -> None:
    body = {"name": "t", "role": "organiser", "expires_at": "2000-01-01T00:00:00Z"}
    assert api.call("POST", "/api/tokens", body, status=422)["code"] == "expiry_in_past"


def test_token_cannot_revoke_itself(api: Api) -> None:
    me = api.call("GET", "/api/me")
    assert api.call("DELETE", f"/api/tokens/{me['token_id']}", status=409)["code"] == "self_revocation"


def test_revoked_tokens_are_listed_only_on_request(api: Api) -> None:
    issued = api.call("POST", "/api/tokens", {"name": "gone", "role": "organiser"})
    api.call("DELETE", f"/api/tokens/{issued['info']['id']}")
    active = {t["id"] for t in api.call("GET", "/api/tokens")["items"]}
    everything = {t["id"] for t in api.call("GET", "/api/tokens?include_revoked=true")["items"]}
    assert issued["info"]["id"] not in active
    assert issued["info"]["id"] in everything
