"""HTTP routes for registrations."""

from __future__ import annotations

import uuid

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from congress.domain.registrations.schemas import (
    RegistrationCreate,
    RegistrationRead,
    RegistrationUpdate,
)
from congress.domain.registrations.services import RegistrationService
from congress.enums import RegistrationCategory, RegistrationStatus
from congress.lib import http
from congress.lib.deps import PageParams, service
from congress.lib.schema import Page


class RegistrationController(Controller):
    path = "/api/congresses/{congress_id:uuid}/registrations"
    tags = ["Registrations"]
    dependencies = {"registrations": service(RegistrationService)}

    @http.get(
        "/",
        access=http.AUTHENTICATED,
        summary="List registrations (others than organisers: their own)",
    )
    async def list_registrations(
        self,
        registrations: NamedDependency[RegistrationService],
        congress_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        status: FromQuery[RegistrationStatus | None] = None,
        category: FromQuery[RegistrationCategory | None] = None,
        person_id: FromQuery[uuid.UUID | None] = None,
    ) -> Page[RegistrationRead]:
        rows, total = await registrations.search(congress_id, page.limit, page.offset, status, category, person_id)
        return page.wrap(rows, total)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Register a person")
    async def create_registration(
        self,
        registrations: NamedDependency[RegistrationService],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[RegistrationCreate],
    ) -> RegistrationRead:
        return await registrations.create(congress_id, data)

    @http.get("/{registration_id:uuid}", access=http.AUTHENTICATED, summary="Read a registration")
    async def get_registration(
        self,
        registrations: NamedDependency[RegistrationService],
        congress_id: FromPath[uuid.UUID],
        registration_id: FromPath[uuid.UUID],
    ) -> RegistrationRead:
        return await registrations.get(congress_id, registration_id)

    @http.patch("/{registration_id:uuid}", access=http.ORGANISER, summary="Change category or status")
    async def update_registration(
        self,
        registrations: NamedDependency[RegistrationService],
        congress_id: FromPath[uuid.UUID],
        registration_id: FromPath[uuid.UUID],
        data: JSONBody[RegistrationUpdate],
    ) -> RegistrationRead:
        return await registrations.update(congress_id, registration_id, data)

    @http.delete("/{registration_id:uuid}", access=http.ORGANISER, summary="Delete a registration")
    async def delete_registration(
        self,
        registrations: NamedDependency[RegistrationService],
        congress_id: FromPath[uuid.UUID],
        registration_id: FromPath[uuid.UUID],
    ) -> None:
        await registrations.delete(congress_id, registration_id)
