"""HTTP routes for the outbox of change notices."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from congress.domain.outbox.schemas import OutboxMessageRead, OutboxRead
from congress.domain.outbox.services import OutboxService
from congress.enums import OutboxStatus
from congress.lib import http
from congress.lib.deps import PageParams, service
from congress.lib.schema import Page


class OutboxController(Controller):
    path = "/api/congresses/{congress_id:uuid}/outbox"
    tags = ["Notices"]
    dependencies = {"outbox": service(OutboxService)}

    @http.get("/", access=http.ORGANISER, summary="Change notices written by releases, with their delivery state")
    async def list_outbox(
        self,
        outbox: NamedDependency[OutboxService],
        congress_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        status: FromQuery[OutboxStatus | None] = None,
        person_id: FromQuery[uuid.UUID | None] = None,
        release: Annotated[int | None, QueryParameter(ge=1, le=100_000)] = None,
    ) -> Page[OutboxRead]:
        rows, total = await outbox.search(congress_id, page.limit, page.offset, status, person_id, release)
        return page.wrap(rows, total)

    @http.get("/{message_id:uuid}", access=http.ORGANISER, summary="One notice in full: text and calendar file")
    async def get_message(
        self,
        outbox: NamedDependency[OutboxService],
        congress_id: FromPath[uuid.UUID],
        message_id: FromPath[uuid.UUID],
    ) -> OutboxMessageRead:
        return await outbox.get(congress_id, message_id)

    @http.post(
        "/{message_id:uuid}/requeue",
        access=http.ORGANISER,
        errors=(409,),
        status_code=200,
        summary="Send a failed notice, or one whose delivery is uncertain, again",
    )
    async def requeue_message(
        self,
        outbox: NamedDependency[OutboxService],
        congress_id: FromPath[uuid.UUID],
        message_id: FromPath[uuid.UUID],
    ) -> OutboxMessageRead:
        return await outbox.requeue(congress_id, message_id)
