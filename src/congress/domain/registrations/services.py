"""Rules for registrations: one per person and congress; callers other than
organisers see only their own."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import Congress, Person, Registration
from congress.domain.registrations.schemas import (
    RegistrationCreate,
    RegistrationRead,
    RegistrationUpdate,
)
from congress.enums import RegistrationCategory, RegistrationStatus
from congress.lib.errors import Conflict, InvalidInput, NotFound
from congress.lib.queries import aware_utc, changes, flush_or_conflict, get_or_404, paginate_rows, zone
from congress.lib.security import Principal


def registration_read(row: tuple[Registration, str], tz: zoneinfo.ZoneInfo) -> RegistrationRead:
    r, person_name = row
    return RegistrationRead(
        id=r.id,
        congress_id=r.congress_id,
        person_id=r.person_id,
        person_name=person_name,
        category=r.category,
        status=r.status,
        registered_at=r.registered_at.astimezone(tz),
    )


def check_registered_at(value: dt.datetime | None) -> dt.datetime:
    """When a registration was received, in UTC: now if not given, never in the future."""
    now = dt.datetime.now(dt.UTC)
    received = aware_utc(value, "registered_at") if value is not None else now
    if received > now + dt.timedelta(minutes=5):
        raise InvalidInput("registered_at is in the future", code="future_datetime", field="registered_at")
    return received


def own_registrations(principal: Principal | None) -> ColumnElement[bool]:
    if principal is not None and principal.is_organiser:
        return true()
    if principal is None or principal.person_id is None:
        return Registration.id.is_(None)
    return Registration.person_id == principal.person_id


@dataclass(slots=True)
class RegistrationService:
    session: AsyncSession
    principal: Principal | None

    async def _zone(self, congress_id: uuid.UUID) -> zoneinfo.ZoneInfo:
        return zone((await get_or_404(self.session, Congress, congress_id)).time_zone)

    def _select(self, congress_id: uuid.UUID) -> Select[tuple[Registration, str]]:
        return (
            select(Registration, Person.name)
            .join(Person, Person.id == Registration.person_id)
            .where(Registration.congress_id == congress_id, own_registrations(self.principal))
        )

    async def search(
        self,
        congress_id: uuid.UUID,
        limit: int,
        offset: int,
        status: RegistrationStatus | None = None,
        category: RegistrationCategory | None = None,
        person_id: uuid.UUID | None = None,
    ) -> tuple[list[RegistrationRead], int]:
        tz = await self._zone(congress_id)
        stmt = self._select(congress_id).order_by(Registration.registered_at, Registration.id)
        if status is not None:
            stmt = stmt.where(Registration.status == status)
        if category is not None:
            stmt = stmt.where(Registration.category == category)
        if person_id is not None:
            stmt = stmt.where(Registration.person_id == person_id)
        rows, total = await paginate_rows(self.session, stmt, limit, offset)
        return [registration_read(r, tz) for r in rows], total

    async def _row(self, congress_id: uuid.UUID, registration_id: uuid.UUID) -> tuple[Registration, str]:
        stmt = self._select(congress_id).where(Registration.id == registration_id)
        row = (await self.session.execute(stmt)).tuples().one_or_none()
        if row is None:
            raise NotFound(f"No registration with id {registration_id}")
        return row

    async def get(self, congress_id: uuid.UUID, registration_id: uuid.UUID) -> RegistrationRead:
        return registration_read(await self._row(congress_id, registration_id), await self._zone(congress_id))

    async def create(self, congress_id: uuid.UUID, data: RegistrationCreate) -> RegistrationRead:
        tz = await self._zone(congress_id)
        person = await get_or_404(self.session, Person, data.person_id)
        clash = select(Registration.id).where(
            Registration.congress_id == congress_id, Registration.person_id == data.person_id
        )
        if (await self.session.execute(clash)).first():
            raise Conflict(f"{person.name} is already registered for this congress", code="already_registered")
        registered_at = check_registered_at(data.registered_at)
        registration = Registration(
            congress_id=congress_id,
            person_id=data.person_id,
            category=data.category,
            status=data.status,
            registered_at=registered_at,
        )
        self.session.add(registration)
        await flush_or_conflict(self.session, "The registration")
        return registration_read((registration, person.name), tz)

    async def update(
        self, congress_id: uuid.UUID, registration_id: uuid.UUID, data: RegistrationUpdate
    ) -> RegistrationRead:
        registration, name = await self._row(congress_id, registration_id)
        for key, value in changes(data).items():
            setattr(registration, key, value)
        await flush_or_conflict(self.session, "The registration")
        return registration_read((registration, name), await self._zone(congress_id))

    async def delete(self, congress_id: uuid.UUID, registration_id: uuid.UUID) -> None:
        registration, _ = await self._row(congress_id, registration_id)
        await self.session.delete(registration)
        await flush_or_conflict(self.session, "Deleting the registration")
