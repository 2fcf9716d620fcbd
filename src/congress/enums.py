"""Vocabularies shared by the database, the API and the bundle format."""

from __future__ import annotations

import enum


class Equipment(enum.StrEnum):
    ULTRASOUND_STATION = "ultrasound_station"
    EXAM_WORKSTATION = "exam_workstation"
    PROJECTOR = "projector"
    STREAMING = "streaming"
    RECORDING = "recording"
    LIVE_MODEL_BAY = "live_model_bay"
    INTERPRETATION = "interpretation"


class Society(enum.StrEnum):
    ESR = "ESR"
    ESSR = "ESSR"
    EFRS = "EFRS"
    OTHER = "other"


class MembershipType(enum.StrEnum):
    FULL = "full"
    IN_TRAINING = "in_training"
    CORRESPONDING = "corresponding"
    FRIEND = "friend"
    HONORARY = "honorary"
    RETIRED = "retired"


class RegistrationCategory(enum.StrEnum):
    FULL = "full"
    DAY = "day"
    IN_TRAINING = "in_training"
    STUDENT = "student"
    RADIOGRAPHER = "radiographer"
    FACULTY = "faculty"
    EXHIBITOR = "exhibitor"
    PRESS = "press"


class RegistrationStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    CANCELLED = "cancelled"


class ItemKind(enum.StrEnum):
    REFRESHER_COURSE = "refresher_course"
    ADVANCED_COURSE = "advanced_course"
    MASTER_CLASS = "master_class"
    RISING_STARS = "rising_stars"
    DIPLOMA_PREP = "diploma_prep"
    HANDS_ON_WORKSHOP = "hands_on_workshop"
    QUIZ = "quiz"
    COFFEE_AND_TALK = "coffee_and_talk"
    PROS_AND_CONS = "pros_and_cons"
    TRANSATLANTIC_COURSE = "transatlantic_course"
    EFOMP_WORKSHOP = "efomp_workshop"
    SOCIETY_SESSION = "society_session"
    SCIENTIFIC_SESSION = "scientific_session"
    PLENARY = "plenary"
    OTHER = "other"


class FacultyRole(enum.StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    CHAIR = "chair"
    TUTOR = "tutor"
    PANELLIST = "panellist"


class AvailabilityKind(enum.StrEnum):
    UNAVAILABLE = "unavailable"
    AVAILABLE = "available"
    PREFERRED = "preferred"


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    RELEASED = "released"


class SolveStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    INFEASIBLE = "infeasible"
    FAILED = "failed"
    CANCELLED = "cancelled"


class SolveMode(enum.StrEnum):
    # Place everything afresh (pins stay).
    FRESH = "fresh"
    # Stay close to the latest release; moving a run costs the people it affects.
    MINIMAL_CHANGE = "minimal_change"


class OutboxStatus(enum.StrEnum):
    # Waiting to be sent (again, after a temporary failure) once next_attempt_at has come.
    PENDING = "pending"
    # Claimed by a sender; if the sender died mid-send, nobody knows whether it went out.
    SENDING = "sending"
    SENT = "sent"
    # Refused for good by the mail server, or out of attempts.
    FAILED = "failed"
    # A sender died while sending: not retried automatically, so nothing goes out twice.
    UNCERTAIN = "uncertain"


class ApplicationStatus(enum.StrEnum):
    # Received; not (yet) eligible, or eligible and waiting for the allocation.
    APPLIED = "applied"
    # Holds a seat in the sitting.
    ADMITTED = "admitted"
    # Eligible, but every seat is taken: waits in the order applications were received.
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"
    # Refused by the organiser (e.g. documents found false); keeps no seat.
    REJECTED = "rejected"


class DocumentStatus(enum.StrEnum):
    MISSING = "missing"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ExaminerStatus(enum.StrEnum):
    # Proposed; appointed once an organiser approves the contribution and ESSR membership holds.
    PROPOSED = "proposed"
    APPOINTED = "appointed"
    WITHDRAWN = "withdrawn"
