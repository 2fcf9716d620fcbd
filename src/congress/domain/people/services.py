"""Rules for people and memberships.

Organisers see everyone; any other caller sees only their own person and
memberships (another person's id answers 404, as if it did not exist).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import Membership, Person
from congress.domain.people.schemas import (
    MembershipCreate,
    MembershipRead,
    MembershipUpdate,
    PersonCreate,
    PersonRead,
    PersonUpdate,
)
from congress.enums import Society
from congress.lib.errors import Conflict, Forbidden
from congress.lib.queries import changes, flush_or_conflict, get_or_404, paginate
from congress.lib.security import Principal

SELF_EDITABLE = frozenset({"name", "institution", "country"})


def person_read(p: Person) -> PersonRead:
    return PersonRead(id=p.id, name=p.name, email=p.email, institution=p.institution, country=p.country)


def membership_read(m: Membership) -> MembershipRead:
    return MembershipRead(id=m.id, person_id=m.person_id, society=m.society, type=m.type, year=m.year)


def own_people(principal: Principal | None) -> ColumnElement[bool]:
    """The people a caller may see."""
    if principal is not None and principal.is_organiser:
        return true()
    if principal is None or principal.person_id is None:
        return Person.id.is_(None)
    return Person.id == principal.person_id


@dataclass(slots=True)
class PersonService:
    session: AsyncSession
    principal: Principal | None

    async def search(
        self,
        limit: int,
        offset: int,
        q: str | None = None,
        country: str | None = None,
        society: Society | None = None,
        year: int | None = None,
    ) -> tuple[Sequence[Person], int]:
        stmt = select(Person).where(own_people(self.principal)).order_by(Person.name, Person.id)
        if q:
            stmt = stmt.where(Person.name.icontains(q, autoescape=True) | Person.email.icontains(q, autoescape=True))
        if country:
            stmt = stmt.where(Person.country == country)
        if society is not None:
            member: Any = select(Membership.id).where(Membership.person_id == Person.id, Membership.society == society)
            if year is not None:
                member = member.where(Membership.year == year)
            stmt = stmt.where(exists(member))
        return await paginate(self.session, stmt, limit, offset)

    async def get(self, person_id: uuid.UUID) -> Person:
        return await get_or_404(self.session, Person, person_id, own_people(self.principal))

    async def _email_free(self, email: str, person_id: uuid.UUID | None = None) -> None:
        stmt = select(Person.id).where(Person.email == email)
        if person_id is not None:
            stmt = stmt.where(Person.id != person_id)
        if (await self.session.execute(stmt)).first():
            raise Conflict(f"Another person has the email {email}", code="email_taken")

    async def create(self, data: PersonCreate) -> Person:
        email = data.email.strip().lower()
        await self._email_free(email)
        person = Person(name=data.name, email=email, institution=data.institution, country=data.country)
        self.session.add(person)
        await flush_or_conflict(self.session, "The person")
        return person

    async def update(self, person_id: uuid.UUID, data: PersonUpdate) -> Person:
        person = await self.get(person_id)
        values = changes(data)
        if self.principal is None or not self.principal.is_organiser:
            refused = sorted(set(values) - SELF_EDITABLE)
            if refused:
                raise Forbidden(f"Only organisers may change {', '.join(refused)}", code="field_not_editable")
        if "email" in values:
            values["email"] = values["email"].strip().lower()
            await self._email_free(values["email"], person_id)
        for key, value in values.items():
            setattr(person, key, value)
        await flush_or_conflict(self.session, "The person")
        return person

    async def delete(self, person_id: uuid.UUID) -> None:
        person = await self.get(person_id)
        await self.session.delete(person)
        await flush_or_conflict(self.session, "Deleting the person")


@dataclass(slots=True)
class MembershipService:
    session: AsyncSession
    principal: Principal | None

    async def _person(self, person_id: uuid.UUID) -> Person:
        return await get_or_404(self.session, Person, person_id, own_people(self.principal))

    async def search(
        self,
        person_id: uuid.UUID,
        limit: int,
        offset: int,
        society: Society | None = None,
        year: int | None = None,
    ) -> tuple[Sequence[Membership], int]:
        await self._person(person_id)
        stmt = (
            select(Membership)
            .where(Membership.person_id == person_id)
            .order_by(Membership.year.desc(), Membership.society)
        )
        if society is not None:
            stmt = stmt.where(Membership.society == society)
        if year is not None:
            stmt = stmt.where(Membership.year == year)
        return await paginate(self.session, stmt, limit, offset)

    async def get(self, person_id: uuid.UUID, membership_id: uuid.UUID) -> Membership:
        await self._person(person_id)
        return await get_or_404(self.session, Membership, membership_id, Membership.person_id == person_id)

    async def create(self, person_id: uuid.UUID, data: MembershipCreate) -> Membership:
        await self._person(person_id)
        clash = select(Membership.id).where(
            Membership.person_id == person_id,
            Membership.society == data.society,
            Membership.year == data.year,
        )
        if (await self.session.execute(clash)).first():
            raise Conflict(
                f"The person already has a {data.society} membership for {data.year}",
                code="membership_exists",
            )
        membership = Membership(person_id=person_id, society=data.society, type=data.type, year=data.year)
        self.session.add(membership)
        await flush_or_conflict(self.session, "The membership")
        return membership

    async def update(self, person_id: uuid.UUID, membership_id: uuid.UUID, data: MembershipUpdate) -> Membership:
        membership = await self.get(person_id, membership_id)
        for key, value in changes(data).items():
            setattr(membership, key, value)
        await flush_or_conflict(self.session, "The membership")
        return membership

    async def delete(self, person_id: uuid.UUID, membership_id: uuid.UUID) -> None:
        membership = await self.get(person_id, membership_id)
        await self.session.delete(membership)
        await flush_or_conflict(self.session, "Deleting the membership")
