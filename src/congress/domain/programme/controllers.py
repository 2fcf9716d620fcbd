"""HTTP routes for programme items, their faculty and availability windows."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from congress.domain.programme.schemas import (
    AvailabilityCreate,
    AvailabilityRead,
    AvailabilityUpdate,
    FacultyCreate,
    FacultyRead,
    ItemCreate,
    ItemRead,
    ItemUpdate,
)
from congress.domain.programme.services import AvailabilityService, FacultyService, ItemService
from congress.enums import AvailabilityKind, FacultyRole, ItemKind
from congress.lib import http
from congress.lib.deps import PageParams, service
from congress.lib.schema import NO_CONTROL, Page, SearchText


class ItemController(Controller):
    path = "/api/congresses/{congress_id:uuid}/items"
    tags = ["Programme"]
    dependencies = {"items": service(ItemService)}

    @http.get("/", access=http.AUTHENTICATED, summary="List programme items")
    async def list_items(
        self,
        items: NamedDependency[ItemService],
        congress_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        kind: FromQuery[ItemKind | None] = None,
        topic: Annotated[str | None, QueryParameter(max_length=64, pattern=NO_CONTROL)] = None,
        q: SearchText = None,
        person_id: Annotated[uuid.UUID | None, QueryParameter(description="Items this person is faculty of")] = None,
    ) -> Page[ItemRead]:
        rows, total = await items.search(congress_id, page.limit, page.offset, kind, topic, q, person_id)
        return page.wrap(rows, total)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Add a programme item")
    async def create_item(
        self,
        items: NamedDependency[ItemService],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[ItemCreate],
    ) -> ItemRead:
        return await items.create(congress_id, data)

    @http.get("/{item_id:uuid}", access=http.AUTHENTICATED, summary="Read a programme item")
    async def get_item(
        self,
        items: NamedDependency[ItemService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
    ) -> ItemRead:
        return await items.get(congress_id, item_id)

    @http.patch("/{item_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Change a programme item")
    async def update_item(
        self,
        items: NamedDependency[ItemService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
        data: JSONBody[ItemUpdate],
    ) -> ItemRead:
        return await items.update(congress_id, item_id, data)

    @http.delete("/{item_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Delete a programme item")
    async def delete_item(
        self,
        items: NamedDependency[ItemService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
    ) -> None:
        await items.delete(congress_id, item_id)


class FacultyController(Controller):
    path = "/api/congresses/{congress_id:uuid}/items/{item_id:uuid}/faculty"
    tags = ["Programme"]
    dependencies = {"faculty": service(FacultyService)}

    @http.get("/", access=http.AUTHENTICATED, summary="List an item's faculty")
    async def list_faculty(
        self,
        faculty: NamedDependency[FacultyService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        role: FromQuery[FacultyRole | None] = None,
    ) -> Page[FacultyRead]:
        rows, total = await faculty.search(congress_id, item_id, page.limit, page.offset, role)
        return page.wrap(rows, total)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Link a person to an item in a role")
    async def create_faculty(
        self,
        faculty: NamedDependency[FacultyService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
        data: JSONBody[FacultyCreate],
    ) -> FacultyRead:
        return await faculty.create(congress_id, item_id, data)

    @http.get("/{link_id:uuid}", access=http.AUTHENTICATED, summary="Read a faculty link")
    async def get_faculty(
        self,
        faculty: NamedDependency[FacultyService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
        link_id: FromPath[uuid.UUID],
    ) -> FacultyRead:
        return await faculty.get(congress_id, item_id, link_id)

    @http.delete("/{link_id:uuid}", access=http.ORGANISER, summary="Remove a faculty link")
    async def delete_faculty(
        self,
        faculty: NamedDependency[FacultyService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
        link_id: FromPath[uuid.UUID],
    ) -> None:
        await faculty.delete(congress_id, item_id, link_id)


class AvailabilityController(Controller):
    path = "/api/congresses/{congress_id:uuid}/availability"
    tags = ["Availability"]
    dependencies = {"availability": service(AvailabilityService)}

    @http.get(
        "/",
        access=http.AUTHENTICATED,
        summary="List availability windows (others than organisers: their own)",
    )
    async def list_availability(
        self,
        availability: NamedDependency[AvailabilityService],
        congress_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        person_id: FromQuery[uuid.UUID | None] = None,
        room_id: FromQuery[uuid.UUID | None] = None,
        kind: FromQuery[AvailabilityKind | None] = None,
    ) -> Page[AvailabilityRead]:
        rows, total = await availability.search(congress_id, page.limit, page.offset, person_id, room_id, kind)
        return page.wrap(rows, total)

    @http.post(
        "/",
        access=http.AUTHENTICATED,
        summary="Record a window (others than organisers: their own)",
    )
    async def create_availability(
        self,
        availability: NamedDependency[AvailabilityService],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[AvailabilityCreate],
    ) -> AvailabilityRead:
        return await availability.create(congress_id, data)

    @http.get("/{availability_id:uuid}", access=http.AUTHENTICATED, summary="Read a window")
    async def get_availability(
        self,
        availability: NamedDependency[AvailabilityService],
        congress_id: FromPath[uuid.UUID],
        availability_id: FromPath[uuid.UUID],
    ) -> AvailabilityRead:
        return await availability.get(congress_id, availability_id)

    @http.patch("/{availability_id:uuid}", access=http.AUTHENTICATED, summary="Change a window")
    async def update_availability(
        self,
        availability: NamedDependency[AvailabilityService],
        congress_id: FromPath[uuid.UUID],
        availability_id: FromPath[uuid.UUID],
        data: JSONBody[AvailabilityUpdate],
    ) -> AvailabilityRead:
        return await availability.update(congress_id, availability_id, data)

    @http.delete("/{availability_id:uuid}", access=http.AUTHENTICATED, summary="Delete a window")
    async def delete_availability(
        self,
        availability: NamedDependency[AvailabilityService],
        congress_id: FromPath[uuid.UUID],
        availability_id: FromPath[uuid.UUID],
    ) -> None:
        await availability.delete(congress_id, availability_id)
