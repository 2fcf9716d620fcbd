"""Payloads for CME statements, evaluations and certificate verification."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from msgspec import Meta

from congress.domain.attendance.rules import Statement
from congress.lib.schema import LongText, Struct


class StatementRead(Struct):
    person_id: uuid.UUID
    name: str
    congress: str
    # Total credits as a decimal string ("7.25").
    credits: str
    statement: Statement
    # Set once the raw scans were purged: the statement no longer changes.
    frozen: bool
    # The verification code of the certificate issued for this statement, if one was.
    certificate_code: str | None


class EvaluationWrite(Struct):
    rating: Annotated[int, Meta(ge=1, le=5)]
    comment: LongText = ""


class EvaluationRead(Struct):
    item_id: uuid.UUID
    run: int
    rating: int
    comment: str
    submitted_at: dt.datetime


class CertificateCheck(Struct):
    """What the public verification shows, and no more: the certificate is genuine, the congress it is for,
    the name on it and the credits."""

    valid: bool
    congress: str
    name: str
    credits: str


class PurgeReport(Struct):
    statements_frozen: int
    scans_deleted: int
