"""Scanner devices and door scans.

A scanner device authenticates with its own API token (role steward, bound to one congress through its
device row); revoking the device revokes the token, so it is cut off at its next request. A batch of scans
is one transaction: every scan answered ``ok``, ``already_inside`` or ``not_inside`` is committed before the
answer is sent, and (device, nonce) is unique, so a batch sent again after a lost answer stores nothing new
and gets the first answers back. Live presence follows the latest scan time, not the arrival order, so
offline batches arriving late and out of order end in the same state.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import (
    ApiToken,
    Badge,
    Congress,
    Presence,
    PublishedEvent,
    Registration,
    Room,
    Scan,
    ScannerDevice,
    ScheduleVersion,
)
from congress.domain.badges.services import active_keys, keyring, revoked_badges
from congress.domain.scanning.schemas import (
    DeviceCreate,
    DeviceCreated,
    DeviceRead,
    Occupancy,
    OfflineBundle,
    OfflineRoom,
    OfflineSession,
    RoomOccupancy,
    ScanBatch,
    ScanCode,
    ScanIn,
    ScanReport,
    ScanResult,
)
from congress.enums import RegistrationStatus, VersionStatus
from congress.lib import badges as tokens
from congress.lib.errors import Forbidden, InvalidInput
from congress.lib.queries import get_or_404, zone
from congress.lib.security import Principal, Role, hash_token, new_token

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
LAST_SEEN_RESOLUTION = dt.timedelta(seconds=60)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def device_read(d: ScannerDevice) -> DeviceRead:
    return DeviceRead(
        id=d.id,
        name=d.name,
        room_id=d.room_id,
        created_at=d.created_at,
        last_seen_at=d.last_seen_at,
        revoked_at=d.revoked_at,
    )


async def insert_ignore(session: AsyncSession, model: type[Any], values: dict[str, Any], keys: Sequence[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on the unique ``keys``; True when the row was inserted."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(model).values(**values).on_conflict_do_nothing(index_elements=list(keys)).returning(model.id)
    # RETURNING gives the row only when it was inserted (rowcount is not reliable across drivers here).
    return (await session.execute(stmt)).first() is not None


@dataclass(frozen=True, slots=True)
class Window:
    start: dt.datetime
    end: dt.datetime


@dataclass(slots=True)
class ScanService:
    session: AsyncSession
    principal: Principal | None

    # --- devices (organisers) --------------------------------------------------------------------------------

    async def create_device(self, congress_id: uuid.UUID, data: DeviceCreate) -> DeviceCreated:
        await get_or_404(self.session, Congress, congress_id)
        if data.room_id is not None:
            await self._room(congress_id, data.room_id, field="room_id")
        secret = new_token()
        token = ApiToken(name=f"scanner: {data.name}", role=Role.STEWARD, digest=hash_token(secret))
        self.session.add(token)
        await self.session.flush()
        device = ScannerDevice(congress_id=congress_id, token_id=token.id, name=data.name, room_id=data.room_id)
        self.session.add(device)
        await self.session.flush()
        return DeviceCreated(device=device_read(device), token=secret)

    async def devices(self, congress_id: uuid.UUID) -> list[DeviceRead]:
        await get_or_404(self.session, Congress, congress_id)
        rows = await self.session.scalars(
            select(ScannerDevice).where(ScannerDevice.congress_id == congress_id).order_by(ScannerDevice.created_at)
        )
        return [device_read(d) for d in rows]

    async def revoke_device(self, congress_id: uuid.UUID, device_id: uuid.UUID) -> None:
        device = await get_or_404(self.session, ScannerDevice, device_id, ScannerDevice.congress_id == congress_id)
        moment = now()
        device.revoked_at = device.revoked_at or moment
        await self.session.execute(
            update(ApiToken)
            .where(ApiToken.id == device.token_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=moment)
        )
        await self.session.flush()

    # --- the device itself -----------------------------------------------------------------------------------

    async def _device(self, congress_id: uuid.UUID) -> ScannerDevice:
        """The calling device, if it is a scanner of this congress and not revoked."""
        if self.principal is None:
            raise Forbidden("Only scanner devices scan")
        device = (
            await self.session.scalars(
                select(ScannerDevice).where(
                    ScannerDevice.token_id == self.principal.token_id,
                    ScannerDevice.congress_id == congress_id,
                    ScannerDevice.revoked_at.is_(None),
                )
            )
        ).one_or_none()
        if device is None:
            raise Forbidden("This token is not a scanner device of this congress", code="not_a_scanner")
        return device

    async def _room(self, congress_id: uuid.UUID, room_id: uuid.UUID, field: str) -> Room:
        room = (
            await self.session.scalars(select(Room).where(Room.id == room_id, Room.congress_id == congress_id))
        ).one_or_none()
        if room is None:
            raise InvalidInput(f"No room with id {room_id} in this congress", code="unknown_room", field=field)
        return room

    async def offline(self, congress_id: uuid.UUID) -> OfflineBundle:
        """Keys, the revocation list, rooms and the released programme: enough to check badges offline."""
        await self._device(congress_id)
        congress = await get_or_404(self.session, Congress, congress_id)
        tz = zone(congress.time_zone)
        keys = await active_keys(self.session, congress_id)
        revoked = sorted(await self.session.scalars(revoked_badges(congress_id)), key=str)
        rooms = await self.session.scalars(select(Room).where(Room.congress_id == congress_id).order_by(Room.name))
        release = await self.session.scalar(
            select(func.max(ScheduleVersion.number)).where(
                ScheduleVersion.congress_id == congress_id, ScheduleVersion.status == VersionStatus.RELEASED
            )
        )
        events = await self.session.scalars(
            select(PublishedEvent)
            .where(PublishedEvent.congress_id == congress_id, PublishedEvent.cancelled.is_(False))
            .order_by(PublishedEvent.starts_at, PublishedEvent.room_name, PublishedEvent.uid)
        )
        return OfflineBundle(
            congress_id=congress_id,
            time_zone=congress.time_zone,
            generated_at=now().astimezone(tz),
            keys={k.kid: base64.b64encode(k.public_key).decode("ascii") for k in keys},
            revoked=revoked,
            rooms=[OfflineRoom(id=r.id, name=r.name) for r in rooms],
            release=release,
            sessions=[
                OfflineSession(
                    uid=e.uid,
                    title=e.title,
                    room_id=e.room_id,
                    starts_at=e.starts_at.astimezone(tz),
                    ends_at=e.ends_at.astimezone(tz),
                )
                for e in events
            ],
        )

    def _window(self, congress: Congress, tz: zoneinfo.ZoneInfo) -> Window:
        start = dt.datetime.combine(congress.first_day, dt.time(0, 0), tzinfo=tz) - MARGIN
        end = dt.datetime.combine(congress.last_day, dt.time(0, 0), tzinfo=tz) + 2 * MARGIN
        return Window(start=start, end=end)

    async def ingest(self, congress_id: uuid.UUID, batch: ScanBatch) -> ScanReport:
        device = await self._device(congress_id)
        congress = await get_or_404(self.session, Congress, congress_id)
        tz = zone(congress.time_zone)
        window = self._window(congress, tz)
        moment = now()
        if device.last_seen_at is None or moment - device.last_seen_at > LAST_SEEN_RESOLUTION:
            device.last_seen_at = moment
        keys = await keyring(self.session, congress_id)
        room_ids = {s.room_id or device.room_id for s in batch.scans} - {None}
        rooms = set(
            await self.session.scalars(select(Room.id).where(Room.congress_id == congress_id, Room.id.in_(room_ids)))
        )
        verdicts = [tokens.verify_badge(s.badge, keys, congress_id, ()) for s in batch.scans]
        badge_ids = {v.badge_id for v in verdicts if v.badge_id is not None}
        holders: dict[uuid.UUID, tuple[uuid.UUID, bool, bool]] = {}
        if badge_ids:
            for badge_id, person_id, revoked_at, status in (
                await self.session.execute(
                    select(Badge.id, Registration.person_id, Badge.revoked_at, Registration.status)
                    .join(Registration, Registration.id == Badge.registration_id)
                    .where(Badge.congress_id == congress_id, Badge.id.in_(badge_ids))
                )
            ).tuples():
                holders[badge_id] = (person_id, revoked_at is not None, status is RegistrationStatus.ACTIVE)

        # Scans are applied person by person (each person's in the order sent), so concurrent batches take
        # the presence rows' locks in the same order and cannot deadlock; answers keep the order sent.
        def person_of(index: int) -> str:
            badge_id = verdicts[index].badge_id
            holder = holders.get(badge_id) if badge_id is not None else None
            return str(holder[0]) if holder is not None else ""

        answers: dict[int, ScanResult] = {}
        for index in sorted(range(len(batch.scans)), key=lambda i: (person_of(i), i)):
            answers[index] = await self._one(
                device, congress_id, batch.scans[index], verdicts[index], holders, rooms, window, moment
            )
        results = [answers[i] for i in range(len(batch.scans))]
        await self.session.flush()
        replayed = sum(r.replayed for r in results)
        stored = sum(r.code in STORED and not r.replayed for r in results)
        return ScanReport(results=results, stored=stored, replayed=replayed, refused=len(results) - stored - replayed)

    async def _one(
        self,
        device: ScannerDevice,
        congress_id: uuid.UUID,
        scan: ScanIn,
        verdict: tokens.Verdict,
        holders: dict[uuid.UUID, tuple[uuid.UUID, bool, bool]],
        rooms: set[uuid.UUID],
        window: Window,
        moment: dt.datetime,
    ) -> ScanResult:
        if not verdict.accepted or verdict.badge_id is None:
            return ScanResult(nonce=scan.nonce, code=REFUSALS[verdict.code])
        holder = holders.get(verdict.badge_id)
        if holder is None or holder[1]:
            return ScanResult(nonce=scan.nonce, code="revoked")
        person_id, _, active = holder
        if not active:
            return ScanResult(nonce=scan.nonce, code="not_registered")
        room_id = scan.room_id or device.room_id
        if room_id is None or room_id not in rooms:
            return ScanResult(nonce=scan.nonce, code="unknown_room")
        if scan.scanned_at.tzinfo is None or scan.scanned_at.utcoffset() is None:
            return ScanResult(nonce=scan.nonce, code="clock_skew")
        try:
            scanned_at = scan.scanned_at.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            return ScanResult(nonce=scan.nonce, code="clock_skew")
        if scanned_at > moment + FUTURE_SKEW or not window.start <= scanned_at < window.end:
            return ScanResult(nonce=scan.nonce, code="clock_skew")
        await insert_ignore(
            self.session,
            Presence,
            {
                "id": uuid.uuid4(),
                "congress_id": congress_id,
                "person_id": person_id,
                "room_id": None,
                "last_scan_at": NEVER,
                "created_at": moment,
                "updated_at": moment,
            },
            ("congress_id", "person_id"),
        )
        presence = (
            await self.session.scalars(
                select(Presence)
                .where(Presence.congress_id == congress_id, Presence.person_id == person_id)
                .with_for_update()
            )
        ).one()
        here = presence.room_id == room_id
        code: ScanCode
        if scan.direction == "out":
            code = "ok" if here else "not_inside"
            room_after = None if here else presence.room_id
        else:
            code = "already_inside" if here else "ok"
            room_after = room_id
        inserted = await insert_ignore(
            self.session,
            Scan,
            {
                "id": uuid.uuid4(),
                "congress_id": congress_id,
                "device_id": device.id,
                "nonce": scan.nonce,
                "badge_id": verdict.badge_id,
                "person_id": person_id,
                "room_id": room_id,
                "direction": scan.direction,
                "scanned_at": scanned_at,
                "outcome": code,
                "created_at": moment,
                "updated_at": moment,
            },
            ("device_id", "nonce"),
        )
        if not inserted:
            first = (
                await self.session.execute(
                    select(Scan.outcome, Scan.room_id).where(Scan.device_id == device.id, Scan.nonce == scan.nonce)
                )
            ).one()
            return ScanResult(nonce=scan.nonce, code=STORED[first[0]], replayed=True, room_id=first[1])
        if scanned_at >= presence.last_scan_at:
            presence.room_id = room_after
            presence.last_scan_at = scanned_at
        return ScanResult(nonce=scan.nonce, code=code, room_id=room_id)

    async def occupancy(self, congress_id: uuid.UUID) -> Occupancy:
        if self.principal is None or not self.principal.is_organiser:
            await self._device(congress_id)
        congress = await get_or_404(self.session, Congress, congress_id)
        counts = dict(
            (
                await self.session.execute(
                    select(Presence.room_id, func.count())
                    .where(Presence.congress_id == congress_id, Presence.room_id.is_not(None))
                    .group_by(Presence.room_id)
                )
            )
            .tuples()
            .all()
        )
        rooms = await self.session.scalars(select(Room).where(Room.congress_id == congress_id).order_by(Room.name))
        listed = [
            RoomOccupancy(room_id=r.id, room=r.name, inside=int(counts.get(r.id, 0)), capacity=r.capacity)
            for r in rooms
        ]
        return Occupancy(
            at=now().astimezone(zone(congress.time_zone)), rooms=listed, inside=sum(r.inside for r in listed)
        )
