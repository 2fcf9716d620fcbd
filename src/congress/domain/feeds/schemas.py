"""Payloads for calendar feed links."""

from __future__ import annotations

import datetime as dt
import uuid

from congress.lib.schema import Struct


class FeedLinkCreated(Struct):
    """A new secret calendar link; shown once, only its digest is kept."""

    id: uuid.UUID
    person_id: uuid.UUID
    congress_id: uuid.UUID
    # https (or http on a test installation) link, and the same as webcal:// for one-click subscribing.
    url: str
    webcal_url: str
    created_at: dt.datetime


class FeedLinkRead(Struct):
    id: uuid.UUID
    person_id: uuid.UUID
    congress_id: uuid.UUID
    created_at: dt.datetime
    revoked_at: dt.datetime | None
