"""Badges and their signing keys, scanner devices, door scans, presence, evaluations and CME statements."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from congress.db.base import Base


class BadgeKey(Base):
    """An Ed25519 key pair that signs a congress's badges. The newest active key signs; retired keys no
    longer verify. The private half never leaves the server (no route returns it, no log prints it)."""

    __tablename__ = "badge_key"

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    kid: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class Badge(Base):
    """One badge of one registration; its id is what the QR code carries. A reissued or cancelled badge is
    revoked (it stays, on the revocation list) and a registration holds at most one badge not revoked."""

    __tablename__ = "badge"
    __table_args__ = (
        Index(
            "uq_badge_one_active",
            "registration_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    kid: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    revoke_reason: Mapped[str] = mapped_column(String(200), default="")


class ScannerDevice(Base):
    """A steward's door scanner. It authenticates with its own API token (role steward), which an organiser
    revokes to cut the device off at once."""

    __tablename__ = "scanner_device"

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The door it usually stands at (a scan may name another room).
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class Scan(Base):
    """An accepted door scan, stored before it is acknowledged. (device, nonce) is unique: a replay of a
    batch stores nothing new."""

    __tablename__ = "scan"
    __table_args__ = (
        UniqueConstraint("device_id", "nonce", name="uq_scan_device_nonce"),
        CheckConstraint("direction IS NULL OR direction IN ('in', 'out')", name="direction"),
        Index("ix_scan_congress_person_time", "congress_id", "person_id", "scanned_at"),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scanner_device.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    badge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("badge.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    direction: Mapped[str | None] = mapped_column(String(3), default=None)
    # The device's clock when the badge was scanned (checked against the server's within a bound).
    scanned_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    # What the door was told: ok, already_inside, not_inside.
    outcome: Mapped[str] = mapped_column(String(32))


class Presence(Base):
    """Where a person is now, by the latest scan time seen (not the arrival order of offline batches)."""

    __tablename__ = "presence"
    __table_args__ = (UniqueConstraint("congress_id", "person_id", name="uq_presence_congress_person"),)

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    # NULL: outside every room.
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    last_scan_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


class SessionEvaluation(Base):
    """An attendee's short evaluation of a session (some congresses credit a session only once evaluated)."""

    __tablename__ = "session_evaluation"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id", name="uq_evaluation_event_person"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    )

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("published_event.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")


class CmeStatement(Base):
    """A person's CME statement as issued: frozen when raw scans are purged, so the certificate regenerates
    byte for byte and its verification code keeps working."""

    __tablename__ = "cme_statement"
    __table_args__ = (UniqueConstraint("congress_id", "person_id", name="uq_cme_statement_congress_person"),)

    congress_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("congress.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    statement: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    total_credits: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    # Set when the raw scans behind it were purged: from then on it never changes.
    frozen_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
