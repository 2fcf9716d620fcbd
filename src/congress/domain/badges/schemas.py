"""Payloads for badge keys and badges."""

from __future__ import annotations

import datetime as dt
import uuid

from congress.enums import RegistrationCategory, RegistrationStatus
from congress.lib.schema import ShortText, Struct


class BadgeKeyRead(Struct):
    kid: str
    # Raw Ed25519 public key, base64: what an offline scanner verifies with.
    public_key: str
    created_at: dt.datetime
    retired_at: dt.datetime | None
    signing: bool


class IssueReport(Struct):
    issued: int
    already_issued: int
    kid: str


class BadgeRead(Struct):
    id: uuid.UUID
    registration_id: uuid.UUID
    person_id: uuid.UUID
    name: str
    category: RegistrationCategory
    registration_status: RegistrationStatus
    kid: str
    issued_at: dt.datetime
    revoked_at: dt.datetime | None
    revoke_reason: str


class RevokeRequest(Struct):
    reason: ShortText = ""
    # Issue a new badge for the same registration at once (a lost or damaged badge).
    reissue: bool = False


class RevokeResult(Struct):
    revoked: BadgeRead
    reissued: BadgeRead | None
