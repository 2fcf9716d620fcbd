"""Rules for schedule versions and assignments.

A congress has at most one draft at a time. Releasing freezes the draft into
the next numbered version; released versions never change. Callers other than
organisers see released versions only.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from congress.db.models import Assignment, Congress, ProgrammeItem, Room, ScheduleVersion
from congress.domain.schedule.schemas import (
    AssignmentCreate,
    AssignmentRead,
    AssignmentUpdate,
    ReleaseDiff,
    ReleaseRequest,
    VersionCreate,
    VersionRead,
    VersionUpdate,
)
from congress.enums import VersionStatus
from congress.lib.errors import Conflict, InvalidInput, NotFound
from congress.lib.queries import aware_utc, changes, flush_or_conflict, get_or_404, paginate, paginate_rows, zone
from congress.lib.security import Principal
from congress.publishing.ledger import publish
from congress.publishing.notices import write_notices
from congress.scheduling.checks import Check, check_version, version_diff


def visible_versions(principal: Principal | None) -> ColumnElement[bool]:
    if principal is not None and principal.is_organiser:
        return true()
    return ScheduleVersion.status == VersionStatus.RELEASED


def version_read(v: ScheduleVersion, count: int, tz: zoneinfo.ZoneInfo) -> VersionRead:
    return VersionRead(
        id=v.id,
        congress_id=v.congress_id,
        status=v.status,
        number=v.number,
        released_at=v.released_at.astimezone(tz) if v.released_at else None,
        note=v.note,
        assignment_count=count,
    )


@dataclass(slots=True)
class VersionService:
    session: AsyncSession
    principal: Principal | None

    async def _zone(self, congress_id: uuid.UUID) -> zoneinfo.ZoneInfo:
        return zone((await get_or_404(self.session, Congress, congress_id)).time_zone)

    async def _counts(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Assignment.version_id, func.count())
            .where(Assignment.version_id.in_(ids))
            .group_by(Assignment.version_id)
        )
        return {vid: int(n) for vid, n in rows.tuples()}

    async def row(self, congress_id: uuid.UUID, version_id: uuid.UUID) -> ScheduleVersion:
        return await get_or_404(
            self.session,
            ScheduleVersion,
            version_id,
            ScheduleVersion.congress_id == congress_id,
            visible_versions(self.principal),
        )

    async def draft_row(self, congress_id: uuid.UUID, version_id: uuid.UUID) -> ScheduleVersion:
        """The draft, locked until the transaction ends: edits, releases and a solver's write take turns."""
        version = await self.row(congress_id, version_id)
        await self.session.execute(select(ScheduleVersion.id).where(ScheduleVersion.id == version.id).with_for_update())
        await self.session.refresh(version)
        if version.status is not VersionStatus.DRAFT:
            raise Conflict(
                f"Version {version.number} is released and cannot change; make a new draft",
                code="version_released",
            )
        return version

    async def read(self, version: ScheduleVersion) -> VersionRead:
        tz = await self._zone(version.congress_id)
        return version_read(version, (await self._counts([version.id])).get(version.id, 0), tz)

    async def search(
        self, congress_id: uuid.UUID, limit: int, offset: int, status: VersionStatus | None
    ) -> tuple[list[VersionRead], int]:
        tz = await self._zone(congress_id)
        stmt = (
            select(ScheduleVersion)
            .where(ScheduleVersion.congress_id == congress_id, visible_versions(self.principal))
            .order_by(ScheduleVersion.number.desc().nulls_first(), ScheduleVersion.created_at.desc())
        )
        if status is not None:
            stmt = stmt.where(ScheduleVersion.status == status)
        rows, total = await paginate(self.session, stmt, limit, offset)
        counts = await self._counts([v.id for v in rows])
        return [version_read(v, counts.get(v.id, 0), tz) for v in rows], total

    async def create(self, congress_id: uuid.UUID, data: VersionCreate) -> VersionRead:
        await get_or_404(self.session, Congress, congress_id)
        draft = select(ScheduleVersion.id).where(
            ScheduleVersion.congress_id == congress_id,
            ScheduleVersion.status == VersionStatus.DRAFT,
        )
        if (await self.session.execute(draft)).first():
            raise Conflict("This congress already has a draft", code="draft_exists")
        version = ScheduleVersion(congress_id=congress_id, status=VersionStatus.DRAFT, note=data.note)
        self.session.add(version)
        await flush_or_conflict(self.session, "The draft")
        if data.copy_from is not None:
            source = await self.row(congress_id, data.copy_from)
            copies = (
                await self.session.execute(select(Assignment).where(Assignment.version_id == source.id))
            ).scalars()
            for a in copies:
                self.session.add(
                    Assignment(
                        version_id=version.id,
                        item_id=a.item_id,
                        run=a.run,
                        room_id=a.room_id,
                        starts_at=a.starts_at,
                        ends_at=a.ends_at,
                        pinned=a.pinned,
                    )
                )
            await flush_or_conflict(self.session, "Copying the assignments")
        return await self.read(version)

    async def update(self, congress_id: uuid.UUID, version_id: uuid.UUID, data: VersionUpdate) -> VersionRead:
        version = await self.draft_row(congress_id, version_id)
        for key, value in changes(data).items():
            setattr(version, key, value)
        await flush_or_conflict(self.session, "The draft")
        return await self.read(version)

    async def check(self, version: ScheduleVersion, item_id: uuid.UUID | None = None) -> Check:
        return await self.session.run_sync(lambda s: check_version(s, version, item_id))

    async def release(
        self, congress_id: uuid.UUID, version_id: uuid.UUID, data: ReleaseRequest, base_url: str
    ) -> VersionRead:
        """Freeze the draft, publish its events (UIDs, sequences, cancellations) and write the change notices."""
        version = await self.draft_row(congress_id, version_id)
        if not data.allow_violations:
            blocking = (await self.check(version)).blocking
            if blocking:
                listed = "; ".join(v["message"] for v in blocking[:3])
                more = f" (and {len(blocking) - 3} more)" if len(blocking) > 3 else ""
                raise Conflict(
                    f"The draft breaks {len(blocking)} hard rule(s): {listed}{more}. Fix them, "
                    "or release anyway with allow_violations",
                    code="schedule_invalid",
                )
        previous = (
            await self.session.scalars(
                select(ScheduleVersion)
                .where(ScheduleVersion.congress_id == congress_id, ScheduleVersion.status == VersionStatus.RELEASED)
                .order_by(ScheduleVersion.number.desc())
                .limit(1)
            )
        ).first()
        before = await self._assignments(previous.id) if previous is not None else []
        version.diff = version_diff(before, await self._assignments(version.id), previous.number if previous else None)
        version.status = VersionStatus.RELEASED
        version.number = (previous.number or 0) + 1 if previous is not None else 1
        version.released_at = dt.datetime.now(dt.UTC)
        for key, value in changes(data).items():
            if key != "allow_violations":
                setattr(version, key, value)
        await flush_or_conflict(self.session, "The release")

        def publish_and_notify(session: Session) -> None:
            changes = publish(session, version)
            write_notices(session, version, changes, base_url, first_release=previous is None)

        await self.session.run_sync(publish_and_notify)
        return await self.read(version)

    async def _assignments(self, version_id: uuid.UUID) -> list[Assignment]:
        return list(await self.session.scalars(select(Assignment).where(Assignment.version_id == version_id)))

    async def diff(self, congress_id: uuid.UUID, version_id: uuid.UUID) -> ReleaseDiff:
        version = await self.row(congress_id, version_id)
        if version.status is not VersionStatus.RELEASED:
            raise Conflict("Only a release has a diff; compare a draft with its check instead", code="not_released")
        stored = copy.deepcopy(version.diff)
        if not stored:
            # Released before diffs were stored: compute it now from the release before.
            previous = (
                await self.session.scalars(
                    select(ScheduleVersion).where(
                        ScheduleVersion.congress_id == congress_id,
                        ScheduleVersion.number == (version.number or 1) - 1,
                    )
                )
            ).first()
            before = await self._assignments(previous.id) if previous is not None else []
            stored = version_diff(before, await self._assignments(version.id), previous.number if previous else None)
        tz = await self._zone(congress_id)

        def local(place: dict[str, str]) -> dict[str, str]:
            moment = dt.datetime.fromisoformat(place["starts_at"]).astimezone(tz)
            return {**place, "starts_at": moment.isoformat()}

        for kind in ("added", "removed", "moved"):
            for row in stored[kind]:
                for side in ("before", "after"):
                    if side in row:
                        row[side] = local(row[side])
        return msgspec.convert(stored, ReleaseDiff)

    async def delete(self, congress_id: uuid.UUID, version_id: uuid.UUID) -> None:
        version = await self.draft_row(congress_id, version_id)
        await self.session.delete(version)
        await flush_or_conflict(self.session, "Deleting the draft")


def assignment_read(row: tuple[Assignment, str, str], tz: zoneinfo.ZoneInfo) -> AssignmentRead:
    a, title, room = row
    return AssignmentRead(
        id=a.id,
        version_id=a.version_id,
        item_id=a.item_id,
        item_title=title,
        run=a.run,
        room_id=a.room_id,
        room_name=room,
        starts_at=a.starts_at.astimezone(tz),
        ends_at=a.ends_at.astimezone(tz),
        pinned=a.pinned,
    )


@dataclass(slots=True)
class AssignmentService:
    session: AsyncSession
    principal: Principal | None

    def _versions(self) -> VersionService:
        return VersionService(self.session, self.principal)

    async def search(
        self,
        congress_id: uuid.UUID,
        version_id: uuid.UUID,
        limit: int,
        offset: int,
        room_id: uuid.UUID | None = None,
        item_id: uuid.UUID | None = None,
    ) -> tuple[list[AssignmentRead], int]:
        version = await self._versions().row(congress_id, version_id)
        tz = zone((await get_or_404(self.session, Congress, congress_id)).time_zone)
        stmt = (
            select(Assignment, ProgrammeItem.title, Room.name)
            .join(ProgrammeItem, ProgrammeItem.id == Assignment.item_id)
            .join(Room, Room.id == Assignment.room_id)
            .where(Assignment.version_id == version.id)
            .order_by(Assignment.starts_at, Room.name, Assignment.id)
        )
        if room_id is not None:
            stmt = stmt.where(Assignment.room_id == room_id)
        if item_id is not None:
            stmt = stmt.where(Assignment.item_id == item_id)
        rows, total = await paginate_rows(self.session, stmt, limit, offset)
        return [assignment_read(r, tz) for r in rows], total

    async def get(self, congress_id: uuid.UUID, version_id: uuid.UUID, assignment_id: uuid.UUID) -> AssignmentRead:
        version = await self._versions().row(congress_id, version_id)
        return await self._read(congress_id, version.id, assignment_id)

    async def _read(self, congress_id: uuid.UUID, version_id: uuid.UUID, assignment_id: uuid.UUID) -> AssignmentRead:
        tz = zone((await get_or_404(self.session, Congress, congress_id)).time_zone)
        row = (
            (
                await self.session.execute(
                    select(Assignment, ProgrammeItem.title, Room.name)
                    .join(ProgrammeItem, ProgrammeItem.id == Assignment.item_id)
                    .join(Room, Room.id == Assignment.room_id)
                    .where(Assignment.id == assignment_id, Assignment.version_id == version_id)
                )
            )
            .tuples()
            .one_or_none()
        )
        if row is None:
            raise NotFound(f"No assignment with id {assignment_id}")
        return assignment_read(row, tz)

    async def _place(
        self,
        congress_id: uuid.UUID,
        item_id: uuid.UUID,
        room_id: uuid.UUID,
        run: int,
        starts_at: dt.datetime,
    ) -> tuple[dt.datetime, dt.datetime]:
        item = await get_or_404(self.session, ProgrammeItem, item_id, ProgrammeItem.congress_id == congress_id)
        await get_or_404(self.session, Room, room_id, Room.congress_id == congress_id)
        if run > item.runs:
            raise InvalidInput(
                f"The item has {item.runs} run(s); there is no run {run}",
                code="no_such_run",
                field="run",
            )
        start = aware_utc(starts_at, "starts_at")
        end = start + dt.timedelta(minutes=item.duration_minutes)
        congress = await get_or_404(self.session, Congress, congress_id)
        tz = zone(congress.time_zone)
        if not congress.first_day <= start.astimezone(tz).date() <= end.astimezone(tz).date() <= congress.last_day:
            raise InvalidInput(
                f"The run must take place between {congress.first_day} and {congress.last_day}",
                code="outside_congress_days",
                field="starts_at",
            )
        return start, end

    async def create(self, congress_id: uuid.UUID, version_id: uuid.UUID, data: AssignmentCreate) -> AssignmentRead:
        version = await self._versions().draft_row(congress_id, version_id)
        start, end = await self._place(congress_id, data.item_id, data.room_id, data.run, data.starts_at)
        clash = select(Assignment.id).where(
            Assignment.version_id == version.id,
            Assignment.item_id == data.item_id,
            Assignment.run == data.run,
        )
        if (await self.session.execute(clash)).first():
            raise Conflict(
                f"Run {data.run} of this item is already placed in this version",
                code="run_already_placed",
            )
        assignment = Assignment(
            version_id=version.id,
            item_id=data.item_id,
            run=data.run,
            room_id=data.room_id,
            starts_at=start,
            ends_at=end,
            pinned=data.pinned,
        )
        self.session.add(assignment)
        await flush_or_conflict(self.session, "The assignment")
        return await self._read(congress_id, version.id, assignment.id)

    async def update(
        self,
        congress_id: uuid.UUID,
        version_id: uuid.UUID,
        assignment_id: uuid.UUID,
        data: AssignmentUpdate,
    ) -> AssignmentRead:
        version = await self._versions().draft_row(congress_id, version_id)
        assignment = await get_or_404(self.session, Assignment, assignment_id, Assignment.version_id == version.id)
        values = changes(data)
        if "room_id" in values or "starts_at" in values:
            start, end = await self._place(
                congress_id,
                assignment.item_id,
                values.get("room_id", assignment.room_id),
                assignment.run,
                values.get("starts_at", assignment.starts_at),
            )
            assignment.starts_at, assignment.ends_at = start, end
            assignment.room_id = values.get("room_id", assignment.room_id)
        if "pinned" in values:
            assignment.pinned = values["pinned"]
        await flush_or_conflict(self.session, "The assignment")
        return await self._read(congress_id, version.id, assignment.id)

    async def delete(self, congress_id: uuid.UUID, version_id: uuid.UUID, assignment_id: uuid.UUID) -> None:
        version = await self._versions().draft_row(congress_id, version_id)
        assignment = await get_or_404(self.session, Assignment, assignment_id, Assignment.version_id == version.id)
        await self.session.delete(assignment)
        await flush_or_conflict(self.session, "Deleting the assignment")
