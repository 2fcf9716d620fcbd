"""The diploma's rules, as pure functions: eligibility, seat allocation, results, fees, validity.

Nothing here touches the database; the services gather the facts and apply the answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from congress.domain.exams.schemas import Check, Document, Documents
from congress.enums import DocumentStatus, MembershipType, Society

MIN_MSK_CME_CREDITS = 50
MEETINGS_NEEDED = 2
MEETING_PERIOD_YEARS = 5
# Members in training are not entitled to take part in the examination.
TRAINEE_TYPES = frozenset({MembershipType.IN_TRAINING})

_DOCUMENT_NAMES = {
    "training_certificate": "The certificate of completed training",
    "logbook": "The logbook (RIS record)",
    "letter_of_support": "The letter of support",
    "msk_cme_credits": "The proof of MSK CME credits",
    "cv": "The CV",
    "meetings": "The proof of attendance at annual meetings",
    "abstract": "The proof of first authorship of an accepted MSK abstract",
}


@dataclass(frozen=True, slots=True)
class MembershipFact:
    society: Society
    type: MembershipType
    year: int


def _document_check(key: str, document: Document) -> Check:
    name = _DOCUMENT_NAMES[key]
    if document.status is DocumentStatus.ACCEPTED:
        return Check(rule=key, met=True)
    why = {
        DocumentStatus.MISSING: "is missing",
        DocumentStatus.SUBMITTED: "is submitted but not yet accepted",
        DocumentStatus.REJECTED: "was rejected" + (f": {document.note}" if document.note else ""),
    }[document.status]
    return Check(rule=key, met=False, reason=f"{name} {why}")


def _membership_check(memberships: Iterable[MembershipFact], years: Sequence[int]) -> Check:
    held = {(m.society, m.year): m.type for m in memberships}
    missing: list[str] = []
    trainee: list[str] = []
    for year in sorted(set(years)):
        for society in (Society.ESR, Society.ESSR):
            kind = held.get((society, year))
            if kind is None:
                missing.append(f"{society} {year}")
            elif kind in TRAINEE_TYPES:
                trainee.append(f"{society} {year}")
    reasons = []
    if missing:
        reasons.append("no membership of " + ", ".join(missing))
    if trainee:
        reasons.append("a membership in training (not entitled to sit the exam) for " + ", ".join(trainee))
    if reasons:
        return Check(rule="memberships", met=False, reason="ESR and ESSR membership: " + "; ".join(reasons))
    return Check(rule="memberships", met=True)


def meeting_years(exam_year: int) -> range:
    """The five-year period in which two annual meetings must have been attended (ending with the exam year)."""
    return range(exam_year - MEETING_PERIOD_YEARS + 1, exam_year + 1)


def eligibility(
    documents: Documents,
    *,
    exam_year: int,
    application_year: int,
    memberships: Iterable[MembershipFact],
    has_programme_director: bool,
    has_letter_writer: bool,
) -> list[Check]:
    """Every rule of the checklist, met or not, each "no" with its reason."""
    checks = [
        _document_check("training_certificate", documents.training_certificate),
    ]
    logbook = _document_check("logbook", documents.logbook)
    if logbook.met and not has_programme_director:
        logbook = Check(rule="logbook", met=False, reason="The logbook names no countersigning programme director")
    checks.append(logbook)
    letter = _document_check("letter_of_support", documents.letter_of_support)
    if letter.met and not has_letter_writer:
        letter = Check(rule="letter_of_support", met=False, reason="The letter of support names no writer")
    checks.append(letter)
    credits = _document_check("msk_cme_credits", documents.msk_cme_credits)
    if credits.met and documents.msk_cme_credit_count < MIN_MSK_CME_CREDITS:
        credits = Check(
            rule="msk_cme_credits",
            met=False,
            reason=f"{documents.msk_cme_credit_count} MSK CME credits; at least {MIN_MSK_CME_CREDITS} are needed",
        )
    checks.append(credits)
    checks.append(_document_check("cv", documents.cv))
    checks.append(_membership_check(memberships, (application_year, exam_year)))
    meetings = _document_check("meetings", documents.meetings)
    if meetings.met:
        period = meeting_years(exam_year)
        attended = {(m.meeting, m.year) for m in documents.meetings_attended if m.year in period}
        if len(attended) < MEETINGS_NEEDED:
            meetings = Check(
                rule="meetings",
                met=False,
                reason=f"{len(attended)} ESSR/ECR annual meeting(s) in {period.start}-{period.stop - 1}; "
                f"{MEETINGS_NEEDED} are needed",
            )
    checks.append(meetings)
    checks.append(_document_check("abstract", documents.abstract))
    return checks


@dataclass(frozen=True, slots=True)
class Seat:
    """An application competing for a seat: already admitted or not, eligible or not, when it was received."""

    key: object
    admitted: bool
    eligible: bool
    received_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Allocation:
    admitted: list[object]
    waitlisted: list[object]
    applied: list[object]


def allocate(seats: Iterable[Seat], seat_limit: int) -> Allocation:
    """First come, first served by date received, without ever bumping a candidate already admitted.

    An admitted candidate who is no longer eligible loses the seat. Free seats go to eligible applications in
    the order they were received; the other eligible ones wait in that order; the rest are merely applied.
    """
    ordered = sorted(seats, key=lambda s: (s.received_at, str(s.key)))
    admitted = [s.key for s in ordered if s.admitted and s.eligible]
    waitlisted: list[object] = []
    applied: list[object] = []
    for seat in ordered:
        if seat.admitted and seat.eligible:
            continue
        if not seat.eligible:
            applied.append(seat.key)
        elif len(admitted) < seat_limit:
            admitted.append(seat.key)
        else:
            waitlisted.append(seat.key)
    return Allocation(admitted=admitted, waitlisted=waitlisted, applied=applied)


def fee(previous_failures: int, *, fee_eur: int, reduced_fee_eur: int, free_retakes: int, good_standing: bool) -> int:
    """The first attempt costs the fee; the next ``free_retakes`` are free; later ones the reduced fee for
    members in good standing, the full fee otherwise."""
    if previous_failures == 0:
        return fee_eur
    if previous_failures <= free_retakes:
        return 0
    return reduced_fee_eur if good_standing else fee_eur


@dataclass(frozen=True, slots=True)
class Outcome:
    written_passed: bool | None
    oral_score: Fraction | None
    oral_passed: bool | None
    total_percent: Fraction | None
    outcome: str
    reasons: list[str]


def outcome(
    *,
    written_score: int | None,
    written_questions: int,
    written_pass_mark: int,
    oral_marks: Sequence[int],
    panel_size: int,
    oral_max: int,
    oral_pass_mark: int,
) -> Outcome:
    """Both parts count 50 % and both must be passed; the oral score is the mean of the panel's marks."""
    reasons: list[str] = []
    written_passed = None if written_score is None else written_score >= written_pass_mark
    if written_score is None:
        reasons.append("the written score is not entered")
    elif not written_passed:
        reasons.append(f"written part failed: {written_score}/{written_questions}, pass mark {written_pass_mark}")
    oral_score: Fraction | None = None
    oral_passed: bool | None = None
    if len(oral_marks) < panel_size:
        reasons.append(f"{len(oral_marks)} of {panel_size} oral marks entered")
    else:
        oral_score = Fraction(sum(oral_marks), len(oral_marks))
        oral_passed = oral_score >= oral_pass_mark
        if not oral_passed:
            reasons.append(f"oral part failed: {float(oral_score):.1f}/{oral_max}, pass mark {oral_pass_mark}")
    total: Fraction | None = None
    if written_score is not None and oral_score is not None:
        total = 50 * Fraction(written_score, written_questions) + 50 * oral_score / oral_max
    if written_passed is False or oral_passed is False:
        result = "failed"
    elif written_passed and oral_passed:
        result = "passed"
    else:
        result = "pending"
    return Outcome(
        written_passed=written_passed,
        oral_score=oral_score,
        oral_passed=oral_passed,
        total_percent=total,
        outcome=result,
        reasons=reasons,
    )


def valid_until(exam_day: dt.date, years: int) -> dt.date:
    """The diploma is valid ``years`` from the exam day (29 February falls back to 28 February)."""
    try:
        return exam_day.replace(year=exam_day.year + years)
    except ValueError:
        return exam_day.replace(year=exam_day.year + years, day=28)
