"""Solve runs: one optimisation job of a congress's programme, done by a worker process."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from congress.db.base import Base, enum_column
from congress.enums import SolveMode, SolveStatus


class SolveRun(Base):
    __tablename__ = "solve_run"
    __table_args__ = (
        # One queued or running job per congress, whichever API worker was asked.
        Index(
            "uq_solve_run_one_active",
            "congress_id",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    status: Mapped[SolveStatus] = mapped_column(enum_column(SolveStatus))
    mode: Mapped[SolveMode] = mapped_column(enum_column(SolveMode))
    time_limit: Mapped[float] = mapped_column(Float)
    workers: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    # Grid, changeover and the weights of the soft terms.
    options: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    worker: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Latest figures while running: elapsed, objective, bound, gap, solutions.
    progress: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    # Outcome: solver status, soft terms, violations, explanations, diff to the release.
    result: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("schedule_version.id", ondelete="SET NULL"), default=None
    )
