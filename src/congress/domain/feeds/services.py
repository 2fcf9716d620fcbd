"""Rules for calendar feeds.

Public feeds (the whole released programme, one room, one topic) need no
secret. A personal feed lives behind a secret link: 256 random bits, only its
SHA-256 digest stored, looked up by digest and compared again in constant
time, one active link per person and congress (issuing a new one revokes the
old at once). A personal feed carries the person's faculty duties, the runs
they hold a seat in and the items they starred — all from the latest release.

Every feed answers conditional requests: its ETag is derived from what the
feed depends on (the release, the person's stars and seats, names), so the
304 path never renders the calendar.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import msgspec
from sqlalchemy import ColumnElement, and_, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from congress.db.models import (
    AgendaStar,
    Congress,
    FeedToken,
    Person,
    PublishedEvent,
    PublishedFaculty,
    Room,
    ScheduleVersion,
    WorkshopSeat,
)
from congress.domain.feeds.schemas import FeedLinkCreated, FeedLinkRead
from congress.enums import VersionStatus
from congress.lib.errors import InvalidInput, NotFound
from congress.lib.queries import flush_or_conflict, get_or_404
from congress.lib.security import Principal, digest_matches, hash_token, looks_like_feed_token, new_feed_token
from congress.publishing import ical
from congress.publishing.exams import exam_events, exam_stamp
from congress.publishing.ledger import load_programme
from congress.publishing.snapshot import Event

# Bump when the rendering changes, so clients holding an old ETag get the new bytes.
FEED_FORMAT = "2"


class RenderCache:
    """Rendered feeds by ETag, least recently used first out, within a byte budget.

    A feed's ETag is derived from everything its bytes depend on, so a hit is
    always current; rendering a large feed costs far more than the lookups
    that derive its ETag. Per process; nothing secret is in a key.
    """

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.used = 0
        self._entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def resize(self, budget_bytes: int) -> None:
        with self._lock:
            self.budget = budget_bytes
            while self.used > self.budget and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self.used -= len(dropped)

    def get(self, etag: str, base_url: str) -> bytes | None:
        with self._lock:
            body = self._entries.get((etag, base_url))
            if body is not None:
                self._entries.move_to_end((etag, base_url))
            return body

    def put(self, etag: str, base_url: str, body: bytes) -> bytes:
        if not body or len(body) > self.budget // 4:
            return body
        with self._lock:
            key = (etag, base_url)
            if key not in self._entries:
                self._entries[key] = body
                self.used += len(body)
            while self.used > self.budget:
                _, dropped = self._entries.popitem(last=False)
                self.used -= len(dropped)
        return body


RENDERED = RenderCache(budget_bytes=64 * 1024 * 1024)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A feed answer: the body (None for 304), its validators and how it may be cached."""

    body: bytes | None
    etag: str
    last_modified: dt.datetime
    filename: str
    private: bool

    @property
    def not_modified(self) -> bool:
        return self.body is None


def _etag(*parts: object) -> str:
    """A strong validator over ``parts``, encoded without ambiguity (no two different part lists collide)."""
    encoded = json.dumps([FEED_FORMAT, *[None if p is None else str(p) for p in parts]], ensure_ascii=False)
    return '"' + hashlib.sha256(encoded.encode()).hexdigest()[:32] + '"'


def is_fresh(etag: str, last_modified: dt.datetime, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """Whether the client's copy is current (RFC 9110 §13.1: If-None-Match wins over If-Modified-Since)."""
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if if_modified_since is not None:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return last_modified.replace(microsecond=0) <= since
    return False


def _latest(stamps: list[dt.datetime | None]) -> dt.datetime:
    present = [s.astimezone(dt.UTC) for s in stamps if s is not None]
    return max(present) if present else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


def feed_link_read(row: FeedToken) -> FeedLinkRead:
    return FeedLinkRead(
        id=row.id,
        person_id=row.person_id,
        congress_id=row.congress_id,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def personal_events(person_id: uuid.UUID, congress_id: uuid.UUID) -> ColumnElement[bool]:
    """A person's events: faculty duties, runs they hold a seat in, starred items (all runs unless seated)."""
    teaches = select(PublishedFaculty.event_id).where(PublishedFaculty.person_id == person_id)
    seats = select(WorkshopSeat.item_id, WorkshopSeat.run).where(
        WorkshopSeat.person_id == person_id, WorkshopSeat.congress_id == congress_id
    )
    seated_items = select(WorkshopSeat.item_id).where(
        WorkshopSeat.person_id == person_id, WorkshopSeat.congress_id == congress_id
    )
    starred = select(AgendaStar.item_id).where(AgendaStar.person_id == person_id, AgendaStar.congress_id == congress_id)
    return or_(
        PublishedEvent.id.in_(teaches),
        tuple_(PublishedEvent.item_id, PublishedEvent.run).in_(seats),
        and_(PublishedEvent.item_id.in_(starred), PublishedEvent.item_id.not_in(seated_items)),
    )


def personal_notes(
    events: tuple[Event, ...], person_id: uuid.UUID, seats: set[tuple[uuid.UUID, int]], starred: set[uuid.UUID]
) -> dict[str, str]:
    notes: dict[str, str] = {}
    for event in events:
        lines = [f"You are on the faculty ({f.role})." for f in event.faculty if f.person_id == person_id][:1]
        if (event.item_id, event.run) in seats:
            lines.append("You hold a seat in this run.")
        elif event.item_id in starred:
            lines.append("In your agenda.")
        if lines:
            notes[event.uid] = " ".join(lines)
    return notes


@dataclass(slots=True)
class FeedService:
    session: AsyncSession
    principal: Principal | None

    # --- secret links -------------------------------------------------------------------------------------------

    def _owner(self, person_id: uuid.UUID | None) -> uuid.UUID:
        """The caller's own person; organisers may name another."""
        own = self.principal.person_id if self.principal is not None else None
        if person_id is not None and person_id != own:
            if self.principal is None or not self.principal.is_organiser:
                raise NotFound(f"No person {person_id} among your feeds")
            return person_id
        if own is None:
            raise InvalidInput(
                "This token belongs to no person; name the person the feed is for",
                code="person_required",
                field="person_id",
            )
        return own

    async def issue(self, congress_id: uuid.UUID, person_id: uuid.UUID | None, base_url: str) -> FeedLinkCreated:
        await get_or_404(self.session, Congress, congress_id)
        owner = self._owner(person_id)
        await get_or_404(self.session, Person, owner)
        now = dt.datetime.now(dt.UTC)
        active = await self.session.scalars(
            select(FeedToken).where(
                FeedToken.congress_id == congress_id, FeedToken.person_id == owner, FeedToken.revoked_at.is_(None)
            )
        )
        for row in active:
            row.revoked_at = now
        await flush_or_conflict(self.session, "Revoking the previous feed link")
        token = new_feed_token()
        row = FeedToken(congress_id=congress_id, person_id=owner, digest=hash_token(token))
        self.session.add(row)
        await flush_or_conflict(self.session, "The feed link")
        url = f"{base_url}/api/feeds/{token}/calendar.ics"
        return FeedLinkCreated(
            id=row.id,
            person_id=owner,
            congress_id=congress_id,
            url=url,
            webcal_url=webcal(url),
            created_at=row.created_at,
        )

    async def links(self, congress_id: uuid.UUID, person_id: uuid.UUID | None) -> list[FeedLinkRead]:
        await get_or_404(self.session, Congress, congress_id)
        stmt = select(FeedToken).where(FeedToken.congress_id == congress_id).order_by(FeedToken.created_at)
        if self.principal is not None and self.principal.is_organiser and person_id is None:
            rows = await self.session.scalars(stmt)
        else:
            rows = await self.session.scalars(stmt.where(FeedToken.person_id == self._owner(person_id)))
        return [feed_link_read(r) for r in rows]

    async def revoke(self, congress_id: uuid.UUID, feed_id: uuid.UUID) -> None:
        stmt = select(FeedToken).where(FeedToken.id == feed_id, FeedToken.congress_id == congress_id)
        if self.principal is None or not self.principal.is_organiser:
            stmt = stmt.where(FeedToken.person_id == self._owner(None))
        row = (await self.session.scalars(stmt)).one_or_none()
        if row is None:
            raise NotFound(f"No feed link with id {feed_id}")
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)
            await flush_or_conflict(self.session, "Revoking the feed link")

    # --- rendering ----------------------------------------------------------------------------------------------

    async def _release(self, congress_id: uuid.UUID) -> ScheduleVersion | None:
        return (
            await self.session.scalars(
                select(ScheduleVersion)
                .where(ScheduleVersion.congress_id == congress_id, ScheduleVersion.status == VersionStatus.RELEASED)
                .order_by(ScheduleVersion.number.desc())
                .limit(1)
            )
        ).first()

    async def personal(
        self, token: str, base_url: str, if_none_match: str | None, if_modified_since: str | None
    ) -> Rendered:
        if not looks_like_feed_token(token):
            raise NotFound("No such calendar feed", code="feed_not_found")
        row = (
            await self.session.scalars(
                select(FeedToken).where(FeedToken.digest == hash_token(token), FeedToken.revoked_at.is_(None))
            )
        ).one_or_none()
        if row is None or not digest_matches(row.digest, token):
            raise NotFound("No such calendar feed", code="feed_not_found")
        return await self.person_feed(row.congress_id, row.person_id, base_url, if_none_match, if_modified_since)

    async def person_feed(
        self,
        congress_id: uuid.UUID,
        person_id: uuid.UUID,
        base_url: str,
        if_none_match: str | None = None,
        if_modified_since: str | None = None,
    ) -> Rendered:
        """One person's feed (reached through their secret link, or by an operator's export).

        Everything the feed depends on is read in one statement, so the 304 path is one round trip.
        """
        latest = (
            select(ScheduleVersion.id)
            .where(ScheduleVersion.congress_id == congress_id, ScheduleVersion.status == VersionStatus.RELEASED)
            .order_by(ScheduleVersion.number.desc())
            .limit(1)
            .scalar_subquery()
        )
        mine_starred = (AgendaStar.person_id == person_id, AgendaStar.congress_id == congress_id)
        mine_seated = (WorkshopSeat.person_id == person_id, WorkshopSeat.congress_id == congress_id)
        row = (
            await self.session.execute(
                select(
                    Congress,
                    Person,
                    ScheduleVersion,
                    select(func.count()).where(*mine_starred).scalar_subquery(),
                    select(func.max(AgendaStar.updated_at)).where(*mine_starred).scalar_subquery(),
                    select(func.count()).where(*mine_seated).scalar_subquery(),
                    select(func.max(WorkshopSeat.updated_at)).where(*mine_seated).scalar_subquery(),
                    *exam_stamp(person_id, congress_id),
                )
                .select_from(Congress)
                .join(Person, Person.id == person_id)
                .outerjoin(ScheduleVersion, ScheduleVersion.id == latest)
                .where(Congress.id == congress_id)
            )
        ).one_or_none()
        if row is None:
            raise NotFound("No such calendar feed", code="feed_not_found")
        congress, person, release, star_count, star_last, seat_count, seat_last, *exams = row
        etag = _etag(
            "person",
            person.id,
            release.id if release else None,
            congress.updated_at.isoformat(),
            person.updated_at.isoformat(),
            star_count,
            star_last,
            seat_count,
            seat_last,
            *exams,
        )
        last_modified = _latest(
            [
                release.released_at if release else None,
                congress.updated_at,
                person.updated_at,
                star_last,
                seat_last,
                exams[1],
                exams[3],
            ]
        )
        filename = f"{congress.slug}-my-programme.ics"
        # Only the ETag decides here: removing a star or seat can move Last-Modified backwards.
        if is_fresh(etag, last_modified, if_none_match, None):
            return Rendered(None, etag, last_modified, filename, private=True)
        title = f"{congress.name} · {person.name}"

        def render(session: Session) -> bytes:
            programme = load_programme(session, congress, release, base_url, personal_events(person.id, congress.id))
            seat_keys = {
                (item_id, run)
                for item_id, run in session.execute(
                    select(WorkshopSeat.item_id, WorkshopSeat.run).where(
                        WorkshopSeat.person_id == person.id, WorkshopSeat.congress_id == congress.id
                    )
                ).tuples()
            }
            starred = set(
                session.scalars(
                    select(AgendaStar.item_id).where(
                        AgendaStar.person_id == person.id, AgendaStar.congress_id == congress.id
                    )
                )
            )
            notes = personal_notes(programme.events, person.id, seat_keys, starred)
            oral, oral_notes = exam_events(session, congress, person.id, base_url)
            if oral:
                events = sorted([*programme.events, *oral], key=lambda e: (e.starts_at, e.room, e.uid))
                programme = msgspec.structs.replace(programme, events=tuple(events))
                notes |= oral_notes
            return ical.render(programme, title, notes=notes)

        body = RENDERED.get(etag, base_url) or RENDERED.put(etag, base_url, await self.session.run_sync(render))
        return Rendered(body, etag, last_modified, filename, private=True)

    async def public(
        self,
        congress_id: uuid.UUID,
        room_id: uuid.UUID | None,
        topic: str | None,
        base_url: str,
        if_none_match: str | None,
        if_modified_since: str | None,
    ) -> Rendered:
        congress = await get_or_404(self.session, Congress, congress_id)
        room = await get_or_404(self.session, Room, room_id, Room.congress_id == congress.id) if room_id else None
        release = await self._release(congress.id)
        etag = _etag(
            "public",
            congress.id,
            release.id if release else None,
            congress.updated_at.isoformat(),
            room.id if room else None,
            room.updated_at.isoformat() if room else None,
            topic,
        )
        last_modified = _latest([release.released_at if release else None, congress.updated_at])
        parts = [congress.slug] + ([room.name] if room else []) + ([topic] if topic else [])
        filename = "-".join(p.lower().replace(" ", "-") for p in parts) + ".ics"
        if is_fresh(etag, last_modified, if_none_match, if_modified_since):
            return Rendered(None, etag, last_modified, filename, private=False)
        title = " · ".join([congress.name] + ([room.name] if room else []) + ([topic] if topic else []))

        def render(session: Session) -> bytes:
            where = PublishedEvent.room_id == room.id if room is not None else None
            programme = load_programme(session, congress, release, base_url, where)
            events = [e for e in programme.events if topic is None or topic in e.topics]
            return ical.render(programme, title, events)

        body = RENDERED.get(etag, base_url) or RENDERED.put(etag, base_url, await self.session.run_sync(render))
        return Rendered(body, etag, last_modified, filename, private=False)
