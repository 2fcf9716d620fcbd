"""The application factory: one place registers routes, dependencies and error handling."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from litestar import Litestar, Request
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import congress
from congress.config import Settings, get_settings
from congress.db.engine import async_session_factory, make_async_engine, make_sync_engine
from congress.domain.accounts.controllers import TokenController
from congress.domain.accounts.services import resolve_token
from congress.domain.agenda.controllers import AgendaController, SeatController
from congress.domain.attendance.controllers import CertificateController, CmeController
from congress.domain.badges.controllers import BadgeController, BadgeKeyController
from congress.domain.congresses.controllers import CongressController, RoomController
from congress.domain.exams.controllers import (
    ApplicationController,
    ConflictController,
    ExaminerController,
    SittingController,
    SlotController,
)
from congress.domain.exports.controllers import ExportController
from congress.domain.feeds.controllers import CalendarController, FeedLinkController
from congress.domain.feeds.services import RENDERED
from congress.domain.imports.controllers import ImportController
from congress.domain.outbox.controllers import OutboxController
from congress.domain.people.controllers import MembershipController, PersonController
from congress.domain.programme.controllers import (
    AvailabilityController,
    FacultyController,
    ItemController,
)
from congress.domain.registrations.controllers import RegistrationController
from congress.domain.scanning.controllers import ScannerController
from congress.domain.scanning.ingest import SCAN_QUEUE_KEY, ScanQueue
from congress.domain.schedule.controllers import AssignmentController, VersionController
from congress.domain.solving.controllers import LAUNCH_KEY, SolveController
from congress.lib import http
from congress.lib.auth import auth_middleware_factory, scope_user
from congress.lib.deps import SESSION_MAKER_KEY, provide_db_session, provide_page
from congress.lib.errors import problem_details_handler
from congress.lib.schema import Struct
from congress.lib.security import Principal
from congress.scheduling.jobs import launch

log = logging.getLogger("congress")

ENGINE_KEY = "engine"


class Health(Struct):
    status: str
    database: str
    version: str


def provide_principal(request: Request[Any, Any, Any]) -> Principal | None:
    return scope_user(request.scope)


@http.get("/health", access=http.PUBLIC, tags=["Operations"], summary="Liveness and database state")
async def health(request: Request[Any, Any, Any]) -> Health:
    engine = request.app.state[ENGINE_KEY]
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            try:
                revision = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one_or_none()
            except SQLAlchemyError:
                revision = None
        database = "ok" if revision else "unmigrated"
    except (SQLAlchemyError, OSError):
        log.warning("health check: database unreachable")
        database = "unreachable"
    return Health(
        status="ok" if database == "ok" else "degraded",
        database=database,
        version=congress.__version__,
    )


ROUTES: list[Any] = [
    health,
    TokenController,
    CongressController,
    RoomController,
    PersonController,
    MembershipController,
    RegistrationController,
    ItemController,
    FacultyController,
    AvailabilityController,
    VersionController,
    AssignmentController,
    SolveController,
    AgendaController,
    SeatController,
    FeedLinkController,
    CalendarController,
    ExportController,
    OutboxController,
    ImportController,
    SittingController,
    ApplicationController,
    ExaminerController,
    ConflictController,
    SlotController,
    BadgeKeyController,
    BadgeController,
    ScannerController,
    CmeController,
    CertificateController,
]


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    RENDERED.resize(settings.feed_cache_bytes)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        engine = make_async_engine(settings)
        app.state[ENGINE_KEY] = engine
        app.state[SESSION_MAKER_KEY] = async_session_factory(engine)
        # SQLite writes one transaction at a time: more scan writers would only wait on its lock.
        queue = app.state[SCAN_QUEUE_KEY] = ScanQueue(
            make_sync_engine(settings, pre_ping=False), writers=1 if settings.is_sqlite else settings.scan_writers
        )
        app.state[LAUNCH_KEY] = partial(launch, settings) if settings.solve_jobs == "process" else None
        # What is alive now (modules, the routes, the OpenAPI model) lives as long as the server: keep it out
        # of the collector's full passes, which otherwise stop every request for 100 ms or more at a time.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await queue.close()
            queue.engine.dispose()
            await engine.dispose()

    return Litestar(
        route_handlers=ROUTES,
        lifespan=[lifespan],
        middleware=[auth_middleware_factory(resolve_token)],
        dependencies={
            "db_session": Provide(provide_db_session),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "page": Provide(provide_page, sync_to_thread=False),
            "settings": Provide(lambda: settings, sync_to_thread=False),
        },
        exception_handlers={Exception: problem_details_handler},
        openapi_config=OpenAPIConfig(
            title="congress",
            version=congress.__version__,
            description="Scheduling and session management for radiology congresses.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", description="An API token (cgr_…)")
                }
            ),
            create_examples=False,
        ),
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="debug",
        ),
        debug=False,
    )
