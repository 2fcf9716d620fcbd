"""Payloads for people and memberships."""

from __future__ import annotations

import uuid
from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from congress.enums import MembershipType, Society
from congress.lib.schema import CountryCode, Email, Name, ShortText, Struct

Year = Annotated[int, Meta(ge=1900, le=2200)]


class PersonCreate(Struct):
    name: Name
    email: Email
    institution: ShortText = ""
    country: CountryCode | None = None


class PersonUpdate(Struct):
    name: Name | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    institution: ShortText | UnsetType = UNSET
    country: CountryCode | UnsetType | None = UNSET


class PersonRead(Struct):
    id: uuid.UUID
    name: str
    email: str
    institution: str
    country: str | None


class MembershipCreate(Struct):
    society: Society
    type: MembershipType
    year: Year


class MembershipUpdate(Struct):
    type: MembershipType | UnsetType = UNSET


class MembershipRead(Struct):
    id: uuid.UUID
    person_id: uuid.UUID
    society: Society
    type: MembershipType
    year: int
