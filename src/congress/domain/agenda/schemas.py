"""Payloads for agendas (stars) and workshop seats."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from congress.enums import ItemKind
from congress.lib.schema import Struct

Run = Annotated[int, msgspec.Meta(ge=1, le=100)]


class StarRead(Struct):
    item_id: uuid.UUID
    code: str | None
    title: str
    kind: ItemKind
    starred_at: dt.datetime


class SeatRequest(Struct):
    run: Run


class SeatRead(Struct):
    item_id: uuid.UUID
    run: int
    code: str | None
    title: str
    person_id: uuid.UUID
    person_name: str
    # Where and when the run is, as the latest release places it (None until released).
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    room: str | None
    taken_at: dt.datetime


class AgendaRead(Struct):
    stars: list[StarRead]
    seats: list[SeatRead]


class RunSeats(Struct):
    run: int
    capacity: int
    taken: int
    left: int


class ItemSeats(Struct):
    """Seats per run of one item (for organisers: with who holds them)."""

    item_id: uuid.UUID
    runs: list[RunSeats]
    holders: list[SeatRead]
