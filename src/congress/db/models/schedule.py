"""Schedule versions (a draft, or numbered immutable releases) and their assignments."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from congress.db.base import Base, enum_column
from congress.enums import VersionStatus


class ScheduleVersion(Base):
    __tablename__ = "schedule_version"
    __table_args__ = (
        UniqueConstraint("congress_id", "number", name="uq_version_congress_number"),
        CheckConstraint(
            "(status = 'draft' AND number IS NULL AND released_at IS NULL)"
            " OR (status = 'released' AND number IS NOT NULL AND released_at IS NOT NULL)",
            name="release_fields",
        ),
        # At most one draft per congress, even under concurrent requests.
        Index(
            "uq_version_one_draft",
            "congress_id",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    status: Mapped[VersionStatus] = mapped_column(enum_column(VersionStatus))
    number: Mapped[int | None] = mapped_column(Integer, default=None)
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    # For a release: what changed against the release before it (added, removed, moved).
    diff: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict, server_default=text("'{}'"))


class Assignment(Base):
    """One run of one item placed in a room at a time."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("version_id", "item_id", "run", name="uq_assignment_version_item_run"),
        CheckConstraint("starts_at < ends_at", name="ordered"),
        CheckConstraint("run >= 1", name="run"),
    )

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schedule_version.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_item.id", ondelete="CASCADE"), index=True)
    run: Mapped[int] = mapped_column(Integer, default=1)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
