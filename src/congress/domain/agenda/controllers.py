"""HTTP routes for agendas (stars) and workshop seats."""

from __future__ import annotations

import uuid

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from congress.domain.agenda.schemas import AgendaRead, ItemSeats, SeatRead, SeatRequest, StarRead
from congress.domain.agenda.services import AgendaService
from congress.lib import http
from congress.lib.deps import service


class AgendaController(Controller):
    path = "/api/congresses/{congress_id:uuid}/agenda"
    tags = ["Agenda"]
    dependencies = {"agenda": service(AgendaService)}

    @http.get(
        "/",
        access=http.AUTHENTICATED,
        summary="The caller's agenda: starred items and seats (organisers may name a person)",
    )
    async def get_agenda(
        self,
        agenda: NamedDependency[AgendaService],
        congress_id: FromPath[uuid.UUID],
        person_id: FromQuery[uuid.UUID | None] = None,
    ) -> AgendaRead:
        return await agenda.agenda(congress_id, person_id)

    @http.put("/stars/{item_id:uuid}", access=http.AUTHENTICATED, summary="Star an item (idempotent)")
    async def star_item(
        self,
        agenda: NamedDependency[AgendaService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
    ) -> StarRead:
        return await agenda.star(congress_id, item_id)

    @http.delete("/stars/{item_id:uuid}", access=http.AUTHENTICATED, summary="Unstar an item")
    async def unstar_item(
        self,
        agenda: NamedDependency[AgendaService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
    ) -> None:
        await agenda.unstar(congress_id, item_id)

    @http.put(
        "/seats/{item_id:uuid}",
        access=http.AUTHENTICATED,
        errors=(409,),
        summary="Take a seat in a run of an item with limited seats, or move to another run",
    )
    async def take_seat(
        self,
        agenda: NamedDependency[AgendaService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
        data: JSONBody[SeatRequest],
    ) -> SeatRead:
        return await agenda.take_seat(congress_id, item_id, data)

    @http.delete("/seats/{item_id:uuid}", access=http.AUTHENTICATED, summary="Give up one's seat in an item")
    async def give_up_seat(
        self,
        agenda: NamedDependency[AgendaService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
    ) -> None:
        await agenda.give_up_seat(congress_id, item_id)


class SeatController(Controller):
    path = "/api/congresses/{congress_id:uuid}/items/{item_id:uuid}/seats"
    tags = ["Agenda"]
    dependencies = {"agenda": service(AgendaService)}

    @http.get("/", access=http.ORGANISER, summary="Seats per run of an item, and who holds them")
    async def item_seats(
        self,
        agenda: NamedDependency[AgendaService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
    ) -> ItemSeats:
        return await agenda.item_seats(congress_id, item_id)
