"""Door scans in, set-based, and committed in groups.

``apply_scans`` checks and stores the scans of any number of requests (jobs) in one transaction with a fixed
number of statements, however many scans there are: the devices, congresses, keys, rooms and badges are read
once each, presence rows are created where missing and then locked in person order (concurrent transactions
therefore never deadlock on them), replays are found in one query, and the new scans and presence changes
are written with one multi-row statement each. Every scan is answered exactly as if the scans had been
applied one at a time in the order sent: a person's scans in job order, then in the order within the job.

``ScanQueue`` is the group commit in front of it: scans posted while a transaction is being written wait for
it to finish and then go into the next one together, so a door that sends one scan per request pays for a
share of one commit rather than a whole one. A request is answered only after the transaction holding its
scans has committed; a job that fails on its own (a device that is not a scanner of the congress) fails
alone, and if a whole group fails for another reason its jobs are retried one by one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import uuid
import zoneinfo
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Table, and_, bindparam, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from congress.db.models import ApiToken, Badge, BadgeKey, Congress, Presence, Registration, Room, Scan, ScannerDevice
from congress.domain.scanning.schemas import ScanBatch, ScanCode, ScanIn, ScanReport, ScanResult
from congress.enums import RegistrationStatus
from congress.lib import badges as tokens
from congress.lib.errors import Forbidden, NotAuthenticated
from congress.lib.queries import zone
from congress.lib.security import Role, digest_matches, hash_token, looks_like_token
from congress.lib.transactions import WRITE_INTENT

log = logging.getLogger(__name__)

# A device clock may run this far ahead of the server's.
FUTURE_SKEW = dt.timedelta(minutes=5)
# Scans are accepted from the day before the congress to the day after it.
MARGIN = dt.timedelta(days=1)
NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
STORED: dict[str, ScanCode] = {"ok": "ok", "already_inside": "already_inside", "not_inside": "not_inside"}
REFUSALS: dict[tokens.BadgeCode, ScanCode] = {
    tokens.BadgeCode.OK: "ok",
    tokens.BadgeCode.MALFORMED: "malformed",
    tokens.BadgeCode.UNSUPPORTED_VERSION: "unsupported_version",
    tokens.BadgeCode.UNKNOWN_KEY: "unknown_key",
    tokens.BadgeCode.INVALID_SIGNATURE: "invalid_signature",
    tokens.BadgeCode.WRONG_CONGRESS: "wrong_congress",
    tokens.BadgeCode.REVOKED: "revoked",
}
# A device's last_seen_at is written at most this often, its token's last_used_at as for any token.
LAST_SEEN_RESOLUTION = dt.timedelta(seconds=60)
LAST_USED = dt.timedelta(minutes=5)
# Scans written in one group transaction (a job is never split; one job holds at most 1,000 scans).
GROUP_SCANS = 4000

# Signature checks remembered (about 0.6 kB each with the text), enough for every badge of a large congress.
VERDICTS = 32_768

# Where the application keeps its ScanQueue (app.state).
SCAN_QUEUE_KEY = "scan_queue"

TOKEN = cast(Table, ApiToken.__table__)
DEVICE = cast(Table, ScannerDevice.__table__)
CONGRESS = cast(Table, Congress.__table__)
KEY = cast(Table, BadgeKey.__table__)
ROOM = cast(Table, Room.__table__)
BADGE = cast(Table, Badge.__table__)
REGISTRATION = cast(Table, Registration.__table__)
SCAN = cast(Table, Scan.__table__)
PRESENCE = cast(Table, Presence.__table__)

# The statements, built once and on the tables rather than the mapped classes: building and keying a
# statement, and the ORM's handling of a result, cost more than running the statement here.
CALLERS = (
    select(
        TOKEN.c.digest,
        TOKEN.c.id,
        TOKEN.c.role,
        TOKEN.c.revoked_at,
        TOKEN.c.expires_at,
        TOKEN.c.last_used_at,
        DEVICE.c.congress_id,
        DEVICE.c.id,
        DEVICE.c.room_id,
        DEVICE.c.last_seen_at,
    )
    .select_from(TOKEN)
    .outerjoin(DEVICE, and_(DEVICE.c.token_id == TOKEN.c.id, DEVICE.c.revoked_at.is_(None)))
    .where(TOKEN.c.digest.in_(bindparam("digests", expanding=True)))
)
TOKENS_USED = (
    update(TOKEN).where(TOKEN.c.id.in_(bindparam("tokens", expanding=True))).values(last_used_at=bindparam("moment"))
)
SEEN = (
    update(DEVICE).where(DEVICE.c.id.in_(bindparam("devices", expanding=True))).values(last_seen_at=bindparam("moment"))
)
# A congress's window and its active keys, in one query (a congress without keys gives one row, kid NULL).
CONGRESSES = (
    select(CONGRESS.c.id, CONGRESS.c.time_zone, CONGRESS.c.first_day, CONGRESS.c.last_day, KEY.c.kid, KEY.c.public_key)
    .select_from(CONGRESS)
    .outerjoin(KEY, and_(KEY.c.congress_id == CONGRESS.c.id, KEY.c.retired_at.is_(None)))
    .where(CONGRESS.c.id.in_(bindparam("congresses", expanding=True)))
    .order_by(CONGRESS.c.id, KEY.c.kid)
)
ROOMS = select(ROOM.c.id, ROOM.c.congress_id).where(ROOM.c.id.in_(bindparam("rooms", expanding=True)))
BADGES = (
    select(BADGE.c.id, BADGE.c.congress_id, REGISTRATION.c.person_id, BADGE.c.revoked_at, REGISTRATION.c.status)
    .join(REGISTRATION, REGISTRATION.c.id == BADGE.c.registration_id)
    .where(BADGE.c.id.in_(bindparam("badges", expanding=True)))
)
PRESENCE_FOR_UPDATE = (
    select(PRESENCE.c.id, PRESENCE.c.congress_id, PRESENCE.c.person_id, PRESENCE.c.room_id, PRESENCE.c.last_scan_at)
    .where(
        PRESENCE.c.person_id.in_(bindparam("people", expanding=True)),
        PRESENCE.c.congress_id.in_(bindparam("congresses", expanding=True)),
    )
    .order_by(PRESENCE.c.congress_id, PRESENCE.c.person_id)
    .with_for_update()
)
# A group's earlier scans, found through the unique (device, nonce) index whatever the table holds: PostgreSQL
# takes the exact pairs (each one index probe, with or without statistics); SQLite's planner scans the table for
# a row-value IN, and probes the index for every device × nonce when given the two lists.
_REPLAYED = select(SCAN.c.device_id, SCAN.c.nonce, SCAN.c.outcome, SCAN.c.room_id)
REPLAYS = {
    "postgresql": _REPLAYED.where(tuple_(SCAN.c.device_id, SCAN.c.nonce).in_(bindparam("pairs", expanding=True))),
    "sqlite": _REPLAYED.where(
        SCAN.c.device_id.in_(bindparam("devices", expanding=True)),
        SCAN.c.nonce.in_(bindparam("nonces", expanding=True)),
    ),
}


def _insert_ignore(table: Table, *keys: str) -> dict[str, Executable]:
    """INSERT … ON CONFLICT (keys) DO NOTHING, by dialect name."""
    return {
        "postgresql": postgresql.insert(table).on_conflict_do_nothing(index_elements=list(keys)),
        "sqlite": sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys)),
    }


PRESENCE_INSERT = _insert_ignore(PRESENCE, "congress_id", "person_id")
SCAN_INSERT = _insert_ignore(SCAN, "device_id", "nonce")


def _presence_write() -> dict[str, Executable]:
    """INSERT … ON CONFLICT (congress, person) DO UPDATE of the room and the last scan time, by dialect name."""
    statements: dict[str, Executable] = {}
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert)):
        upsert = insert(PRESENCE)
        statements[name] = upsert.on_conflict_do_update(
            index_elements=["congress_id", "person_id"],
            set_={
                "room_id": upsert.excluded.room_id,
                "last_scan_at": upsert.excluded.last_scan_at,
                "updated_at": upsert.excluded.updated_at,
            },
        )
    return statements


PRESENCE_WRITE = _presence_write()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True, eq=False)
class KeyRing:
    """The keys that verify a congress's badges now. Compared by identity: ``key_ring`` gives the same ring
    for the same keys, and a new ring once a key is added or retired."""

    congress_id: uuid.UUID
    keys: dict[str, Ed25519PublicKey]


@functools.lru_cache(maxsize=256)
def key_ring(congress_id: uuid.UUID, raw_keys: tuple[tuple[str, bytes], ...]) -> KeyRing:
    """The ring of a congress's active keys, given as sorted (kid, raw public key) pairs."""
    return KeyRing(congress_id, {kid: tokens.public_from_bytes(raw) for kid, raw in raw_keys})


@functools.lru_cache(maxsize=VERDICTS)
def signature_verdict(ring: KeyRing, text: str) -> tokens.Verdict:
    """The signature check of a scanned text against a ring, remembered: a badge is scanned at many doors,
    and its signature is checked once while the ring is unchanged (a retired key makes a new ring, so what
    it signed is checked again, and refused). Revocation and registration are read from the database for
    every scan, never remembered here."""
    return tokens.verify_badge(text, ring.keys, ring.congress_id, ())


@dataclass(frozen=True, slots=True)
class Job:
    """One request's scans, with the bearer token it was sent with (checked in the group's transaction)."""

    token: str = field(repr=False)
    congress_id: uuid.UUID
    batch: ScanBatch


Outcome = ScanReport | Exception


@dataclass(frozen=True, slots=True)
class _Device:
    id: uuid.UUID
    room_id: uuid.UUID | None
    last_seen_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class _Caller:
    """An API token, and the scanner device it belongs to (if any, and not revoked)."""

    token_id: uuid.UUID
    role: Role
    usable: bool
    last_used_at: dt.datetime | None
    congress_id: uuid.UUID | None
    device: _Device | None


@dataclass(frozen=True, slots=True)
class _Window:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True, slots=True)
class _Holder:
    congress_id: uuid.UUID
    person_id: uuid.UUID
    revoked: bool
    active: bool


@dataclass(slots=True)
class _Candidate:
    """A scan that passed every check and will be stored unless it is a replay."""

    job: int
    index: int
    device_id: uuid.UUID
    congress_id: uuid.UUID
    person_id: uuid.UUID
    badge_id: uuid.UUID
    room_id: uuid.UUID
    scan: ScanIn
    scanned_at: dt.datetime


@dataclass(slots=True)
class _Presence:
    id: uuid.UUID
    room_id: uuid.UUID | None
    last_scan_at: dt.datetime
    changed: bool = False


def window(first_day: dt.date, last_day: dt.date, tz: zoneinfo.ZoneInfo) -> _Window:
    start = dt.datetime.combine(first_day, dt.time(0, 0), tzinfo=tz) - MARGIN
    end = dt.datetime.combine(last_day, dt.time(0, 0), tzinfo=tz) + 2 * MARGIN
    return _Window(start=start, end=end)


def _scan_time(scan: ScanIn, moment: dt.datetime, span: _Window) -> dt.datetime | None:
    """The scan time in UTC, or None when it has no offset or lies outside what the server accepts."""
    if scan.scanned_at.tzinfo is None or scan.scanned_at.utcoffset() is None:
        return None
    try:
        scanned_at = scan.scanned_at.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None
    if scanned_at > moment + FUTURE_SKEW or not span.start <= scanned_at < span.end:
        return None
    return scanned_at


def apply_scans(conn: Connection, jobs: Sequence[Job]) -> list[Outcome]:
    """Check, store and answer the scans of ``jobs`` in the connection's transaction (the caller commits)."""
    moment = now()
    outcomes: list[Outcome | None] = [None] * len(jobs)

    # The callers, as the authentication middleware would find them (one query for the whole group): a
    # token that is known, not revoked and not expired, of a scanner device of the congress it posts to.
    callers = _callers(conn, jobs, moment)
    job_device: dict[int, _Device] = {}
    for n, job in enumerate(jobs):
        caller = callers.get(job.token)
        if caller is None or not caller.usable:
            outcomes[n] = NotAuthenticated("The token is unknown, revoked or expired", code="invalid_token")
        elif caller.device is None or caller.congress_id != job.congress_id or caller.role is not Role.STEWARD:
            outcomes[n] = Forbidden("This token is not a scanner device of this congress", code="not_a_scanner")
        else:
            job_device[n] = caller.device
    unused = {c.token_id for c in callers.values() if c.usable and _stale(c.last_used_at, moment, LAST_USED)}
    if unused:
        conn.execute(TOKENS_USED, {"tokens": list(unused), "moment": moment})
    if not job_device:
        return [o for o in outcomes if o is not None]

    stale = {d.id for d in job_device.values() if _stale(d.last_seen_at, moment, LAST_SEEN_RESOLUTION)}
    if stale:
        conn.execute(SEEN, {"devices": list(stale), "moment": moment})

    congress_ids = {jobs[n].congress_id for n in job_device}
    windows: dict[uuid.UUID, _Window] = {}
    raw_keys: dict[uuid.UUID, list[tuple[str, bytes]]] = {c: [] for c in congress_ids}
    for congress_id, time_zone, first_day, last_day, kid, raw in conn.execute(
        CONGRESSES, {"congresses": list(congress_ids)}
    ).tuples():
        if congress_id not in windows:
            windows[congress_id] = window(first_day, last_day, zone(time_zone))
        if kid is not None:
            raw_keys[congress_id].append((kid, raw))
    rings = {c: key_ring(c, tuple(pairs)) for c, pairs in raw_keys.items()}

    # Signatures first (no database), then the rooms and badges they name, in one query each.
    verdicts = {
        n: [signature_verdict(rings[jobs[n].congress_id], s.badge) for s in jobs[n].batch.scans] for n in job_device
    }
    room_ids = {s.room_id or job_device[n].room_id for n in job_device for s in jobs[n].batch.scans} - {None}
    rooms: dict[uuid.UUID, uuid.UUID] = {}
    if room_ids:
        rooms = dict((conn.execute(ROOMS, {"rooms": list(room_ids)})).tuples().all())
    badge_ids = {v.badge_id for vs in verdicts.values() for v in vs if v.badge_id is not None}
    holders: dict[uuid.UUID, _Holder] = {}
    if badge_ids:
        for badge_id, congress_id, person_id, revoked_at, status in (
            conn.execute(BADGES, {"badges": list(badge_ids)})
        ).tuples():
            holders[badge_id] = _Holder(
                congress_id, person_id, revoked_at is not None, status is RegistrationStatus.ACTIVE
            )

    answers: dict[int, list[ScanResult | None]] = {n: [None] * len(jobs[n].batch.scans) for n in job_device}
    candidates: list[_Candidate] = []
    for n, device in job_device.items():
        congress_id = jobs[n].congress_id
        for i, (scan, verdict) in enumerate(zip(jobs[n].batch.scans, verdicts[n], strict=True)):
            refusal = _refusal(scan, verdict, holders, congress_id, device, rooms)
            if refusal is not None:
                answers[n][i] = ScanResult(nonce=scan.nonce, code=refusal)
                continue
            scanned_at = _scan_time(scan, moment, windows[congress_id])
            if scanned_at is None:
                answers[n][i] = ScanResult(nonce=scan.nonce, code="clock_skew")
                continue
            assert verdict.badge_id is not None
            room_id = scan.room_id or device.room_id
            assert room_id is not None
            candidates.append(
                _Candidate(
                    job=n,
                    index=i,
                    device_id=device.id,
                    congress_id=congress_id,
                    person_id=holders[verdict.badge_id].person_id,
                    badge_id=verdict.badge_id,
                    room_id=room_id,
                    scan=scan,
                    scanned_at=scanned_at,
                )
            )

    if candidates:
        _store(conn, candidates, answers, moment)
    for n in job_device:
        results = [r for r in answers[n] if r is not None]
        replayed = sum(r.replayed for r in results)
        stored = sum(r.code in STORED and not r.replayed for r in results)
        outcomes[n] = ScanReport(
            results=results, stored=stored, replayed=replayed, refused=len(results) - stored - replayed
        )
    return [o for o in outcomes if o is not None]


def _stale(seen: dt.datetime | None, moment: dt.datetime, resolution: dt.timedelta) -> bool:
    return seen is None or moment - seen > resolution


def _callers(conn: Connection, jobs: Sequence[Job], moment: dt.datetime) -> dict[str, _Caller]:
    """Token text -> what it is; a token the database does not know is absent."""
    digests = {hash_token(j.token): j.token for j in jobs if looks_like_token(j.token)}
    if not digests:
        return {}
    found: dict[str, _Caller] = {}
    rows = conn.execute(CALLERS, {"digests": list(digests)}).tuples()
    for digest, token_id, role, revoked_at, expires_at, last_used_at, congress_id, device_id, room_id, seen in rows:
        token = digests.get(digest)
        if token is None or not digest_matches(digest, token):
            continue
        usable = revoked_at is None and (expires_at is None or expires_at > moment)
        device = _Device(device_id, room_id, seen) if device_id is not None else None
        found[token] = _Caller(token_id, Role(role), usable, last_used_at, congress_id, device)
    return found


def _refusal(
    scan: ScanIn,
    verdict: tokens.Verdict,
    holders: dict[uuid.UUID, _Holder],
    congress_id: uuid.UUID,
    device: _Device,
    rooms: dict[uuid.UUID, uuid.UUID],
) -> ScanCode | None:
    if not verdict.accepted or verdict.badge_id is None:
        return REFUSALS[verdict.code]
    holder = holders.get(verdict.badge_id)
    if holder is None or holder.congress_id != congress_id or holder.revoked:
        return "revoked"
    if not holder.active:
        return "not_registered"
    room_id = scan.room_id or device.room_id
    if room_id is None or rooms.get(room_id) != congress_id:
        return "unknown_room"
    return None


def _store(
    conn: Connection,
    candidates: list[_Candidate],
    answers: dict[int, list[ScanResult | None]],
    moment: dt.datetime,
) -> None:
    # Presence rows: the existing ones locked in person order (PostgreSQL; SQLite has one writer), then those
    # still missing (a person's first scan) created and locked, also in person order. Two transactions cannot
    # deadlock on them: one waits on the other's new rows only while inserting its own, and they cannot each
    # lock a row first that the other found missing (their locking statements see the commits in one order).
    people = sorted({(c.congress_id, c.person_id) for c in candidates}, key=lambda p: (str(p[0]), str(p[1])))
    presence = _lock_presence(conn, people)
    missing = [p for p in people if p not in presence]
    if missing:
        conn.execute(
            PRESENCE_INSERT[conn.dialect.name],
            [
                {
                    "id": uuid.uuid4(),
                    "congress_id": congress_id,
                    "person_id": person_id,
                    "room_id": None,
                    "last_scan_at": NEVER,
                    "created_at": moment,
                    "updated_at": moment,
                }
                for congress_id, person_id in missing
            ],
        )
        presence |= _lock_presence(conn, missing)

    # Replays: what was stored for these (device, nonce) pairs before, read under the locks.
    first: dict[tuple[uuid.UUID, str], tuple[str, uuid.UUID]] = {}
    pairs = {(c.device_id, c.scan.nonce) for c in candidates}
    if conn.dialect.name == "postgresql":
        params: dict[str, object] = {"pairs": list(pairs)}
    else:
        params = {"devices": list({d for d, _ in pairs}), "nonces": list({n for _, n in pairs})}
    for device_id, nonce, outcome, room_id in conn.execute(REPLAYS[conn.dialect.name], params).tuples():
        if (device_id, nonce) in pairs:
            first[device_id, nonce] = (outcome, room_id)

    rows: list[dict[str, object]] = []
    for c in sorted(candidates, key=lambda c: (str(c.congress_id), str(c.person_id), c.job, c.index)):
        key = (c.device_id, c.scan.nonce)
        if key in first:
            outcome, room_id = first[key]
            answers[c.job][c.index] = ScanResult(
                nonce=c.scan.nonce, code=STORED[outcome], replayed=True, room_id=room_id
            )
            continue
        here = presence[c.congress_id, c.person_id]
        inside = here.room_id == c.room_id
        code: ScanCode
        if c.scan.direction == "out":
            code = "ok" if inside else "not_inside"
            room_after = None if inside else here.room_id
        else:
            code = "already_inside" if inside else "ok"
            room_after = c.room_id
        first[key] = (code, c.room_id)
        rows.append(
            {
                "id": uuid.uuid4(),
                "congress_id": c.congress_id,
                "device_id": c.device_id,
                "nonce": c.scan.nonce,
                "badge_id": c.badge_id,
                "person_id": c.person_id,
                "room_id": c.room_id,
                "direction": c.scan.direction,
                "scanned_at": c.scanned_at,
                "outcome": code,
                "created_at": moment,
                "updated_at": moment,
            }
        )
        if c.scanned_at >= here.last_scan_at:
            here.room_id = room_after
            here.last_scan_at = c.scanned_at
            here.changed = True
        answers[c.job][c.index] = ScanResult(nonce=c.scan.nonce, code=code, room_id=c.room_id)

    if rows:
        # (device, nonce) is unique; the replays were read under the presence locks, so a conflict here can
        # only come from a device sending the same nonce through another server at the same moment.
        conn.execute(SCAN_INSERT[conn.dialect.name], rows)
    changed = [
        {
            "id": p.id,
            "congress_id": congress_id,
            "person_id": person_id,
            "room_id": p.room_id,
            "last_scan_at": p.last_scan_at,
            "created_at": moment,
            "updated_at": moment,
        }
        for (congress_id, person_id), p in presence.items()
        if p.changed
    ]
    if changed:
        # Every row exists and is locked: the upsert is one statement that updates them all.
        conn.execute(PRESENCE_WRITE[conn.dialect.name], changed)


def _lock_presence(
    conn: Connection, people: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], _Presence]:
    """The presence rows of ``people`` (congress, person) that exist, locked in person order."""
    found: dict[tuple[uuid.UUID, uuid.UUID], _Presence] = {}
    wanted = set(people)
    params = {"people": list({p for _, p in people}), "congresses": list({c for c, _ in people})}
    for presence_id, congress_id, person_id, room_id, last_scan_at in conn.execute(
        PRESENCE_FOR_UPDATE, params
    ).tuples():
        if (congress_id, person_id) in wanted:
            found[congress_id, person_id] = _Presence(presence_id, room_id, last_scan_at)
    return found


@dataclass(slots=True)
class _Waiting:
    job: Job
    future: asyncio.Future[ScanReport]


@dataclass(slots=True)
class ScanQueue:
    """Group commit for door scans: each writer takes every scan that waits and writes it in one transaction.

    The transactions run in threads of their own on a synchronous engine: a group costs one hand-over between
    the event loop and a writer thread, however many statements it runs. One writer is the default. More let
    one group be checked in Python while another waits for the database (worth it when PostgreSQL runs on
    another host; SQLite writes one transaction at a time whatever the threads). Concurrent groups take their
    row locks in one order (devices, then presence by person), and a group that fails all the same (a
    deadlock) is written again request by request.
    """

    engine: Engine
    group_scans: int = GROUP_SCANS
    writers: int = 1
    # Transactions committed so far (requests answered ÷ commits is the grouping achieved).
    commits: int = 0
    _waiting: deque[_Waiting] = field(default_factory=deque)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _threads: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        if self.writers < 1:
            raise ValueError(f"a scan queue needs at least one writer, not {self.writers}")
        self._threads = ThreadPoolExecutor(max_workers=self.writers, thread_name_prefix="scan-writer")

    async def submit(self, job: Job) -> ScanReport:
        """Store ``job``'s scans with whatever else is waiting; returns once they are committed."""
        future: asyncio.Future[ScanReport] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(job, future))
        # A finished writer leaves the set only once its done-callback has run: count the running ones.
        if sum(not task.done() for task in self._tasks) < self.writers:
            task = asyncio.create_task(self._write())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def close(self) -> None:
        """Write what is waiting, then stop the writer threads (at shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._threads.shutdown(wait=True)

    def _take(self) -> list[_Waiting]:
        group: list[_Waiting] = []
        scans = 0
        while self._waiting and (not group or scans + len(self._waiting[0].job.batch.scans) <= self.group_scans):
            waiting = self._waiting.popleft()
            group.append(waiting)
            scans += len(waiting.job.batch.scans)
        return group

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            group = self._take()
            try:
                outcomes = await loop.run_in_executor(self._threads, self._commit, [w.job for w in group])
                self.commits += 1
            except Exception as exc:
                if len(group) == 1:
                    _settle(group[0].future, exc)
                    continue
                log.warning(
                    "a group of %d scan requests failed (%s); writing them one by one", len(group), type(exc).__name__
                )
                for waiting in group:
                    try:
                        (outcome,) = await loop.run_in_executor(self._threads, self._commit, [waiting.job])
                        self.commits += 1
                    except Exception as single:
                        outcome = single
                    _settle(waiting.future, outcome)
                continue
            for waiting, outcome in zip(group, outcomes, strict=True):
                _settle(waiting.future, outcome)

    def _commit(self, jobs: list[Job]) -> list[Outcome]:
        # The engine does not ping a connection before use (a round trip per group): a connection the database
        # has dropped (a restart, a failover) fails its first statement, and the group is written again once on
        # a new connection.
        try:
            return self._transaction(jobs)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            log.warning("the database dropped a scan writer's connection; writing the group again")
            return self._transaction(jobs)

    def _transaction(self, jobs: list[Job]) -> list[Outcome]:
        with self.engine.connect().execution_options(**{WRITE_INTENT: True}) as conn, conn.begin():
            return apply_scans(conn, jobs)


def _settle(future: asyncio.Future[ScanReport], outcome: Outcome) -> None:
    if future.done():  # the client went away; its scans are stored all the same
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
