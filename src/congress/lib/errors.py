"""One root error; each subclass carries a machine code and an HTTP status.

Handlers never build error responses themselves: they raise, and
``problem_details_handler`` turns every error into RFC 9457 problem details.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DataError, OperationalError

from congress.lib.schema import Struct
from congress.lib.security import redact

if TYPE_CHECKING:
    from litestar import Request

log = logging.getLogger("congress.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldProblem(Struct):
    """One problem with one field of the request."""

    field: str
    message: str


class LocatedProblem(Struct):
    """A problem in an uploaded file, and where: file, sheet, row, column."""

    file: str
    code: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None


class ProblemDetails(Struct):
    """RFC 9457 problem details, extended with a machine ``code`` (and, for files, every located problem)."""

    type: str
    title: str
    status: int
    code: str
    detail: str = ""
    instance: str | None = None
    errors: list[FieldProblem] = msgspec.field(default_factory=list)
    problems: list[LocatedProblem] = msgspec.field(default_factory=list)


class CongressError(Exception):
    """Root of every error the application raises on purpose."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str = "", *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code is not None:
            self.code = code
        self.extra = extra


class InvalidInput(CongressError):
    status = 422
    code = "invalid_input"
    title = "The request is not valid"

    def __init__(self, detail: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.errors = [FieldProblem(field=field, message=detail)] if field else []


class InvalidFile(CongressError):
    """An uploaded file with problems; all of them are listed, and nothing was written."""

    status = 422
    code = "invalid_file"
    title = "The file has problems; nothing was written"

    def __init__(self, detail: str, problems: list[LocatedProblem]) -> None:
        super().__init__(detail)
        self.problems = problems


class NotAuthenticated(CongressError):
    status = 401
    code = "not_authenticated"
    title = "Authentication required"


class Forbidden(CongressError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(CongressError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(CongressError):
    status = 409
    code = "conflict"
    title = "Conflict with the current state"


class ServiceUnavailable(CongressError):
    status = 503
    code = "unavailable"
    title = "Service unavailable"


def _problem_type(code: str) -> str:
    return f"https://congress.invalid/problems/{code.replace('_', '-')}"


def problem_response(problem: ProblemDetails, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        content=msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _from_litestar(exc: HTTPException) -> ProblemDetails:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        errors = [
            FieldProblem(
                field=str(item.get("key") or item.get("source") or ""),
                message=str(item.get("message", "")),
            )
            for item in extra
            if isinstance(item, dict)
        ]
        return ProblemDetails(
            type=_problem_type("invalid_request"),
            title="The request is not valid",
            status=400,
            code="invalid_request",
            detail=str(exc.detail),
            errors=errors,
        )
    codes = {
        NotAuthorizedException: ("not_authenticated", "Authentication required"),
        PermissionDeniedException: ("forbidden", "Not allowed"),
        NotFoundException: ("not_found", "Not found"),
    }
    for cls, (code, title) in codes.items():
        if isinstance(exc, cls):
            return ProblemDetails(
                type=_problem_type(code),
                title=title,
                status=status,
                code=code,
                detail=str(exc.detail),
            )
    code = {
        400: "invalid_request",
        405: "method_not_allowed",
        413: "payload_too_large",
        415: "unsupported_media_type",
        429: "too_many_requests",
    }.get(status, "http_error")
    return ProblemDetails(
        type=_problem_type(code),
        title=str(exc.detail),
        status=status,
        code=code,
        detail=str(exc.detail),
    )


# PostgreSQL: deadlock detected, serialization failure, lock not available. All are worth a retry.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def is_busy(exc: OperationalError) -> bool:
    """A write that lost a race for locks (SQLite: the database is locked; PostgreSQL: by SQLSTATE)."""
    if getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig) or "database table is locked" in str(exc.orig)


def problem_details_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Map any exception to an RFC 9457 problem-details response."""
    headers: dict[str, str] | None = None
    if isinstance(exc, CongressError):
        problem = ProblemDetails(
            type=_problem_type(exc.code),
            title=exc.title,
            status=exc.status,
            code=exc.code,
            detail=exc.detail,
            instance=redact(request.url.path),
            errors=list(getattr(exc, "errors", [])),
            problems=list(getattr(exc, "problems", [])),
        )
        if isinstance(exc, NotAuthenticated):
            headers = {"WWW-Authenticate": 'Bearer realm="congress"'}
    elif isinstance(exc, HTTPException):
        problem = _from_litestar(exc)
        problem.instance = redact(request.url.path)
        if exc.headers:
            headers = dict(exc.headers)
    elif isinstance(exc, DataError):
        # Safety net: a value the schema let through but the database refuses.
        problem = ProblemDetails(
            type=_problem_type("invalid_value"),
            title="The request is not valid",
            status=422,
            code="invalid_value",
            detail="A value does not fit the database",
            instance=redact(request.url.path),
        )
    elif isinstance(exc, OperationalError) and is_busy(exc):
        log.warning("database busy on %s %s", request.method, redact(request.url.path))
        problem = ProblemDetails(
            type=_problem_type("database_busy"),
            title="The database is busy",
            status=503,
            code="database_busy",
            detail="Too many writers at once; retry shortly",
            instance=redact(request.url.path),
        )
        headers = {"Retry-After": "1"}
    else:
        log.exception("unhandled error on %s %s", request.method, redact(request.url.path), exc_info=exc)
        problem = ProblemDetails(
            type=_problem_type("internal_error"),
            title="Internal server error",
            status=HTTP_500_INTERNAL_SERVER_ERROR,
            code="internal_error",
            instance=redact(request.url.path),
        )
    return problem_response(problem, headers)
