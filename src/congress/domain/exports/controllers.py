"""HTTP routes for programme exports."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from congress.config import Settings
from congress.domain.exports.services import ExportService
from congress.lib import http
from congress.lib.deps import service

Release = Annotated[int | None, QueryParameter(ge=1, le=100_000, description="Release number (default: the latest)")]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# kind: (media type, public)
FORMATS = {
    "json": ("application/json", True),
    "xml": ("application/xml", True),
    "csv": ("text/csv", False),
    "xlsx": (XLSX, False),
}


def _spec(media_type: str, description: str) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(data_container=str, media_type=media_type, description=description, generate_examples=False)
    }


async def export_response(
    exports: ExportService, settings: Settings, congress_id: uuid.UUID, kind: str, version: int | None
) -> Response[bytes]:
    media_type, public = FORMATS[kind]
    export = await exports.export(congress_id, kind, settings.public_base_url, version)
    return Response(
        content=export.body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "ETag": export.etag,
            "Cache-Control": "public, max-age=300" if public else "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "X-Schedule-Release": str(export.release),
        },
    )


class ExportController(Controller):
    path = "/api/congresses/{congress_id:uuid}"
    tags = ["Exports"]
    dependencies = {"exports": service(ExportService)}

    @http.get(
        "/schedule.json",
        access=http.PUBLIC,
        errors=(409,),
        summary="The latest release as a frab/c3voc schedule.json",
        media_type="application/json",
        responses=_spec("application/json", "A c3voc schedule document"),
    )
    async def frab_json(
        self,
        exports: NamedDependency[ExportService],
        settings: NamedDependency[Settings],
        congress_id: FromPath[uuid.UUID],
        version: Release = None,
    ) -> Response[bytes]:
        return await export_response(exports, settings, congress_id, "json", version)

    @http.get(
        "/schedule.xml",
        access=http.PUBLIC,
        errors=(409,),
        summary="The latest release as a frab/c3voc schedule.xml",
        media_type="application/xml",
        responses=_spec("application/xml", "A c3voc schedule document"),
    )
    async def frab_xml(
        self,
        exports: NamedDependency[ExportService],
        settings: NamedDependency[Settings],
        congress_id: FromPath[uuid.UUID],
        version: Release = None,
    ) -> Response[bytes]:
        return await export_response(exports, settings, congress_id, "xml", version)

    @http.get(
        "/programme.csv",
        access=http.ORGANISER,
        errors=(409,),
        summary="The latest release as CSV (UTF-8 with BOM; formula-like cells neutralised)",
        media_type="text/csv",
        responses=_spec("text/csv", "The programme, one row per run"),
    )
    async def programme_csv(
        self,
        exports: NamedDependency[ExportService],
        settings: NamedDependency[Settings],
        congress_id: FromPath[uuid.UUID],
        version: Release = None,
    ) -> Response[bytes]:
        return await export_response(exports, settings, congress_id, "csv", version)

    @http.get(
        "/programme.xlsx",
        access=http.ORGANISER,
        errors=(409,),
        summary="The latest release as an Excel workbook (text cells only, never formulas)",
        media_type=XLSX,
        responses=_spec(XLSX, "The programme, one row per run"),
    )
    async def programme_xlsx(
        self,
        exports: NamedDependency[ExportService],
        settings: NamedDependency[Settings],
        congress_id: FromPath[uuid.UUID],
        version: Release = None,
    ) -> Response[bytes]:
        return await export_response(exports, settings, congress_id, "xlsx", version)
