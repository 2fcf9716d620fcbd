"""Imports: spreadsheets, calendars and frab schedules into a congress, all or nothing.

The parsers in ``importers`` read the bytes (encodings, dialects, headers,
formulas refused) and report file-level problems. Here every row is turned
into the API's own payload (so the same limits and vocabularies apply),
references are resolved (against the database and the file itself), and the
plan is applied inside a savepoint: created, updated and unchanged are
counted by natural key (a room's name, a person's e-mail, an item's code…),
and deleted only when asked. Any problem — or a dry run — rolls the savepoint
back, so nothing is half-written; a dry run reports exactly what a real run
would do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from congress.db.models import (
    Assignment,
    Availability,
    Congress,
    FacultyLink,
    ItemPrecedence,
    Membership,
    Person,
    ProgrammeItem,
    Registration,
    Room,
    ScheduleVersion,
)
from congress.domain.congresses.schemas import RoomCreate
from congress.domain.imports.schemas import Counts, ImportKind, ImportReport, Placement
from congress.domain.people.schemas import PersonCreate
from congress.domain.programme.schemas import ItemCode, ItemFields
from congress.domain.programme.services import check_item, item_fields
from congress.enums import (
    AvailabilityKind,
    FacultyRole,
    ItemKind,
    MembershipType,
    RegistrationCategory,
    RegistrationStatus,
    Society,
    VersionStatus,
)
from congress.lib.deps import begin_writing
from congress.lib.errors import InvalidFile, InvalidInput, LocatedProblem
from congress.lib.queries import aware_utc, get_or_404, zone
from congress.lib.schema import CountryCode, Email, Name, ShortText, Struct
from congress.lib.security import Principal
from importers.frab import read_frab
from importers.ics import read_busy
from importers.records import MAX_BYTES, FrabEvent, FrabPerson, FrabSchedule, Problem, Row, Table
from importers.tabular import read_table

S = TypeVar("S", bound=msgspec.Struct)

# An availability window's identity: owner kind ("person" | "room"), owner id, kind, start, end (UTC).
WindowKey = tuple[str, uuid.UUID, AvailabilityKind, dt.datetime, dt.datetime]

# Attendees and faculty import their own calendars: a few years of events fit well under this.
MAX_OWN_CALENDAR_BYTES = 5 * 1024 * 1024

# Problems that mean the file could not be read at all (nothing further to check).
UNREADABLE = frozenset({"too_large", "empty_file", "unreadable_file", "bad_encoding", "unsafe_xml"})

# Availability rows that came from a calendar import carry this reason (re-imports replace only those).
CALENDAR_REASON = "busy (calendar import)"


# --- rows as the API would take them -----------------------------------------------------------------------------


class MembershipRow(Struct):
    email: Email
    society: Society
    type: MembershipType
    year: Annotated[int, Meta(ge=1900, le=2200)]


class RegistrationRow(Struct):
    email: Email
    category: RegistrationCategory
    status: RegistrationStatus = RegistrationStatus.ACTIVE
    registered_at: dt.datetime | None = None
    name: Name | None = None
    institution: ShortText = ""
    country: CountryCode | None = None


class ItemRow(ItemFields, kw_only=True):
    code: ItemCode
    follows: Annotated[list[ItemCode], Meta(max_length=20)] = msgspec.field(default_factory=list)
    faculty: Annotated[list[str], Meta(max_length=100)] = msgspec.field(default_factory=list)


class AvailabilityRow(Struct):
    kind: AvailabilityKind
    starts_at: dt.datetime
    ends_at: dt.datetime
    email: Email | None = None
    room: Name | None = None
    reason: ShortText = ""


ROW_TYPES: dict[ImportKind, type[msgspec.Struct]] = {
    ImportKind.ROOMS: RoomCreate,
    ImportKind.PEOPLE: PersonCreate,
    ImportKind.MEMBERSHIPS: MembershipRow,
    ImportKind.REGISTRATIONS: RegistrationRow,
    ImportKind.ITEMS: ItemRow,
    ImportKind.AVAILABILITY: AvailabilityRow,
}

# Where msgspec says a value is wrong: "… - at `$.capacity`", "… - at `key` in `$.equipment`".
_PATH = re.compile(r" - at `(?:[^`]*` in `)?\$\.(?P<field>\w+)[^`]*`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>\w+)`")


def located(p: Problem) -> LocatedProblem:
    return LocatedProblem(file=p.file, code=p.code, message=p.message, sheet=p.sheet, row=p.row, column=p.column)


@dataclass(slots=True)
class Plan:
    """Problems and counts gathered while a file is checked and applied."""

    table: Table | None
    file: str
    problems: list[LocatedProblem] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)
    # Whether the file could be read at all (a calendar or schedule with no table); false: nothing to check.
    file_readable: bool = False

    def problem(self, row: int | None, field_name: str | None, code: str, message: str) -> None:
        column = field_name
        if self.table is not None and field_name is not None:
            column = self.table.columns.get(field_name, field_name)
        sheet = self.table.sheet if self.table is not None else None
        self.problems.append(
            LocatedProblem(file=self.file, sheet=sheet, row=row, column=column, code=code, message=message)
        )

    def given(self, values: dict[str, Any]) -> dict[str, Any]:
        """Of a row's values, those the file has a column for: an import never blanks what it does not list."""
        if self.table is None:
            return values
        return {k: v for k, v in values.items() if k in self.table.columns}

    def lists(self, field_name: str) -> bool:
        return self.table is None or field_name in self.table.columns

    def count(self, kind: str, what: str, n: int = 1) -> None:
        counts = self.counts.setdefault(kind, Counts())
        setattr(counts, what, getattr(counts, what) + n)


def convert_rows(plan: Plan, rows: Sequence[Row], row_type: type[S]) -> list[tuple[Row, S]]:
    """Each row as the API payload, with every conversion problem located at its row and column."""
    converted: list[tuple[Row, S]] = []
    for row in rows:
        try:
            converted.append((row, msgspec.convert(row.values, row_type, strict=False)))
        except msgspec.ValidationError as exc:
            text = str(exc)
            match = _PATH.search(text) or _MISSING.search(text)
            field_name = match.group("field") if match else None
            message = _PATH.sub("", text)
            plan.problem(row.number, field_name, "invalid_value", message)
    return converted


def _aware(plan: Plan, row: Row, value: dt.datetime | None, field_name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return aware_utc(value, field_name)
    except InvalidInput as exc:
        plan.problem(row.number, field_name, exc.code, exc.detail)
        return None


def duplicates(plan: Plan, pairs: Sequence[tuple[Row, S]], key: Callable[[S], Any], what: str) -> list[tuple[Row, S]]:
    """The rows with a key not seen before; each repeat is a problem at its row."""
    seen: dict[Any, int] = {}
    kept: list[tuple[Row, S]] = []
    for row, value in pairs:
        k = key(value)
        if k in seen:
            plan.problem(row.number, None, "duplicate_row", f"{what} {k!r} is also on row {seen[k]}")
        else:
            seen[k] = row.number
            kept.append((row, value))
    return kept


def _chunks(values: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


class _DryRun(Exception):
    """Raised inside the savepoint to undo a dry run's writes."""


class _Refused(Exception):
    """Raised inside the savepoint when the plan found problems."""


@dataclass(slots=True)
class ImportService:
    session: AsyncSession
    principal: Principal | None

    # --- the all-or-nothing frame ------------------------------------------------------------------------------

    async def _run(
        self,
        plan: Plan,
        apply: Callable[[Plan], Any],
        *,
        dry_run: bool,
        read_as: str,
        rows: int,
        ignored: list[str],
    ) -> ImportReport:
        written = False
        if plan.table is not None or plan.file_readable:
            # The rows that converted are checked against the database too, so every problem is reported at once;
            # the savepoint is undone when any was found (or for a dry run).
            try:
                async with self.session.begin_nested():
                    await apply(plan)
                    await self.session.flush()
                    if plan.problems:
                        raise _Refused
                    if dry_run:
                        raise _DryRun
                    written = True
            except (_DryRun, _Refused):
                self.session.expire_all()
            except IntegrityError:
                self.session.expire_all()
                plan.problem(
                    None,
                    None,
                    "conflict",
                    "The file conflicts with data stored meanwhile; nothing was written, try again",
                )
        report = ImportReport(
            file=plan.file,
            dry_run=dry_run,
            written=written,
            read_as=read_as,
            rows=rows,
            counts=plan.counts,
            ignored_columns=ignored,
            problems=list(plan.problems),
        )
        if plan.problems and not dry_run:
            raise InvalidFile(
                f"{len(plan.problems)} problem(s) in {plan.file}; nothing was written. "
                f"First: {_where(plan.problems[0])}{plan.problems[0].message}",
                plan.problems,
            )
        return report

    # --- spreadsheets ------------------------------------------------------------------------------------------

    async def table(
        self,
        congress_id: uuid.UUID,
        kind: ImportKind,
        data: bytes,
        filename: str,
        *,
        sheet: str | None = None,
        dry_run: bool = False,
        delete_missing: bool = False,
    ) -> ImportReport:
        # Parsed before the transaction starts: a large file never holds the write lock while it is read.
        parsed = await asyncio.to_thread(read_table, data, filename, kind.value, sheet=sheet)
        await begin_writing(self.session)
        congress = await get_or_404(self.session, Congress, congress_id)
        plan = Plan(table=parsed.table, file=filename, problems=[located(p) for p in parsed.problems])
        table = parsed.table
        if table is None:
            return await self._run(plan, _nothing, dry_run=dry_run, read_as="", rows=0, ignored=[])
        if delete_missing and kind in (ImportKind.PEOPLE, ImportKind.MEMBERSHIPS):
            plan.problem(
                None,
                None,
                "delete_not_supported",
                "People and memberships are shared by every congress and are never deleted by an import",
            )
        # Rows the parser already found wrong are not checked twice.
        flawed = {p.row for p in parsed.problems if p.row is not None}
        rows = convert_rows(plan, [r for r in table.rows if r.number not in flawed], ROW_TYPES[kind])
        appliers = {
            ImportKind.ROOMS: self._rooms,
            ImportKind.PEOPLE: self._people,
            ImportKind.MEMBERSHIPS: self._memberships,
            ImportKind.REGISTRATIONS: self._registrations,
            ImportKind.ITEMS: self._items,
            ImportKind.AVAILABILITY: self._availability,
        }

        async def apply(p: Plan) -> None:
            await appliers[kind](p, congress, rows, delete_missing)

        return await self._run(
            plan, apply, dry_run=dry_run, read_as=table.read_as, rows=len(table.rows), ignored=table.ignored
        )

    async def _rooms(self, plan: Plan, congress: Congress, rows: list[Any], delete_missing: bool) -> None:
        rows = duplicates(plan, rows, lambda r: r.name.casefold(), "The room")
        existing = {
            r.name.casefold(): r
            for r in await self.session.scalars(select(Room).where(Room.congress_id == congress.id))
        }
        listed: set[str] = set()
        for _, data in rows:
            key = data.name.casefold()
            listed.add(key)
            values = {
                "name": data.name,
                "capacity": data.capacity,
                "equipment": dict(data.equipment),
                "notes": data.notes,
            }
            room = existing.get(key)
            if room is None:
                self.session.add(Room(congress_id=congress.id, **values))
                plan.count("rooms", "created")
            elif _differs(room, plan.given(values)):
                _assign(room, plan.given(values))
                plan.count("rooms", "updated")
            else:
                plan.count("rooms", "unchanged")
        if delete_missing:
            for key, room in existing.items():
                if key not in listed:
                    used = await self.session.scalar(
                        select(Assignment.id).where(Assignment.room_id == room.id).limit(1)
                    )
                    if used is not None:
                        plan.problem(
                            None,
                            "name",
                            "room_in_use",
                            f"Room '{room.name}' is not in the file but is "
                            "used by a schedule version; it cannot be deleted",
                        )
                        continue
                    await self.session.delete(room)
                    plan.count("rooms", "deleted")

    async def _refuse_cycles(
        self,
        plan: Plan,
        congress: Congress,
        accepted: list[tuple[Row, ItemRow]],
        by_code: dict[str, ProgrammeItem],
    ) -> None:
        """No item may (through others) have to end before itself."""
        edges: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for before_id, after_id in await self.session.execute(
            select(ItemPrecedence.before_id, ItemPrecedence.after_id)
            .join(ProgrammeItem, ProgrammeItem.id == ItemPrecedence.after_id)
            .where(ProgrammeItem.congress_id == congress.id)
        ):
            edges[before_id].add(after_id)
        for row, data in accepted:
            start = by_code[data.code.casefold()].id
            stack, seen = list(edges[start]), set()
            while stack:
                node = stack.pop()
                if node == start:
                    plan.problem(
                        row.number,
                        "follows",
                        "precedence_cycle",
                        f"'{data.code}' would have to end before itself (the items it follows follow it)",
                    )
                    break
                if node not in seen:
                    seen.add(node)
                    stack.extend(edges[node])

    async def _released_items(self, congress_id: uuid.UUID) -> set[uuid.UUID]:
        return set(
            await self.session.scalars(
                select(Assignment.item_id)
                .join(ScheduleVersion, ScheduleVersion.id == Assignment.version_id)
                .where(ScheduleVersion.congress_id == congress_id, ScheduleVersion.status == VersionStatus.RELEASED)
            )
        )

    async def _keep_placements(
        self,
        plan: Plan,
        row: int | None,
        item: ProgrammeItem,
        runs: int,
        duration: int,
        released: set[uuid.UUID],
    ) -> bool:
        """The API's rules for an item whose runs or duration change; draft placements follow a new duration."""
        if (item.runs, item.duration_minutes) == (runs, duration):
            return True
        where = f"'{item.code}'"
        if item.id in released:
            plan.problem(
                row,
                "duration_minutes",
                "item_in_release",
                f"{where} is placed in a release; its runs and duration cannot change",
            )
            return False
        placements = list(await self.session.scalars(select(Assignment).where(Assignment.item_id == item.id)))
        highest = max((a.run for a in placements), default=0)
        if runs < highest:
            plan.problem(
                row,
                "runs",
                "runs_placed",
                f"Run {highest} of {where} is placed in the draft; remove it before reducing runs to {runs}",
            )
            return False
        if duration != item.duration_minutes:
            for placement in placements:
                placement.ends_at = placement.starts_at + dt.timedelta(minutes=duration)
        return True

    async def _rooms_by_name(self, congress_id: uuid.UUID) -> dict[str, Room]:
        rooms = await self.session.scalars(select(Room).where(Room.congress_id == congress_id))
        return {r.name.casefold(): r for r in rooms}

    async def _people_by_email(self, emails: Iterable[str]) -> dict[str, Person]:
        wanted = sorted({e.strip().lower() for e in emails})
        found: dict[str, Person] = {}
        for chunk in _chunks(wanted):
            for person in await self.session.scalars(select(Person).where(Person.email.in_(chunk))):
                found[person.email] = person
        return found

    async def _people(self, plan: Plan, congress: Congress, rows: list[Any], delete_missing: bool) -> None:
        rows = duplicates(plan, rows, lambda r: r.email.lower(), "The e-mail")
        existing = await self._people_by_email(r.email for _, r in rows)
        new: list[dict[str, Any]] = []
        for _, data in rows:
            email = data.email.strip().lower()
            values = {"name": data.name, "institution": data.institution, "country": data.country}
            person = existing.get(email)
            if person is None:
                new.append({"email": email, **values})
                plan.count("people", "created")
            elif _differs(person, plan.given(values)):
                _assign(person, plan.given(values))
                plan.count("people", "updated")
            else:
                plan.count("people", "unchanged")
        for chunk in _chunks(new, 1000):
            await self.session.execute(insert(Person), list(chunk))

    async def _memberships(self, plan: Plan, congress: Congress, rows: list[Any], delete_missing: bool) -> None:
        rows = duplicates(plan, rows, lambda r: (r.email.lower(), r.society, r.year), "The membership")
        people = await self._people_by_email(r.email for _, r in rows)
        ids = [p.id for p in people.values()]
        existing: dict[tuple[uuid.UUID, Society, int], Membership] = {}
        for chunk in _chunks(ids):
            for m in await self.session.scalars(select(Membership).where(Membership.person_id.in_(chunk))):
                existing[(m.person_id, m.society, m.year)] = m
        for row, data in rows:
            person = people.get(data.email.strip().lower())
            if person is None:
                plan.problem(
                    row.number, "email", "unknown_person", f"No person with e-mail {data.email}; import people first"
                )
                continue
            membership = existing.get((person.id, data.society, data.year))
            if membership is None:
                self.session.add(Membership(person_id=person.id, society=data.society, type=data.type, year=data.year))
                plan.count("memberships", "created")
            elif membership.type != data.type:
                membership.type = data.type
                plan.count("memberships", "updated")
            else:
                plan.count("memberships", "unchanged")

    async def _registrations(self, plan: Plan, congress: Congress, rows: list[Any], delete_missing: bool) -> None:
        rows = duplicates(plan, rows, lambda r: r.email.lower(), "The e-mail")
        people = await self._people_by_email(r.email for _, r in rows)
        now = dt.datetime.now(dt.UTC)
        new_people: list[dict[str, Any]] = []
        for row, data in rows:
            email = data.email.strip().lower()
            if email in people:
                continue
            if data.name is None:
                plan.problem(
                    row.number,
                    "email",
                    "unknown_person",
                    f"No person with e-mail {data.email}; give a name column to create them",
                )
                continue
            person_id = uuid7()
            new_people.append(
                {
                    "id": person_id,
                    "email": email,
                    "name": data.name,
                    "institution": data.institution,
                    "country": data.country,
                }
            )
            people[email] = Person(id=person_id, email=email, name=data.name)
        for chunk in _chunks(new_people, 1000):
            await self.session.execute(insert(Person), list(chunk))
        plan.count("people", "created", len(new_people))
        existing = {
            r.person_id: r
            for r in await self.session.scalars(select(Registration).where(Registration.congress_id == congress.id))
        }
        listed: set[uuid.UUID] = set()
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for row, data in rows:
            person = people.get(data.email.strip().lower())
            if person is None:
                continue
            registered_at = _aware(plan, row, data.registered_at, "registered_at")
            if registered_at is not None and registered_at > now + dt.timedelta(minutes=5):
                plan.problem(row.number, "registered_at", "future_datetime", "registered_at is in the future")
                continue
            listed.add(person.id)
            registration = existing.get(person.id)
            if registration is None:
                new.append(
                    {
                        "congress_id": congress.id,
                        "person_id": person.id,
                        "category": data.category,
                        "status": data.status,
                        "registered_at": registered_at or now,
                    }
                )
                plan.count("registrations", "created")
                continue
            values = plan.given({"category": data.category, "status": data.status})
            if registered_at is not None:
                values["registered_at"] = registered_at
            if _differs(registration, values):
                changed.append({"id": registration.id, **values})
                plan.count("registrations", "updated")
            else:
                plan.count("registrations", "unchanged")
        for chunk in _chunks(new, 1000):
            await self.session.execute(insert(Registration), list(chunk))
        for chunk in _chunks(changed, 1000):
            await self.session.execute(update(Registration), list(chunk))
        if delete_missing:
            gone = [r.id for pid, r in existing.items() if pid not in listed]
            for chunk in _chunks(gone):
                await self.session.execute(delete(Registration).where(Registration.id.in_(chunk)))
            plan.count("registrations", "deleted", len(gone))

    async def _items(self, plan: Plan, congress: Congress, rows: list[Any], delete_missing: bool) -> None:
        rows = duplicates(plan, rows, lambda r: r.code.casefold(), "The code")
        existing = {
            (i.code or "").casefold(): i
            for i in await self.session.scalars(select(ProgrammeItem).where(ProgrammeItem.congress_id == congress.id))
        }
        released = await self._released_items(congress.id)
        faculty_specs: dict[str, list[tuple[str, FacultyRole]]] = {}
        for row, data in rows:
            specs: list[tuple[str, FacultyRole]] = []
            for entry in data.faculty:
                email, _, role = entry.partition(":")
                try:
                    specs.append((email.strip().lower(), FacultyRole(role.strip().lower() or "speaker")))
                except ValueError:
                    plan.problem(
                        row.number,
                        "faculty",
                        "invalid_value",
                        f"'{role.strip()}' is not a faculty role ({', '.join(r.value for r in FacultyRole)})",
                    )
            faculty_specs[data.code.casefold()] = specs
        people = await self._people_by_email(e for specs in faculty_specs.values() for e, _ in specs)
        by_code: dict[str, ProgrammeItem] = dict(existing)
        listed: set[str] = set()
        accepted: list[tuple[Row, ItemRow]] = []
        for row, data in rows:
            key = data.code.casefold()
            listed.add(key)
            values = item_fields(data)
            item = existing.get(key)
            merged = values if item is None else {**_columns_of(item, values), **plan.given(values)}
            try:
                check_item(
                    congress,
                    merged["kind"],
                    merged["duration_minutes"],
                    merged["capacity"],
                    [],
                    merged["series"],
                    merged["series_position"],
                )
            except InvalidInput as exc:
                field_name = exc.errors[0].field if exc.errors else None
                plan.problem(row.number, field_name, exc.code, exc.detail)
                continue
            if item is None:
                item = ProgrammeItem(congress_id=congress.id, code=data.code, **values)
                self.session.add(item)
                plan.count("items", "created")
            elif _differs(item, plan.given(values)):
                if not await self._keep_placements(
                    plan, row.number, item, merged["runs"], merged["duration_minutes"], released
                ):
                    continue
                _assign(item, plan.given(values))
                plan.count("items", "updated")
            else:
                plan.count("items", "unchanged")
            by_code[key] = item
            accepted.append((row, data))
        await self.session.flush()
        item_ids = [by_code[data.code.casefold()].id for _, data in accepted]
        links: dict[uuid.UUID, dict[tuple[uuid.UUID, FacultyRole], FacultyLink]] = defaultdict(dict)
        earlier_of: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for chunk in _chunks(item_ids):
            for link in await self.session.scalars(select(FacultyLink).where(FacultyLink.item_id.in_(chunk))):
                links[link.item_id][(link.person_id, link.role)] = link
            for before_id, after_id in await self.session.execute(
                select(ItemPrecedence.before_id, ItemPrecedence.after_id).where(ItemPrecedence.after_id.in_(chunk))
            ):
                earlier_of[after_id].add(before_id)
        for row, data in accepted:
            item = by_code[data.code.casefold()]
            if plan.lists("faculty"):
                wanted: set[tuple[uuid.UUID, FacultyRole]] = set()
                for email, role in faculty_specs.get(data.code.casefold(), []):
                    person = people.get(email)
                    if person is None:
                        plan.problem(row.number, "faculty", "unknown_person", f"No person with e-mail {email}")
                        continue
                    wanted.add((person.id, role))
                current = links[item.id]
                for key, link in current.items():
                    if key not in wanted:
                        await self.session.delete(link)
                for person_id, role in wanted - set(current):
                    self.session.add(FacultyLink(item_id=item.id, person_id=person_id, role=role))
            if plan.lists("follows"):
                follows: set[uuid.UUID] = set()
                for code in data.follows:
                    earlier = by_code.get(code.casefold())
                    if earlier is None:
                        plan.problem(row.number, "follows", "unknown_item", f"No item with code '{code}'")
                    elif earlier.id == item.id:
                        plan.problem(row.number, "follows", "precedence_cycle", "An item cannot follow itself")
                    else:
                        follows.add(earlier.id)
                if follows != earlier_of[item.id]:
                    await self.session.execute(delete(ItemPrecedence).where(ItemPrecedence.after_id == item.id))
                    for earlier_id in follows:
                        self.session.add(ItemPrecedence(before_id=earlier_id, after_id=item.id))
                    earlier_of[item.id] = follows
        await self.session.flush()
        await self._refuse_cycles(plan, congress, accepted, by_code)
        if delete_missing:
            for key, item in existing.items():
                if key and key not in listed:
                    if item.id in released:
                        plan.problem(
                            None,
                            "code",
                            "item_in_release",
                            f"'{item.code}' is not in the file but is placed in a release; it cannot be deleted",
                        )
                        continue
                    await self.session.delete(item)
                    plan.count("items", "deleted")

    async def _availability(self, plan: Plan, congress: Congress, rows: list[Any], delete_missing: bool) -> None:
        people = await self._people_by_email(r.email for _, r in rows if r.email)
        rooms = {
            r.name.casefold(): r
            for r in await self.session.scalars(select(Room).where(Room.congress_id == congress.id))
        }
        wanted: dict[WindowKey, tuple[Row, Any]] = {}
        for row, data in rows:
            if (data.email is None) == (data.room is None):
                plan.problem(row.number, "email", "owner_required", "Give either an e-mail or a room, not both")
                continue
            starts = _aware(plan, row, data.starts_at, "starts_at")
            ends = _aware(plan, row, data.ends_at, "ends_at")
            if starts is None or ends is None:
                continue
            if starts >= ends:
                plan.problem(row.number, "ends_at", "window_order", "ends_at must be after starts_at")
                continue
            if data.email is not None:
                person = people.get(data.email.strip().lower())
                if person is None:
                    plan.problem(row.number, "email", "unknown_person", f"No person with e-mail {data.email}")
                    continue
                key = ("person", person.id, data.kind, starts, ends)
            else:
                room = rooms.get(data.room.casefold())
                if room is None:
                    plan.problem(row.number, "room", "unknown_room", f"No room named '{data.room}' in this congress")
                    continue
                key = ("room", room.id, data.kind, starts, ends)
            if key in wanted:
                plan.problem(
                    row.number, None, "duplicate_row", f"The same window is also on row {wanted[key][0].number}"
                )
                continue
            wanted[key] = (row, data)
        await self._sync_windows(plan, congress, wanted, delete_missing)

    async def _sync_windows(
        self,
        plan: Plan,
        congress: Congress,
        wanted: Mapping[WindowKey, tuple[Row | None, Any]],
        delete_missing: bool,
        only: Callable[[Availability], bool] = lambda a: True,
    ) -> None:
        owners = {(k[0], k[1]) for k in wanted}
        people = [owner for kind, owner in owners if kind == "person"]
        rooms = [owner for kind, owner in owners if kind == "room"]
        stored: list[Availability] = []
        for column, ids in ((Availability.person_id, people), (Availability.room_id, rooms)):
            for chunk in _chunks(ids):
                stored += await self.session.scalars(
                    select(Availability).where(Availability.congress_id == congress.id, column.in_(chunk))
                )
        existing: dict[WindowKey, Availability] = {}
        for a in stored:
            # A window has exactly one owner (a database check says so).
            owner_kind, owner_id = ("person", a.person_id) if a.person_id is not None else ("room", a.room_id)
            if owner_id is not None:
                starts, ends = a.starts_at.astimezone(dt.UTC), a.ends_at.astimezone(dt.UTC)
                existing[(owner_kind, owner_id, a.kind, starts, ends)] = a
        for key, (_, data) in wanted.items():
            reason = data.reason if hasattr(data, "reason") else CALENDAR_REASON
            window = existing.get(key)
            if window is None:
                self.session.add(
                    Availability(
                        congress_id=congress.id,
                        person_id=key[1] if key[0] == "person" else None,
                        room_id=key[1] if key[0] == "room" else None,
                        kind=key[2],
                        starts_at=key[3],
                        ends_at=key[4],
                        reason=reason,
                    )
                )
                plan.count("availability", "created")
            elif window.reason != reason:
                window.reason = reason
                plan.count("availability", "updated")
            else:
                plan.count("availability", "unchanged")
        if delete_missing:
            for key, window in existing.items():
                if (key[0], key[1]) in owners and key not in wanted and only(window):
                    await self.session.delete(window)
                    plan.count("availability", "deleted")

    # --- calendars ---------------------------------------------------------------------------------------------

    async def calendar(
        self,
        congress_id: uuid.UUID,
        person_id: uuid.UUID | None,
        data: bytes,
        filename: str,
        *,
        dry_run: bool = False,
    ) -> ImportReport:
        """A person's calendar export becomes their unavailability in the congress; a re-import replaces it."""
        organiser = self.principal is not None and self.principal.is_organiser
        # The congress's window and zone are read in a short transaction of their own, the file is parsed
        # outside any transaction, and the writing transaction starts only then.
        own = self.principal.person_id if self.principal is not None else None
        if person_id is None or person_id == own:
            if own is None:
                raise InvalidInput("Name the person whose calendar this is", code="person_required", field="person_id")
            person_id = own
        elif not organiser:
            raise InvalidInput("You may import only your own calendar", code="not_your_calendar", field="person_id")
        congress = await get_or_404(self.session, Congress, congress_id)
        first_day, last_day, time_zone = congress.first_day, congress.last_day, congress.time_zone
        await get_or_404(self.session, Person, person_id)
        await self.session.rollback()
        tz = zone(time_zone)
        window_start = dt.datetime.combine(first_day, dt.time(0, 0), tz).astimezone(dt.UTC)
        window_end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0, 0), tz).astimezone(dt.UTC)
        limit = MAX_BYTES if organiser else MAX_OWN_CALENDAR_BYTES
        parsed = await asyncio.to_thread(
            read_busy, data, filename, window_start, window_end, time_zone, max_bytes=limit
        )
        await begin_writing(self.session)
        congress = await get_or_404(self.session, Congress, congress_id)
        plan = Plan(
            table=None,
            file=filename,
            problems=[located(p) for p in parsed.problems],
            file_readable=not any(p.code in UNREADABLE for p in parsed.problems),
        )
        merged = _merge((b.starts_at, b.ends_at) for b in parsed.busy)
        wanted = {("person", person_id, AvailabilityKind.UNAVAILABLE, s, e): (None, _Calendar()) for s, e in merged}

        async def apply(p: Plan) -> None:
            await self._sync_windows(
                p, congress, wanted, True, only=lambda a: a.person_id == person_id and a.reason == CALENDAR_REASON
            )
            if not wanted:
                # An empty calendar clears what an earlier calendar import wrote.
                for window in await self.session.scalars(
                    select(Availability).where(
                        Availability.congress_id == congress.id,
                        Availability.person_id == person_id,
                        Availability.reason == CALENDAR_REASON,
                    )
                ):
                    await self.session.delete(window)
                    p.count("availability", "deleted")

        return await self._run(plan, apply, dry_run=dry_run, read_as="ics", rows=len(parsed.busy), ignored=[])

    # --- frab schedules ----------------------------------------------------------------------------------------

    async def frab(
        self,
        congress_id: uuid.UUID,
        data: bytes,
        filename: str,
        *,
        placement: Placement = Placement.HINTS,
        dry_run: bool = False,
    ) -> ImportReport:
        """Rooms, items and speakers of a frab/c3voc schedule; times into the draft as hints or pins."""
        parsed = await asyncio.to_thread(read_frab, data, filename)
        await begin_writing(self.session)
        congress = await get_or_404(self.session, Congress, congress_id)
        plan = Plan(table=None, file=filename, problems=[located(p) for p in parsed.problems])
        schedule = parsed.schedule
        if schedule is None:
            return await self._run(plan, _nothing, dry_run=dry_run, read_as="frab", rows=0, ignored=[])
        plan.file_readable = True
        tz = zone(congress.time_zone)
        items: list[tuple[FrabEvent, ItemRow]] = []
        for event in schedule.events:
            local = event.starts_at.astimezone(tz)
            if not congress.first_day <= local.date() <= congress.last_day:
                plan.problem(
                    None,
                    "date",
                    "outside_congress_days",
                    f"{event.where or event.key}: '{event.title}' "
                    f"is on {local:%a %d %b %Y}, outside the congress ({congress.first_day} to "
                    f"{congress.last_day})",
                )
            text = "\n\n".join(t for t in (event.abstract.strip(), event.description.strip()) if t)
            values = {
                "code": frab_code(event.key),
                "kind": frab_kind(event.type),
                "title": (event.title.strip() or event.key)[:300],
                "duration_minutes": event.duration_minutes,
                "description": text[:4000],
                "topics": [event.track.strip()[:64]] if event.track.strip() else [],
            }
            try:
                items.append((event, msgspec.convert(values, ItemRow, strict=False)))
            except msgspec.ValidationError as exc:
                plan.problem(None, None, "invalid_value", f"{event.where or event.key}: {exc}")

        async def apply(p: Plan) -> None:
            await self._apply_frab(p, congress, schedule, items, placement)

        return await self._run(
            plan, apply, dry_run=dry_run, read_as=f"frab {schedule.source}", rows=len(schedule.events), ignored=[]
        )

    async def _apply_frab(
        self,
        plan: Plan,
        congress: Congress,
        schedule: FrabSchedule,
        items: list[tuple[FrabEvent, ItemRow]],
        placement: Placement,
    ) -> None:
        rooms = {
            r.name.casefold(): r
            for r in await self.session.scalars(select(Room).where(Room.congress_id == congress.id))
        }
        capacities = {r.name.casefold(): r.capacity for r in schedule.rooms}
        for name in dict.fromkeys([r.name for r in schedule.rooms] + [e.room for e, _ in items]):
            key = name.casefold()
            if key in rooms:
                plan.count("rooms", "unchanged")
                continue
            room = Room(congress_id=congress.id, name=name[:200], capacity=capacities.get(key) or 0)
            self.session.add(room)
            rooms[key] = room
            plan.count("rooms", "created")
        speakers: dict[str, FrabPerson] = {}
        for event, _ in items:
            for person in event.persons:
                speakers.setdefault(speaker_email(person), person)
        people = await self._people_by_email(speakers)
        for email, person in speakers.items():
            if email in people:
                plan.count("people", "unchanged")
                continue
            created = Person(email=email, name=(person.name.strip() or email)[:200])
            self.session.add(created)
            people[email] = created
            plan.count("people", "created")
        existing = {
            (i.code or "").casefold(): i
            for i in await self.session.scalars(select(ProgrammeItem).where(ProgrammeItem.congress_id == congress.id))
        }
        released = await self._released_items(congress.id)
        placed_items: list[tuple[FrabEvent, ProgrammeItem]] = []
        for event, data in items:
            values = {
                "kind": data.kind,
                "title": data.title,
                "duration_minutes": data.duration_minutes,
                "description": data.description,
                "topics": list(data.topics),
            }
            item = existing.get(data.code.casefold())
            if item is None:
                item = ProgrammeItem(congress_id=congress.id, code=data.code, **values)
                self.session.add(item)
                existing[data.code.casefold()] = item
                plan.count("items", "created")
            elif _differs(item, values):
                if not await self._keep_placements(plan, None, item, item.runs, data.duration_minutes, released):
                    continue
                _assign(item, values)
                plan.count("items", "updated")
            else:
                plan.count("items", "unchanged")
            placed_items.append((event, item))
        await self.session.flush()
        for event, item in placed_items:
            links = {
                link.person_id
                for link in await self.session.scalars(select(FacultyLink).where(FacultyLink.item_id == item.id))
            }
            for person in event.persons:
                person_id = people[speaker_email(person)].id
                if person_id not in links:
                    self.session.add(FacultyLink(item_id=item.id, person_id=person_id, role=FacultyRole.SPEAKER))
                    links.add(person_id)
        if placement is Placement.NONE:
            return
        draft = (
            await self.session.scalars(
                select(ScheduleVersion)
                .where(ScheduleVersion.congress_id == congress.id, ScheduleVersion.status == VersionStatus.DRAFT)
                .with_for_update()
            )
        ).one_or_none()
        if draft is None:
            draft = ScheduleVersion(
                congress_id=congress.id, status=VersionStatus.DRAFT, note=f"Imported from {plan.file}"
            )
            self.session.add(draft)
            await self.session.flush()
        current = {
            (a.item_id, a.run): a
            for a in await self.session.scalars(select(Assignment).where(Assignment.version_id == draft.id))
        }
        pinned = placement is Placement.PINS
        for event, item in placed_items:
            starts = event.starts_at.astimezone(dt.UTC)
            values = {
                "room_id": rooms[event.room.casefold()].id,
                "starts_at": starts,
                "ends_at": starts + dt.timedelta(minutes=item.duration_minutes),
                "pinned": pinned,
            }
            assignment = current.get((item.id, 1))
            if assignment is None:
                self.session.add(Assignment(version_id=draft.id, item_id=item.id, run=1, **values))
                plan.count("placements", "created")
            elif _differs(assignment, values):
                _assign(assignment, values)
                plan.count("placements", "updated")
            else:
                plan.count("placements", "unchanged")


def speaker_email(person: FrabPerson) -> str:
    """A speaker's e-mail, or a stable placeholder under .invalid (RFC 2606) to be corrected later."""
    if person.email and "@" in person.email:
        return person.email.strip().lower()
    source = person.guid or person.name.strip().casefold()
    return f"speaker-{hashlib.sha256(source.encode()).hexdigest()[:16]}@speakers.invalid"


@dataclass(frozen=True, slots=True)
class _Calendar:
    reason: str = CALENDAR_REASON


def _merge(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


async def _nothing(plan: Plan) -> None:
    return None


def _columns_of(row: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: getattr(row, k) for k in values}


def _differs(row: Any, values: dict[str, Any]) -> bool:
    return any(getattr(row, k) != v for k, v in values.items())


def _assign(row: Any, values: dict[str, Any]) -> None:
    for k, v in values.items():
        setattr(row, k, v)


def _where(p: LocatedProblem) -> str:
    parts = [p.sheet and f"sheet '{p.sheet}'", p.row and f"row {p.row}", p.column and f"column '{p.column}'"]
    text = ", ".join(x for x in parts if x)
    return f"{text}: " if text else ""


def frab_code(key: str) -> str:
    """A short stable item code for a frab event key (its guid or id)."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._/-]{0,25}", key):
        return f"F-{key}"
    return "F-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def frab_kind(value: str) -> ItemKind:
    cleaned = value.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return ItemKind(cleaned)
    except ValueError:
        return ItemKind.HANDS_ON_WORKSHOP if "workshop" in cleaned else ItemKind.OTHER
