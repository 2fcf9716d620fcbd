"""Payloads for registrations."""

from __future__ import annotations

import datetime as dt
import uuid

from msgspec import UNSET, UnsetType

from congress.enums import RegistrationCategory, RegistrationStatus
from congress.lib.schema import Struct


class RegistrationCreate(Struct):
    person_id: uuid.UUID
    category: RegistrationCategory
    status: RegistrationStatus = RegistrationStatus.ACTIVE
    # When the registration was received; now if omitted. Must carry a UTC offset.
    registered_at: dt.datetime | None = None


class RegistrationUpdate(Struct):
    category: RegistrationCategory | UnsetType = UNSET
    status: RegistrationStatus | UnsetType = UNSET


class RegistrationRead(Struct):
    id: uuid.UUID
    congress_id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    category: RegistrationCategory
    status: RegistrationStatus
    registered_at: dt.datetime
