"""Calendar feeds through the API, read back with Mozilla's ical.js and compared with the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, select

from congress.db.models import FeedToken
from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, next_draft, released_programme
from tests.icaljs import parse_with_icaljs, utc


def person_api(api: Api, engine: Engine, person_id: str, role: Role = Role.ATTENDEE) -> Api:
    return Api(api.client, issue_token(engine, role, uuid.UUID(person_id)))


def local_path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def released_starts(api: Api, congress_id: str) -> dict[tuple[str, int], tuple[dt.datetime, dt.datetime, str]]:
    """(item id, run) → (UTC start, UTC end, room id) of the latest release, from the API."""
    versions = api.call("GET", f"/api/congresses/{congress_id}/versions?status=released")["items"]
    latest = max(versions, key=lambda v: v["number"])
    rows = api.call("GET", f"/api/congresses/{congress_id}/versions/{latest['id']}/assignments?limit=500")["items"]
    return {
        (r["item_id"], r["run"]): (
            dt.datetime.fromisoformat(r["starts_at"]).astimezone(dt.UTC),
            dt.datetime.fromisoformat(r["ends_at"]).astimezone(dt.UTC),
            r["room_id"],
        )
        for r in rows
    }


def events_by_uid(ics: bytes) -> dict[str, dict[str, Any]]:
    parsed = parse_with_icaljs(ics)
    return {e["uid"]: e for e in parsed["events"]}


def uid_key(uid: str) -> tuple[str, int]:
    item, run = uid.split("@", 1)[0].rsplit(".", 1)
    return item, int(run)


def test_programme_feed_gives_icaljs_the_release_utc_instants(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    response = client.get(f"/api/congresses/{cid}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    parsed = parse_with_icaljs(response.content)
    assert parsed["zones"] == ["Europe/Zurich"]
    expected = released_starts(api, cid)
    got = {uid_key(e["uid"]): (utc(e["start"]), utc(e["end"])) for e in parsed["events"]}
    assert got == {key: (start, end) for key, (start, end, _) in expected.items()}
    assert not any(e["floating"] for e in parsed["events"])


def test_room_feed_holds_only_that_rooms_runs(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    cid, lab = setup["congress"], setup["rooms"]["lab"]
    response = client.get(f"/api/congresses/{cid}/calendar.ics?room_id={lab}")
    keys = {uid_key(uid) for uid in events_by_uid(response.content)}
    assert keys == {(setup["items"]["HW 1"], 1), (setup["items"]["HW 1"], 2)}
    assert b"US-Lab" in response.content


def test_topic_feed_holds_only_that_topics_items(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    response = client.get(f"/api/congresses/{setup['congress']}/calendar.ics?topic=neuro")
    assert {uid_key(uid) for uid in events_by_uid(response.content)} == {(setup["items"]["RC 3"], 1)}


def test_room_of_another_congress_is_not_found(api: Api, client: TestClient[Litestar]) -> None:
    first = released_programme(api)
    other = api.congress()
    response = client.get(f"/api/congresses/{other['id']}/calendar.ics?room_id={first['rooms']['lab']}")
    assert response.status_code == 404


def test_feed_before_any_release_is_an_empty_valid_calendar(api: Api, client: TestClient[Litestar]) -> None:
    congress = api.congress()
    response = client.get(f"/api/congresses/{congress['id']}/calendar.ics")
    assert response.status_code == 200
    parsed = parse_with_icaljs(response.content)
    assert parsed == {"zones": ["Europe/Zurich"], "events": []}


def test_faculty_feed_holds_their_items_with_a_note(api: Api, client: TestClient[Litestar], clean_db: Engine) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    prof = person_api(api, clean_db, setup["people"]["prof"])
    link = prof.call("POST", f"/api/congresses/{cid}/feeds")
    response = client.get(local_path(link["url"]))
    assert response.status_code == 200
    events = events_by_uid(response.content)
    assert {uid_key(u) for u in events} == {(setup["items"]["RC 1"], 1), (setup["items"]["RC 2"], 1)}
    assert b"You are on the faculty (speaker)." in response.content.replace(b"\r\n ", b"")


def test_attendee_feed_holds_seat_run_and_starred_items(
    api: Api, client: TestClient[Litestar], clean_db: Engine
) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    visitor = api.person(name="Vera Visitor")
    api.registration(cid, visitor["id"])
    own = person_api(api, clean_db, visitor["id"])
    hw, rc3 = setup["items"]["HW 1"], setup["items"]["RC 3"]
    own.call("PUT", f"/api/congresses/{cid}/agenda/seats/{hw}", {"run": 2})
    own.call("PUT", f"/api/congresses/{cid}/agenda/stars/{hw}")
    own.call("PUT", f"/api/congresses/{cid}/agenda/stars/{rc3}")
    link = own.call("POST", f"/api/congresses/{cid}/feeds")
    response = client.get(local_path(link["url"]))
    unfolded = response.content.replace(b"\r\n ", b"")
    # The seat narrows the starred workshop to the run held; the starred course comes in whole.
    assert {uid_key(u) for u in events_by_uid(response.content)} == {(hw, 2), (rc3, 1)}
    assert b"You hold a seat in this run." in unfolded
    assert b"In your agenda." in unfolded
    expected = released_starts(api, cid)
    for uid, event in events_by_uid(response.content).items():
        assert utc(event["start"]) == expected[uid_key(uid)][0]


def test_feed_token_of_one_person_never_yields_anothers_agenda(
    api: Api, client: TestClient[Litestar], clean_db: Engine
) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    hw = setup["items"]["HW 1"]
    links = {}
    for name, run in (("Ann", 1), ("Bea", 2)):
        person = api.person(name=name)
        api.registration(cid, person["id"])
        own = person_api(api, clean_db, person["id"])
        own.call("PUT", f"/api/congresses/{cid}/agenda/seats/{hw}", {"run": run})
        links[name] = own.call("POST", f"/api/congresses/{cid}/feeds")
    ann = client.get(local_path(links["Ann"]["url"]))
    assert {uid_key(u) for u in events_by_uid(ann.content)} == {(hw, 1)}
    assert b"Bea" not in ann.content
    assert b"X-WR-CALNAME:ESSR Annual Meeting \xc2\xb7 Ann" in ann.content


def test_rotated_feed_link_fails_on_the_very_next_request(
    api: Api, client: TestClient[Litestar], clean_db: Engine
) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    prof = person_api(api, clean_db, setup["people"]["prof"])
    first = prof.call("POST", f"/api/congresses/{cid}/feeds")
    assert client.get(local_path(first["url"])).status_code == 200
    second = prof.call("POST", f"/api/congresses/{cid}/feeds")
    gone = client.get(local_path(first["url"]))
    assert gone.status_code == 404
    assert gone.json()["code"] == "feed_not_found"
    assert client.get(local_path(second["url"])).status_code == 200
    listed = prof.call("GET", f"/api/congresses/{cid}/feeds")
    assert [(row["id"], row["revoked_at"] is None) for row in listed] == [(first["id"], False), (second["id"], True)]


def test_revoked_feed_link_fails_and_says_nothing_more(
    api: Api, client: TestClient[Litestar], clean_db: Engine
) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    prof = person_api(api, clean_db, setup["people"]["prof"])
    link = prof.call("POST", f"/api/congresses/{cid}/feeds")
    prof.call("DELETE", f"/api/congresses/{cid}/feeds/{link['id']}")
    response = client.get(local_path(link["url"]))
    assert response.status_code == 404
    # The problem names no congress, person or the secret itself.
    assert link["url"].rsplit("/", 2)[-2] not in response.text
    assert "cgf_[redacted]" in response.json()["instance"]


@pytest.mark.parametrize(
    "token",
    ["cgf_", "cgf_" + "A" * 43, "cgr_" + "A" * 43, "x" * 60, "cgf_" + "%2F" * 10],
)
def test_malformed_or_unknown_feed_tokens_are_not_found(client: TestClient[Litestar], token: str) -> None:
    response = client.get(f"/api/feeds/{token}/calendar.ics")
    assert response.status_code == 404


def test_feed_secret_is_stored_only_as_its_digest(api: Api, client: TestClient[Litestar], clean_db: Engine) -> None:
    setup = released_programme(api)
    prof = person_api(api, clean_db, setup["people"]["prof"])
    link = prof.call("POST", f"/api/congresses/{setup['congress']}/feeds")
    secret = link["url"].rsplit("/", 2)[-2]
    assert secret.startswith("cgf_")
    assert len(secret) >= 4 + 43  # 256 random bits, URL-safe base64
    with clean_db.connect() as conn:
        digests = list(conn.execute(select(FeedToken.digest)).scalars())
    assert digests == [hashlib.sha256(secret.encode()).hexdigest()]
    assert link["webcal_url"] == "webcal://" + link["url"].split("://", 1)[1]


def test_feed_secret_never_reaches_the_logs(
    api: Api, client: TestClient[Litestar], clean_db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    prof = person_api(api, clean_db, setup["people"]["prof"])
    # Every statement the server runs is logged too (with its parameters): the secret is in none of them.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    with caplog.at_level(logging.DEBUG):
        link = prof.call("POST", f"/api/congresses/{cid}/feeds")
        path = local_path(link["url"])
        client.get(path)
        prof.call("POST", f"/api/congresses/{cid}/feeds")
        client.get(path)  # now revoked: a 404 problem
    secret = link["url"].rsplit("/", 2)[-2]
    # httpx is the test's own client (it logs the URL it requests); everything else is the server side.
    server = [r for r in caplog.records if not r.name.startswith("httpx")]
    assert server, "the requests above log something at DEBUG"
    assert not [r for r in server if secret in r.getMessage()]


def test_feeds_carry_no_referrer_policy_and_validators(
    api: Api, client: TestClient[Litestar], clean_db: Engine
) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    prof = person_api(api, clean_db, setup["people"]["prof"])
    link = prof.call("POST", f"/api/congresses/{cid}/feeds")
    for path in (local_path(link["url"]), f"/api/congresses/{cid}/calendar.ics"):
        response = client.get(path)
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["etag"].startswith('"')
        assert response.headers["last-modified"].endswith(" GMT")
    assert client.get(local_path(link["url"])).headers["cache-control"] == "private, no-cache"


def test_personal_feed_answers_304_to_its_etag(api: Api, client: TestClient[Litestar], clean_db: Engine) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    prof = person_api(api, clean_db, setup["people"]["prof"])
    path = local_path(prof.call("POST", f"/api/congresses/{cid}/feeds")["url"])
    first = client.get(path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200
    # Removing a star can move Last-Modified backwards, so a personal feed trusts only its ETag.
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 200


def test_personal_feed_is_not_304_after_an_unstar(api: Api, client: TestClient[Litestar], clean_db: Engine) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    prof = person_api(api, clean_db, setup["people"]["prof"])
    path = local_path(prof.call("POST", f"/api/congresses/{cid}/feeds")["url"])
    prof.call("PUT", f"/api/congresses/{cid}/agenda/stars/{setup['items']['RC 3']}")
    starred = client.get(path)
    prof.call("DELETE", f"/api/congresses/{cid}/agenda/stars/{setup['items']['RC 3']}")
    headers = {"If-None-Match": starred.headers["etag"], "If-Modified-Since": starred.headers["last-modified"]}
    after = client.get(path, headers=headers)
    assert after.status_code == 200
    assert setup["items"]["RC 3"] not in {uid_key(u)[0] for u in events_by_uid(after.content)}


def test_public_feed_answers_304_to_its_etag_and_last_modified(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    path = f"/api/congresses/{setup['congress']}/calendar.ics"
    first = client.get(path)
    assert client.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": first.headers["last-modified"]}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": "not a date"}).status_code == 200


@pytest.mark.parametrize("topic", ["-", "None", "null"])
def test_a_topic_that_looks_like_no_filter_never_stands_for_the_whole_feed(
    api: Api, client: TestClient[Litestar], topic: str
) -> None:
    setup = released_programme(api)
    path = f"/api/congresses/{setup['congress']}/calendar.ics"
    odd = client.get(path, params={"topic": topic})
    assert events_by_uid(odd.content) == {}
    whole = client.get(path)
    assert whole.headers["etag"] != odd.headers["etag"]
    assert len(events_by_uid(whole.content)) == 5


def test_feed_etag_changes_with_a_star_and_with_a_release(
    api: Api, client: TestClient[Litestar], clean_db: Engine
) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    prof = person_api(api, clean_db, setup["people"]["prof"])
    path = local_path(prof.call("POST", f"/api/congresses/{cid}/feeds")["url"])
    etag = client.get(path).headers["etag"]
    prof.call("PUT", f"/api/congresses/{cid}/agenda/stars/{setup['items']['RC 3']}")
    starred = client.get(path, headers={"If-None-Match": etag})
    assert starred.status_code == 200
    assert setup["items"]["RC 3"] in {uid_key(u)[0] for u in events_by_uid(starred.content)}
    prof.call("DELETE", f"/api/congresses/{cid}/agenda/stars/{setup['items']['RC 3']}")
    unstarred = client.get(path, headers={"If-None-Match": starred.headers["etag"]})
    assert unstarred.status_code == 200
    draft, _ = next_draft(api, cid, setup["version"])
    api.release(cid, draft)
    assert client.get(path, headers={"If-None-Match": unstarred.headers["etag"]}).status_code == 200


def test_uids_stay_and_sequences_grow_across_releases(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    before = events_by_uid(client.get(f"/api/congresses/{cid}/calendar.ics").content)
    assert {e["sequence"] for e in before.values()} == {0}
    draft, rows = next_draft(api, cid, setup["version"])
    rc3, hw = setup["items"]["RC 3"], setup["items"]["HW 1"]
    api.call(
        "PATCH",
        f"/api/congresses/{cid}/versions/{draft}/assignments/{rows[(rc3, 1)]}",
        {"starts_at": "2026-06-19T11:00:00+02:00"},
    )
    api.call("DELETE", f"/api/congresses/{cid}/versions/{draft}/assignments/{rows[(hw, 2)]}")
    api.release(cid, draft)
    response = client.get(f"/api/congresses/{cid}/calendar.ics")
    after = events_by_uid(response.content)
    assert set(after) == set(before)
    moved = next(uid for uid in after if uid_key(uid) == (rc3, 1))
    cancelled = next(uid for uid in after if uid_key(uid) == (hw, 2))
    assert after[moved]["sequence"] == 1
    assert utc(after[moved]["start"]) == dt.datetime(2026, 6, 19, 9, 0, tzinfo=dt.UTC)
    assert (after[cancelled]["status"], after[cancelled]["sequence"]) == ("CANCELLED", 1)
    untouched = set(after) - {moved, cancelled}
    assert {after[u]["sequence"] for u in untouched} == {0}
    assert {after[u]["dtstamp"] for u in untouched} == {before[u]["dtstamp"] for u in untouched}

    # A third release that puts the run back revives it; the moved course keeps its sequence.
    releases = api.call("GET", f"/api/congresses/{cid}/versions?status=released")["items"]
    draft, rows = next_draft(api, cid, max(releases, key=lambda v: v["number"])["id"])
    api.assignment(cid, draft, item_id=hw, room_id=setup["rooms"]["lab"], starts_at="2026-06-20T14:00:00+02:00", run=2)
    api.release(cid, draft)
    third = events_by_uid(client.get(f"/api/congresses/{cid}/calendar.ics").content)
    assert (third[cancelled]["status"], third[cancelled]["sequence"]) == ("CONFIRMED", 2)
    assert third[moved]["sequence"] == 1


def test_feed_bytes_use_crlf_and_fold_at_75_octets(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    api.call(
        "PATCH",
        f"/api/congresses/{setup['congress']}/items/{setup['items']['RC 1']}",
        {"description": "Ünïcödé " * 40},
    )
    draft, _ = next_draft(api, setup["congress"], setup["version"])
    api.release(setup["congress"], draft)
    body = client.get(f"/api/congresses/{setup['congress']}/calendar.ics").content
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)
    assert b"\r" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # no fold splits a character
    assert b"METHOD:" not in body
