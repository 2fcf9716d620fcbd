"""HTTP routes for API tokens and the caller's identity."""

from __future__ import annotations

import uuid

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from congress.domain.accounts.schemas import Me, TokenCreate, TokenIssued, TokenRead
from congress.domain.accounts.services import TokenService, token_read
from congress.lib import http
from congress.lib.deps import PageParams, page_of, service
from congress.lib.schema import Page


class TokenController(Controller):
    path = "/api"
    tags = ["Access"]
    dependencies = {"tokens": service(TokenService)}

    @http.get("/me", access=http.AUTHENTICATED, summary="Who the token belongs to")
    async def me(self, tokens: NamedDependency[TokenService]) -> Me:
        return await tokens.me()

    @http.get("/tokens", access=http.ORGANISER, summary="List API tokens (never the secrets)")
    async def list_tokens(
        self,
        tokens: NamedDependency[TokenService],
        page: NamedDependency[PageParams],
        person_id: FromQuery[uuid.UUID | None] = None,
        include_revoked: FromQuery[bool] = False,
    ) -> Page[TokenRead]:
        rows, total = await tokens.search(page.limit, page.offset, person_id, include_revoked)
        return page_of(rows, total, page, token_read)

    @http.post("/tokens", access=http.ORGANISER, summary="Issue a token; the secret is shown only here")
    async def create_token(self, tokens: NamedDependency[TokenService], data: JSONBody[TokenCreate]) -> TokenIssued:
        return await tokens.create(data)

    @http.delete("/tokens/{token_id:uuid}", access=http.ORGANISER, errors=(409,), summary="Revoke a token")
    async def revoke_token(self, tokens: NamedDependency[TokenService], token_id: FromPath[uuid.UUID]) -> None:
        await tokens.revoke(token_id)
