"""Small query helpers the services share: fetch-or-404, pagination, conflicts, times."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TypeVar

import msgspec
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from congress.lib.errors import Conflict, InvalidInput, NotFound

M = TypeVar("M")


async def get_or_404(session: AsyncSession, model: type[M], object_id: uuid.UUID, *where: Any) -> M:
    """Fetch one row by id, further restricted by ``where`` (the caller's visibility)."""
    stmt = select(model).where(model.id == object_id, *where)  # type: ignore[attr-defined]
    obj = (await session.execute(stmt)).scalar_one_or_none()
    if obj is None:
        raise NotFound(f"No {_label(model)} with id {object_id}")
    return obj


def _label(model: type[Any]) -> str:
    return str(getattr(model, "__tablename__", model.__name__)).replace("_", " ")


async def paginate(session: AsyncSession, stmt: Select[tuple[M]], limit: int, offset: int) -> tuple[Sequence[M], int]:
    total = (await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))).scalar_one()
    rows = (await session.execute(stmt.limit(limit).offset(offset))).scalars().all()
    return rows, int(total)


async def paginate_rows(
    session: AsyncSession, stmt: Select[tuple[Any, ...]], limit: int, offset: int
) -> tuple[Sequence[Any], int]:
    """Like ``paginate`` for statements that select several columns (rows come back as tuples)."""
    total = (await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))).scalar_one()
    rows = (await session.execute(stmt.limit(limit).offset(offset))).tuples().all()
    return rows, int(total)


async def flush_or_conflict(session: AsyncSession, what: str) -> None:
    """Flush pending changes; a unique or foreign-key violation becomes a 409."""
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(f"{what} conflicts with existing data", code="integrity_conflict") from exc


def changes(update: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually sets."""
    return {name: value for name in update.__struct_fields__ if (value := getattr(update, name)) is not msgspec.UNSET}


# Names in the tz database that are not places: the host's zone, a placeholder, legacy rules.
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_PLACES and not name.startswith(("posix/", "right/"))
    )


def zone(name: str) -> zoneinfo.ZoneInfo:
    if name not in _known_zones():
        raise InvalidInput(f"'{name}' is not an IANA time zone", code="unknown_time_zone", field="time_zone")
    return zoneinfo.ZoneInfo(name)


FIRST_YEAR, LAST_YEAR = 1900, 2200


def aware_utc(value: dt.datetime, field: str) -> dt.datetime:
    """Reject naive and far-off datetimes; store everything in UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"'{field}' needs a UTC offset (e.g. 2026-06-18T09:00:00+02:00)",
            code="naive_datetime",
            field=field,
        )
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidInput(
            f"'{field}' must lie between the years {FIRST_YEAR} and {LAST_YEAR}",
            code="datetime_out_of_range",
            field=field,
        )
    return value.astimezone(dt.UTC)


def parse_hhmm(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")
