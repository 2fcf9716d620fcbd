"""HTTP routes for solve runs: start one, follow it (polling or server-sent events), cancel it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
from litestar import Controller, Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import ServerSentEvent, ServerSentEventMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from congress.db.models import SolveRun
from congress.domain.solving.schemas import SolveRequest, SolveRunRead
from congress.domain.solving.services import FINISHED, SolveService, solve_run_read
from congress.enums import SolveStatus
from congress.lib import http
from congress.lib.deps import SESSION_MAKER_KEY, PageParams, service
from congress.lib.schema import Page

# The application state key of the callable that starts a worker for a new run (None: external workers).
LAUNCH_KEY = "launch_solve"
POLL_SECONDS = 0.5


async def _events(maker: async_sessionmaker[AsyncSession], run_id: uuid.UUID, budget: float) -> AsyncIterator[Any]:
    """A progress event whenever the figures change, then one final event with the result."""
    last: bytes | None = None
    waited = 0.0
    while True:
        async with maker() as session:
            run = await session.get(SolveRun, run_id)
            if run is None:
                return
            read = solve_run_read(run)
        payload = msgspec.json.encode(read)
        if read.status in FINISHED:
            yield ServerSentEventMessage(event="finished", data=payload.decode())
            return
        if payload != last:
            yield ServerSentEventMessage(event="progress", data=payload.decode())
            last = payload
        if waited > budget:
            yield ServerSentEventMessage(event="timeout", data=payload.decode())
            return
        await asyncio.sleep(POLL_SECONDS)
        waited += POLL_SECONDS


class SolveController(Controller):
    path = "/api/congresses/{congress_id:uuid}/solves"
    tags = ["Solving"]
    dependencies = {"solves": service(SolveService)}

    @http.post(
        "/",
        access=http.ORGANISER,
        errors=(409,),
        status_code=202,
        summary="Start solving the programme; the result becomes the draft",
    )
    async def start_solve(
        self,
        request: Request[Any, Any, Any],
        solves: NamedDependency[SolveService],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[SolveRequest],
    ) -> Response[SolveRunRead]:
        run = await solves.start(congress_id, data)
        launch: Callable[[uuid.UUID], None] | None = request.app.state.get(LAUNCH_KEY)
        background = BackgroundTask(launch, run.id) if launch is not None else None
        return Response(solve_run_read(run), status_code=202, background=background)

    @http.get("/", access=http.ORGANISER, summary="List solve runs, newest first")
    async def list_solves(
        self,
        solves: NamedDependency[SolveService],
        congress_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        status: FromQuery[SolveStatus | None] = None,
    ) -> Page[SolveRunRead]:
        rows, total = await solves.search(congress_id, page.limit, page.offset, status)
        return page.wrap(rows, total)

    @http.get("/{run_id:uuid}", access=http.ORGANISER, summary="Read a solve run: status, progress, result")
    async def get_solve(
        self,
        solves: NamedDependency[SolveService],
        congress_id: FromPath[uuid.UUID],
        run_id: FromPath[uuid.UUID],
    ) -> SolveRunRead:
        return solve_run_read(await solves.row(congress_id, run_id))

    @http.get(
        "/{run_id:uuid}/events",
        access=http.ORGANISER,
        summary="Follow a solve run as server-sent events (progress…, then finished, or timeout)",
        media_type="text/event-stream",
    )
    async def follow_solve(
        self,
        request: Request[Any, Any, Any],
        solves: NamedDependency[SolveService],
        congress_id: FromPath[uuid.UUID],
        run_id: FromPath[uuid.UUID],
    ) -> ServerSentEvent:
        run = await solves.row(congress_id, run_id)
        maker = request.app.state[SESSION_MAKER_KEY]
        return ServerSentEvent(_events(maker, run.id, budget=run.time_limit + 300))

    @http.post(
        "/{run_id:uuid}/cancel",
        access=http.ORGANISER,
        errors=(409,),
        status_code=200,
        summary="Cancel a queued or running solve; its result is discarded",
    )
    async def cancel_solve(
        self,
        solves: NamedDependency[SolveService],
        congress_id: FromPath[uuid.UUID],
        run_id: FromPath[uuid.UUID],
    ) -> SolveRunRead:
        return solve_run_read(await solves.cancel(congress_id, run_id))
