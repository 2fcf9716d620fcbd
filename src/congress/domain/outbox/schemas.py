"""Payloads for outbox messages."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from congress.enums import OutboxStatus
from congress.lib.schema import Struct


class OutboxRead(Struct):
    id: uuid.UUID
    congress_id: uuid.UUID
    person_id: uuid.UUID
    release: int
    recipient: str
    subject: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str
    message_id: str
    # What the message tells: [{"uid", "item_id", "run", "change", "reasons", "before", "after"}].
    changes: list[dict[str, Any]]


class OutboxMessageRead(OutboxRead):
    """One message in full: its text and the calendar file attached."""

    body: str
    attachment_name: str
    attachment: str
