"""HTTP routes for API tokens and the caller's identity."""

from __future__ import annotations

import uuid

from litestar import Controller
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from congress.domain.accounts.schemas import Me, TokenCreate, TokenIssued, TokenRead
from congress.domain.accounts.services import TokenService, token_read
from congress.lib import http
from congress.lib.deps import PageParams, page_of
from congress.lib.schema import Page
from congress.lib.security import Principal


def provide_tokens(
    db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal | None]
) -> TokenService:
    return TokenService(db_session, principal)


class TokenController(Controller):
    path = "/api"
    tags = ["Access"]
    dependencies = {"tokens": Provide(provide_tokens, sync_to_thread=False)}

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
