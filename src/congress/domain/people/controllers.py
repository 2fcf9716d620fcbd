"""HTTP routes for people and their memberships."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from congress.domain.people.schemas import (
    MembershipCreate,
    MembershipRead,
    MembershipUpdate,
    PersonCreate,
    PersonRead,
    PersonUpdate,
)
from congress.domain.people.services import (
    MembershipService,
    PersonService,
    membership_read,
    person_read,
)
from congress.enums import Society
from congress.lib import http
from congress.lib.deps import PageParams, page_of, service
from congress.lib.schema import Page, SearchText

YearFilter = Annotated[int | None, QueryParameter(ge=1900, le=2200)]


class PersonController(Controller):
    path = "/api/people"
    tags = ["People"]
    dependencies = {"people": service(PersonService)}

    @http.get(
        "/",
        access=http.AUTHENTICATED,
        summary="List people (others than organisers see only themselves)",
    )
    async def list_people(
        self,
        people: NamedDependency[PersonService],
        page: NamedDependency[PageParams],
        q: SearchText = None,
        country: Annotated[str | None, QueryParameter(pattern=r"^[A-Z]{2}$")] = None,
        society: FromQuery[Society | None] = None,
        year: YearFilter = None,
    ) -> Page[PersonRead]:
        rows, total = await people.search(page.limit, page.offset, q, country, society, year)
        return page_of(rows, total, page, person_read)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Add a person")
    async def create_person(self, people: NamedDependency[PersonService], data: JSONBody[PersonCreate]) -> PersonRead:
        return person_read(await people.create(data))

    @http.get("/{person_id:uuid}", access=http.AUTHENTICATED, summary="Read a person")
    async def get_person(self, people: NamedDependency[PersonService], person_id: FromPath[uuid.UUID]) -> PersonRead:
        return person_read(await people.get(person_id))

    @http.patch(
        "/{person_id:uuid}",
        access=http.AUTHENTICATED,
        errors=(409,),
        summary="Change a person (self: name, institution, country)",
    )
    async def update_person(
        self,
        people: NamedDependency[PersonService],
        person_id: FromPath[uuid.UUID],
        data: JSONBody[PersonUpdate],
    ) -> PersonRead:
        return person_read(await people.update(person_id, data))

    @http.delete("/{person_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Delete a person")
    async def delete_person(self, people: NamedDependency[PersonService], person_id: FromPath[uuid.UUID]) -> None:
        await people.delete(person_id)


class MembershipController(Controller):
    path = "/api/people/{person_id:uuid}/memberships"
    tags = ["People"]
    dependencies = {"memberships": service(MembershipService)}

    @http.get("/", access=http.AUTHENTICATED, summary="List a person's memberships")
    async def list_memberships(
        self,
        memberships: NamedDependency[MembershipService],
        person_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        society: FromQuery[Society | None] = None,
        year: YearFilter = None,
    ) -> Page[MembershipRead]:
        rows, total = await memberships.search(person_id, page.limit, page.offset, society, year)
        return page_of(rows, total, page, membership_read)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Record a membership")
    async def create_membership(
        self,
        memberships: NamedDependency[MembershipService],
        person_id: FromPath[uuid.UUID],
        data: JSONBody[MembershipCreate],
    ) -> MembershipRead:
        return membership_read(await memberships.create(person_id, data))

    @http.get("/{membership_id:uuid}", access=http.AUTHENTICATED, summary="Read a membership")
    async def get_membership(
        self,
        memberships: NamedDependency[MembershipService],
        person_id: FromPath[uuid.UUID],
        membership_id: FromPath[uuid.UUID],
    ) -> MembershipRead:
        return membership_read(await memberships.get(person_id, membership_id))

    @http.patch("/{membership_id:uuid}", access=http.ORGANISER, summary="Change a membership's type")
    async def update_membership(
        self,
        memberships: NamedDependency[MembershipService],
        person_id: FromPath[uuid.UUID],
        membership_id: FromPath[uuid.UUID],
        data: JSONBody[MembershipUpdate],
    ) -> MembershipRead:
        return membership_read(await memberships.update(person_id, membership_id, data))

    @http.delete("/{membership_id:uuid}", access=http.ORGANISER, summary="Delete a membership")
    async def delete_membership(
        self,
        memberships: NamedDependency[MembershipService],
        person_id: FromPath[uuid.UUID],
        membership_id: FromPath[uuid.UUID],
    ) -> None:
        await memberships.delete(person_id, membership_id)
