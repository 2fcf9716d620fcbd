"""Route decorators that make every handler declare who may call it.

Each handler is declared with an ``Access`` rule; the rule is stored in the
handler's ``opt`` (so a test can enumerate the rules of every route) and
enforced by one guard. Object-level checks are the services' job: they filter
their queries by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from litestar import delete as _delete
from litestar import get as _get
from litestar import patch as _patch
from litestar import post as _post
from litestar import put as _put
from litestar.connection import ASGIConnection
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from congress.lib.errors import PROBLEM_MEDIA_TYPE, Forbidden, NotAuthenticated, ProblemDetails
from congress.lib.security import ALL_ROLES, Principal, Role, bearer_token

ACCESS_KEY = "access"


@dataclass(frozen=True, slots=True)
class Access:
    """Who may call a route: anyone, or callers holding one of ``roles``.

    ``deferred``: the handler checks the bearer token itself, in the transaction that does its work (door
    scans, where one query then checks the tokens of many requests). The middleware only checks that the
    header is well formed; the guard only that a token was sent.
    """

    roles: frozenset[Role]
    public: bool = False
    deferred: bool = False

    def allows(self, principal: Principal | None) -> bool:
        if self.public:
            return True
        return principal is not None and principal.role in self.roles


PUBLIC = Access(roles=ALL_ROLES, public=True)
AUTHENTICATED = Access(roles=ALL_ROLES)
ORGANISER = Access(roles=frozenset({Role.ORGANISER}))


def roles(*allowed: Role) -> Access:
    return Access(roles=frozenset(allowed))


def deferred(*allowed: Role) -> Access:
    """Callers holding one of ``allowed``, their token checked by the handler (see ``Access``)."""
    return Access(roles=frozenset(allowed), deferred=True)


def defers_authentication(scope: Any) -> bool:
    handler = scope.get("route_handler")
    rule = handler.opt.get(ACCESS_KEY) if handler is not None else None
    return isinstance(rule, Access) and rule.deferred


def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


async def access_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    # A coroutine: Litestar would run a plain function guard in its thread pool, on every request.
    rule = handler.opt.get(ACCESS_KEY)
    if not isinstance(rule, Access):
        raise Forbidden("This route declares no access rule", code="no_access_rule")
    if rule.deferred:
        if bearer_token(connection.scope) is None:
            raise NotAuthenticated("Send an API token as 'Authorization: Bearer <token>'")
        return
    principal = current_principal(connection)
    if rule.allows(principal):
        return
    if principal is None:
        raise NotAuthenticated("Send an API token as 'Authorization: Bearer <token>'")
    raise Forbidden(f"The role '{principal.role}' may not use this route")


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=ProblemDetails,
        description=description,
        media_type=PROBLEM_MEDIA_TYPE,
        generate_examples=False,
    )


_ERRORS = {
    400: "The request is malformed (wrong types, unknown fields, values out of range)",
    401: "No valid API token was sent",
    403: "The caller's role may not do this",
    404: "The object does not exist or is not visible to the caller",
    409: "The change conflicts with the current state",
    422: "The request is well-formed but breaks a rule",
    503: "The database is busy; retry after the given seconds",
}


def _responses(access: Access, extra: tuple[int, ...]) -> dict[int, ResponseSpec]:
    codes = {400, 404, 422, 503, *extra}
    if not access.public:
        codes |= {401, 403}
    return {code: _problem(_ERRORS[code]) for code in sorted(codes)}


RouteDecorator = Callable[[Callable[..., Any]], HTTPRouteHandler]


class RouteFactory(Protocol):
    def __call__(
        self, path: str | list[str] | None = None, *, access: Access, errors: tuple[int, ...] = (), **kwargs: Any
    ) -> RouteDecorator: ...


def _route(decorator: Callable[..., Any]) -> RouteFactory:
    def make(
        path: str | list[str] | None = None,
        *,
        access: Access,
        errors: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> RouteDecorator:
        opt = dict(kwargs.pop("opt", None) or {})
        opt[ACCESS_KEY] = access
        responses = _responses(access, errors)
        responses.update(kwargs.pop("responses", None) or {})
        security: list[dict[str, list[str]]] = [] if access.public else [{"BearerToken": []}]
        handler: RouteDecorator = decorator(
            path,
            opt=opt,
            guards=[access_guard],
            responses=responses,
            security=security,
            **kwargs,
        )
        return handler

    return make


get = _route(_get)
post = _route(_post)
put = _route(_put)
patch = _route(_patch)
delete = _route(_delete)
