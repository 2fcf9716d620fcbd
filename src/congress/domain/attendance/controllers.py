"""HTTP routes for CME statements, session evaluations, certificates and their public verification."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from congress.config import Settings
from congress.domain.attendance.schemas import CertificateCheck, EvaluationRead, EvaluationWrite, StatementRead
from congress.domain.attendance.services import AttendanceService
from congress.lib import http
from congress.lib.deps import service

PersonId = Annotated[uuid.UUID | None, QueryParameter(description="Organisers: whose (default: the caller's)")]
Run = Annotated[int, QueryParameter(ge=1, le=100, description="The run of the item (default 1)")]


class CmeController(Controller):
    path = "/api/congresses/{congress_id:uuid}"
    tags = ["CME"]
    dependencies = {"attendance": service(AttendanceService)}

    @http.get(
        "/cme/statement", access=http.AUTHENTICATED, summary="A CME statement: sessions, minutes, credits per day"
    )
    async def cme_statement(
        self,
        attendance: NamedDependency[AttendanceService],
        congress_id: FromPath[uuid.UUID],
        person_id: PersonId = None,
    ) -> StatementRead:
        return await attendance.statement(congress_id, person_id)

    @http.get(
        "/cme/certificate.pdf",
        access=http.AUTHENTICATED,
        errors=(409,),
        responses={200: ResponseSpec(data_container=str, media_type="application/pdf", description="The certificate")},
        summary="The CME certificate (PDF) with its verification code",
    )
    async def cme_certificate(
        self,
        attendance: NamedDependency[AttendanceService],
        settings: NamedDependency[Settings],
        congress_id: FromPath[uuid.UUID],
        person_id: PersonId = None,
    ) -> Response[bytes]:
        body, filename = await attendance.certificate(congress_id, person_id, settings.public_base_url)
        return Response(
            content=body,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @http.put(
        "/evaluations/{item_id:uuid}",
        access=http.AUTHENTICATED,
        summary="Evaluate a session one attended (some congresses credit a session only once evaluated)",
    )
    async def evaluate(
        self,
        attendance: NamedDependency[AttendanceService],
        congress_id: FromPath[uuid.UUID],
        item_id: FromPath[uuid.UUID],
        data: JSONBody[EvaluationWrite],
        run: Run = 1,
    ) -> EvaluationRead:
        return await attendance.evaluate(congress_id, item_id, run, data)


class CertificateController(Controller):
    path = "/api/certificates"
    tags = ["CME"]
    dependencies = {"attendance": service(AttendanceService)}

    @http.get(
        "/{code:str}",
        access=http.PUBLIC,
        summary="Verify a CME certificate by its code: the name, congress and credits it certifies",
    )
    async def verify_certificate(
        self, attendance: NamedDependency[AttendanceService], code: FromPath[str]
    ) -> CertificateCheck:
        return await attendance.verify(code)
