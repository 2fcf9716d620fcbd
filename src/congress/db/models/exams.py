"""The EDiMSK diploma: a sitting per congress, applications, examiners, oral slots and marks.

An examiner is never booked twice at overlapping times, and a workstation
never holds two candidates at once, whoever writes the rows and however many
write at once: on PostgreSQL exclusion constraints over (examiner, time range)
and (workstation, time range) make an overlap impossible; on SQLite, whose
writers are serialised, triggers refuse the overlapping row inside the
writing transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Connection,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from congress.db.base import Base, enum_column
from congress.enums import ApplicationStatus, ExaminerStatus


class ExamSitting(Base):
    """One sitting of the diploma, held at a congress (written online, oral on site)."""

    __tablename__ = "exam_sitting"
    __table_args__ = (
        CheckConstraint("seat_limit >= 0", name="seat_limit"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_minutes"),
        CheckConstraint("panel_size BETWEEN 1 AND 6", name="panel_size"),
        CheckConstraint("written_pass_mark BETWEEN 0 AND written_questions", name="written_pass_mark"),
        CheckConstraint("oral_pass_mark BETWEEN 0 AND oral_max", name="oral_pass_mark"),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    exam_year: Mapped[int] = mapped_column(Integer)
    applications_close_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    seat_limit: Mapped[int] = mapped_column(Integer)
    written_starts_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    written_minutes: Mapped[int] = mapped_column(Integer, default=60)
    written_questions: Mapped[int] = mapped_column(Integer, default=40)
    written_pass_mark: Mapped[int] = mapped_column(Integer, default=28)
    # [{"starts_at": ISO UTC, "ends_at": ISO UTC}], the on-site oral windows.
    oral_windows: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=20)
    panel_size: Mapped[int] = mapped_column(Integer, default=2)
    # An examiner who sat this many slots back to back needs one slot's break; NULL: no limit.
    max_consecutive: Mapped[int | None] = mapped_column(Integer, default=4)
    oral_max: Mapped[int] = mapped_column(Integer, default=40)
    oral_pass_mark: Mapped[int] = mapped_column(Integer, default=28)
    fee_eur: Mapped[int] = mapped_column(Integer, default=400)
    reduced_fee_eur: Mapped[int] = mapped_column(Integer, default=200)
    free_retakes: Mapped[int] = mapped_column(Integer, default=3)
    validity_years: Mapped[int] = mapped_column(Integer, default=5)
    # Candidates see their results only once the examiners' meeting has released them.
    results_released_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ExamWorkstation(Base):
    """A reading workstation in an exam room: one candidate per slot."""

    __tablename__ = "exam_workstation"
    __table_args__ = (
        UniqueConstraint("sitting_id", "room_id", "number", name="uq_workstation_sitting_room_number"),
        CheckConstraint("number >= 1", name="number"),
    )

    sitting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exam_sitting.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)


class ExamApplication(Base):
    __tablename__ = "exam_application"
    __table_args__ = (UniqueConstraint("sitting_id", "person_id", name="uq_application_sitting_person"),)

    sitting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exam_sitting.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus))
    # The documents checklist: {"training_certificate": {"status": ..., "evidence": ...}, ...}.
    documents: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    # Who countersigned the logbook, and who wrote the letter of support (conflicts of interest).
    programme_director_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    letter_writer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    # Local times the candidate would rather sit the oral: [{"starts_at": ISO, "ends_at": ISO}].
    preferred_windows: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    written_score: Mapped[int | None] = mapped_column(Integer, default=None)
    # The examiners' meeting's decision, recorded when results are released.
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    passed: Mapped[bool | None] = mapped_column(Boolean, default=None)
    diploma_valid_until: Mapped[dt.date | None] = mapped_column(Date, default=None)


class Examiner(Base):
    __tablename__ = "examiner"
    __table_args__ = (
        UniqueConstraint("sitting_id", "person_id", name="uq_examiner_sitting_person"),
        CheckConstraint("max_slots IS NULL OR max_slots >= 0", name="max_slots"),
    )

    sitting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exam_sitting.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[ExaminerStatus] = mapped_column(enum_column(ExaminerStatus))
    # Publications, teaching, committees: what the appointment rests on.
    contribution: Mapped[str] = mapped_column(Text, default="")
    contribution_approved_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    max_slots: Mapped[int | None] = mapped_column(Integer, default=None)


class ExamConflict(Base):
    """A declared conflict of interest between an examiner and a candidate."""

    __tablename__ = "exam_conflict"
    __table_args__ = (
        UniqueConstraint("sitting_id", "examiner_id", "candidate_id", name="uq_conflict_pair"),
        CheckConstraint("examiner_id <> candidate_id", name="distinct"),
    )

    sitting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exam_sitting.id", ondelete="CASCADE"), index=True)
    examiner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class ExamSlot(Base):
    """A candidate's oral: a time at a workstation (the panel is in ``exam_panel``)."""

    __tablename__ = "exam_slot"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="ordered"),
        ExcludeConstraint(
            ("workstation_id", "="),
            (text("tstzrange(starts_at, ends_at)"), "&&"),
            name="ex_exam_slot_workstation_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    sitting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exam_sitting.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exam_application.id", ondelete="CASCADE"), unique=True
    )
    workstation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exam_workstation.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raised on every change: the SEQUENCE of the slot in calendars.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ExamPanelSeat(Base):
    """One examiner on one slot's panel; the slot's times are repeated so the database can refuse overlaps."""

    __tablename__ = "exam_panel"
    __table_args__ = (
        UniqueConstraint("slot_id", "examiner_id", name="uq_panel_slot_examiner"),
        CheckConstraint("starts_at < ends_at", name="ordered"),
        ExcludeConstraint(
            ("examiner_id", "="),
            (text("tstzrange(starts_at, ends_at)"), "&&"),
            name="ex_exam_panel_examiner_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exam_slot.id", ondelete="CASCADE"), index=True)
    examiner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


class OralMark(Base):
    """One panel member's mark for a candidate's oral."""

    __tablename__ = "oral_mark"
    __table_args__ = (
        UniqueConstraint("application_id", "examiner_id", name="uq_oral_mark_application_examiner"),
        CheckConstraint("score >= 0", name="score"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exam_application.id", ondelete="CASCADE"), index=True)
    examiner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer)


# SQLite: the same guarantee as the exclusion constraints, as triggers. SQLite runs one writer
# at a time, so the check and the write cannot interleave with another transaction's.
SQLITE_OVERLAP_TRIGGERS = {
    "exam_panel": (
        "CREATE TRIGGER trg_exam_panel_no_overlap_insert BEFORE INSERT ON exam_panel "
        "WHEN EXISTS (SELECT 1 FROM exam_panel WHERE examiner_id = NEW.examiner_id "
        "AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at) "
        "BEGIN SELECT RAISE(ABORT, 'examiner_double_booked'); END",
        "CREATE TRIGGER trg_exam_panel_no_overlap_update BEFORE UPDATE ON exam_panel "
        "WHEN EXISTS (SELECT 1 FROM exam_panel WHERE examiner_id = NEW.examiner_id AND id <> NEW.id "
        "AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at) "
        "BEGIN SELECT RAISE(ABORT, 'examiner_double_booked'); END",
    ),
    "exam_slot": (
        "CREATE TRIGGER trg_exam_slot_no_overlap_insert BEFORE INSERT ON exam_slot "
        "WHEN EXISTS (SELECT 1 FROM exam_slot WHERE workstation_id = NEW.workstation_id "
        "AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at) "
        "BEGIN SELECT RAISE(ABORT, 'workstation_double_booked'); END",
        "CREATE TRIGGER trg_exam_slot_no_overlap_update BEFORE UPDATE ON exam_slot "
        "WHEN EXISTS (SELECT 1 FROM exam_slot WHERE workstation_id = NEW.workstation_id AND id <> NEW.id "
        "AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at) "
        "BEGIN SELECT RAISE(ABORT, 'workstation_double_booked'); END",
    ),
}


def _sqlite_triggers(target: Table, connection: Connection, **_: Any) -> None:
    """Create the overlap triggers with the table (``create_all``; migrations create them too)."""
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_OVERLAP_TRIGGERS[target.name]:
            connection.exec_driver_sql(statement)


for _table in SQLITE_OVERLAP_TRIGGERS:
    event.listen(Base.metadata.tables[_table], "after_create", _sqlite_triggers)
