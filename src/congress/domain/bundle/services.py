"""Load a bundle: validate everything first, report every problem with its
path in the document, then write the whole congress in one transaction."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import msgspec
import yaml
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.base import Base
from congress.db.models import (
    Availability,
    Congress,
    FacultyLink,
    ItemPrecedence,
    Membership,
    Person,
    ProgrammeItem,
    Registration,
    Room,
)
from congress.domain.bundle.schemas import Bundle, BundleDiploma
from congress.domain.congresses.services import check_calendar, new_congress, new_room
from congress.domain.exams.schemas import (
    ApplicationCreate,
    ConflictCreate,
    ExaminerCreate,
    SittingSettings,
    SittingWrite,
)
from congress.domain.exams.services import ExamService
from congress.domain.programme.services import check_item, check_span, item_fields
from congress.domain.registrations.services import check_registered_at
from congress.lib.errors import Conflict, CongressError, InvalidInput
from congress.lib.queries import aware_utc, parse_hhmm, zone
from congress.lib.security import Principal, Role

MAX_BUNDLE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class BundleProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class BundleInvalid(CongressError):
    status = 422
    code = "bundle_invalid"
    title = "The bundle is not valid"

    def __init__(self, source: str, problems: list[BundleProblem]) -> None:
        shown = "\n".join(f"  {source}: {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in {source}:\n{shown}{more}")
        self.problems = problems


@dataclass(slots=True)
class LoadReport:
    congress_id: str
    slug: str
    counts: dict[str, int] = field(default_factory=dict)


def read_bundle(path: Path) -> Bundle:
    """Decode a JSON or YAML bundle; a malformed document raises ``BundleInvalid``."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BundleInvalid(source, [BundleProblem("$", f"cannot read the file: {exc.strerror}")]) from exc
    if size > MAX_BUNDLE_BYTES:
        raise BundleInvalid(source, [BundleProblem("$", f"file is larger than {MAX_BUNDLE_BYTES} bytes")])
    raw = path.read_bytes()
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            return msgspec.convert(yaml.safe_load(raw), Bundle, strict=False)
        return msgspec.json.decode(raw, type=Bundle)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise BundleInvalid(source, [BundleProblem("$", str(exc))]) from exc
    except yaml.YAMLError as exc:
        raise BundleInvalid(source, [BundleProblem("$", f"not valid YAML: {exc}")]) from exc
    except (ValueError, RecursionError) as exc:  # e.g. YAML dates such as 2026-02-30, absurd nesting
        raise BundleInvalid(source, [BundleProblem("$", f"impossible value or structure: {exc}")]) from exc


def _duplicates(values: list[str]) -> set[str]:
    return {v for v, n in Counter(values).items() if n > 1}


def check_bundle(bundle: Bundle) -> list[BundleProblem]:
    """Every rule a bundle must meet beyond its schema, as (path, message) problems."""
    problems: list[BundleProblem] = []
    c = bundle.congress

    def guard(path: str, check: Callable[[], object]) -> None:
        try:
            check()
        except InvalidInput as exc:
            problems.append(BundleProblem(path, exc.detail))
        except (ValueError, OverflowError) as exc:
            problems.append(BundleProblem(path, f"impossible value: {exc}"))

    guard("$.congress.time_zone", lambda: zone(c.time_zone))
    guard(
        "$.congress",
        lambda: check_calendar(c.first_day, c.last_day, c.day_start, c.day_end, c.breaks),
    )

    rooms = [r.name for r in bundle.rooms]
    for name in sorted(_duplicates(rooms)):
        problems.append(BundleProblem("$.rooms", f"room name '{name}' appears more than once"))
    emails = [p.email.strip().lower() for p in bundle.people]
    for email in sorted(_duplicates(emails)):
        problems.append(BundleProblem("$.people", f"email '{email}' appears more than once"))
    codes = [i.code for i in bundle.items]
    for code in sorted(_duplicates(codes)):
        problems.append(BundleProblem("$.items", f"item code '{code}' appears more than once"))
    known_emails, known_rooms, known_codes = set(emails), set(rooms), set(codes)

    for i, person in enumerate(bundle.people):
        years = [(m.society, m.year) for m in person.memberships]
        if len(set(years)) != len(years):
            problems.append(BundleProblem(f"$.people[{i}].memberships", "two memberships of one society in one year"))

    seen_regs: set[str] = set()
    for i, reg in enumerate(bundle.registrations):
        email = reg.email.strip().lower()
        if email not in known_emails:
            problems.append(BundleProblem(f"$.registrations[{i}].email", f"no person with email '{reg.email}'"))
        if email in seen_regs:
            problems.append(BundleProblem(f"$.registrations[{i}].email", f"'{reg.email}' is registered twice"))
        seen_regs.add(email)
        guard(
            f"$.registrations[{i}].registered_at",
            partial(check_registered_at, reg.registered_at),
        )

    calendar = Congress(
        first_day=c.first_day, last_day=c.last_day, day_start=parse_hhmm(c.day_start), day_end=parse_hhmm(c.day_end)
    )
    for i, item in enumerate(bundle.items):
        guard(
            f"$.items[{i}]",
            partial(
                check_item,
                calendar,
                item.kind,
                item.duration_minutes,
                item.capacity,
                item.allowed_windows,
                item.series,
                item.series_position,
            ),
        )
        for j, before in enumerate(item.follows):
            if before not in known_codes:
                problems.append(BundleProblem(f"$.items[{i}].follows[{j}]", f"no item with code '{before}'"))
            elif before == item.code:
                problems.append(BundleProblem(f"$.items[{i}].follows[{j}]", "an item cannot follow itself"))
        for j, f in enumerate(item.faculty):
            if f.email.strip().lower() not in known_emails:
                problems.append(BundleProblem(f"$.items[{i}].faculty[{j}].email", f"no person with email '{f.email}'"))
    problems.extend(_precedence_cycles(bundle))

    for i, window in enumerate(bundle.availability):
        path = f"$.availability[{i}]"
        if (window.person is None) == (window.room is None):
            problems.append(BundleProblem(path, "give exactly one of person or room"))
        if window.person is not None and window.person.strip().lower() not in known_emails:
            problems.append(BundleProblem(f"{path}.person", f"no person with email '{window.person}'"))
        if window.room is not None and window.room not in known_rooms:
            problems.append(BundleProblem(f"{path}.room", f"no room named '{window.room}'"))
        guard(path, partial(check_span, window.starts_at, window.ends_at))
    if bundle.diploma is not None:
        problems.extend(_diploma_problems(bundle.diploma, known_emails, known_rooms))
    return problems


def _diploma_problems(diploma: BundleDiploma, emails: set[str], rooms: set[str]) -> list[BundleProblem]:
    problems: list[BundleProblem] = []

    def person(path: str, email: str | None) -> None:
        if email is not None and email.strip().lower() not in emails:
            problems.append(BundleProblem(path, f"no person with email '{email}'"))

    for i, room in enumerate(diploma.exam_rooms):
        if room not in rooms:
            problems.append(BundleProblem(f"$.diploma.exam_rooms[{i}]", f"no room named '{room}'"))
    for i, application in enumerate(diploma.applications):
        person(f"$.diploma.applications[{i}].email", application.email)
        person(f"$.diploma.applications[{i}].programme_director", application.programme_director)
        person(f"$.diploma.applications[{i}].letter_writer", application.letter_writer)
    for i, examiner in enumerate(diploma.examiners):
        person(f"$.diploma.examiners[{i}].email", examiner.email)
    for i, conflict in enumerate(diploma.conflicts):
        person(f"$.diploma.conflicts[{i}].examiner", conflict.examiner)
        person(f"$.diploma.conflicts[{i}].candidate", conflict.candidate)
    return problems


# The bundle loader writes as an organiser would through the API.
LOADER = Principal(token_id=uuid.UUID(int=0), role=Role.ORGANISER, person_id=None)


async def _load_diploma(
    session: AsyncSession,
    congress_id: uuid.UUID,
    diploma: BundleDiploma,
    rooms: dict[str, Room],
    people: dict[str, Person],
) -> dict[str, int]:
    """The sitting, its examiners, applications and declared conflicts, through the diploma's own rules."""
    exams = ExamService(session, LOADER)
    settings = {name: getattr(diploma, name) for name in SittingSettings.__struct_fields__}
    await exams.put_sitting(
        congress_id, SittingWrite(**settings, exam_rooms=[rooms[name].id for name in diploma.exam_rooms])
    )

    def who(email: str | None) -> uuid.UUID | None:
        return people[email.strip().lower()].id if email is not None else None

    for examiner in diploma.examiners:
        await exams.add_examiner(
            congress_id,
            ExaminerCreate(
                person_id=people[examiner.email.strip().lower()].id,
                contribution=examiner.contribution,
                approve=examiner.approved,
                max_slots=examiner.max_slots,
            ),
        )
    for application in diploma.applications:
        await exams.apply(
            congress_id,
            ApplicationCreate(
                person_id=who(application.email),
                received_at=application.received_at,
                documents=application.documents,
                programme_director_id=who(application.programme_director),
                letter_writer_id=who(application.letter_writer),
                preferred_windows=application.preferred_windows,
            ),
        )
    for conflict in diploma.conflicts:
        await exams.declare_conflict(
            congress_id,
            ConflictCreate(
                candidate_id=people[conflict.candidate.strip().lower()].id,
                examiner_id=who(conflict.examiner),
                reason=conflict.reason,
            ),
        )
    return {
        "diploma applications": len(diploma.applications),
        "diploma examiners": len(diploma.examiners),
        "declared conflicts": len(diploma.conflicts),
    }


def _precedence_cycles(bundle: Bundle) -> list[BundleProblem]:
    graph = {i.code: list(i.follows) for i in bundle.items}
    state: dict[str, int] = {}
    cyclic: set[str] = set()

    def visit(code: str, trail: list[str]) -> None:
        state[code] = 1
        for nxt in graph.get(code, []):
            if state.get(nxt) == 1:
                cyclic.update(trail[trail.index(nxt) :] if nxt in trail else [nxt])
            elif nxt in graph and nxt not in state:
                visit(nxt, [*trail, nxt])
        state[code] = 2

    for code in graph:
        if code not in state:
            visit(code, [code])
    if not cyclic:
        return []
    return [BundleProblem("$.items", f"'follows' makes a cycle through {', '.join(sorted(cyclic))}")]


BULK_CHUNK = 5000


async def _bulk_insert(session: AsyncSession, model: type[Base], rows: list[dict[str, object]]) -> None:
    """Insert many rows in a few statements (column defaults such as ids and timestamps apply)."""
    for start in range(0, len(rows), BULK_CHUNK):
        await session.execute(insert(model), rows[start : start + BULK_CHUNK])


async def load_bundle(session: AsyncSession, bundle: Bundle, *, source: str, replace: bool = False) -> LoadReport:
    """Validate, then write the congress in the caller's transaction (commit is the caller's)."""
    problems = check_bundle(bundle)
    if problems:
        raise BundleInvalid(source, problems)
    c = bundle.congress
    existing = (await session.execute(select(Congress).where(Congress.slug == c.slug))).scalar_one_or_none()
    if existing is not None:
        if not replace:
            raise Conflict(
                f"A congress with slug '{c.slug}' exists; load with replace to overwrite it",
                code="slug_taken",
            )
        await session.execute(delete(Congress).where(Congress.id == existing.id))
        await session.flush()

    congress = new_congress(c)
    session.add(congress)
    await session.flush()

    rooms = {r.name: new_room(congress.id, r) for r in bundle.rooms}
    session.add_all(rooms.values())

    emails = [p.email.strip().lower() for p in bundle.people]
    people: dict[str, Person] = {}
    for chunk_start in range(0, len(emails), 1000):
        chunk = emails[chunk_start : chunk_start + 1000]
        for person in (await session.execute(select(Person).where(Person.email.in_(chunk)))).scalars():
            people[person.email] = person
    new_people = 0
    for spec, email in zip(bundle.people, emails, strict=True):
        if email not in people:
            people[email] = Person(name=spec.name, email=email, institution=spec.institution, country=spec.country)
            session.add(people[email])
            new_people += 1
    await session.flush()

    held: set[tuple[object, str, int]] = set()
    person_ids = [p.id for p in people.values()]
    for chunk_start in range(0, len(person_ids), 1000):
        chunk_ids = person_ids[chunk_start : chunk_start + 1000]
        rows = await session.execute(
            select(Membership.person_id, Membership.society, Membership.year).where(Membership.person_id.in_(chunk_ids))
        )
        held.update((pid, str(soc), year) for pid, soc, year in rows.tuples())
    memberships: list[dict[str, object]] = []
    for spec, email in zip(bundle.people, emails, strict=True):
        person = people[email]
        for m in spec.memberships:
            key = (person.id, str(m.society), m.year)
            if key not in held:
                held.add(key)
                memberships.append({"person_id": person.id, "society": m.society, "type": m.type, "year": m.year})
    await _bulk_insert(session, Membership, memberships)

    await _bulk_insert(
        session,
        Registration,
        [
            {
                "congress_id": congress.id,
                "person_id": people[reg.email.strip().lower()].id,
                "category": reg.category,
                "status": reg.status,
                "registered_at": aware_utc(reg.registered_at, "registered_at"),
            }
            for reg in bundle.registrations
        ],
    )

    items: dict[str, ProgrammeItem] = {}
    for item_spec in bundle.items:
        items[item_spec.code] = ProgrammeItem(congress_id=congress.id, code=item_spec.code, **item_fields(item_spec))
    session.add_all(items.values())
    await session.flush()

    links = 0
    for item_spec in bundle.items:
        item = items[item_spec.code]
        for before in dict.fromkeys(item_spec.follows):
            session.add(ItemPrecedence(before_id=items[before].id, after_id=item.id))
        for f in {(f.email.strip().lower(), f.role): f for f in item_spec.faculty}.values():
            session.add(FacultyLink(item_id=item.id, person_id=people[f.email.strip().lower()].id, role=f.role))
            links += 1

    for window in bundle.availability:
        session.add(
            Availability(
                congress_id=congress.id,
                person_id=people[window.person.strip().lower()].id if window.person else None,
                room_id=rooms[window.room].id if window.room else None,
                kind=window.kind,
                starts_at=aware_utc(window.starts_at, "starts_at"),
                ends_at=aware_utc(window.ends_at, "ends_at"),
                reason=window.reason,
            )
        )
    await session.flush()
    diploma = (
        await _load_diploma(session, congress.id, bundle.diploma, rooms, people) if bundle.diploma is not None else {}
    )
    return LoadReport(
        congress_id=str(congress.id),
        slug=congress.slug,
        counts={
            "rooms": len(rooms),
            "people (new)": new_people,
            "people (existing)": len(bundle.people) - new_people,
            "memberships (new)": len(memberships),
            "registrations": len(bundle.registrations),
            "items": len(items),
            "faculty links": links,
            "availability windows": len(bundle.availability),
            **diploma,
        },
    )
