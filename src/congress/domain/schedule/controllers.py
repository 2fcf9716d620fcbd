"""HTTP routes for schedule versions and their assignments."""

from __future__ import annotations

import uuid

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from congress.config import Settings
from congress.domain.schedule.schemas import (
    AssignmentCreate,
    AssignmentRead,
    AssignmentUpdate,
    ReleaseDiff,
    ReleaseRequest,
    VersionCreate,
    VersionRead,
    VersionUpdate,
)
from congress.domain.schedule.services import AssignmentService, VersionService
from congress.domain.solving.schemas import VersionCheck
from congress.domain.solving.services import check_read
from congress.enums import VersionStatus
from congress.lib import http
from congress.lib.deps import PageParams, service
from congress.lib.schema import Page


class VersionController(Controller):
    path = "/api/congresses/{congress_id:uuid}/versions"
    tags = ["Schedule"]
    dependencies = {"versions": service(VersionService)}

    @http.get("/", access=http.PUBLIC, summary="List schedule versions (the public sees released ones)")
    async def list_versions(
        self,
        versions: NamedDependency[VersionService],
        congress_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        status: FromQuery[VersionStatus | None] = None,
    ) -> Page[VersionRead]:
        rows, total = await versions.search(congress_id, page.limit, page.offset, status)
        return page.wrap(rows, total)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Start a draft")
    async def create_version(
        self,
        versions: NamedDependency[VersionService],
        congress_id: FromPath[uuid.UUID],
        data: JSONBody[VersionCreate],
    ) -> VersionRead:
        return await versions.create(congress_id, data)

    @http.get("/{version_id:uuid}", access=http.PUBLIC, summary="Read a schedule version")
    async def get_version(
        self,
        versions: NamedDependency[VersionService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
    ) -> VersionRead:
        return await versions.read(await versions.row(congress_id, version_id))

    @http.patch("/{version_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Change a draft's note")
    async def update_version(
        self,
        versions: NamedDependency[VersionService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
        data: JSONBody[VersionUpdate],
    ) -> VersionRead:
        return await versions.update(congress_id, version_id, data)

    @http.post(
        "/{version_id:uuid}/release",
        access=http.ORGANISER,
        errors=(409,),
        status_code=200,
        summary="Freeze the draft into the next numbered release",
    )
    async def release_version(
        self,
        versions: NamedDependency[VersionService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
        data: JSONBody[ReleaseRequest],
        settings: NamedDependency[Settings],
    ) -> VersionRead:
        return await versions.release(congress_id, version_id, data, settings.public_base_url)

    @http.get(
        "/{version_id:uuid}/check",
        access=http.ORGANISER,
        summary="Check a version against every hard rule (independent validator) and price its soft terms; "
        "with item_id, only that item's violations and every cost it pays",
    )
    async def check_version(
        self,
        versions: NamedDependency[VersionService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
        item_id: FromQuery[uuid.UUID | None] = None,
    ) -> VersionCheck:
        version = await versions.row(congress_id, version_id)
        return check_read(version.id, await versions.check(version, item_id))

    @http.get(
        "/{version_id:uuid}/diff",
        access=http.PUBLIC,
        errors=(409,),
        summary="What a release changed against the release before it",
    )
    async def release_diff(
        self,
        versions: NamedDependency[VersionService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
    ) -> ReleaseDiff:
        return await versions.diff(congress_id, version_id)

    @http.delete("/{version_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Discard a draft")
    async def delete_version(
        self,
        versions: NamedDependency[VersionService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
    ) -> None:
        await versions.delete(congress_id, version_id)


class AssignmentController(Controller):
    path = "/api/congresses/{congress_id:uuid}/versions/{version_id:uuid}/assignments"
    tags = ["Schedule"]
    dependencies = {"assignments": service(AssignmentService)}

    @http.get("/", access=http.PUBLIC, summary="List the assignments of a version")
    async def list_assignments(
        self,
        assignments: NamedDependency[AssignmentService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        room_id: FromQuery[uuid.UUID | None] = None,
        item_id: FromQuery[uuid.UUID | None] = None,
    ) -> Page[AssignmentRead]:
        rows, total = await assignments.search(congress_id, version_id, page.limit, page.offset, room_id, item_id)
        return page.wrap(rows, total)

    @http.post("/", access=http.ORGANISER, errors=(409,), summary="Place an item run in a draft")
    async def create_assignment(
        self,
        assignments: NamedDependency[AssignmentService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
        data: JSONBody[AssignmentCreate],
    ) -> AssignmentRead:
        return await assignments.create(congress_id, version_id, data)

    @http.get("/{assignment_id:uuid}", access=http.PUBLIC, summary="Read an assignment")
    async def get_assignment(
        self,
        assignments: NamedDependency[AssignmentService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
        assignment_id: FromPath[uuid.UUID],
    ) -> AssignmentRead:
        return await assignments.get(congress_id, version_id, assignment_id)

    @http.patch(
        "/{assignment_id:uuid}",
        access=http.ORGANISER,
        errors=(409,),
        summary="Move, re-room or pin an assignment",
    )
    async def update_assignment(
        self,
        assignments: NamedDependency[AssignmentService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
        assignment_id: FromPath[uuid.UUID],
        data: JSONBody[AssignmentUpdate],
    ) -> AssignmentRead:
        return await assignments.update(congress_id, version_id, assignment_id, data)

    @http.delete(
        "/{assignment_id:uuid}",
        access=http.ORGANISER,
        errors=(409,),
        summary="Remove an assignment",
    )
    async def delete_assignment(
        self,
        assignments: NamedDependency[AssignmentService],
        congress_id: FromPath[uuid.UUID],
        version_id: FromPath[uuid.UUID],
        assignment_id: FromPath[uuid.UUID],
    ) -> None:
        await assignments.delete(congress_id, version_id, assignment_id)
