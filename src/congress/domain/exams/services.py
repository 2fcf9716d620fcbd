"""Rules and operations of the diploma: who may see and change what, and how seats and slots are kept right.

Every read is filtered by the caller in its query: organisers see everything of the sitting, an examiner
their own examiner row, conflicts and the slots whose panel they sit on (with those candidates), a candidate
their own application, slot and result. Anything else is "not found".
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, Select, delete, false, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import (
    Availability,
    Congress,
    ExamApplication,
    ExamConflict,
    Examiner,
    ExamPanelSeat,
    ExamSitting,
    ExamSlot,
    ExamWorkstation,
    Membership,
    OralMark,
    Person,
    PublishedEvent,
    PublishedFaculty,
    Registration,
    Room,
    WorkshopSeat,
)
from congress.domain.exams import rules
from congress.domain.exams.schemas import (
    DOCUMENT_KEYS,
    ApplicationCreate,
    ApplicationRead,
    ApplicationUpdate,
    Check,
    ConflictCreate,
    ConflictRead,
    Documents,
    ExaminerCreate,
    ExaminerRead,
    ExaminerUpdate,
    MarkRead,
    MarkWrite,
    PanelMember,
    ResultRead,
    ResultsSummary,
    SittingRead,
    SittingWrite,
    SlotCreate,
    SlotRead,
    SlotUpdate,
    Window,
    WorkstationRead,
    WrittenScore,
    WrittenScoresImport,
    WrittenScoresReport,
)
from congress.enums import (
    ApplicationStatus,
    AvailabilityKind,
    DocumentStatus,
    Equipment,
    ExaminerStatus,
    MembershipType,
    RegistrationStatus,
    Society,
)
from congress.lib.errors import Conflict, Forbidden, InvalidInput, NotFound
from congress.lib.queries import aware_utc, changes, flush_or_conflict, get_or_404, zone
from congress.lib.security import Principal, Role

SEATED = (ApplicationStatus.APPLIED, ApplicationStatus.ADMITTED, ApplicationStatus.WAITLISTED)
REVIEW_STATUSES = frozenset({DocumentStatus.ACCEPTED, DocumentStatus.REJECTED})
# ESSR membership types that do not qualify someone to examine.
NOT_EXAMINER_TYPES = frozenset({MembershipType.IN_TRAINING})
OVERLAP_CODES = {
    "examiner_double_booked": "An examiner on this panel is already examining at an overlapping time",
    "ex_exam_panel_examiner_overlap": "An examiner on this panel is already examining at an overlapping time",
    "workstation_double_booked": "This workstation already hosts a candidate at an overlapping time",
    "ex_exam_slot_workstation_overlap": "This workstation already hosts a candidate at an overlapping time",
    "uq_exam_slot_application_id": "This candidate already has a slot",
    "exam_slot.application_id": "This candidate already has a slot",
}


def to_json(value: msgspec.Struct) -> dict[str, Any]:
    converted: dict[str, Any] = msgspec.to_builtins(value)
    return converted


def documents_of(raw: dict[str, Any]) -> Documents:
    return msgspec.convert(raw, Documents)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def windows_of(raw: Iterable[dict[str, str]]) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(dt.datetime.fromisoformat(w["starts_at"]), dt.datetime.fromisoformat(w["ends_at"])) for w in raw]


def store_windows(windows: Sequence[Window], field: str) -> list[dict[str, str]]:
    """Check windows (offsets given, ordered, apart) and keep them as ISO strings in UTC."""
    spans = sorted((aware_utc(w.starts_at, field), aware_utc(w.ends_at, field)) for w in windows)
    for start, end in spans:
        if start >= end:
            raise InvalidInput(f"A window in '{field}' ends before it starts", code="window_order", field=field)
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise InvalidInput(f"Windows in '{field}' overlap", code="window_overlap", field=field)
    return [{"starts_at": s.isoformat(), "ends_at": e.isoformat()} for s, e in spans]


def _local_windows(raw: Iterable[dict[str, str]], tz: zoneinfo.ZoneInfo) -> list[Window]:
    return [Window(starts_at=s.astimezone(tz), ends_at=e.astimezone(tz)) for s, e in windows_of(raw)]


def _overlap_problem(exc: IntegrityError) -> Conflict | None:
    text = str(exc.orig)
    for marker, message in OVERLAP_CODES.items():
        if marker in text:
            code = "candidate_has_slot" if "application" in marker else marker
            if marker.startswith("ex_exam_panel"):
                code = "examiner_double_booked"
            elif marker.startswith("ex_exam_slot"):
                code = "workstation_double_booked"
            return Conflict(message, code=code)
    return None


async def flush_slots(session: AsyncSession) -> None:
    """Flush slot and panel rows; the database's overlap guards answer 409 with what was double-booked."""
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        problem = _overlap_problem(exc)
        if problem is not None:
            raise problem from exc
        raise Conflict("The slot conflicts with existing data", code="integrity_conflict") from exc


@dataclass(slots=True)
class Facts:
    """What the diploma rules need to know about the people of a sitting, loaded in a few queries."""

    memberships: dict[uuid.UUID, list[rules.MembershipFact]]
    registered: set[uuid.UUID]
    failures: dict[uuid.UUID, int]


@dataclass(slots=True)
class ExamService:
    session: AsyncSession
    principal: Principal | None

    # --- common ---------------------------------------------------------------------------------------------

    @property
    def organiser(self) -> bool:
        return self.principal is not None and self.principal.is_organiser

    def _me(self) -> uuid.UUID:
        if self.principal is None or self.principal.person_id is None:
            raise Forbidden("This token belongs to no person", code="no_person")
        return self.principal.person_id

    def _my_role(self, role: Role) -> bool:
        return self.principal is not None and self.principal.role is role

    async def _congress(self, congress_id: uuid.UUID) -> Congress:
        return await get_or_404(self.session, Congress, congress_id)

    async def sitting(self, congress_id: uuid.UUID, *, lock: bool = False) -> ExamSitting:
        stmt = select(ExamSitting).where(ExamSitting.congress_id == congress_id)
        if lock:
            stmt = stmt.with_for_update()
        sitting = (await self.session.scalars(stmt)).one_or_none()
        if sitting is None:
            await self._congress(congress_id)
            raise NotFound("This congress has no diploma sitting", code="no_sitting")
        return sitting

    async def _zone(self, congress_id: uuid.UUID) -> zoneinfo.ZoneInfo:
        return zone((await self._congress(congress_id)).time_zone)

    async def _facts(self, sitting: ExamSitting, people: Iterable[uuid.UUID]) -> Facts:
        ids = set(people)
        memberships: dict[uuid.UUID, list[rules.MembershipFact]] = defaultdict(list)
        failures: dict[uuid.UUID, int] = defaultdict(int)
        if not ids:
            return Facts(memberships=memberships, registered=set(), failures=failures)
        for m in await self.session.scalars(select(Membership).where(Membership.person_id.in_(ids))):
            memberships[m.person_id].append(rules.MembershipFact(society=m.society, type=m.type, year=m.year))
        registered = set(
            await self.session.scalars(
                select(Registration.person_id).where(
                    Registration.congress_id == sitting.congress_id,
                    Registration.person_id.in_(ids),
                    Registration.status == RegistrationStatus.ACTIVE,
                )
            )
        )
        earlier = (
            select(ExamApplication.person_id, func.count())
            .join(ExamSitting, ExamSitting.id == ExamApplication.sitting_id)
            .where(
                ExamApplication.person_id.in_(ids),
                ExamApplication.passed.is_(False),
                ExamSitting.id != sitting.id,
                ExamSitting.exam_year <= sitting.exam_year,
            )
            .group_by(ExamApplication.person_id)
        )
        for person_id, count in (await self.session.execute(earlier)).tuples():
            failures[person_id] = int(count)
        return Facts(memberships=memberships, registered=registered, failures=failures)

    @staticmethod
    def _is_essr_member(facts: Facts, person_id: uuid.UUID, year: int) -> bool:
        return any(
            m.society is Society.ESSR and m.year == year and m.type not in NOT_EXAMINER_TYPES
            for m in facts.memberships.get(person_id, [])
        )

    # --- the sitting ----------------------------------------------------------------------------------------

    async def _sitting_read(self, sitting: ExamSitting) -> SittingRead:
        tz = await self._zone(sitting.congress_id)
        stations = (
            await self.session.execute(
                select(ExamWorkstation, Room.name)
                .join(Room, Room.id == ExamWorkstation.room_id)
                .where(ExamWorkstation.sitting_id == sitting.id)
                .order_by(Room.name, ExamWorkstation.number)
            )
        ).tuples()
        counts = dict(
            (
                await self.session.execute(
                    select(ExamApplication.status, func.count())
                    .where(ExamApplication.sitting_id == sitting.id)
                    .group_by(ExamApplication.status)
                )
            )
            .tuples()
            .all()
        )
        written_end = (
            sitting.written_starts_at + dt.timedelta(minutes=sitting.written_minutes)
            if sitting.written_starts_at
            else None
        )
        return SittingRead(
            id=sitting.id,
            congress_id=sitting.congress_id,
            title=sitting.title,
            exam_year=sitting.exam_year,
            seat_limit=sitting.seat_limit,
            oral_windows=_local_windows(sitting.oral_windows, tz),
            workstations=[
                WorkstationRead(id=w.id, room_id=w.room_id, room=name, number=w.number, label=f"{name} #{w.number}")
                for w, name in stations
            ],
            applications_close_at=sitting.applications_close_at.astimezone(tz)
            if sitting.applications_close_at
            else None,
            written_starts_at=sitting.written_starts_at.astimezone(tz) if sitting.written_starts_at else None,
            written_ends_at=written_end.astimezone(tz) if written_end else None,
            written_minutes=sitting.written_minutes,
            written_questions=sitting.written_questions,
            written_pass_mark=sitting.written_pass_mark,
            slot_minutes=sitting.slot_minutes,
            panel_size=sitting.panel_size,
            max_consecutive=sitting.max_consecutive,
            oral_max=sitting.oral_max,
            oral_pass_mark=sitting.oral_pass_mark,
            fee_eur=sitting.fee_eur,
            reduced_fee_eur=sitting.reduced_fee_eur,
            free_retakes=sitting.free_retakes,
            validity_years=sitting.validity_years,
            results_released_at=sitting.results_released_at.astimezone(tz) if sitting.results_released_at else None,
            admitted=int(counts.get(ApplicationStatus.ADMITTED, 0)),
            waitlisted=int(counts.get(ApplicationStatus.WAITLISTED, 0)),
        )

    async def get_sitting(self, congress_id: uuid.UUID) -> SittingRead:
        return await self._sitting_read(await self.sitting(congress_id))

    async def put_sitting(self, congress_id: uuid.UUID, data: SittingWrite) -> SittingRead:
        congress = await self._congress(congress_id)
        if data.written_pass_mark > data.written_questions:
            raise InvalidInput(
                "The written pass mark cannot exceed the number of questions",
                code="pass_mark_range",
                field="written_pass_mark",
            )
        if data.oral_pass_mark > data.oral_max:
            raise InvalidInput(
                "The oral pass mark cannot exceed the oral maximum", code="pass_mark_range", field="oral_pass_mark"
            )
        if not data.exam_rooms:
            raise InvalidInput("Name at least one exam room", code="no_exam_room", field="exam_rooms")
        if not data.oral_windows:
            raise InvalidInput("Give at least one oral window", code="no_oral_window", field="oral_windows")
        windows = store_windows(data.oral_windows, "oral_windows")
        tz = zone(congress.time_zone)
        for start, end in windows_of(windows):
            first, last = start.astimezone(tz).date(), (end - dt.timedelta(microseconds=1)).astimezone(tz).date()
            if first < congress.first_day or last > congress.last_day:
                raise InvalidInput(
                    "Oral windows lie on the congress days: the oral part is held on site",
                    code="oral_window_outside_congress",
                    field="oral_windows",
                )
        rooms = list(
            await self.session.scalars(
                select(Room).where(Room.congress_id == congress_id, Room.id.in_(data.exam_rooms))
            )
        )
        if len(rooms) != len(set(data.exam_rooms)):
            raise InvalidInput("An exam room is not a room of this congress", code="unknown_room", field="exam_rooms")
        for room in rooms:
            if int(room.equipment.get(Equipment.EXAM_WORKSTATION.value, 0)) < 1:
                raise InvalidInput(
                    f"{room.name} has no exam workstations (equipment 'exam_workstation')",
                    code="no_workstations",
                    field="exam_rooms",
                )
        sitting = (
            await self.session.scalars(
                select(ExamSitting).where(ExamSitting.congress_id == congress_id).with_for_update()
            )
        ).one_or_none()
        if sitting is None:
            sitting = ExamSitting(congress_id=congress_id)
            self.session.add(sitting)
        sitting.title = data.title
        sitting.exam_year = data.exam_year
        sitting.seat_limit = data.seat_limit
        sitting.oral_windows = windows
        sitting.applications_close_at = (
            aware_utc(data.applications_close_at, "applications_close_at") if data.applications_close_at else None
        )
        sitting.written_starts_at = (
            aware_utc(data.written_starts_at, "written_starts_at") if data.written_starts_at else None
        )
        for name in (
            "written_minutes",
            "written_questions",
            "written_pass_mark",
            "slot_minutes",
            "panel_size",
            "max_consecutive",
            "oral_max",
            "oral_pass_mark",
            "fee_eur",
            "reduced_fee_eur",
            "free_retakes",
            "validity_years",
        ):
            setattr(sitting, name, getattr(data, name))
        await flush_or_conflict(self.session, "The sitting")
        await self._sync_workstations(sitting, rooms)
        await self.allocate(sitting)
        return await self._sitting_read(sitting)

    async def _sync_workstations(self, sitting: ExamSitting, rooms: Sequence[Room]) -> None:
        wanted = {
            (room.id, n)
            for room in rooms
            for n in range(1, int(room.equipment.get(Equipment.EXAM_WORKSTATION.value, 0)) + 1)
        }
        existing = {
            (w.room_id, w.number): w
            for w in await self.session.scalars(select(ExamWorkstation).where(ExamWorkstation.sitting_id == sitting.id))
        }
        stale = [w for key, w in existing.items() if key not in wanted]
        if stale:
            used = await self.session.scalar(
                select(func.count()).select_from(ExamSlot).where(ExamSlot.workstation_id.in_([w.id for w in stale]))
            )
            if used:
                raise Conflict(
                    "A workstation that would go away still hosts slots; move or delete them first",
                    code="workstation_in_use",
                )
            for w in stale:
                await self.session.delete(w)
        for room_id, number in sorted(wanted - existing.keys()):
            self.session.add(ExamWorkstation(sitting_id=sitting.id, room_id=room_id, number=number))
        await self.session.flush()

    # --- applications and seats ------------------------------------------------------------------------------

    def _visible_applications(self) -> ColumnElement[bool]:
        if self.organiser:
            return true()
        if self._my_role(Role.CANDIDATE) and self.principal is not None and self.principal.person_id is not None:
            return ExamApplication.person_id == self.principal.person_id
        return false()

    def _checks(self, sitting: ExamSitting, application: ExamApplication, facts: Facts) -> list[Check]:
        return rules.eligibility(
            documents_of(application.documents),
            exam_year=sitting.exam_year,
            application_year=application.received_at.year,
            memberships=facts.memberships.get(application.person_id, []),
            has_programme_director=application.programme_director_id is not None,
            has_letter_writer=application.letter_writer_id is not None,
        )

    async def allocate(self, sitting: ExamSitting) -> None:
        """Give free seats first come, first served; promote from the waiting list; free the seats of the
        ineligible. Runs after every change that can move a seat, with the sitting row locked."""
        await self.session.execute(select(ExamSitting.id).where(ExamSitting.id == sitting.id).with_for_update())
        apps = list(
            await self.session.scalars(
                select(ExamApplication).where(
                    ExamApplication.sitting_id == sitting.id, ExamApplication.status.in_(SEATED)
                )
            )
        )
        facts = await self._facts(sitting, (a.person_id for a in apps))
        seats = [
            rules.Seat(
                key=a.id,
                admitted=a.status is ApplicationStatus.ADMITTED,
                eligible=all(c.met for c in self._checks(sitting, a, facts)),
                received_at=a.received_at,
            )
            for a in apps
        ]
        result = rules.allocate(seats, sitting.seat_limit)
        status = dict.fromkeys(result.admitted, ApplicationStatus.ADMITTED)
        status.update(dict.fromkeys(result.waitlisted, ApplicationStatus.WAITLISTED))
        status.update(dict.fromkeys(result.applied, ApplicationStatus.APPLIED))
        lost = [
            a.id
            for a in apps
            if a.status is ApplicationStatus.ADMITTED and status[a.id] is not ApplicationStatus.ADMITTED
        ]
        for a in apps:
            a.status = status[a.id]
        if lost:
            await self.session.execute(delete(ExamSlot).where(ExamSlot.application_id.in_(lost)))
        await self.session.flush()

    async def _application_reads(
        self, sitting: ExamSitting, rows: Sequence[tuple[ExamApplication, Person]]
    ) -> list[ApplicationRead]:
        tz = await self._zone(sitting.congress_id)
        facts = await self._facts(sitting, (a.person_id for a, _ in rows))
        waiting = list(
            await self.session.scalars(
                select(ExamApplication.id)
                .where(ExamApplication.sitting_id == sitting.id, ExamApplication.status == ApplicationStatus.WAITLISTED)
                .order_by(ExamApplication.received_at, ExamApplication.id)
            )
        )
        position = {key: n for n, key in enumerate(waiting, start=1)}
        reads = []
        for a, person in rows:
            checks = self._checks(sitting, a, facts)
            failures = facts.failures.get(a.person_id, 0)
            reads.append(
                ApplicationRead(
                    id=a.id,
                    sitting_id=a.sitting_id,
                    person_id=a.person_id,
                    name=person.name,
                    email=person.email,
                    institution=person.institution,
                    received_at=a.received_at.astimezone(tz),
                    status=a.status,
                    waitlist_position=position.get(a.id),
                    eligible=all(c.met for c in checks),
                    checks=checks,
                    documents=documents_of(a.documents),
                    programme_director_id=a.programme_director_id,
                    letter_writer_id=a.letter_writer_id,
                    preferred_windows=_local_windows(a.preferred_windows, tz),
                    previous_failures=failures,
                    fee_eur=rules.fee(
                        failures,
                        fee_eur=sitting.fee_eur,
                        reduced_fee_eur=sitting.reduced_fee_eur,
                        free_retakes=sitting.free_retakes,
                        good_standing=self._is_essr_member(facts, a.person_id, sitting.exam_year),
                    ),
                    registered=a.person_id in facts.registered,
                    withdrawn_at=a.withdrawn_at.astimezone(tz) if a.withdrawn_at else None,
                )
            )
        return reads

    def _applications(self, sitting: ExamSitting) -> Select[tuple[ExamApplication, Person]]:
        return (
            select(ExamApplication, Person)
            .join(Person, Person.id == ExamApplication.person_id)
            .where(ExamApplication.sitting_id == sitting.id, self._visible_applications())
        )

    async def list_applications(
        self, congress_id: uuid.UUID, status: ApplicationStatus | None = None
    ) -> list[ApplicationRead]:
        sitting = await self.sitting(congress_id)
        stmt = self._applications(sitting).order_by(ExamApplication.received_at, ExamApplication.id)
        if status is not None:
            stmt = stmt.where(ExamApplication.status == status)
        return await self._application_reads(sitting, (await self.session.execute(stmt)).tuples().all())

    async def _application(
        self, sitting: ExamSitting, application_id: uuid.UUID, *, lock: bool = False
    ) -> tuple[ExamApplication, Person]:
        stmt = self._applications(sitting).where(ExamApplication.id == application_id)
        if lock:
            stmt = stmt.with_for_update(of=ExamApplication)
        row = (await self.session.execute(stmt)).tuples().one_or_none()
        if row is None:
            raise NotFound(f"No application with id {application_id}")
        return row

    async def get_application(self, congress_id: uuid.UUID, application_id: uuid.UUID) -> ApplicationRead:
        sitting = await self.sitting(congress_id)
        (read,) = await self._application_reads(sitting, [await self._application(sitting, application_id)])
        return read

    def _check_reviews(self, documents: Iterable[object]) -> None:
        if self.organiser:
            return
        for document in documents:
            status = getattr(document, "status", None)
            if status in REVIEW_STATUSES:
                raise InvalidInput(
                    "Only organisers accept or reject documents; submit them instead",
                    code="review_by_organiser",
                    field="documents",
                )

    async def _person_exists(self, person_id: uuid.UUID | None, field: str) -> None:
        if person_id is not None and await self.session.get(Person, person_id) is None:
            raise InvalidInput(f"No person with id {person_id}", code="unknown_person", field=field)

    async def apply(self, congress_id: uuid.UUID, data: ApplicationCreate) -> ApplicationRead:
        sitting = await self.sitting(congress_id, lock=True)
        if self.organiser:
            if data.person_id is None:
                raise InvalidInput("Name the candidate", code="person_required", field="person_id")
            person_id = data.person_id
            received = aware_utc(data.received_at, "received_at") if data.received_at else now()
        else:
            person_id = self._me()
            if data.person_id not in (None, person_id):
                raise Forbidden("Candidates apply for themselves", code="not_own_application")
            if data.received_at is not None:
                raise InvalidInput(
                    "The date received is set when the application arrives",
                    code="received_at_organiser_only",
                    field="received_at",
                )
            received = now()
            if sitting.applications_close_at is not None and received > sitting.applications_close_at:
                raise InvalidInput("Applications for this sitting are closed", code="applications_closed")
        await self._person_exists(person_id, "person_id")
        await self._person_exists(data.programme_director_id, "programme_director_id")
        await self._person_exists(data.letter_writer_id, "letter_writer_id")
        documents = data.documents
        self._check_reviews(getattr(documents, key) for key in DOCUMENT_KEYS)
        if await self.session.scalar(
            select(func.count())
            .select_from(Examiner)
            .where(Examiner.sitting_id == sitting.id, Examiner.person_id == person_id)
        ):
            raise Conflict("An examiner of this sitting cannot sit it", code="examiner_cannot_apply")
        application = ExamApplication(
            sitting_id=sitting.id,
            person_id=person_id,
            received_at=received,
            status=ApplicationStatus.APPLIED,
            documents=to_json(documents),
            programme_director_id=data.programme_director_id,
            letter_writer_id=data.letter_writer_id,
            preferred_windows=store_windows(data.preferred_windows, "preferred_windows"),
        )
        self.session.add(application)
        await flush_or_conflict(self.session, "The application")
        await self.allocate(sitting)
        return await self.get_application(congress_id, application.id)

    async def update_application(
        self, congress_id: uuid.UUID, application_id: uuid.UUID, data: ApplicationUpdate
    ) -> ApplicationRead:
        sitting = await self.sitting(congress_id, lock=True)
        application, _ = await self._application(sitting, application_id, lock=True)
        if application.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED):
            raise Conflict(f"The application is {application.status}", code="application_closed")
        fields = changes(data)
        if "documents" in fields:
            update = changes(fields["documents"])
            self._check_reviews(update.values())
            current = to_json(documents_of(application.documents))
            current.update(msgspec.to_builtins(update))
            application.documents = to_json(documents_of(current))
        for field in ("programme_director_id", "letter_writer_id"):
            if field in fields:
                await self._person_exists(fields[field], field)
                setattr(application, field, fields[field])
        if "preferred_windows" in fields:
            application.preferred_windows = store_windows(fields["preferred_windows"], "preferred_windows")
        await self.session.flush()
        await self.allocate(sitting)
        return await self.get_application(congress_id, application_id)

    async def withdraw(self, congress_id: uuid.UUID, application_id: uuid.UUID) -> ApplicationRead:
        return await self._close(congress_id, application_id, ApplicationStatus.WITHDRAWN)

    async def reject(self, congress_id: uuid.UUID, application_id: uuid.UUID) -> ApplicationRead:
        return await self._close(congress_id, application_id, ApplicationStatus.REJECTED)

    async def _close(
        self, congress_id: uuid.UUID, application_id: uuid.UUID, status: ApplicationStatus
    ) -> ApplicationRead:
        sitting = await self.sitting(congress_id, lock=True)
        application, _ = await self._application(sitting, application_id, lock=True)
        if application.status not in SEATED:
            raise Conflict(f"The application is already {application.status}", code="application_closed")
        application.status = status
        application.withdrawn_at = now()
        await self.session.execute(delete(ExamSlot).where(ExamSlot.application_id == application.id))
        await self.session.flush()
        await self.allocate(sitting)
        return await self.get_application(congress_id, application_id)

    # --- examiners and conflicts ----------------------------------------------------------------------------

    def _visible_examiners(self) -> ColumnElement[bool]:
        if self.organiser:
            return true()
        if self._my_role(Role.EXAMINER) and self.principal is not None and self.principal.person_id is not None:
            return Examiner.person_id == self.principal.person_id
        return false()

    async def _examiner_reads(
        self, sitting: ExamSitting, rows: Sequence[tuple[Examiner, Person]]
    ) -> list[ExaminerRead]:
        tz = await self._zone(sitting.congress_id)
        facts = await self._facts(sitting, (e.person_id for e, _ in rows))
        load = dict(
            (
                await self.session.execute(
                    select(ExamPanelSeat.examiner_id, func.count())
                    .join(ExamSlot, ExamSlot.id == ExamPanelSeat.slot_id)
                    .where(ExamSlot.sitting_id == sitting.id)
                    .group_by(ExamPanelSeat.examiner_id)
                )
            )
            .tuples()
            .all()
        )
        reads = []
        for examiner, person in rows:
            member = self._is_essr_member(facts, person.id, sitting.exam_year)
            reasons = []
            if examiner.status is ExaminerStatus.WITHDRAWN:
                reasons.append("withdrawn")
            if not member:
                reasons.append(f"holds no ESSR membership for {sitting.exam_year}")
            if examiner.contribution_approved_at is None:
                reasons.append("the contribution to MSK radiology is not yet approved")
            reads.append(
                ExaminerRead(
                    id=examiner.id,
                    person_id=person.id,
                    name=person.name,
                    email=person.email,
                    institution=person.institution,
                    status=examiner.status,
                    contribution=examiner.contribution,
                    contribution_approved_at=examiner.contribution_approved_at.astimezone(tz)
                    if examiner.contribution_approved_at
                    else None,
                    essr_member=member,
                    max_slots=examiner.max_slots,
                    reasons=reasons,
                    slots=int(load.get(person.id, 0)),
                )
            )
        return reads

    def _examiners(self, sitting: ExamSitting) -> Select[tuple[Examiner, Person]]:
        return (
            select(Examiner, Person)
            .join(Person, Person.id == Examiner.person_id)
            .where(Examiner.sitting_id == sitting.id, self._visible_examiners())
        )

    async def list_examiners(self, congress_id: uuid.UUID) -> list[ExaminerRead]:
        sitting = await self.sitting(congress_id)
        rows = (await self.session.execute(self._examiners(sitting).order_by(Person.name, Person.id))).tuples().all()
        return await self._examiner_reads(sitting, rows)

    async def _examiner(self, sitting: ExamSitting, examiner_id: uuid.UUID) -> tuple[Examiner, Person]:
        row = (
            (await self.session.execute(self._examiners(sitting).where(Examiner.id == examiner_id)))
            .tuples()
            .one_or_none()
        )
        if row is None:
            raise NotFound(f"No examiner with id {examiner_id}")
        return row

    async def get_examiner(self, congress_id: uuid.UUID, examiner_id: uuid.UUID) -> ExaminerRead:
        sitting = await self.sitting(congress_id)
        (read,) = await self._examiner_reads(sitting, [await self._examiner(sitting, examiner_id)])
        return read

    async def _appointable(self, sitting: ExamSitting, person: Person) -> None:
        facts = await self._facts(sitting, [person.id])
        if not self._is_essr_member(facts, person.id, sitting.exam_year):
            raise InvalidInput(
                f"{person.name} holds no ESSR membership for {sitting.exam_year}; only ESSR members examine",
                code="not_essr_member",
                field="approve",
            )

    async def add_examiner(self, congress_id: uuid.UUID, data: ExaminerCreate) -> ExaminerRead:
        sitting = await self.sitting(congress_id)
        person = await self.session.get(Person, data.person_id)
        if person is None:
            raise InvalidInput(f"No person with id {data.person_id}", code="unknown_person", field="person_id")
        if await self.session.scalar(
            select(func.count())
            .select_from(ExamApplication)
            .where(
                ExamApplication.sitting_id == sitting.id,
                ExamApplication.person_id == person.id,
                ExamApplication.status.in_(SEATED),
            )
        ):
            raise Conflict(f"{person.name} is a candidate of this sitting", code="candidate_cannot_examine")
        examiner = Examiner(
            sitting_id=sitting.id,
            person_id=person.id,
            status=ExaminerStatus.PROPOSED,
            contribution=data.contribution,
            max_slots=data.max_slots,
        )
        if data.approve:
            await self._appointable(sitting, person)
            examiner.contribution_approved_at = now()
            examiner.status = ExaminerStatus.APPOINTED
        self.session.add(examiner)
        await flush_or_conflict(self.session, "The examiner")
        return await self.get_examiner(congress_id, examiner.id)

    async def update_examiner(
        self, congress_id: uuid.UUID, examiner_id: uuid.UUID, data: ExaminerUpdate
    ) -> ExaminerRead:
        sitting = await self.sitting(congress_id)
        examiner, person = await self._examiner(sitting, examiner_id)
        fields = changes(data)
        if "contribution" in fields:
            examiner.contribution = fields["contribution"]
        if "max_slots" in fields:
            examiner.max_slots = fields["max_slots"]
        if fields.get("approve") is True:
            await self._appointable(sitting, person)
            examiner.contribution_approved_at = examiner.contribution_approved_at or now()
        elif fields.get("approve") is False:
            examiner.contribution_approved_at = None
        if fields.get("withdrawn") is True:
            examiner.status = ExaminerStatus.WITHDRAWN
            # The examiner dropped out: their panel seats are freed; a minimal-change solve refills them.
            slot_ids = select(ExamSlot.id).where(ExamSlot.sitting_id == sitting.id)
            await self.session.execute(
                delete(ExamPanelSeat).where(ExamPanelSeat.examiner_id == person.id, ExamPanelSeat.slot_id.in_(slot_ids))
            )
        elif examiner.status is not ExaminerStatus.WITHDRAWN or fields.get("withdrawn") is False:
            examiner.status = (
                ExaminerStatus.APPOINTED if examiner.contribution_approved_at is not None else ExaminerStatus.PROPOSED
            )
        await self.session.flush()
        return await self.get_examiner(congress_id, examiner_id)

    async def declared_conflicts(self, sitting: ExamSitting) -> list[ExamConflict]:
        return list(await self.session.scalars(select(ExamConflict).where(ExamConflict.sitting_id == sitting.id)))

    async def conflict_pairs(self, sitting: ExamSitting) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[str, str]]:
        """Every (examiner, candidate) pair that must not meet, with its source and reason."""
        examiners = list(
            (
                await self.session.execute(
                    select(Examiner.person_id, Person.institution)
                    .join(Person, Person.id == Examiner.person_id)
                    .where(Examiner.sitting_id == sitting.id)
                )
            ).tuples()
        )
        candidates = list(
            (
                await self.session.execute(
                    select(
                        ExamApplication.person_id,
                        Person.institution,
                        ExamApplication.programme_director_id,
                        ExamApplication.letter_writer_id,
                    )
                    .join(Person, Person.id == ExamApplication.person_id)
                    .where(ExamApplication.sitting_id == sitting.id, ExamApplication.status.in_(SEATED))
                )
            ).tuples()
        )
        pairs: dict[tuple[uuid.UUID, uuid.UUID], tuple[str, str]] = {}
        for conflict in await self.declared_conflicts(sitting):
            pairs[(conflict.examiner_id, conflict.candidate_id)] = ("declared", conflict.reason or "declared conflict")
        for examiner_id, examiner_institution in examiners:
            for candidate_id, institution, director_id, writer_id in candidates:
                key = (examiner_id, candidate_id)
                if key in pairs:
                    continue
                if examiner_id == director_id:
                    pairs[key] = ("programme director", "the candidate's programme director")
                elif examiner_id == writer_id:
                    pairs[key] = ("letter writer", "wrote the candidate's letter of support")
                elif institution.strip() and institution.strip().casefold() == examiner_institution.strip().casefold():
                    pairs[key] = ("same institution", f"same institution ({institution.strip()})")
        return pairs

    async def list_conflicts(self, congress_id: uuid.UUID) -> list[ConflictRead]:
        sitting = await self.sitting(congress_id)
        pairs = await self.conflict_pairs(sitting)
        if not self.organiser:
            me = self._me()
            pairs = {key: value for key, value in pairs.items() if key[0] == me}
        declared = {(c.examiner_id, c.candidate_id): c.id for c in await self.declared_conflicts(sitting)}
        names = dict(
            (
                await self.session.execute(
                    select(Person.id, Person.name).where(Person.id.in_({p for pair in pairs for p in pair}))
                )
            )
            .tuples()
            .all()
        )
        reads = [
            ConflictRead(
                id=declared.get(key) or uuid.uuid5(uuid.NAMESPACE_OID, f"{sitting.id}:{key[0]}:{key[1]}"),
                examiner_id=key[0],
                examiner=names.get(key[0], ""),
                candidate_id=key[1],
                candidate=names.get(key[1], ""),
                reason=reason,
                source=source,
            )
            for key, (source, reason) in pairs.items()
        ]
        return sorted(reads, key=lambda r: (r.examiner, r.candidate, r.source))

    async def declare_conflict(self, congress_id: uuid.UUID, data: ConflictCreate) -> ConflictRead:
        sitting = await self.sitting(congress_id)
        if self.organiser:
            if data.examiner_id is None:
                raise InvalidInput("Name the examiner", code="examiner_required", field="examiner_id")
            examiner_id = data.examiner_id
        else:
            examiner_id = self._me()
            if data.examiner_id not in (None, examiner_id):
                raise Forbidden("Examiners declare their own conflicts", code="not_own_conflict")
        if not await self.session.scalar(
            select(func.count())
            .select_from(Examiner)
            .where(Examiner.sitting_id == sitting.id, Examiner.person_id == examiner_id)
        ):
            raise InvalidInput("Not an examiner of this sitting", code="unknown_examiner", field="examiner_id")
        if not await self.session.scalar(
            select(func.count())
            .select_from(ExamApplication)
            .where(ExamApplication.sitting_id == sitting.id, ExamApplication.person_id == data.candidate_id)
        ):
            raise InvalidInput("Not a candidate of this sitting", code="unknown_candidate", field="candidate_id")
        conflict = ExamConflict(
            sitting_id=sitting.id, examiner_id=examiner_id, candidate_id=data.candidate_id, reason=data.reason
        )
        self.session.add(conflict)
        await flush_or_conflict(self.session, "The conflict")
        # A conflicted panel seat already booked is freed; a minimal-change solve replaces the examiner.
        slot_ids = (
            select(ExamSlot.id)
            .join(ExamApplication, ExamApplication.id == ExamSlot.application_id)
            .where(ExamSlot.sitting_id == sitting.id, ExamApplication.person_id == data.candidate_id)
        )
        await self.session.execute(
            delete(ExamPanelSeat).where(ExamPanelSeat.examiner_id == examiner_id, ExamPanelSeat.slot_id.in_(slot_ids))
        )
        names = dict(
            (
                await self.session.execute(
                    select(Person.id, Person.name).where(Person.id.in_([examiner_id, data.candidate_id]))
                )
            )
            .tuples()
            .all()
        )
        return ConflictRead(
            id=conflict.id,
            examiner_id=examiner_id,
            examiner=names[examiner_id],
            candidate_id=data.candidate_id,
            candidate=names[data.candidate_id],
            reason=conflict.reason or "declared conflict",
            source="declared",
        )

    async def delete_conflict(self, congress_id: uuid.UUID, conflict_id: uuid.UUID) -> None:
        sitting = await self.sitting(congress_id)
        conflict = await get_or_404(self.session, ExamConflict, conflict_id, ExamConflict.sitting_id == sitting.id)
        await self.session.delete(conflict)
        await self.session.flush()

    # --- slots -------------------------------------------------------------------------------------------------

    def _visible_slots(self) -> ColumnElement[bool]:
        if self.organiser:
            return true()
        if self.principal is None or self.principal.person_id is None:
            return false()
        me = self.principal.person_id
        if self.principal.role is Role.EXAMINER:
            return ExamSlot.id.in_(select(ExamPanelSeat.slot_id).where(ExamPanelSeat.examiner_id == me))
        if self.principal.role is Role.CANDIDATE:
            return ExamApplication.person_id == me
        return false()

    async def _slot_reads(self, sitting: ExamSitting, where: ColumnElement[bool] | None = None) -> list[SlotRead]:
        tz = await self._zone(sitting.congress_id)
        stmt = (
            select(ExamSlot, ExamApplication, Person, ExamWorkstation, Room.name)
            .join(ExamApplication, ExamApplication.id == ExamSlot.application_id)
            .join(Person, Person.id == ExamApplication.person_id)
            .join(ExamWorkstation, ExamWorkstation.id == ExamSlot.workstation_id)
            .join(Room, Room.id == ExamWorkstation.room_id)
            .where(ExamSlot.sitting_id == sitting.id, self._visible_slots())
            .order_by(ExamSlot.starts_at, Room.name, ExamWorkstation.number)
        )
        if where is not None:
            stmt = stmt.where(where)
        rows = (await self.session.execute(stmt)).tuples().all()
        panels: dict[uuid.UUID, list[PanelMember]] = defaultdict(list)
        if rows:
            for slot_id, person_id, name in (
                await self.session.execute(
                    select(ExamPanelSeat.slot_id, Person.id, Person.name)
                    .join(Person, Person.id == ExamPanelSeat.examiner_id)
                    .where(ExamPanelSeat.slot_id.in_([r[0].id for r in rows]))
                    .order_by(Person.name, Person.id)
                )
            ).tuples():
                panels[slot_id].append(PanelMember(person_id=person_id, name=name))
        return [
            SlotRead(
                id=slot.id,
                application_id=application.id,
                candidate_id=person.id,
                candidate=person.name,
                workstation_id=station.id,
                workstation=f"{room} #{station.number}",
                room=room,
                starts_at=slot.starts_at.astimezone(tz),
                ends_at=slot.ends_at.astimezone(tz),
                panel=panels.get(slot.id, []),
                pinned=slot.pinned,
                revision=slot.revision,
                checked_in_at=slot.checked_in_at.astimezone(tz) if slot.checked_in_at else None,
            )
            for slot, application, person, station, room in rows
        ]

    async def list_slots(self, congress_id: uuid.UUID) -> list[SlotRead]:
        return await self._slot_reads(await self.sitting(congress_id))

    async def get_slot(self, congress_id: uuid.UUID, slot_id: uuid.UUID) -> SlotRead:
        reads = await self._slot_reads(await self.sitting(congress_id), ExamSlot.id == slot_id)
        if not reads:
            raise NotFound(f"No exam slot with id {slot_id}")
        return reads[0]

    async def _busy(
        self, congress_id: uuid.UUID, person_id: uuid.UUID, start: dt.datetime, end: dt.datetime
    ) -> str | None:
        """What a person does in the released programme (teaching, a workshop seat) that overlaps a span."""
        teaching = (
            select(PublishedEvent.title)
            .join(PublishedFaculty, PublishedFaculty.event_id == PublishedEvent.id)
            .where(
                PublishedEvent.congress_id == congress_id,
                PublishedEvent.cancelled.is_(False),
                PublishedFaculty.person_id == person_id,
                PublishedEvent.starts_at < end,
                start < PublishedEvent.ends_at,
            )
        )
        title = (await self.session.scalars(teaching.limit(1))).first()
        if title is not None:
            return f"teaches '{title}' then"
        seat = (
            select(PublishedEvent.title)
            .join(
                WorkshopSeat,
                (WorkshopSeat.item_id == PublishedEvent.item_id) & (WorkshopSeat.run == PublishedEvent.run),
            )
            .where(
                PublishedEvent.congress_id == congress_id,
                PublishedEvent.cancelled.is_(False),
                WorkshopSeat.person_id == person_id,
                PublishedEvent.starts_at < end,
                start < PublishedEvent.ends_at,
            )
        )
        title = (await self.session.scalars(seat.limit(1))).first()
        if title is not None:
            return f"holds a seat in '{title}' then"
        away = (
            await self.session.scalars(
                select(Availability.reason).where(
                    Availability.congress_id == congress_id,
                    Availability.person_id == person_id,
                    Availability.kind == AvailabilityKind.UNAVAILABLE,
                    Availability.starts_at < end,
                    start < Availability.ends_at,
                )
            )
        ).first()
        if away is not None:
            return "is unavailable then" + (f" ({away})" if away else "")
        return None

    async def _check_slot(
        self,
        sitting: ExamSitting,
        application: ExamApplication,
        person: Person,
        station_id: uuid.UUID,
        start: dt.datetime,
        examiner_ids: Sequence[uuid.UUID],
    ) -> dt.datetime:
        """Every rule a hand-placed slot must keep; overlaps are left to the database. Returns the end."""
        if application.status is not ApplicationStatus.ADMITTED:
            raise Conflict(f"{person.name} is {application.status}, not admitted", code="not_admitted")
        end = start + dt.timedelta(minutes=sitting.slot_minutes)
        if not any(ws <= start and end <= we for ws, we in windows_of(sitting.oral_windows)):
            raise InvalidInput("The slot lies outside the oral windows", code="outside_oral_window", field="starts_at")
        station = await self.session.get(ExamWorkstation, station_id)
        if station is None or station.sitting_id != sitting.id:
            raise InvalidInput("Not a workstation of this sitting", code="unknown_workstation", field="workstation_id")
        if len(set(examiner_ids)) != len(examiner_ids) or len(examiner_ids) != sitting.panel_size:
            raise InvalidInput(
                f"A panel has {sitting.panel_size} different examiners", code="panel_size", field="examiner_ids"
            )
        facts = await self._facts(sitting, [person.id, *examiner_ids])
        if person.id not in facts.registered:
            raise Conflict(
                f"{person.name} has no active registration for the congress, which the oral requires",
                code="not_registered",
            )
        examiners = dict(
            (
                await self.session.execute(
                    select(Examiner.person_id, Examiner).where(
                        Examiner.sitting_id == sitting.id, Examiner.person_id.in_(examiner_ids)
                    )
                )
            )
            .tuples()
            .all()
        )
        pairs = await self.conflict_pairs(sitting)
        names = dict(
            (await self.session.execute(select(Person.id, Person.name).where(Person.id.in_(examiner_ids))))
            .tuples()
            .all()
        )
        for examiner_id in examiner_ids:
            examiner = examiners.get(examiner_id)
            name = names.get(examiner_id, str(examiner_id))
            if examiner is None or examiner.status is not ExaminerStatus.APPOINTED:
                raise InvalidInput(f"{name} is not an appointed examiner", code="not_appointed", field="examiner_ids")
            if not self._is_essr_member(facts, examiner_id, sitting.exam_year):
                raise InvalidInput(
                    f"{name} holds no ESSR membership for {sitting.exam_year}",
                    code="not_essr_member",
                    field="examiner_ids",
                )
            if (examiner_id, person.id) in pairs:
                raise InvalidInput(
                    f"{name} has a conflict of interest with {person.name}: {pairs[(examiner_id, person.id)][1]}",
                    code="conflict_of_interest",
                    field="examiner_ids",
                )
            busy = await self._busy(sitting.congress_id, examiner_id, start, end)
            if busy is not None:
                raise Conflict(f"{name} {busy}", code="examiner_busy")
        busy = await self._busy(sitting.congress_id, person.id, start, end)
        if busy is not None:
            raise Conflict(f"{person.name} {busy}", code="candidate_busy")
        return end

    async def create_slot(self, congress_id: uuid.UUID, data: SlotCreate) -> SlotRead:
        sitting = await self.sitting(congress_id)
        application, person = await self._application(sitting, data.application_id, lock=True)
        start = aware_utc(data.starts_at, "starts_at")
        end = await self._check_slot(sitting, application, person, data.workstation_id, start, data.examiner_ids)
        slot = ExamSlot(
            sitting_id=sitting.id,
            application_id=application.id,
            workstation_id=data.workstation_id,
            starts_at=start,
            ends_at=end,
            pinned=data.pinned,
        )
        self.session.add(slot)
        await flush_slots(self.session)
        for examiner_id in data.examiner_ids:
            self.session.add(ExamPanelSeat(slot_id=slot.id, examiner_id=examiner_id, starts_at=start, ends_at=end))
        await flush_slots(self.session)
        return await self.get_slot(congress_id, slot.id)

    async def _slot_row(self, sitting: ExamSitting, slot_id: uuid.UUID) -> ExamSlot:
        slot = (
            await self.session.scalars(
                select(ExamSlot).where(ExamSlot.id == slot_id, ExamSlot.sitting_id == sitting.id).with_for_update()
            )
        ).one_or_none()
        if slot is None:
            raise NotFound(f"No exam slot with id {slot_id}")
        return slot

    async def update_slot(self, congress_id: uuid.UUID, slot_id: uuid.UUID, data: SlotUpdate) -> SlotRead:
        sitting = await self.sitting(congress_id)
        slot = await self._slot_row(sitting, slot_id)
        application, person = await self._application(sitting, slot.application_id)
        fields = changes(data)
        panel = list(
            await self.session.scalars(select(ExamPanelSeat.examiner_id).where(ExamPanelSeat.slot_id == slot.id))
        )
        examiner_ids = fields.get("examiner_ids", panel)
        start = aware_utc(fields["starts_at"], "starts_at") if "starts_at" in fields else slot.starts_at
        station_id = fields.get("workstation_id", slot.workstation_id)
        end = await self._check_slot(sitting, application, person, station_id, start, examiner_ids)
        slot.starts_at, slot.ends_at, slot.workstation_id = start, end, station_id
        slot.pinned = fields.get("pinned", slot.pinned)
        slot.revision += 1
        await self.session.execute(delete(ExamPanelSeat).where(ExamPanelSeat.slot_id == slot.id))
        await flush_slots(self.session)
        for examiner_id in examiner_ids:
            self.session.add(ExamPanelSeat(slot_id=slot.id, examiner_id=examiner_id, starts_at=start, ends_at=end))
        await flush_slots(self.session)
        return await self.get_slot(congress_id, slot.id)

    async def delete_slot(self, congress_id: uuid.UUID, slot_id: uuid.UUID) -> None:
        sitting = await self.sitting(congress_id)
        slot = await self._slot_row(sitting, slot_id)
        await self.session.delete(slot)
        await self.session.flush()

    async def check_in(self, congress_id: uuid.UUID, slot_id: uuid.UUID) -> SlotRead:
        """At the exam: the candidate is here; their congress registration must still be active."""
        sitting = await self.sitting(congress_id)
        if not (self.organiser or self._my_role(Role.EXAMINER)):
            raise Forbidden("Examiners and organisers check candidates in")
        reads = await self._slot_reads(sitting, ExamSlot.id == slot_id)
        if not reads:
            raise NotFound(f"No exam slot with id {slot_id}")
        slot = await self._slot_row(sitting, slot_id)
        facts = await self._facts(sitting, [reads[0].candidate_id])
        if reads[0].candidate_id not in facts.registered:
            raise Conflict(
                f"{reads[0].candidate} has no active registration for the congress; the oral cannot be sat",
                code="not_registered",
            )
        slot.checked_in_at = slot.checked_in_at or now()
        await self.session.flush()
        return await self.get_slot(congress_id, slot_id)

    # --- marks and results -----------------------------------------------------------------------------------

    async def set_written(self, congress_id: uuid.UUID, application_id: uuid.UUID, data: WrittenScore) -> ResultRead:
        sitting = await self.sitting(congress_id)
        application, _ = await self._application(sitting, application_id, lock=True)
        self._written_in_range(sitting, data.score, "score")
        application.written_score = data.score
        await self.session.flush()
        return await self.result(congress_id, application_id)

    @staticmethod
    def _written_in_range(sitting: ExamSitting, score: int, field: str) -> None:
        if score > sitting.written_questions:
            raise InvalidInput(
                f"A written score lies between 0 and {sitting.written_questions}", code="score_range", field=field
            )

    async def import_written(self, congress_id: uuid.UUID, data: WrittenScoresImport) -> WrittenScoresReport:
        """All rows or none: every row is checked before anything is written."""
        sitting = await self.sitting(congress_id)
        emails = [row.email.strip().lower() for row in data.rows]
        apps = {
            person.email: application
            for application, person in (
                await self.session.execute(
                    select(ExamApplication, Person)
                    .join(Person, Person.id == ExamApplication.person_id)
                    .where(ExamApplication.sitting_id == sitting.id, Person.email.in_(emails))
                    .with_for_update(of=ExamApplication)
                )
            ).tuples()
        }
        problems: list[str] = []
        seen: set[str] = set()
        for number, (email, row) in enumerate(zip(emails, data.rows, strict=True), start=1):
            if email in seen:
                problems.append(f"row {number}: {email} appears twice")
            seen.add(email)
            if email not in apps:
                problems.append(f"row {number}: {email} has no application in this sitting")
            if row.score > sitting.written_questions:
                problems.append(f"row {number}: score {row.score} is above {sitting.written_questions}")
        if problems:
            raise InvalidInput("; ".join(problems[:50]), code="invalid_rows", field="rows")
        updated = unchanged = 0
        for email, row in zip(emails, data.rows, strict=True):
            application = apps[email]
            if application.written_score == row.score:
                unchanged += 1
            else:
                application.written_score = row.score
                updated += 1
        await self.session.flush()
        return WrittenScoresReport(updated=updated, unchanged=unchanged)

    async def set_mark(self, congress_id: uuid.UUID, slot_id: uuid.UUID, data: MarkWrite) -> MarkRead:
        sitting = await self.sitting(congress_id)
        slot = await self._slot_row(sitting, slot_id)
        panel = set(
            await self.session.scalars(select(ExamPanelSeat.examiner_id).where(ExamPanelSeat.slot_id == slot.id))
        )
        if self.organiser:
            if data.examiner_id is None:
                raise InvalidInput("Name the examiner of this mark", code="examiner_required", field="examiner_id")
            examiner_id = data.examiner_id
            if examiner_id not in panel:
                raise InvalidInput("This examiner is not on the slot's panel", code="not_on_panel", field="examiner_id")
        else:
            examiner_id = self._me()
            if examiner_id not in panel:
                raise NotFound(f"No exam slot with id {slot_id}")
            if data.examiner_id not in (None, examiner_id):
                raise Forbidden("Examiners enter their own marks", code="not_own_mark")
        if data.score > sitting.oral_max:
            raise InvalidInput(f"An oral mark lies between 0 and {sitting.oral_max}", code="score_range", field="score")
        if sitting.results_released_at is not None:
            raise Conflict("The results are released; marks can no longer change", code="results_released")
        mark = (
            await self.session.scalars(
                select(OralMark).where(
                    OralMark.application_id == slot.application_id, OralMark.examiner_id == examiner_id
                )
            )
        ).one_or_none()
        if mark is None:
            self.session.add(OralMark(application_id=slot.application_id, examiner_id=examiner_id, score=data.score))
        else:
            mark.score = data.score
        await flush_or_conflict(self.session, "The mark")
        name = await self.session.scalar(select(Person.name).where(Person.id == examiner_id))
        return MarkRead(examiner_id=examiner_id, examiner=name or "", score=data.score)

    async def _results(self, sitting: ExamSitting, where: ColumnElement[bool], *, reveal: bool) -> list[ResultRead]:
        rows = (
            (
                await self.session.execute(
                    select(ExamApplication, Person)
                    .join(Person, Person.id == ExamApplication.person_id)
                    .where(ExamApplication.sitting_id == sitting.id, where)
                    .order_by(Person.name, Person.id)
                )
            )
            .tuples()
            .all()
        )
        marks: dict[uuid.UUID, list[MarkRead]] = defaultdict(list)
        if rows:
            for application_id, examiner_id, name, score in (
                await self.session.execute(
                    select(OralMark.application_id, OralMark.examiner_id, Person.name, OralMark.score)
                    .join(Person, Person.id == OralMark.examiner_id)
                    .where(OralMark.application_id.in_([a.id for a, _ in rows]))
                    .order_by(Person.name)
                )
            ).tuples():
                marks[application_id].append(MarkRead(examiner_id=examiner_id, examiner=name, score=score))
        results = []
        for application, person in rows:
            if not reveal:
                results.append(
                    ResultRead(
                        application_id=application.id,
                        candidate_id=person.id,
                        candidate=person.name,
                        written_score=None,
                        written_passed=None,
                        oral_marks=[],
                        oral_score=None,
                        oral_passed=None,
                        total_percent=None,
                        outcome="pending",
                        reasons=["the results are not released yet"],
                        released=False,
                        diploma_valid_until=None,
                    )
                )
                continue
            got = rules.outcome(
                written_score=application.written_score,
                written_questions=sitting.written_questions,
                written_pass_mark=sitting.written_pass_mark,
                oral_marks=[m.score for m in marks[application.id]],
                panel_size=sitting.panel_size,
                oral_max=sitting.oral_max,
                oral_pass_mark=sitting.oral_pass_mark,
            )
            results.append(
                ResultRead(
                    application_id=application.id,
                    candidate_id=person.id,
                    candidate=person.name,
                    written_score=application.written_score,
                    written_passed=got.written_passed,
                    oral_marks=marks[application.id],
                    oral_score=round(float(got.oral_score), 2) if got.oral_score is not None else None,
                    oral_passed=got.oral_passed,
                    total_percent=round(float(got.total_percent), 2) if got.total_percent is not None else None,
                    outcome="passed" if got.outcome == "passed" else "failed" if got.outcome == "failed" else "pending",
                    reasons=got.reasons,
                    released=sitting.results_released_at is not None,
                    diploma_valid_until=application.diploma_valid_until,
                )
            )
        return results

    async def result(self, congress_id: uuid.UUID, application_id: uuid.UUID) -> ResultRead:
        """One candidate's result: organisers any time, the candidate once released, nobody else."""
        sitting = await self.sitting(congress_id)
        await self._application(sitting, application_id)
        reveal = self.organiser or sitting.results_released_at is not None
        (read,) = await self._results(sitting, ExamApplication.id == application_id, reveal=reveal)
        return read

    async def summary(self, congress_id: uuid.UUID) -> ResultsSummary:
        sitting = await self.sitting(congress_id)
        tz = await self._zone(congress_id)
        results = await self._results(sitting, ExamApplication.status == ApplicationStatus.ADMITTED, reveal=True)
        done = [r for r in results if r.outcome != "pending"]
        passed = sum(r.outcome == "passed" for r in results)
        written = [r.written_score for r in results if r.written_score is not None]
        oral = [r.oral_score for r in results if r.oral_score is not None]
        return ResultsSummary(
            candidates=len(results),
            complete=len(done),
            passed=passed,
            failed=sum(r.outcome == "failed" for r in results),
            pending=len(results) - len(done),
            pass_rate=round(passed / len(done), 4) if done else None,
            mean_written=round(sum(written) / len(written), 2) if written else None,
            mean_oral=round(sum(oral) / len(oral), 2) if oral else None,
            released_at=sitting.results_released_at.astimezone(tz) if sitting.results_released_at else None,
            results=results,
        )

    async def release_results(self, congress_id: uuid.UUID) -> ResultsSummary:
        """The examiners' meeting closes: outcomes are recorded, diplomas dated, candidates may read results."""
        sitting = await self.sitting(congress_id, lock=True)
        if sitting.results_released_at is not None:
            raise Conflict("The results are already released", code="results_released")
        summary = await self.summary(congress_id)
        pending = [r.candidate for r in summary.results if r.outcome == "pending"]
        if pending:
            raise Conflict(
                f"{len(pending)} result(s) are incomplete: " + ", ".join(pending[:10]), code="results_incomplete"
            )
        tz = await self._zone(congress_id)
        exam_days = {
            a: s.astimezone(tz).date()
            for a, s in (
                await self.session.execute(
                    select(ExamSlot.application_id, ExamSlot.starts_at).where(ExamSlot.sitting_id == sitting.id)
                )
            ).tuples()
        }
        released = now()
        outcomes = {r.application_id: r.outcome for r in summary.results}
        for application in await self.session.scalars(
            select(ExamApplication).where(ExamApplication.id.in_(outcomes)).with_for_update()
        ):
            application.passed = outcomes[application.id] == "passed"
            application.decided_at = released
            if application.passed:
                day = exam_days.get(application.id) or released.astimezone(tz).date()
                application.diploma_valid_until = rules.valid_until(day, sitting.validity_years)
        sitting.results_released_at = released
        await self.session.flush()
        return await self.summary(congress_id)

    async def my_result(self, congress_id: uuid.UUID) -> ResultRead:
        sitting = await self.sitting(congress_id)
        me = self._me()
        application_id = await self.session.scalar(
            select(ExamApplication.id).where(ExamApplication.sitting_id == sitting.id, ExamApplication.person_id == me)
        )
        if application_id is None:
            raise NotFound("You have no application in this sitting")
        return await self.result(congress_id, application_id)
