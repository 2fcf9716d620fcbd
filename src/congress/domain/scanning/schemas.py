"""Payloads for scanner devices, their offline bundle, scans and occupancy."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from msgspec import Meta

from congress.lib.schema import Name, Struct

Nonce = Annotated[str, Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
# What a door scanner read from a badge: validated by the badge verifier, never trusted.
BadgeText = Annotated[str, Meta(max_length=512)]


class DeviceCreate(Struct):
    name: Name
    # The door the device usually stands at; a scan may name another room.
    room_id: uuid.UUID | None = None


class DeviceRead(Struct):
    id: uuid.UUID
    name: str
    room_id: uuid.UUID | None
    created_at: dt.datetime
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None


class DeviceCreated(Struct):
    device: DeviceRead
    # Shown once: the device's bearer token (only its SHA-256 digest is stored).
    token: str


class OfflineRoom(Struct):
    id: uuid.UUID
    name: str


class OfflineSession(Struct):
    uid: str
    title: str
    room_id: uuid.UUID | None
    starts_at: dt.datetime
    ends_at: dt.datetime


class OfflineBundle(Struct):
    """Everything a scanner needs to keep working without the network."""

    congress_id: uuid.UUID
    time_zone: str
    generated_at: dt.datetime
    # Key id -> raw Ed25519 public key (base64).
    keys: dict[str, str]
    # Badges to refuse: revoked, or of a registration that is no longer active.
    revoked: list[uuid.UUID]
    rooms: list[OfflineRoom]
    release: int | None
    sessions: list[OfflineSession]


class ScanIn(Struct):
    # Chosen by the device, unique per device: the same scan sent twice is stored once.
    nonce: Nonce
    badge: BadgeText
    # The device's clock when the badge was read (with a UTC offset).
    scanned_at: dt.datetime
    # The room of the door; defaults to the device's room.
    room_id: uuid.UUID | None = None
    direction: Literal["in", "out"] | None = None


class ScanBatch(Struct):
    scans: Annotated[list[ScanIn], Meta(min_length=1, max_length=1000)]


ScanCode = Literal[
    "ok",
    "already_inside",
    "not_inside",
    "malformed",
    "unsupported_version",
    "unknown_key",
    "invalid_signature",
    "wrong_congress",
    "revoked",
    "not_registered",
    "unknown_room",
    "clock_skew",
]


class ScanResult(Struct):
    nonce: str
    code: ScanCode
    # True when this nonce was stored before: nothing new was stored, the first answer is repeated.
    replayed: bool = False
    # The accepted scan's room, for the door's display.
    room_id: uuid.UUID | None = None


class ScanReport(Struct):
    """Answers in the order sent. Every scan answered ok, already_inside or not_inside is stored."""

    results: list[ScanResult]
    stored: int
    replayed: int
    refused: int


class RoomOccupancy(Struct):
    room_id: uuid.UUID
    room: str
    inside: int
    capacity: int


class Occupancy(Struct):
    at: dt.datetime
    rooms: list[RoomOccupancy]
    inside: int
