"""Congresses and their rooms."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import JsonB
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from congress.db.base import Base


class Congress(Base):
    __tablename__ = "congress"
    __table_args__ = (
        CheckConstraint("first_day <= last_day", name="days_ordered"),
        CheckConstraint("day_start < day_end", name="window_ordered"),
    )

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(200), default="")
    time_zone: Mapped[str] = mapped_column(String(64))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    day_start: Mapped[dt.time] = mapped_column(Time)
    day_end: Mapped[dt.time] = mapped_column(Time)
    # [{"start": "HH:MM", "end": "HH:MM", "label": "Lunch"}], local times, every day.
    breaks: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    # Placeholder for the CME rules (credits per hour, caps); shaped by the CME work.
    cme: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")


class Room(Base):
    __tablename__ = "room"
    __table_args__ = (
        UniqueConstraint("congress_id", "name", name="uq_room_congress_name"),
        CheckConstraint("capacity >= 0", name="capacity"),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    # {"ultrasound_station": 8, "projector": 1}
    equipment: Mapped[dict[str, int]] = mapped_column(JsonB, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
