"""The one base struct for every boundary of the application."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter


class _KeywordOnly(msgspec.StructMeta):
    """Makes every subclass keyword-only too (msgspec does not inherit ``kw_only``)."""

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> _KeywordOnly:
        kwargs.setdefault("kw_only", True)
        return super().__new__(mcls, name, bases, namespace, **kwargs)


class Struct(msgspec.Struct, metaclass=_KeywordOnly, forbid_unknown_fields=True):
    """Base for request and response payloads: keyword-only, unknown fields rejected."""


# Text holds no control characters but tab and line breaks: PostgreSQL cannot store NUL, XML 1.0 and
# iCalendar forbid the others, and no person types them (they arrive pasted from other programs).
NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_CONTROL)]
ShortText = Annotated[str, msgspec.Meta(max_length=200, pattern=NO_CONTROL)]
LongText = Annotated[str, msgspec.Meta(max_length=4000, pattern=NO_CONTROL)]
Slug = Annotated[str, msgspec.Meta(min_length=2, max_length=64, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Email = Annotated[
    str,
    msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"),
]
CountryCode = Annotated[str, msgspec.Meta(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=24 * 60)]
NonNegative = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Topic = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=NO_CONTROL)]
LocalTime = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


# A free-text search in a query string.
SearchText = Annotated[
    str | None, QueryParameter(max_length=100, pattern=NO_CONTROL, description="Part of a name, title, code or email")
]

T = TypeVar("T")


class Page(Struct, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int
