"""The database ⇄ oral-exam engine boundary: a sitting's rows in, an ``OralInstance`` out, slots back.

Minutes count from local midnight of the congress's first day (as a UTC instant), like the programme
adapter. Examiners are busy while they teach in the released programme and in their "unavailable"
windows; when they gave "available" windows, those are all they offer. Candidates are busy while they
teach or hold a workshop seat. Only appointed examiners who hold ESSR membership for the exam year
examine, and only admitted candidates with an active congress registration are scheduled; the others
are reported with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from congress.db.models import (
    Availability,
    Congress,
    ExamApplication,
    Examiner,
    ExamPanelSeat,
    ExamSitting,
    ExamSlot,
    ExamWorkstation,
    Membership,
    Person,
    PublishedEvent,
    PublishedFaculty,
    Registration,
    Room,
    WorkshopSeat,
)
from congress.enums import (
    ApplicationStatus,
    AvailabilityKind,
    ExaminerStatus,
    MembershipType,
    RegistrationStatus,
    Society,
)
from solver.orals.engine import solve
from solver.orals.model import (
    Candidate,
    Day,
    OralAssignment,
    OralInstance,
    OralParams,
    OralSolution,
    Progress,
    Window,
    Workstation,
)
from solver.orals.model import Examiner as OralExaminer

__all__ = ["OralProblem", "Progress", "apply_oral_solution", "load_oral_problem", "run_solver"]

NOT_EXAMINER_TYPES = frozenset({MembershipType.IN_TRAINING})


@dataclass
class OralProblem:
    """An instance and the way back: engine ids ⇄ database ids, minutes ⇄ datetimes, and who was left out."""

    instance: OralInstance
    origin: dt.datetime
    tz: zoneinfo.ZoneInfo
    candidates: dict[int, uuid.UUID] = field(default_factory=dict)  # engine id -> application id
    examiners: dict[int, uuid.UUID] = field(default_factory=dict)  # engine id -> person id
    workstations: dict[int, uuid.UUID] = field(default_factory=dict)
    names: dict[uuid.UUID, str] = field(default_factory=dict)  # application / person / workstation -> name
    left_out: list[tuple[uuid.UUID, str]] = field(default_factory=list)  # (application id, reason)
    current: dict[uuid.UUID, ExamSlotState] = field(default_factory=dict)  # application id -> its slot now
    fingerprint: str = ""

    def minute(self, moment: dt.datetime) -> int:
        return int((moment - self.origin).total_seconds() // 60)

    def moment(self, minute: int) -> dt.datetime:
        return self.origin + dt.timedelta(minutes=minute)

    def describe(self, start: int, workstation: int, examiners: Iterable[int]) -> str:
        when = self.moment(start).astimezone(self.tz).strftime("%a %d %b %H:%M")
        panel = ", ".join(sorted(self.names[self.examiners[e]] for e in examiners))
        return f"{when} at {self.names[self.workstations[workstation]]} with {panel}"


@dataclass(frozen=True)
class ExamSlotState:
    slot_id: uuid.UUID
    workstation_id: uuid.UUID
    starts_at: dt.datetime
    examiners: tuple[uuid.UUID, ...]
    pinned: bool
    revision: int
    checked_in_at: dt.datetime | None


def _window(problem: OralProblem, start: dt.datetime, end: dt.datetime) -> Window:
    return Window(start=problem.minute(start), end=problem.minute(end))


def _oral_windows(sitting: ExamSitting) -> list[tuple[dt.datetime, dt.datetime]]:
    return [
        (dt.datetime.fromisoformat(w["starts_at"]), dt.datetime.fromisoformat(w["ends_at"]))
        for w in sitting.oral_windows
    ]


def _subtract(spans: list[tuple[int, int]], holes: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    for hole_start, hole_end in holes:
        rest = []
        for start, end in spans:
            if hole_end <= start or end <= hole_start:
                rest.append((start, end))
                continue
            if start < hole_start:
                rest.append((start, hole_start))
            if hole_end < end:
                rest.append((hole_end, end))
        spans = rest
    return spans


def _programme_busy(
    session: Session, congress_id: uuid.UUID, people: set[uuid.UUID], *, seats: bool
) -> dict[uuid.UUID, list[tuple[dt.datetime, dt.datetime]]]:
    busy: dict[uuid.UUID, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    if not people:
        return busy
    teaching = (
        select(PublishedFaculty.person_id, PublishedEvent.starts_at, PublishedEvent.ends_at)
        .join(PublishedEvent, PublishedEvent.id == PublishedFaculty.event_id)
        .where(
            PublishedEvent.congress_id == congress_id,
            PublishedEvent.cancelled.is_(False),
            PublishedFaculty.person_id.in_(people),
        )
    )
    for person_id, start, end in session.execute(teaching).tuples():
        busy[person_id].append((start, end))
    if seats:
        held = (
            select(WorkshopSeat.person_id, PublishedEvent.starts_at, PublishedEvent.ends_at)
            .join(
                PublishedEvent,
                (PublishedEvent.item_id == WorkshopSeat.item_id) & (PublishedEvent.run == WorkshopSeat.run),
            )
            .where(
                WorkshopSeat.congress_id == congress_id,
                PublishedEvent.cancelled.is_(False),
                WorkshopSeat.person_id.in_(people),
            )
        )
        for person_id, start, end in session.execute(held).tuples():
            busy[person_id].append((start, end))
    return busy


def load_oral_problem(
    session: Session,
    sitting_id: uuid.UUID,
    conflicts: Iterable[tuple[uuid.UUID, uuid.UUID]],
    *,
    minimal_change: bool,
) -> OralProblem:
    """Read a sitting into an instance. ``conflicts`` are (examiner person, candidate person) pairs."""
    sitting = session.get_one(ExamSitting, sitting_id)
    congress = session.get_one(Congress, sitting.congress_id)
    tz = zoneinfo.ZoneInfo(congress.time_zone)
    origin = dt.datetime.combine(congress.first_day, dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)
    problem = OralProblem(
        instance=OralInstance(windows=[], examiners=[], workstations=[], candidates=[]), origin=origin, tz=tz
    )
    windows = [(problem.minute(s), problem.minute(e)) for s, e in _oral_windows(sitting)]

    # Workstations: the oral windows, less the times their room is closed.
    closures: dict[uuid.UUID, list[tuple[int, int]]] = defaultdict(list)
    for room_id, start, end in session.execute(
        select(Availability.room_id, Availability.starts_at, Availability.ends_at).where(
            Availability.congress_id == congress.id,
            Availability.room_id.is_not(None),
            Availability.kind == AvailabilityKind.UNAVAILABLE,
        )
    ).tuples():
        if room_id is not None:
            closures[room_id].append((problem.minute(start), problem.minute(end)))
    stations = []
    for n, (station, room_name) in enumerate(
        session.execute(
            select(ExamWorkstation, Room.name)
            .join(Room, Room.id == ExamWorkstation.room_id)
            .where(ExamWorkstation.sitting_id == sitting.id)
            .order_by(Room.name, ExamWorkstation.number)
        ).tuples(),
        start=1,
    ):
        problem.workstations[n] = station.id
        label = f"{room_name} #{station.number}"
        problem.names[station.id] = label
        open_spans = _subtract(list(windows), closures.get(station.room_id, []))
        if not open_spans:
            continue
        available = [] if open_spans == windows else [Window(start=s, end=e) for s, e in open_spans]
        stations.append(Workstation(id=n, name=label, room=room_name, available=available))

    # Examiners: appointed, ESSR members in the exam year.
    rows = (
        session.execute(
            select(Examiner, Person)
            .join(Person, Person.id == Examiner.person_id)
            .where(Examiner.sitting_id == sitting.id, Examiner.status == ExaminerStatus.APPOINTED)
            .order_by(Person.name, Person.id)
        )
        .tuples()
        .all()
    )
    members = set(
        session.scalars(
            select(Membership.person_id).where(
                Membership.person_id.in_([p.id for _, p in rows]),
                Membership.society == Society.ESSR,
                Membership.year == sitting.exam_year,
                Membership.type.not_in(NOT_EXAMINER_TYPES),
            )
        )
    )
    qualified = [(e, p) for e, p in rows if p.id in members]
    people = {p.id for _, p in qualified}
    busy = _programme_busy(session, congress.id, people, seats=False)
    offered: dict[uuid.UUID, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for person_id, kind, start, end in session.execute(
        select(Availability.person_id, Availability.kind, Availability.starts_at, Availability.ends_at).where(
            Availability.congress_id == congress.id, Availability.person_id.is_not(None)
        )
    ).tuples():
        if person_id is None:
            continue
        if kind is AvailabilityKind.UNAVAILABLE:
            busy[person_id].append((start, end))
        elif kind is AvailabilityKind.AVAILABLE:
            offered[person_id].append((start, end))
    examiners = []
    by_person: dict[uuid.UUID, int] = {}
    for n, (examiner, person) in enumerate(qualified, start=1):
        problem.examiners[n] = person.id
        problem.names[person.id] = person.name
        by_person[person.id] = n
        examiners.append(
            OralExaminer(
                id=n,
                name=person.name,
                available=[_window(problem, s, e) for s, e in sorted(offered.get(person.id, []))],
                busy=[_window(problem, s, e) for s, e in sorted(busy.get(person.id, []))],
                max_slots=examiner.max_slots,
            )
        )

    # Candidates: admitted, with an active registration for the congress.
    applications = (
        session.execute(
            select(ExamApplication, Person)
            .join(Person, Person.id == ExamApplication.person_id)
            .where(ExamApplication.sitting_id == sitting.id, ExamApplication.status == ApplicationStatus.ADMITTED)
            .order_by(ExamApplication.received_at, ExamApplication.id)
        )
        .tuples()
        .all()
    )
    registered = set(
        session.scalars(
            select(Registration.person_id).where(
                Registration.congress_id == congress.id, Registration.status == RegistrationStatus.ACTIVE
            )
        )
    )
    candidates_busy = _programme_busy(session, congress.id, {p.id for _, p in applications}, seats=True)
    for person_id, start, end in session.execute(
        select(Availability.person_id, Availability.starts_at, Availability.ends_at).where(
            Availability.congress_id == congress.id,
            Availability.person_id.in_([p.id for _, p in applications]),
            Availability.kind == AvailabilityKind.UNAVAILABLE,
        )
    ).tuples():
        if person_id is not None:
            candidates_busy[person_id].append((start, end))
    blocked: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for examiner_id, candidate_id in conflicts:
        blocked[candidate_id].add(examiner_id)
    candidates = []
    for n, (application, person) in enumerate(applications, start=1):
        problem.names[application.id] = person.name
        if person.id not in registered:
            problem.left_out.append((application.id, "no active registration for the congress"))
            continue
        problem.candidates[n] = application.id
        candidates.append(
            Candidate(
                id=n,
                name=person.name,
                busy=[_window(problem, s, e) for s, e in sorted(candidates_busy.get(person.id, []))],
                preferred=[
                    _window(problem, dt.datetime.fromisoformat(w["starts_at"]), dt.datetime.fromisoformat(w["ends_at"]))
                    for w in application.preferred_windows
                ],
                conflicts=sorted(by_person[e] for e in blocked.get(person.id, set()) if e in by_person),
            )
        )

    # Slots as they are: pinned ones stay; the rest guide a minimal-change solve.
    application_ids = {v: k for k, v in problem.candidates.items()}
    station_ids = {v: k for k, v in problem.workstations.items()}
    panels: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for slot_id, examiner_id in session.execute(
        select(ExamPanelSeat.slot_id, ExamPanelSeat.examiner_id)
        .join(ExamSlot, ExamSlot.id == ExamPanelSeat.slot_id)
        .where(ExamSlot.sitting_id == sitting.id)
    ).tuples():
        panels[slot_id].append(examiner_id)
    pins, previous = [], []
    for slot in session.scalars(select(ExamSlot).where(ExamSlot.sitting_id == sitting.id)):
        problem.current[slot.application_id] = ExamSlotState(
            slot_id=slot.id,
            workstation_id=slot.workstation_id,
            starts_at=slot.starts_at,
            examiners=tuple(sorted(panels.get(slot.id, []))),
            pinned=slot.pinned,
            revision=slot.revision,
            checked_in_at=slot.checked_in_at,
        )
        if slot.application_id not in application_ids:
            continue
        panel = sorted(by_person[e] for e in panels.get(slot.id, []) if e in by_person)
        assignment = OralAssignment(
            candidate=application_ids[slot.application_id],
            start=problem.minute(slot.starts_at),
            workstation=station_ids[slot.workstation_id],
            examiners=panel,
        )
        if slot.pinned and len(panel) == sitting.panel_size:
            pins.append(assignment)
        elif minimal_change:
            previous.append(assignment)
    days = []
    day = congress.first_day
    while day <= congress.last_day:
        midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
        following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)
        days.append(
            Day(
                start=problem.minute(midnight),
                end=problem.minute(following),
                midnight=problem.minute(midnight),
                label=midnight.strftime("%a %d %b"),
            )
        )
        day += dt.timedelta(days=1)
    problem.instance = OralInstance(
        days=days,
        windows=[Window(start=s, end=e) for s, e in windows],
        slot_minutes=sitting.slot_minutes,
        panel_size=sitting.panel_size,
        max_consecutive=sitting.max_consecutive,
        examiners=examiners,
        workstations=stations,
        candidates=candidates,
        pins=pins,
        previous=previous,
    )
    problem.fingerprint = hashlib.sha256(msgspec.json.encode(problem.instance)).hexdigest()
    return problem


def run_solver(
    problem: OralProblem,
    *,
    time_limit: float,
    seed: int,
    workers: int = 2,
    on_progress: Callable[[Progress], None] | None = None,
) -> OralSolution:
    return solve(
        problem.instance, OralParams(time_limit=time_limit, workers=workers, seed=seed), on_progress=on_progress
    )


def apply_oral_solution(session: Session, sitting_id: uuid.UUID, problem: OralProblem, solution: OralSolution) -> int:
    """Write the solution's slots. Unchanged slots stay as they are; a changed one is replaced under the same
    id with its revision raised (deleted first, so the overlap guards never see a half-moved schedule).
    Slots of candidates the solution does not place (withdrawn, unregistered) go. Returns the slots changed."""
    sitting = session.get_one(ExamSitting, sitting_id)
    wanted: dict[uuid.UUID, tuple[uuid.UUID, dt.datetime, tuple[uuid.UUID, ...]]] = {}
    for a in solution.assignments:
        wanted[problem.candidates[a.candidate]] = (
            problem.workstations[a.workstation],
            problem.moment(a.start),
            tuple(sorted(problem.examiners[e] for e in a.examiners)),
        )
    changed: list[tuple[uuid.UUID, ExamSlotState | None]] = []
    gone: list[uuid.UUID] = []
    for application_id, state in problem.current.items():
        target = wanted.get(application_id)
        if target is None:
            if not state.pinned or application_id in dict(problem.left_out):
                gone.append(state.slot_id)
            continue
        if (state.workstation_id, state.starts_at, state.examiners) != target:
            changed.append((application_id, state))
            gone.append(state.slot_id)
    changed.extend((application_id, None) for application_id in wanted.keys() - problem.current.keys())
    if gone:
        session.execute(delete(ExamPanelSeat).where(ExamPanelSeat.slot_id.in_(gone)))
        session.execute(delete(ExamSlot).where(ExamSlot.id.in_(gone)))
        session.flush()
    length = dt.timedelta(minutes=sitting.slot_minutes)
    for application_id, before in changed:
        station_id, start, panel = wanted[application_id]
        slot = ExamSlot(
            sitting_id=sitting.id,
            application_id=application_id,
            workstation_id=station_id,
            starts_at=start,
            ends_at=start + length,
            pinned=False,
            revision=before.revision + 1 if before else 0,
            checked_in_at=before.checked_in_at if before else None,
        )
        if before is not None:
            slot.id = before.slot_id
        session.add(slot)
        session.flush()
        for examiner_id in panel:
            session.add(
                ExamPanelSeat(slot_id=slot.id, examiner_id=examiner_id, starts_at=start, ends_at=start + length)
            )
    session.flush()
    return len(changed)
