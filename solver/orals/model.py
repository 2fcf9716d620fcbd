"""What the oral-exam engine reads and writes.

The EDiMSK diploma's oral exams take place on site at the congress: each
candidate sits one exam of one slot at one workstation, in front of a full
panel of examiners.

Times are integer minutes from an origin the caller chooses (the application
uses local midnight of the congress's first day, as for the programme), every
object is named by an integer id, and windows are half-open ``[start, end)``.
Slots start on the grid ``window.start + k * slot_minutes`` of every oral
window and lie inside it; oral windows that overlap are merged first.

Nothing here knows about databases or HTTP, nor about the programme engine's
search: the records are shared with it only where they mean the same thing
(:class:`Window`, :class:`Day`, :class:`Progress`).
"""

from __future__ import annotations

import msgspec

from solver.model import Day, Model, Progress, Status, Window

__all__ = [
    "Day",
    "Examiner",
    "Model",
    "OralAssignment",
    "OralDiff",
    "OralExplanation",
    "OralInstance",
    "OralMove",
    "OralParams",
    "OralPayer",
    "OralPin",
    "OralSolution",
    "OralTerm",
    "OralViolation",
    "OralWeights",
    "Progress",
    "Status",
    "Window",
    "Workstation",
]


class Examiner(Model):
    id: int
    name: str
    # Windows the examiner offers; empty: the whole oral window. Outside them the examiner is unavailable.
    available: list[Window] = []
    # Never examines during these (faculty duties in the released programme, anything else).
    busy: list[Window] = []
    # At most this many exams over the whole oral window; None: no cap.
    max_slots: int | None = None


class Workstation(Model):
    id: int
    name: str
    room: str = ""
    # Windows in which the workstation can be used; empty: the whole oral window.
    available: list[Window] = []


class Candidate(Model):
    id: int
    name: str
    # The candidate's own commitments (programme items they attend or teach).
    busy: list[Window] = []
    # A soft wish: sit the exam inside one of these windows.
    preferred: list[Window] = []
    # Examiners (ids) with a conflict of interest: never on this candidate's panel.
    conflicts: list[int] = []


class OralAssignment(Model):
    """One exam: the candidate, the slot's start, the workstation and the panel (examiner ids, sorted)."""

    candidate: int
    start: int
    workstation: int
    examiners: list[int]


# A pin is an assignment the organiser fixed: it is kept exactly.
OralPin = OralAssignment


class OralInstance(Model):
    # The on-site oral windows (e.g. two days 08:30-12:30 and 13:30-17:30).
    windows: list[Window]
    examiners: list[Examiner]
    workstations: list[Workstation]
    candidates: list[Candidate]
    slot_minutes: int = 20
    panel_size: int = 2
    # At most this many back-to-back exams, then at least one slot free; None: no such rule.
    max_consecutive: int | None = 4
    pins: list[OralAssignment] = []
    # The released timetable a minimal-change re-solve should stay close to.
    previous: list[OralAssignment] = []
    # Optional: the congress days, for day labels and local clock times in messages and for
    # telling days apart (idle gaps are counted per day). Empty: day n starts at minute 1440 * n.
    days: list[Day] = []


class OralWeights(Model):
    """The price of one unit of each soft term."""

    # Per exam an examiner examines below their fair share, or above it by more than one. The fair share is
    # an even split of all exams, capped by what each examiner can give (the extra exams an even split leaves
    # over go to some examiners, hence the band of one).
    load_balance: int = 6
    # Per idle slot of an examiner between their first and last exam of a day (the rest a break rule asks for
    # after ``max_consecutive`` back-to-back exams is not idle).
    idle_gap: int = 3
    # Per candidate who stated preferred windows and sits the exam outside them.
    preference: int = 4
    # Per changed timetable entry against ``previous``: a candidate whose time or workstation changed, and
    # each examiner who no longer examines that candidate at the previous time.
    moved: int = 20


class OralParams(Model):
    time_limit: float = 10.0
    workers: int = 2
    seed: int = 0
    weights: OralWeights = msgspec.field(default_factory=OralWeights)
    # Start from a first-fit timetable.
    hint: bool = True
    # Stop at this relative gap (0: prove optimality).
    gap_limit: float = 0.0


class OralPayer(Model):
    """Who pays part of a soft term, and why."""

    cost: int
    detail: str
    candidates: list[int] = []
    examiners: list[int] = []


class OralTerm(Model):
    name: str
    weight: int
    units: int
    cost: int
    payers: list[OralPayer] = []


class OralViolation(Model):
    """A broken hard rule, found by the independent validator."""

    code: str
    message: str
    candidates: list[int] = []
    examiners: list[int] = []
    workstations: list[int] = []


class OralExplanation(Model):
    """One reason no timetable exists, in an organiser's words."""

    code: str
    message: str
    candidates: list[int] = []
    examiners: list[int] = []
    workstations: list[int] = []


class OralMove(Model):
    candidate: int
    before: OralAssignment | None
    after: OralAssignment | None


class OralDiff(Model):
    # Candidates whose time, workstation or panel changed (or who were added or dropped).
    moved: list[OralMove]
    unchanged: int
    # Timetable entries changed, as the ``moved`` term counts them.
    entries_changed: int = 0


class OralSolution(Model):
    status: Status
    assignments: list[OralAssignment] = []
    objective: int | None = None
    bound: int | None = None
    gap: float | None = None
    wall_time: float = 0.0
    first_feasible: float | None = None
    solutions: int = 0
    terms: list[OralTerm] = []
    violations: list[OralViolation] = []
    explanations: list[OralExplanation] = []
    diff: OralDiff | None = None
