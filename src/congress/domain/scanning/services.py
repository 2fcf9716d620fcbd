"""Scanner devices, their offline bundle and live occupancy; the scans themselves go through ``ingest``.

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
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import (
    ApiToken,
    Congress,
    Presence,
    PublishedEvent,
    Room,
    ScannerDevice,
    ScheduleVersion,
)
from congress.domain.badges.services import active_keys, revoked_badges
from congress.domain.scanning.schemas import (
    DeviceCreate,
    DeviceCreated,
    DeviceRead,
    Occupancy,
    OfflineBundle,
    OfflineRoom,
    OfflineSession,
    RoomOccupancy,
)
from congress.enums import VersionStatus
from congress.lib.errors import Forbidden, InvalidInput
from congress.lib.queries import get_or_404, zone
from congress.lib.security import Principal, Role, hash_token, new_token


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
