"""What released schedules publish: the event ledger, feed links, agendas, workshop seats and the outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from congress.db.base import Base, enum_column
from congress.enums import OutboxStatus


class PublishedEvent(Base):
    """One item run as the latest release publishes it, kept after a release removes it (then cancelled).

    Written only when a version is released. Feeds and exports read it, so what
    they show is frozen with the release, its UID never changes, and its
    SEQUENCE grows each time a release changes what it says.
    """

    __tablename__ = "published_event"
    __table_args__ = (
        UniqueConstraint("congress_id", "item_id", "run", name="uq_published_event_run"),
        UniqueConstraint("congress_id", "number", name="uq_published_event_number"),
        CheckConstraint("sequence >= 0", name="sequence"),
        CheckConstraint("starts_at < ends_at", name="ordered"),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_item.id", ondelete="CASCADE"), index=True)
    run: Mapped[int] = mapped_column(Integer)
    # Positive integer, stable per congress (frab ids).
    number: Mapped[int] = mapped_column(Integer)
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    runs: Mapped[int] = mapped_column(Integer, default=1)
    code: Mapped[str | None] = mapped_column(String(32), default=None)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JsonB, default=list)
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"), default=None)
    room_name: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    # [{"person_id": "...", "name": "...", "role": "speaker", "institution": "..."}]
    faculty: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    # SHA-256 of what the event says; a release that changes it raises the sequence.
    fingerprint: Mapped[str] = mapped_column(String(64))
    changed_in: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


class PublishedFaculty(Base):
    """Who teaches in a published event (as the release has it), so a person's feed is one indexed lookup."""

    __tablename__ = "published_faculty"
    __table_args__ = (UniqueConstraint("event_id", "person_id", name="uq_published_faculty_event_person"),)

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("published_event.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)


class FeedToken(Base):
    """A secret calendar link for one person in one congress; only its SHA-256 digest is stored."""

    __tablename__ = "feed_token"
    __table_args__ = (
        # One working link per person and congress, even when two rotations race.
        Index(
            "uq_feed_token_one_active",
            "congress_id",
            "person_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class AgendaStar(Base):
    """An item a person starred for their agenda."""

    __tablename__ = "agenda_star"
    __table_args__ = (UniqueConstraint("person_id", "item_id", name="uq_agenda_star_person_item"),)

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_item.id", ondelete="CASCADE"), index=True)


class WorkshopSeat(Base):
    """A seat a registered person holds in one run of an item with limited seats (a hands-on workshop)."""

    __tablename__ = "workshop_seat"
    __table_args__ = (
        UniqueConstraint("person_id", "item_id", name="uq_workshop_seat_person_item"),
        CheckConstraint("run >= 1", name="run"),
        Index("ix_workshop_seat_item_run", "item_id", "run"),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_item.id", ondelete="CASCADE"))
    run: Mapped[int] = mapped_column(Integer)


class OutboxMessage(Base):
    """One e-mail to one person about what a release changed for them; the sender delivers it once."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("congress_id", "release", "person_id", name="uq_outbox_release_person"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    release: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str] = mapped_column(String(200), default="")
    attachment: Mapped[str] = mapped_column(Text, default="")
    # The changes listed in the message: [{"uid", "title", "change", "before", "after"}].
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    # RFC 5322 Message-ID, fixed when the message is written, so a resend would be recognisable.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
