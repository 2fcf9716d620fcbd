"""Payloads for API tokens and the caller's identity."""

from __future__ import annotations

import datetime as dt
import uuid

from congress.lib.schema import Name, Struct
from congress.lib.security import Role


class TokenCreate(Struct):
    name: Name
    role: Role
    # Required for every role but organiser: the person the token speaks for.
    person_id: uuid.UUID | None = None
    expires_at: dt.datetime | None = None


class TokenRead(Struct):
    id: uuid.UUID
    name: str
    role: Role
    person_id: uuid.UUID | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIssued(Struct):
    """Returned once, at creation: the token itself is never shown again."""

    token: str
    info: TokenRead


class Me(Struct):
    token_id: uuid.UUID
    role: Role
    person_id: uuid.UUID | None
    person_name: str | None
