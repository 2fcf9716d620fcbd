"""HTTP routes for congresses and rooms; all rules live in the services."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from congress.domain.congresses.schemas import (
    CongressCreate,
    CongressRead,
    CongressUpdate,
    RoomCreate,
    RoomRead,
    RoomUpdate,
)
from congress.domain.congresses.services import (
    CongressService,
    RoomService,
    congress_read,
    room_read,
)
from congress.enums import Equipment
from congress.lib import http
from congress.lib.deps import PageParams, page_of, service
from congress.lib.schema import Page, SearchText


class CongressController(Controller):
    path = "/api/congresses"
    tags = ["Congresses"]
    dependencies = {"congresses": service(CongressService)}

    @http.get("/", access=http.PUBLIC, summary="List congresses")
    async def list_congresses(
        self,
        congresses: NamedDependency[CongressService],
        page: NamedDependency[PageParams],
        q: SearchText = None,
    ) -> Page[CongressRead]:
        rows, total = await congresses.search(page.limit, page.offset, q)
        return page_of(rows, total, page, congress_read)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Create a congress")
    async def create_congress(
        self, congresses: NamedDependency[CongressService], data: JSONBody[CongressCreate]
    ) -> CongressRead:
        return congress_read(await congresses.create(data))

    @http.get("/{congress_id:uuid}", access=http.PUBLIC, summary="Read a congress")
    async def get_congress(
        self, congresses: NamedDependency[CongressService], congress_id: FromPath[uuid.UUID]
    ) -> CongressRead:
        return congress_read(await congresses.get(congress_id))

    @http.patch("/{congress_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Change a congress")
    async def update_congress(
        self,
        congresses: NamedDependency[CongressService],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[CongressUpdate],
    ) -> CongressRead:
        return congress_read(await congresses.update(congress_id, data))

    @http.delete("/{congress_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Delete a congress")
    async def delete_congress(
        self, congresses: NamedDependency[CongressService], congress_id: FromPath[uuid.UUID]
    ) -> None:
        await congresses.delete(congress_id)


class RoomController(Controller):
    path = "/api/congresses/{congress_id:uuid}/rooms"
    tags = ["Rooms"]
    dependencies = {"rooms": service(RoomService)}

    @http.get("/", access=http.AUTHENTICATED, summary="List the rooms of a congress")
    async def list_rooms(
        self,
        rooms: NamedDependency[RoomService],
        congress_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        min_capacity: Annotated[int | None, QueryParameter(ge=0, le=1_000_000)] = None,
        equipment: FromQuery[Equipment | None] = None,
    ) -> Page[RoomRead]:
        rows, total = await rooms.search(congress_id, page.limit, page.offset, min_capacity, equipment)
        return page_of(rows, total, page, room_read)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Add a room")
    async def create_room(
        self,
        rooms: NamedDependency[RoomService],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[RoomCreate],
    ) -> RoomRead:
        return room_read(await rooms.create(congress_id, data))

    @http.get("/{room_id:uuid}", access=http.AUTHENTICATED, summary="Read a room")
    async def get_room(
        self,
        rooms: NamedDependency[RoomService],
        congress_id: FromPath[uuid.UUID],
        room_id: FromPath[uuid.UUID],
    ) -> RoomRead:
        return room_read(await rooms.get(congress_id, room_id))

    @http.patch("/{room_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Change a room")
    async def update_room(
        self,
        rooms: NamedDependency[RoomService],
        congress_id: FromPath[uuid.UUID],
        room_id: FromPath[uuid.UUID],
        data: JSONBody[RoomUpdate],
    ) -> RoomRead:
        return room_read(await rooms.update(congress_id, room_id, data))

    @http.delete("/{room_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Delete a room")
    async def delete_room(
        self,
        rooms: NamedDependency[RoomService],
        congress_id: FromPath[uuid.UUID],
        room_id: FromPath[uuid.UUID],
    ) -> None:
        await rooms.delete(congress_id, room_id)
