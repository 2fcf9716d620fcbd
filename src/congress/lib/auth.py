"""Authentication middleware: a bearer token becomes the request's ``Principal``.

No token means an anonymous caller (public routes still work); a token that
is malformed, unknown, revoked or expired is refused with 401 at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from congress.lib.deps import SESSION_MAKER_KEY
from congress.lib.errors import NotAuthenticated
from congress.lib.http import defers_authentication
from congress.lib.security import BEARER_SCOPE_KEY, Principal

Resolver = Callable[[AsyncSession, str], Awaitable[Principal | None]]


def auth_middleware_factory(resolve: Resolver) -> Callable[[ASGIApp], ASGIApp]:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            header = Headers.from_scope(scope).get("authorization")
            principal: Principal | None = None
            if header is not None:
                scheme, _, token = header.partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    raise NotAuthenticated("Use 'Authorization: Bearer <token>'", code="bad_authorization_header")
                if defers_authentication(scope):
                    # The handler checks the token in its own transaction (see ``http.Access.deferred``).
                    scope[BEARER_SCOPE_KEY] = token.strip()  # type: ignore[literal-required]
                    scope["user"] = None
                    await app(scope, receive, send)
                    return
                maker: async_sessionmaker[AsyncSession] = scope["app"].state[SESSION_MAKER_KEY]
                async with maker() as session:
                    principal = await resolve(session, token.strip())
                if principal is None:
                    raise NotAuthenticated("The token is unknown, revoked or expired", code="invalid_token")
            scope["user"] = principal
            await app(scope, receive, send)

        return middleware

    return factory


def scope_user(scope: Any) -> Principal | None:
    user = scope.get("user")
    return user if isinstance(user, Principal) else None
