"""The scan writer below the API: group commit, failures that stay with their request, set-based answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec
import pytest
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from congress.config import Settings
from congress.db.base import metadata
from congress.db.engine import make_sync_engine
from congress.db.models import Person, Presence, Room, Scan
from congress.domain.scanning import ingest
from congress.domain.scanning.ingest import Job, Outcome, ScanQueue
from congress.domain.scanning.schemas import ScanBatch, ScanReport, ScanResult
from congress.lib import badges
from congress.lib.errors import Forbidden, NotAuthenticated
from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, badge_world

AT = "2026-06-18T09:{minute:02d}:00+02:00"


def batch(*scans: dict[str, Any]) -> ScanBatch:
    return msgspec.convert({"scans": list(scans)}, ScanBatch, strict=False)


def scan(nonce: str, badge: str, minute: int) -> dict[str, Any]:
    return {"nonce": nonce, "badge": badge, "scanned_at": AT.format(minute=minute)}


def run_with_queue(
    settings: Settings, work: Callable[[ScanQueue], Awaitable[Any]], *, writers: int = 1, pre_ping: bool = True
) -> Any:
    async def main() -> Any:
        queue = ScanQueue(make_sync_engine(settings, pre_ping=pre_ping), writers=writers)
        try:
            return await work(queue)
        finally:
            await queue.close()
            queue.engine.dispose()

    return asyncio.run(main())


async def submit_all(queue: ScanQueue, jobs: Sequence[Job]) -> list[ScanReport | BaseException]:
    return await asyncio.gather(*(queue.submit(j) for j in jobs), return_exceptions=True)


def stored(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Scan)) or 0)


def test_scans_posted_at_once_are_written_in_one_transaction_and_each_request_answered(
    api: Api, clean_db: Engine, settings: Settings
) -> None:
    world = badge_world(api, clean_db, attendees=5)
    token = world["device_token"]
    cid = uuid.UUID(world["congress"])
    jobs = [
        Job(
            token=token,
            congress_id=cid,
            batch=batch(scan(f"door-{n:04d}", world["tokens"][person], n)),
        )
        for n, person in enumerate(world["attendees"] * 4)
    ]

    async def work(queue: ScanQueue) -> tuple[int, list[ScanReport | BaseException]]:
        reports = await submit_all(queue, jobs)
        return queue.commits, reports

    commits, reports = run_with_queue(settings, work)
    assert commits == 1
    codes = [r.results[0].code for r in reports if isinstance(r, ScanReport)]
    # Each attendee's first entry is ok, the three later ones find them inside already.
    assert codes == ["ok"] * 5 + ["already_inside"] * 15
    assert stored(clean_db) == 20


def test_a_request_whose_token_is_unknown_or_no_scanner_fails_alone_in_its_group(
    api: Api, clean_db: Engine, settings: Settings
) -> None:
    world = badge_world(api, clean_db, attendees=2)
    good = world["device_token"]
    organiser = issue_token(clean_db, Role.ORGANISER)
    unknown = "cgr_" + "x" * 43
    cid = uuid.UUID(world["congress"])
    badge = world["tokens"][world["attendees"][0]]

    def job(token: str, nonce: str) -> Job:
        return Job(token, cid, batch(scan(nonce, badge, 5)))

    async def work(queue: ScanQueue) -> tuple[int, list[ScanReport | BaseException]]:
        jobs = [job(good, "door-0001"), job(organiser, "door-0002"), job(unknown, "door-0003"), job(good, "door-0004")]
        reports = await submit_all(queue, jobs)
        return queue.commits, reports

    commits, (first, refused, unauthenticated, third) = run_with_queue(settings, work)
    assert commits == 1
    assert isinstance(refused, Forbidden)
    assert refused.code == "not_a_scanner"
    assert isinstance(unauthenticated, NotAuthenticated)
    assert unauthenticated.code == "invalid_token"
    assert isinstance(first, ScanReport)
    assert isinstance(third, ScanReport)
    assert (first.results[0].code, third.results[0].code) == ("ok", "already_inside")
    assert stored(clean_db) == 2


def test_when_a_whole_group_fails_its_requests_are_written_one_by_one(
    api: Api, clean_db: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = badge_world(api, clean_db, attendees=3)
    token = world["device_token"]
    cid = uuid.UUID(world["congress"])
    real = ingest.apply_scans

    def fails_in_groups(conn: Connection, jobs: Sequence[Job]) -> list[Outcome]:
        if len(jobs) > 1:
            raise RuntimeError("a group-wide failure")
        return real(conn, jobs)

    monkeypatch.setattr(ingest, "apply_scans", fails_in_groups)
    jobs = [
        Job(token, cid, batch(scan(f"door-{n:04d}", world["tokens"][p], n))) for n, p in enumerate(world["attendees"])
    ]

    async def work(queue: ScanQueue) -> tuple[int, list[ScanReport | BaseException]]:
        reports = await submit_all(queue, jobs)
        return queue.commits, reports

    commits, reports = run_with_queue(settings, work)
    assert commits == 3
    assert [r.results[0].code for r in reports if isinstance(r, ScanReport)] == ["ok", "ok", "ok"]
    assert stored(clean_db) == 3


def _random_scans(seed: int, attendees: int, rooms: list[str], count: int) -> list[dict[str, Any]]:
    """Scans by attendee index and room key, out of time order, with resent nonces and both directions."""
    rng = random.Random(seed)
    scans: list[dict[str, Any]] = []
    for n in range(count):
        if scans and rng.random() < 0.15:
            scans.append(dict(rng.choice(scans)))  # the same scan sent again
            continue
        scans.append(
            {
                "nonce": f"scan-{seed}-{n:04d}",
                "attendee": rng.randrange(attendees),
                "room": rng.choice(rooms),
                "minute": rng.randrange(60),
                "direction": rng.choice(["in", "in", "out", None]),
            }
        )
    return scans


def _play(
    api: Api, engine: Engine, settings: Settings, scans: list[dict[str, Any]], grouped: bool
) -> tuple[list[tuple[str, bool]], dict[int, str | None]]:
    """A fresh world; the scans as one request each, all at once (one group) or one after another."""
    with engine.begin() as conn:
        for table in reversed(metadata().sorted_tables):
            conn.execute(table.delete())
    api = Api(api.client, issue_token(engine, Role.ORGANISER))
    world = badge_world(api, engine, attendees=4)
    token = world["device_token"]
    cid = uuid.UUID(world["congress"])
    jobs = [
        Job(
            token,
            cid,
            batch(
                {
                    "nonce": s["nonce"],
                    "badge": world["tokens"][world["attendees"][s["attendee"]]],
                    "scanned_at": AT.format(minute=s["minute"]),
                    "room_id": world["rooms"][s["room"]],
                    "direction": s["direction"],
                }
            ),
        )
        for s in scans
    ]

    async def work(queue: ScanQueue) -> list[ScanReport | BaseException]:
        if grouped:
            return await submit_all(queue, jobs)
        return [await queue.submit(j) for j in jobs]

    reports = run_with_queue(settings, work)
    answers = [(r.results[0].code, r.results[0].replayed) for r in reports if isinstance(r, ScanReport)]
    assert len(answers) == len(scans)
    with Session(engine) as session:
        where = dict(
            session.execute(
                select(Person.id, Room.name)
                .select_from(Presence)
                .join(Person, Person.id == Presence.person_id)
                .outerjoin(Room, Room.id == Presence.room_id)
            )
            .tuples()
            .all()
        )
    return answers, {n: where.get(uuid.UUID(p)) for n, p in enumerate(world["attendees"])}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_group_answers_exactly_as_the_same_scans_sent_one_at_a_time(
    api: Api, clean_db: Engine, settings: Settings, seed: int
) -> None:
    scans = _random_scans(seed, attendees=4, rooms=["hall", "small"], count=40)
    one_by_one = _play(api, clean_db, settings, scans, grouped=False)
    together = _play(api, clean_db, settings, scans, grouped=True)
    assert together == one_by_one
    assert any(replayed for _, replayed in together[0])


def test_a_badge_signature_is_checked_once_per_key_ring_and_again_when_the_keys_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    congress_id, badge_id = uuid.uuid4(), uuid.uuid4()
    first, second = badges.generate_key(), badges.generate_key()
    text = badges.sign_badge(first.private_key, congress_id, badge_id)
    checks: list[str] = []
    real = badges.verify_badge

    def counting(text: object, *args: Any) -> badges.Verdict:
        checks.append(str(text))
        return real(text, *args)

    monkeypatch.setattr(badges, "verify_badge", counting)
    ingest.signature_verdict.cache_clear()

    def ring(*keys: badges.BadgeKeyPair) -> ingest.KeyRing:
        return ingest.key_ring(congress_id, tuple(sorted((k.kid, badges.public_to_bytes(k.public_key)) for k in keys)))

    both = ring(first, second)
    assert ring(first, second) is both
    verdicts = [ingest.signature_verdict(ring(first, second), text) for _ in range(3)]
    assert [v.code for v in verdicts] == [badges.BadgeCode.OK] * 3
    assert verdicts[0].badge_id == badge_id
    assert len(checks) == 1
    # The first key retired: a new ring, which checks the text again and refuses it.
    assert ingest.signature_verdict(ring(second), text).code is badges.BadgeCode.UNKNOWN_KEY
    assert len(checks) == 2


def test_two_writers_store_every_scan_once_and_leave_each_person_where_their_latest_scan_put_them(
    api: Api, clean_db: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    world = badge_world(api, clean_db, attendees=8)
    token = world["device_token"]
    cid = uuid.UUID(world["congress"])
    rooms = [world["rooms"]["hall"], world["rooms"]["small"]]
    rng = random.Random(7)
    start = dt.datetime(2026, 6, 18, 7, 0, tzinfo=dt.UTC)
    scans = [
        {
            "nonce": f"two-{n:04d}",
            "badge": world["tokens"][rng.choice(world["attendees"])],
            "scanned_at": (start + dt.timedelta(seconds=rng.randrange(7200))).isoformat(),
            "room_id": rng.choice(rooms),
            "direction": "in",
        }
        for n in range(240)
    ]
    resent = [dict(s) for s in rng.sample(scans, 40)]
    jobs = [Job(token, cid, batch(s)) for s in scans + resent]

    real = ingest.apply_scans
    running = {"now": 0, "most": 0}

    lock = threading.Lock()

    def counted(conn: Connection, group: Sequence[Job]) -> list[Outcome]:
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        try:
            return real(conn, group)
        finally:
            with lock:
                running["now"] -= 1

    monkeypatch.setattr(ingest, "apply_scans", counted)

    async def work(queue: ScanQueue) -> list[ScanReport | BaseException]:
        assert queue.writers == 2
        pending = []
        for job in jobs:  # requests trickle in while both writers are at work
            pending.append(asyncio.create_task(queue.submit(job)))
            await asyncio.sleep(0.0005)
        return await asyncio.gather(*pending, return_exceptions=True)

    reports = run_with_queue(settings, work, writers=2, pre_ping=False)
    assert all(isinstance(r, ScanReport) for r in reports), [r for r in reports if not isinstance(r, ScanReport)]
    # A copy sent while the first was still being written may be stored first: of each nonce's copies exactly
    # one is stored, and the others repeat its answer.
    copies: dict[str, list[ScanResult]] = {}
    for report in reports:
        assert isinstance(report, ScanReport)
        copies.setdefault(report.results[0].nonce, []).append(report.results[0])
    assert len(copies) == 240
    for results in copies.values():
        assert sorted(r.replayed for r in results) == [False] + [True] * (len(results) - 1)
        assert len({(r.code, r.room_id) for r in results}) == 1
    assert stored(clean_db) == 240
    # No group failed (a deadlock would have sent its requests through one by one).
    assert not [r for r in caplog.records if "failed" in r.getMessage()]
    if clean_db.dialect.name == "postgresql":
        assert running["most"] == 2  # SQLite writes one transaction at a time however many threads ask
    latest: dict[str, tuple[str, str]] = {}
    for s in scans:
        latest[s["badge"]] = max(latest.get(s["badge"], ("", "")), (s["scanned_at"], s["room_id"]))
    with Session(clean_db) as session:
        where = {str(p): str(r) for p, r in session.execute(select(Presence.person_id, Presence.room_id)).tuples()}
    expected = {p: latest[world["tokens"][p]][1] for p in world["attendees"] if world["tokens"][p] in latest}
    assert where == expected


def test_a_scan_after_the_database_dropped_the_writers_connection_is_stored(
    api: Api, clean_db: Engine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    if clean_db.dialect.name != "postgresql":
        pytest.skip("a server that drops connections: PostgreSQL")
    world = badge_world(api, clean_db, attendees=2)
    cid = uuid.UUID(world["congress"])
    first, second = (world["tokens"][p] for p in world["attendees"])

    async def work(queue: ScanQueue) -> list[ScanReport]:
        before = await queue.submit(Job(world["device_token"], cid, batch(scan("drop-0001", first, 1))))
        with queue.engine.connect() as conn:  # the pool's one connection, the writer's
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with clean_db.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
        after = await queue.submit(Job(world["device_token"], cid, batch(scan("drop-0002", second, 2))))
        return [before, after]

    reports = run_with_queue(settings, work, pre_ping=False)
    assert [r.results[0].code for r in reports] == ["ok", "ok"]
    assert stored(clean_db) == 2
    assert any("dropped" in r.getMessage() for r in caplog.records)
