"""What the engine reads and writes.

Everything is in integer minutes counted from an origin the caller chooses (the
application uses local midnight of the congress's first day, expressed in UTC
minutes, so daylight-saving changes are already folded in), and every object
is named by an integer id. Windows are half-open: ``[start, end)``.

Nothing here knows about databases or HTTP; the application's adapter turns its
rows into an :class:`Instance` and a :class:`Solution` back into assignments.

Sessions made of talks (a refresher course: a block of talks on one topic) are
described with :class:`Block` (a time window cut into equal slots, in which each
room holds at most one track), :class:`Track` (a topic that takes whole block ×
room cells) and items that name their ``track``: such an item fills ``slots``
consecutive slots of one cell of its track instead of having a start of its own.
Every cost of these concepts is data (a number in the records), so an instance
that uses none of them is solved and priced exactly as before.
"""

from __future__ import annotations

from typing import Literal

import msgspec


class Model(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base for the engine's records: keyword-only, unknown fields rejected."""


class Window(Model):
    start: int
    end: int

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end

    def contains(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


class Day(Model):
    """One programme day: the daily window, and the minute at which its local clock reads 00:00
    (as seen from the programme hours, so daylight-saving changes in the night are folded in)."""

    start: int
    end: int
    midnight: int
    label: str = ""

    @property
    def window(self) -> Window:
        return Window(start=self.start, end=self.end)


class Room(Model):
    id: int
    name: str
    capacity: int
    equipment: dict[str, int] = {}
    # Windows in which the room cannot be used (set-up, closed, booked by others).
    unavailable: list[Window] = []


class Person(Model):
    id: int
    name: str
    # Never teach inside these windows.
    unavailable: list[Window] = []
    # A soft wish: teach inside one of these windows when possible.
    preferred: list[Window] = []


class TimeCost(Model):
    """A run that starts in ``[start, end)`` costs ``cost`` (the first window that holds the start counts).

    A track item is timed by its block: the block's start counts (its speakers join the session from the start).
    """

    start: int
    end: int
    cost: int


class Item(Model):
    """A programme item; a workshop run several times has ``runs`` > 1.

    An item with a ``track`` is a talk given in a session of that track: it fills ``slots``
    consecutive slots of one block × room cell the track takes (``duration`` is then not used).
    """

    id: int
    title: str
    duration: int
    # Seats one run needs: the expected audience, or a workshop run's capacity.
    seats: int = 0
    runs: int = 1
    equipment: dict[str, int] = {}
    # Allowed windows; a run must lie inside one of them. Empty: any time of any day.
    windows: list[Window] = []
    faculty: list[int] = []
    topics: list[str] = []
    series: str | None = None
    series_position: int | None = None
    # People other than faculty who planned around this item (registrants, sign-ups).
    people: int = 0
    code: str = ""
    # Talks in tracks (see Block and Track): the track, the slots filled, the place in the track's
    # sequence (1, 2, …; 0: any place), and what placing it in a block or a room costs.
    track: int | None = None
    slots: int = 1
    place: int = 0
    block_costs: dict[int, int] = {}
    room_costs: dict[int, int] = {}
    # What starting at certain times costs (a remote presenter's night, translated from their time zone).
    start_costs: list[TimeCost] = []

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}".strip() if self.code else self.title


class Precedence(Model):
    """Every run of ``after`` starts at least ``gap`` minutes after ``before`` ends.

    When both items have the same number of runs, run k of ``after`` follows
    run k of ``before`` (part A, then part B, for each group of trainees).
    """

    before: int
    after: int
    gap: int = 0


class Audience(Model):
    """People who want to attend all of these items (an interest group, or sign-ups)."""

    items: list[int]
    size: int
    label: str = ""


class Placement(Model):
    item: int
    run: int
    room: int
    start: int


class Block(Model):
    """A session of the programme: a window in which each room holds at most one track, cut into ``slots``
    equal slots (slot j starts ``j * (end - start) // slots`` minutes after ``start``).

    Blocks are listed in programme order, which is what "consecutive" means for a track. A block is used
    only if it lies inside a programme day and clear of breaks.
    """

    id: int
    start: int
    end: int
    slots: int
    label: str = ""
    # Cost of each room used in this block (a hall that must be hired or staffed).
    room_costs: dict[int, int] = {}


class Track(Model):
    """A topic whose talks are given in sessions: it takes whole block × room cells and fills them with its items.

    A cell the track takes holds at least one of its items. The costs are per unit: ``block_costs`` and
    ``room_costs`` per cell taken in that block or room; ``room_change_cost`` per room used beyond the first
    (session hopping); ``parallel_cost`` per cell beyond the first in one block; ``scattered_cost`` when the
    blocks it uses are not consecutive; ``order_cost`` per item that has a place and is not at it, and per
    pair of items with a place that share a slot (in parallel rooms).
    """

    id: int
    name: str
    # People chairing its sessions: they are in every cell the track takes.
    chairs: list[int] = []
    block_costs: dict[int, int] = {}
    room_costs: dict[int, int] = {}
    room_change_cost: int = 0
    parallel_cost: int = 0
    scattered_cost: int = 0
    order_cost: int = 0


class TrackPair(Model):
    """Two tracks that should not run in parallel (a shared audience): ``cost`` per pair of their cells in one block."""

    a: int
    b: int
    cost: int


class Conflict(Model):
    """Two track items some people want both of: ``block_cost`` when they are in one block in different rooms,
    ``slot_cost`` per slot they both fill in one block (necessarily in different rooms)."""

    a: int
    b: int
    block_cost: int = 0
    slot_cost: int = 0


class Instance(Model):
    days: list[Day]
    rooms: list[Room]
    items: list[Item]
    people: list[Person] = []
    # Windows no item may overlap, in any room (lunch, opening ceremony).
    breaks: list[Window] = []
    precedences: list[Precedence] = []
    audiences: list[Audience] = []
    # Runs the organiser fixed: they stay exactly here.
    pins: list[Placement] = []
    # The released schedule a minimal-change re-solve should stay close to.
    previous: list[Placement] = []
    # Runs start on multiples of this many minutes (counted from each day's start).
    step: int = 5
    # Minutes a person needs between two items in different rooms (not between two track items).
    changeover: int = 0
    # Sessions of talks: blocks, tracks, tracks that should not run in parallel, items people want both of.
    blocks: list[Block] = []
    tracks: list[Track] = []
    track_pairs: list[TrackPair] = []
    conflicts: list[Conflict] = []


class Weights(Model):
    """The price of one unit of each soft term."""

    # Per minute in which one more item of a topic runs in parallel (sampled on the topic grid).
    topic_overlap: int = 1
    # Per person of an audience who wants two runs that overlap.
    audience_clash: int = 1
    # Per room-fit point (see ``solver.prep.room_fit_points``).
    room_fit: int = 3
    # Per change of room between consecutive items of a series.
    series_room_change: int = 30
    # Per faculty member teaching a run outside their preferred windows.
    preferred_time: int = 30
    # Per extra run of the same item on the same day.
    runs_same_day: int = 60
    # Per affected person (faculty + ``Item.people``) of a run that moved from ``previous``.
    moved: int = 5


class Params(Model):
    time_limit: float = 10.0
    workers: int = 2
    seed: int = 0
    weights: Weights = msgspec.field(default_factory=Weights)
    # Pool interchangeable rooms into one resource (faster; rooms are coloured afterwards).
    pool_rooms: bool = True
    # Start from a greedy placement.
    hint: bool = True
    # Stop at this relative gap (0: prove optimality).
    gap_limit: float = 0.0


class Payer(Model):
    """Items that pay part of a soft term, and why."""

    items: list[int]
    cost: int
    detail: str


class Term(Model):
    name: str
    weight: int
    units: int
    cost: int
    payers: list[Payer] = []


class Violation(Model):
    """A broken hard constraint, found by the independent validator."""

    code: str
    message: str
    items: list[int] = []


class Explanation(Model):
    """One reason no schedule exists, in an organiser's words."""

    code: str
    message: str
    items: list[int] = []
    rooms: list[int] = []
    people: list[int] = []


class Move(Model):
    item: int
    run: int
    before: Placement | None
    after: Placement | None
    people: int


class Diff(Model):
    moved: list[Move]
    unchanged: int
    people_affected: int


class Progress(Model):
    elapsed: float
    objective: int | None
    bound: int | None
    gap: float | None
    solutions: int


Status = Literal["optimal", "feasible", "infeasible", "unknown", "cancelled"]


class Solution(Model):
    status: Status
    placements: list[Placement] = []
    objective: int | None = None
    bound: int | None = None
    gap: float | None = None
    wall_time: float = 0.0
    first_feasible: float | None = None
    solutions: int = 0
    terms: list[Term] = []
    violations: list[Violation] = []
    explanations: list[Explanation] = []
    diff: Diff | None = None
