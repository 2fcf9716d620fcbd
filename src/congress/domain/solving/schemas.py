"""Payloads for solve runs and for the checks of a schedule version."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from msgspec import Meta

from congress.enums import SolveMode, SolveStatus
from congress.lib.schema import Struct

Weight = Annotated[int, Meta(ge=0, le=100_000)]


class WeightsIn(Struct):
    """The price of one unit of each soft term; omitted terms keep their defaults."""

    topic_overlap: Weight = 1
    audience_clash: Weight = 1
    room_fit: Weight = 3
    series_room_change: Weight = 30
    preferred_time: Weight = 30
    runs_same_day: Weight = 60
    moved: Weight = 5


class SolveRequest(Struct):
    mode: SolveMode = SolveMode.FRESH
    time_limit: Annotated[float, Meta(ge=1, le=3600)] = 30.0
    workers: Annotated[int, Meta(ge=1, le=16)] = 2
    seed: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 0
    step_minutes: Literal[5, 10, 15, 30] = 15
    changeover_minutes: Annotated[int, Meta(ge=0, le=120)] = 10
    weights: WeightsIn | None = None


class SolveProgress(Struct):
    elapsed: float
    objective: int | None = None
    bound: int | None = None
    gap: float | None = None
    solutions: int = 0


class Payer(Struct):
    items: list[uuid.UUID]
    cost: int
    detail: str


class TermRead(Struct):
    """One soft term: its price, how much of it the schedule has, and who pays (the costliest first)."""

    name: str
    weight: int
    units: int
    cost: int
    payers: list[Payer]


class ViolationRead(Struct):
    code: str
    message: str
    items: list[uuid.UUID]


class ExplanationRead(Struct):
    code: str
    message: str
    items: list[uuid.UUID]
    rooms: list[uuid.UUID]
    people: list[uuid.UUID]


class Place(Struct):
    room_id: uuid.UUID
    starts_at: dt.datetime


class MoveRead(Struct):
    item_id: uuid.UUID
    run: int
    before: Place | None
    after: Place | None
    people: int


class ResolveDiff(Struct):
    moved: list[MoveRead]
    unchanged: int
    people_affected: int


class SolveResult(Struct):
    solver_status: str
    objective: int | None
    bound: int | None
    gap: float | None
    wall_time: float
    first_feasible: float | None
    solutions: int
    placed: int
    terms: list[TermRead]
    violations: list[ViolationRead]
    explanations: list[ExplanationRead]
    diff: ResolveDiff | None


class SolveRunRead(Struct):
    id: uuid.UUID
    congress_id: uuid.UUID
    status: SolveStatus
    mode: SolveMode
    time_limit: float
    workers: int
    seed: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    cancel_requested: bool
    progress: SolveProgress | None
    result: SolveResult | None
    error: str
    version_id: uuid.UUID | None


class VersionCheck(Struct):
    """The independent validator's verdict on a version, and what its schedule costs."""

    version_id: uuid.UUID
    runs: int
    placed: int
    violations: list[ViolationRead]
    terms: list[TermRead]
    total_cost: int
