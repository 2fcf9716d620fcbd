"""Roles, principals and API tokens.

Tokens are 256 random bits, shown once, and stored only as their SHA-256
digest. A lookup goes by digest (an indexed equality) and the stored digest is
compared again in constant time.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

CGR_PREFIX = "cgr_"  # marks our API tokens (helps secret scanners); not secret
FEED_PREFIX = "cgf_"  # marks calendar feed secrets, which travel in URLs
TOKEN_BYTES = 32
_SECRET_IN_TEXT = re.compile(r"(cg[rf]_)[A-Za-z0-9_\-]+")


class Role(enum.StrEnum):
    ORGANISER = "organiser"
    EXAMINER = "examiner"
    CANDIDATE = "candidate"
    ATTENDEE = "attendee"
    STEWARD = "steward"


ALL_ROLES = frozenset(Role)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a token's role and the person it belongs to."""

    token_id: uuid.UUID
    role: Role
    person_id: uuid.UUID | None

    @property
    def is_organiser(self) -> bool:
        return self.role is Role.ORGANISER


def new_token() -> str:
    return CGR_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def digest_matches(stored_digest: str, token: str) -> bool:
    return hmac.compare_digest(stored_digest.encode("ascii"), hash_token(token).encode("ascii"))


def looks_like_token(value: str) -> bool:
    return value.startswith(CGR_PREFIX) and 20 <= len(value) <= 128


def new_feed_token() -> str:
    """A feed secret: 256 random bits, URL-safe (it is the last word of a calendar link)."""
    return FEED_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_feed_token(value: str) -> bool:
    return value.startswith(FEED_PREFIX) and 40 <= len(value) <= 128


def redact(text: str) -> str:
    """Hide any API or feed secret in a path or message before it is logged or echoed."""
    return _SECRET_IN_TEXT.sub(r"\1[redacted]", text)


# Where the authentication middleware leaves the bearer token of a route that checks it itself.
BEARER_SCOPE_KEY = "congress.bearer"


def bearer_token(scope: Any) -> str | None:
    """The bearer token the middleware left for a route that checks it itself (never logged)."""
    token = scope.get(BEARER_SCOPE_KEY)
    return token if isinstance(token, str) else None
