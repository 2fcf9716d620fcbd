"""HTTP routes for imports: upload a file (multipart field ``file``), get what changed or every problem."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter

from congress.domain.imports.schemas import ImportKind, ImportReport, Placement
from congress.domain.imports.services import ImportService
from congress.lib import http
from congress.lib.deps import DEFERS_WRITE_LOCK, service
from congress.lib.schema import Struct
from importers.records import MAX_BYTES

# The multipart envelope around a file of the largest size a parser accepts.
MAX_UPLOAD = MAX_BYTES + 1024 * 1024

DryRun = Annotated[bool, QueryParameter(description="Check and count, write nothing")]
SheetName = Annotated[str | None, QueryParameter(max_length=100, description="XLSX: the sheet (default: the first)")]


class Upload(Struct):
    file: UploadFile


FileBody = Annotated[Upload, Body(media_type=RequestEncodingType.MULTI_PART)]


async def _read(upload: Upload) -> tuple[bytes, str]:
    return await upload.file.read(), (upload.file.filename or "upload")[:200]


class ImportController(Controller):
    path = "/api/congresses/{congress_id:uuid}/imports"
    tags = ["Imports"]
    dependencies = {"imports": service(ImportService)}

    @http.post(
        "/tables/{kind:str}",
        access=http.ORGANISER,
        status_code=200,
        request_max_body_size=MAX_UPLOAD,
        opt={DEFERS_WRITE_LOCK: True},
        summary="Import a CSV or XLSX of rooms, people, memberships, registrations, items or availability",
    )
    async def import_table(
        self,
        imports: NamedDependency[ImportService],
        congress_id: FromPath[uuid.UUID],
        kind: FromPath[ImportKind],
        data: FileBody,
        dry_run: DryRun = False,
        delete_missing: Annotated[
            bool, QueryParameter(description="Delete what the file no longer lists (rooms, registrations, …)")
        ] = False,
        sheet: SheetName = None,
    ) -> ImportReport:
        content, filename = await _read(data)
        return await imports.table(
            congress_id, kind, content, filename, sheet=sheet, dry_run=dry_run, delete_missing=delete_missing
        )

    @http.post(
        "/calendar",
        access=http.AUTHENTICATED,
        status_code=200,
        request_max_body_size=MAX_UPLOAD,
        opt={DEFERS_WRITE_LOCK: True},
        summary="Import one's calendar (ICS): busy times in the congress become unavailability; "
        "organisers may name the person",
    )
    async def import_calendar(
        self,
        imports: NamedDependency[ImportService],
        congress_id: FromPath[uuid.UUID],
        data: FileBody,
        person_id: FromQuery[uuid.UUID | None] = None,
        dry_run: DryRun = False,
    ) -> ImportReport:
        content, filename = await _read(data)
        return await imports.calendar(congress_id, person_id, content, filename, dry_run=dry_run)

    @http.post(
        "/frab",
        access=http.ORGANISER,
        status_code=200,
        request_max_body_size=MAX_UPLOAD,
        opt={DEFERS_WRITE_LOCK: True},
        summary="Import a frab/c3voc schedule.json or schedule.xml (pretalx, Indico…): rooms, items, speakers, "
        "and their times as pins or hints",
    )
    async def import_frab(
        self,
        imports: NamedDependency[ImportService],
        congress_id: FromPath[uuid.UUID],
        data: FileBody,
        placement: FromQuery[Placement] = Placement.HINTS,
        dry_run: DryRun = False,
    ) -> ImportReport:
        content, filename = await _read(data)
        return await imports.frab(congress_id, content, filename, placement=placement, dry_run=dry_run)
