"""The native bundle format: a whole congress as one JSON or YAML document.

References inside a bundle use natural keys (a person's email, a room's
name, an item's code), never database ids, so a bundle can be written by
hand, generated, diffed and loaded into any installation.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from congress.domain.congresses.schemas import CongressCreate, RoomCreate
from congress.domain.exams.schemas import Documents, SittingSettings, Window
from congress.domain.people.schemas import MembershipCreate, PersonCreate
from congress.domain.programme.schemas import ItemCode, ItemFields
from congress.enums import AvailabilityKind, FacultyRole, RegistrationCategory, RegistrationStatus
from congress.lib.schema import Email, Name, ShortText, Struct

BUNDLE_FORMAT = "congress-bundle/1"


class BundleFaculty(Struct):
    email: Email
    role: FacultyRole


class BundleItem(ItemFields, kw_only=True):
    """A programme item; ``code`` is required and ``follows`` names other items' codes."""

    code: ItemCode
    follows: Annotated[list[ItemCode], Meta(max_length=20)] = msgspec.field(default_factory=list)
    faculty: Annotated[list[BundleFaculty], Meta(max_length=100)] = msgspec.field(default_factory=list)


class BundlePerson(PersonCreate, kw_only=True):
    memberships: list[MembershipCreate] = msgspec.field(default_factory=list)


class BundleRegistration(Struct):
    email: Email
    category: RegistrationCategory
    registered_at: dt.datetime
    status: RegistrationStatus = RegistrationStatus.ACTIVE


class BundleAvailability(Struct):
    """A window for a person (by email) or a room (by name); times carry a UTC offset."""

    kind: AvailabilityKind
    starts_at: dt.datetime
    ends_at: dt.datetime
    person: Email | None = None
    room: Name | None = None
    reason: ShortText = ""


class BundleApplication(Struct):
    """A diploma application by the candidate's email; the director and letter writer by email too."""

    email: Email
    received_at: dt.datetime
    documents: Documents = msgspec.field(default_factory=Documents)
    programme_director: Email | None = None
    letter_writer: Email | None = None
    preferred_windows: Annotated[list[Window], Meta(max_length=20)] = msgspec.field(default_factory=list)


class BundleExaminer(Struct):
    email: Email
    contribution: ShortText = ""
    approved: bool = True
    max_slots: Annotated[int, Meta(ge=0, le=500)] | None = None


class BundleConflict(Struct):
    """A declared conflict of interest (those of institution, director and letter writer are found anyway)."""

    examiner: Email
    candidate: Email
    reason: ShortText = ""


class BundleDiploma(SittingSettings):
    """The congress's diploma sitting; exam rooms by name."""

    exam_rooms: Annotated[list[Name], Meta(max_length=50)] = msgspec.field(default_factory=list)
    applications: list[BundleApplication] = msgspec.field(default_factory=list)
    examiners: list[BundleExaminer] = msgspec.field(default_factory=list)
    conflicts: list[BundleConflict] = msgspec.field(default_factory=list)


class Bundle(Struct):
    format: Literal["congress-bundle/1"]
    congress: CongressCreate
    rooms: list[RoomCreate] = msgspec.field(default_factory=list)
    people: list[BundlePerson] = msgspec.field(default_factory=list)
    registrations: list[BundleRegistration] = msgspec.field(default_factory=list)
    items: list[BundleItem] = msgspec.field(default_factory=list)
    availability: list[BundleAvailability] = msgspec.field(default_factory=list)
    diploma: BundleDiploma | None = None
