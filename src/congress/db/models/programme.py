"""Programme items, their faculty, their order, and availability windows."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from congress.db.base import Base, enum_column
from congress.enums import AvailabilityKind, FacultyRole, ItemKind


class ProgrammeItem(Base):
    __tablename__ = "programme_item"
    __table_args__ = (
        UniqueConstraint("congress_id", "code", name="uq_item_congress_code"),
        CheckConstraint("duration_minutes > 0", name="duration"),
        CheckConstraint("runs >= 1", name="runs"),
        CheckConstraint("expected_attendance >= 0", name="attendance"),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    # The organiser's own reference ("RC 1205", "HW 3A"); unique in the congress when given.
    code: Mapped[str | None] = mapped_column(String(32), default=None)
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JsonB, default=list)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    expected_attendance: Mapped[int] = mapped_column(Integer, default=0)
    # Seats per run; for a hands-on workshop, stations x trainees per station.
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)
    runs: Mapped[int] = mapped_column(Integer, default=1)
    required_equipment: Mapped[dict[str, int]] = mapped_column(JsonB, default=dict)
    # [{"day": "2026-03-05", "start": "HH:MM", "end": "HH:MM"}] local times; empty = any time.
    allowed_windows: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    series: Mapped[str | None] = mapped_column(String(200), default=None)
    series_position: Mapped[int | None] = mapped_column(Integer, default=None)


class ItemPrecedence(Base):
    """``after`` may start only once ``before`` has ended (plus a gap)."""

    __tablename__ = "item_precedence"
    __table_args__ = (
        UniqueConstraint("before_id", "after_id", name="uq_precedence_pair"),
        CheckConstraint("before_id <> after_id", name="distinct"),
    )

    before_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_item.id", ondelete="CASCADE"), index=True)
    after_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_item.id", ondelete="CASCADE"), index=True)
    min_gap_minutes: Mapped[int] = mapped_column(Integer, default=0)


class FacultyLink(Base):
    __tablename__ = "faculty_link"
    __table_args__ = (UniqueConstraint("item_id", "person_id", "role", name="uq_faculty_item_person_role"),)

    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_item.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[FacultyRole] = mapped_column(enum_column(FacultyRole))


class Availability(Base):
    """A window in which a person or a room is unavailable, available or preferred."""

    __tablename__ = "availability"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (room_id IS NULL)", name="one_owner"),
        CheckConstraint("starts_at < ends_at", name="ordered"),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True, default=None
    )
    room_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("room.id", ondelete="CASCADE"), index=True, default=None
    )
    kind: Mapped[AvailabilityKind] = mapped_column(enum_column(AvailabilityKind))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    reason: Mapped[str] = mapped_column(String(200), default="")
