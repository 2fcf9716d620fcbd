"""Payloads for the diploma: sitting, applications and their documents, examiners, slots, marks, results."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from congress.enums import ApplicationStatus, DocumentStatus, ExaminerStatus
from congress.lib.schema import LongText, Name, ShortText, Struct

Year = Annotated[int, Meta(ge=1900, le=2200)]
Score = Annotated[int, Meta(ge=0, le=1000)]
SlotMinutes = Annotated[int, Meta(ge=5, le=240)]


class Window(Struct):
    """A span of time; both ends carry a UTC offset."""

    starts_at: dt.datetime
    ends_at: dt.datetime


class SittingSettings(Struct):
    """A diploma sitting's settings, without its rooms."""

    title: Name
    exam_year: Year
    seat_limit: Annotated[int, Meta(ge=0, le=10_000)]
    oral_windows: Annotated[list[Window], Meta(max_length=50)]
    applications_close_at: dt.datetime | None = None
    written_starts_at: dt.datetime | None = None
    written_minutes: Annotated[int, Meta(ge=1, le=600)] = 60
    written_questions: Annotated[int, Meta(ge=1, le=1000)] = 40
    written_pass_mark: Annotated[int, Meta(ge=0, le=1000)] = 28
    slot_minutes: SlotMinutes = 20
    panel_size: Annotated[int, Meta(ge=1, le=6)] = 2
    max_consecutive: Annotated[int, Meta(ge=1, le=50)] | None = 4
    oral_max: Annotated[int, Meta(ge=1, le=1000)] = 40
    oral_pass_mark: Annotated[int, Meta(ge=0, le=1000)] = 28
    fee_eur: Annotated[int, Meta(ge=0, le=100_000)] = 400
    reduced_fee_eur: Annotated[int, Meta(ge=0, le=100_000)] = 200
    free_retakes: Annotated[int, Meta(ge=0, le=20)] = 3
    validity_years: Annotated[int, Meta(ge=1, le=20)] = 5


class SittingWrite(SittingSettings):
    """A diploma sitting at this congress (the organiser's settings)."""

    # Rooms whose workstations (equipment ``exam_workstation``) host the orals.
    exam_rooms: Annotated[list[uuid.UUID], Meta(max_length=50)] = msgspec.field(default_factory=list)


class WorkstationRead(Struct):
    id: uuid.UUID
    room_id: uuid.UUID
    room: str
    number: int
    label: str


class SittingRead(Struct):
    id: uuid.UUID
    congress_id: uuid.UUID
    title: str
    exam_year: int
    seat_limit: int
    oral_windows: list[Window]
    workstations: list[WorkstationRead]
    applications_close_at: dt.datetime | None
    written_starts_at: dt.datetime | None
    written_ends_at: dt.datetime | None
    written_minutes: int
    written_questions: int
    written_pass_mark: int
    slot_minutes: int
    panel_size: int
    max_consecutive: int | None
    oral_max: int
    oral_pass_mark: int
    fee_eur: int
    reduced_fee_eur: int
    free_retakes: int
    validity_years: int
    results_released_at: dt.datetime | None
    admitted: int
    waitlisted: int


# --- applications ------------------------------------------------------------------------------------------

DOCUMENT_KEYS = (
    "training_certificate",
    "logbook",
    "letter_of_support",
    "msk_cme_credits",
    "cv",
    "meetings",
    "abstract",
)
DocumentKey = Literal[
    "training_certificate", "logbook", "letter_of_support", "msk_cme_credits", "cv", "meetings", "abstract"
]


class Document(Struct):
    """One item of the checklist: its status and what proves it (a reference, a file name, a note)."""

    status: DocumentStatus = DocumentStatus.MISSING
    evidence: ShortText = ""
    # The reviewer's note, e.g. why a document was rejected.
    note: ShortText = ""


class Meeting(Struct):
    """An ESSR or ECR annual meeting the candidate attended."""

    meeting: Literal["ESSR", "ECR"]
    year: Year


class Documents(Struct):
    training_certificate: Document = msgspec.field(default_factory=Document)
    logbook: Document = msgspec.field(default_factory=Document)
    letter_of_support: Document = msgspec.field(default_factory=Document)
    msk_cme_credits: Document = msgspec.field(default_factory=Document)
    cv: Document = msgspec.field(default_factory=Document)
    meetings: Document = msgspec.field(default_factory=Document)
    abstract: Document = msgspec.field(default_factory=Document)
    # MSK CME credits claimed (at least 50 are needed).
    msk_cme_credit_count: Annotated[int, Meta(ge=0, le=10_000)] = 0
    meetings_attended: Annotated[list[Meeting], Meta(max_length=30)] = msgspec.field(default_factory=list)
    abstract_title: ShortText = ""


class DocumentsUpdate(Struct):
    """Checklist fields to change; a document given replaces that document."""

    training_certificate: Document | UnsetType = UNSET
    logbook: Document | UnsetType = UNSET
    letter_of_support: Document | UnsetType = UNSET
    msk_cme_credits: Document | UnsetType = UNSET
    cv: Document | UnsetType = UNSET
    meetings: Document | UnsetType = UNSET
    abstract: Document | UnsetType = UNSET
    msk_cme_credit_count: Annotated[int, Meta(ge=0, le=10_000)] | UnsetType = UNSET
    meetings_attended: Annotated[list[Meeting], Meta(max_length=30)] | UnsetType = UNSET
    abstract_title: ShortText | UnsetType = UNSET


class ApplicationCreate(Struct):
    """An application; candidates apply for themselves, organisers may name the person and the date received."""

    person_id: uuid.UUID | None = None
    received_at: dt.datetime | None = None
    documents: Documents = msgspec.field(default_factory=Documents)
    programme_director_id: uuid.UUID | None = None
    letter_writer_id: uuid.UUID | None = None
    preferred_windows: Annotated[list[Window], Meta(max_length=20)] = msgspec.field(default_factory=list)


class ApplicationUpdate(Struct):
    documents: DocumentsUpdate | UnsetType = UNSET
    programme_director_id: uuid.UUID | UnsetType | None = UNSET
    letter_writer_id: uuid.UUID | UnsetType | None = UNSET
    preferred_windows: Annotated[list[Window], Meta(max_length=20)] | UnsetType = UNSET


class Check(Struct):
    """One eligibility rule: met or not, and why not in the organiser's words."""

    rule: str
    met: bool
    reason: str = ""


class ApplicationRead(Struct):
    id: uuid.UUID
    sitting_id: uuid.UUID
    person_id: uuid.UUID
    name: str
    email: str
    institution: str
    received_at: dt.datetime
    status: ApplicationStatus
    # Place on the waiting list (1 = next to be admitted), when waitlisted.
    waitlist_position: int | None
    eligible: bool
    checks: list[Check]
    documents: Documents
    programme_director_id: uuid.UUID | None
    letter_writer_id: uuid.UUID | None
    preferred_windows: list[Window]
    # Earlier failed attempts at the diploma, and the fee this attempt costs.
    previous_failures: int
    fee_eur: int
    registered: bool
    withdrawn_at: dt.datetime | None


# --- examiners and conflicts --------------------------------------------------------------------------------


class ExaminerCreate(Struct):
    person_id: uuid.UUID
    contribution: LongText = ""
    approve: bool = False
    max_slots: Annotated[int, Meta(ge=0, le=500)] | None = None


class ExaminerUpdate(Struct):
    contribution: LongText | UnsetType = UNSET
    approve: bool | UnsetType = UNSET
    max_slots: Annotated[int, Meta(ge=0, le=500)] | UnsetType | None = UNSET
    # Withdraw an examiner who dropped out (their panel seats are freed), or reinstate one.
    withdrawn: bool | UnsetType = UNSET


class ExaminerRead(Struct):
    id: uuid.UUID
    person_id: uuid.UUID
    name: str
    email: str
    institution: str
    status: ExaminerStatus
    contribution: str
    contribution_approved_at: dt.datetime | None
    essr_member: bool
    max_slots: int | None
    # Why the examiner is not (yet) appointed.
    reasons: list[str]
    slots: int


class ConflictCreate(Struct):
    """A declared conflict of interest. Examiners declare their own; organisers name the examiner."""

    candidate_id: uuid.UUID
    examiner_id: uuid.UUID | None = None
    reason: ShortText = ""


class ConflictRead(Struct):
    id: uuid.UUID
    examiner_id: uuid.UUID
    examiner: str
    candidate_id: uuid.UUID
    candidate: str
    reason: str
    # "declared", or a rule the system applies by itself ("same institution", "programme director", ...).
    source: str


# --- slots ---------------------------------------------------------------------------------------------------


class PanelMember(Struct):
    person_id: uuid.UUID
    name: str


class SlotRead(Struct):
    id: uuid.UUID
    application_id: uuid.UUID
    candidate_id: uuid.UUID
    candidate: str
    workstation_id: uuid.UUID
    workstation: str
    room: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    panel: list[PanelMember]
    pinned: bool
    revision: int
    checked_in_at: dt.datetime | None


class SlotCreate(Struct):
    application_id: uuid.UUID
    workstation_id: uuid.UUID
    starts_at: dt.datetime
    examiner_ids: Annotated[list[uuid.UUID], Meta(min_length=1, max_length=6)]
    pinned: bool = True


class SlotUpdate(Struct):
    workstation_id: uuid.UUID | UnsetType = UNSET
    starts_at: dt.datetime | UnsetType = UNSET
    examiner_ids: Annotated[list[uuid.UUID], Meta(min_length=1, max_length=6)] | UnsetType = UNSET
    pinned: bool | UnsetType = UNSET


class OralSolveRequest(Struct):
    # fresh: place everyone anew (pinned slots stay); minimal_change: stay close to the current slots.
    mode: Literal["fresh", "minimal_change"] = "minimal_change"
    time_limit: Annotated[float, Meta(ge=0.5, le=120)] = 10.0
    seed: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 0


class Explanation(Struct):
    code: str
    message: str


class Unscheduled(Struct):
    application_id: uuid.UUID
    candidate: str
    reason: str


class CostTerm(Struct):
    name: str
    weight: int
    units: int
    cost: int


class MovedSlot(Struct):
    candidate: str
    before: str
    after: str


class OralSolveResult(Struct):
    status: Literal["optimal", "feasible", "infeasible", "unknown", "cancelled", "nothing_to_schedule"]
    scheduled: int
    kept: int
    moved: list[MovedSlot]
    unscheduled: list[Unscheduled]
    explanations: list[Explanation]
    terms: list[CostTerm]
    objective: int | None
    bound: int | None
    wall_time: float


# --- marks and results ----------------------------------------------------------------------------------------


class WrittenScore(Struct):
    score: Score


class WrittenScoreRow(Struct):
    """One row of a bulk import of written scores, matched by the candidate's email."""

    email: Annotated[str, Meta(min_length=3, max_length=254)]
    score: Score


class WrittenScoresImport(Struct):
    rows: Annotated[list[WrittenScoreRow], Meta(min_length=1, max_length=10_000)]


class WrittenScoresReport(Struct):
    updated: int
    unchanged: int


class MarkWrite(Struct):
    score: Score
    # Organisers entering a panel member's mark name the examiner.
    examiner_id: uuid.UUID | None = None


class MarkRead(Struct):
    examiner_id: uuid.UUID
    examiner: str
    score: int


class ResultRead(Struct):
    application_id: uuid.UUID
    candidate_id: uuid.UUID
    candidate: str
    written_score: int | None
    written_passed: bool | None
    oral_marks: list[MarkRead]
    # The mean of the panel's marks, once every panel member has marked.
    oral_score: float | None
    oral_passed: bool | None
    # Each part counts 50 %: 50 * written / questions + 50 * oral / oral maximum.
    total_percent: float | None
    outcome: Literal["pending", "passed", "failed"]
    reasons: list[str]
    released: bool
    diploma_valid_until: dt.date | None


class ResultsSummary(Struct):
    """The examiners' meeting: every admitted candidate's parts and outcome, and the figures."""

    candidates: int
    complete: int
    passed: int
    failed: int
    pending: int
    pass_rate: float | None
    mean_written: float | None
    mean_oral: float | None
    released_at: dt.datetime | None
    results: list[ResultRead]
