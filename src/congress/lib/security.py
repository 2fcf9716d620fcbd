"""Roles, principals and API tokens.

Tokens are 256 random bits, shown once, and stored only as their SHA-256
digest. A lookup goes by digest (an indexed equality) and the stored digest is
compared again in constant time.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

CGR_PREFIX = "cgr_"  # marks our API tokens (helps secret scanners); not secret
TOKEN_BYTES = 32


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
