"""HTTP routes for badge keys and badges."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, Response
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from congress.domain.badges.schemas import BadgeKeyRead, BadgeRead, IssueReport, RevokeRequest, RevokeResult
from congress.domain.badges.services import BadgeService
from congress.lib import http
from congress.lib.deps import PageParams, service
from congress.lib.schema import Page
from congress.publishing.badges import render_png, render_svg

Format = Annotated[Literal["png", "svg"], QueryParameter(description="png (default) or svg")]
IMAGE_RESPONSES = {
    200: ResponseSpec(data_container=str, media_type="image/png", description="The badge's QR code (PNG or SVG)")
}


def qr_response(token: str, fmt: str, name: str) -> Response[bytes]:
    body, media_type = (render_svg(token), "image/svg+xml") if fmt == "svg" else (render_png(token), "image/png")
    return Response(
        content=body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'inline; filename="{name}.{fmt}"',
            # The QR opens doors and earns credits: never kept by shared caches.
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class BadgeKeyController(Controller):
    path = "/api/congresses/{congress_id:uuid}/badge-keys"
    tags = ["Badges"]
    dependencies = {"badges": service(BadgeService)}

    @http.get("/", access=http.ORGANISER, summary="The congress's badge keys (public halves), newest first")
    async def list_keys(
        self, badges: NamedDependency[BadgeService], congress_id: FromPath[uuid.UUID]
    ) -> list[BadgeKeyRead]:
        return await badges.keys(congress_id)

    @http.post("/", access=http.ORGANISER, summary="Rotate: a new signing key (older keys verify until retired)")
    async def rotate_key(self, badges: NamedDependency[BadgeService], congress_id: FromPath[uuid.UUID]) -> BadgeKeyRead:
        return await badges.rotate(congress_id)

    @http.post(
        "/{kid:str}/retire",
        access=http.ORGANISER,
        errors=(409,),
        status_code=200,
        summary="Retire a key: badges it signed stop verifying",
    )
    async def retire_key(
        self, badges: NamedDependency[BadgeService], congress_id: FromPath[uuid.UUID], kid: FromPath[str]
    ) -> BadgeKeyRead:
        return await badges.retire(congress_id, kid)


class BadgeController(Controller):
    path = "/api/congresses/{congress_id:uuid}"
    tags = ["Badges"]
    dependencies = {"badges": service(BadgeService)}

    @http.post(
        "/badges/issue",
        access=http.ORGANISER,
        status_code=200,
        summary="Issue a badge to every active registration that has none",
    )
    async def issue_badges(
        self, badges: NamedDependency[BadgeService], congress_id: FromPath[uuid.UUID]
    ) -> IssueReport:
        return await badges.issue_all(congress_id)

    @http.get("/badges", access=http.ORGANISER, summary="Badges, with their registration and status")
    async def list_badges(
        self,
        badges: NamedDependency[BadgeService],
        congress_id: FromPath[uuid.UUID],
        page: NamedDependency[PageParams],
        revoked: FromQuery[bool | None] = None,
    ) -> Page[BadgeRead]:
        rows, total = await badges.search(congress_id, page.limit, page.offset, revoked)
        return page.wrap(rows, total)

    @http.post(
        "/badges/{badge_id:uuid}/revoke",
        access=http.ORGANISER,
        errors=(409,),
        status_code=200,
        summary="Revoke a badge (lost, cancelled), optionally issuing a new one",
    )
    async def revoke_badge(
        self,
        badges: NamedDependency[BadgeService],
        congress_id: FromPath[uuid.UUID],
        badge_id: FromPath[uuid.UUID],
        data: JSONBody[RevokeRequest],
    ) -> RevokeResult:
        return await badges.revoke(congress_id, badge_id, data)

    @http.get(
        "/badges/{badge_id:uuid}/qr",
        access=http.ORGANISER,
        responses=IMAGE_RESPONSES,
        summary="A badge's QR code, for printing",
    )
    async def badge_qr(
        self,
        badges: NamedDependency[BadgeService],
        congress_id: FromPath[uuid.UUID],
        badge_id: FromPath[uuid.UUID],
        format: Format = "png",
    ) -> Response[bytes]:
        token, badge = await badges.token_of(congress_id, badge_id)
        return qr_response(token, format, f"badge-{badge.id}")

    @http.get(
        "/my-badge",
        access=http.AUTHENTICATED,
        responses=IMAGE_RESPONSES,
        summary="The caller's own badge QR code (to show on a phone)",
    )
    async def my_badge(
        self,
        badges: NamedDependency[BadgeService],
        congress_id: FromPath[uuid.UUID],
        format: Format = "png",
    ) -> Response[bytes]:
        token, _badge = await badges.token_of(congress_id, None)
        return qr_response(token, format, "my-badge")
