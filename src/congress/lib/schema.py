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


# Text never holds NUL: PostgreSQL cannot store it, and no person types it.
NO_NUL = r"^[^\x00]*$"

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
ShortText = Annotated[str, msgspec.Meta(max_length=200, pattern=NO_NUL)]
LongText = Annotated[str, msgspec.Meta(max_length=4000, pattern=NO_NUL)]
Slug = Annotated[str, msgspec.Meta(min_length=2, max_length=64, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Email = Annotated[
    str,
    msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"),
]
CountryCode = Annotated[str, msgspec.Meta(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=24 * 60)]
NonNegative = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Topic = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=NO_NUL)]
LocalTime = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


# A free-text search in a query string.
SearchText = Annotated[
    str | None, QueryParameter(max_length=100, pattern=NO_NUL, description="Part of a name, title, code or email")
]

T = TypeVar("T")


class Page(Struct, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int
