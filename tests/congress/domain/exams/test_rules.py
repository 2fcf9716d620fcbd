"""The diploma's rules as pure functions: eligibility reasons, seats, fees, outcomes, validity."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import msgspec

from congress.domain.exams import rules
from congress.domain.exams.schemas import Documents
from congress.enums import MembershipType, Society
from tests.factories import eligible_documents

MEMBER = [
    rules.MembershipFact(society=society, type=MembershipType.FULL, year=year)
    for society in (Society.ESR, Society.ESSR)
    for year in (2025, 2026)
]


def check(
    documents: dict[str, object], memberships: list[rules.MembershipFact] = MEMBER, **facts: bool
) -> dict[str, str]:
    """The rules not met, with their reasons."""
    checks = rules.eligibility(
        msgspec.convert(documents, Documents),
        exam_year=2026,
        application_year=2025,
        memberships=memberships,
        has_programme_director=facts.get("director", True),
        has_letter_writer=facts.get("writer", True),
    )
    return {c.rule: c.reason for c in checks if not c.met}


def test_eligibility_of_a_complete_checklist_has_no_reasons() -> None:
    assert check(eligible_documents()) == {}


def test_eligibility_names_each_document_missing_submitted_or_rejected() -> None:
    documents = eligible_documents(
        cv={"status": "missing"},
        training_certificate={"status": "submitted", "evidence": "scan.pdf"},
        abstract={"status": "rejected", "note": "not an MSK event"},
    )
    assert check(documents) == {
        "cv": "The CV is missing",
        "training_certificate": "The certificate of completed training is submitted but not yet accepted",
        "abstract": "The proof of first authorship of an accepted MSK abstract was rejected: not an MSK event",
    }


def test_eligibility_needs_fifty_msk_credits() -> None:
    assert check(eligible_documents(msk_cme_credit_count=49)) == {
        "msk_cme_credits": "49 MSK CME credits; at least 50 are needed"
    }
    assert check(eligible_documents(msk_cme_credit_count=50)) == {}


def test_eligibility_counts_two_distinct_meetings_within_five_years() -> None:
    old = [{"meeting": "ESSR", "year": 2021}, {"meeting": "ECR", "year": 2026}]
    twice_the_same = [{"meeting": "ECR", "year": 2024}, {"meeting": "ECR", "year": 2024}]
    assert check(eligible_documents(meetings_attended=old)) == {
        "meetings": "1 ESSR/ECR annual meeting(s) in 2022-2026; 2 are needed"
    }
    assert check(eligible_documents(meetings_attended=twice_the_same))["meetings"].startswith("1 ESSR/ECR")
    recent = [{"meeting": "ESSR", "year": 2022}, {"meeting": "ECR", "year": 2022}]
    assert check(eligible_documents(meetings_attended=recent)) == {}


def test_eligibility_needs_esr_and_essr_membership_in_both_years_and_not_in_training() -> None:
    memberships = [
        rules.MembershipFact(society=Society.ESR, type=MembershipType.FULL, year=2025),
        rules.MembershipFact(society=Society.ESSR, type=MembershipType.FULL, year=2025),
        rules.MembershipFact(society=Society.ESR, type=MembershipType.IN_TRAINING, year=2026),
    ]
    assert check(eligible_documents(), memberships) == {
        "memberships": "ESR and ESSR membership: no membership of ESSR 2026; "
        "a membership in training (not entitled to sit the exam) for ESR 2026"
    }


def test_eligibility_needs_the_countersigning_director_and_the_letter_writer() -> None:
    assert check(eligible_documents(), director=False, writer=False) == {
        "logbook": "The logbook names no countersigning programme director",
        "letter_of_support": "The letter of support names no writer",
    }


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, 9, tzinfo=dt.UTC)


def test_allocation_is_first_come_first_served_by_date_received() -> None:
    seats = [
        rules.Seat(key=k, admitted=False, eligible=True, received_at=at(d)) for k, d in (("c", 3), ("a", 1), ("b", 2))
    ]
    result = rules.allocate(seats, 2)
    assert (result.admitted, result.waitlisted, result.applied) == (["a", "b"], ["c"], [])


def test_allocation_never_bumps_an_admitted_candidate_for_an_earlier_late_eligible_one() -> None:
    seats = [
        rules.Seat(key="early", admitted=False, eligible=True, received_at=at(1)),
        rules.Seat(key="seated", admitted=True, eligible=True, received_at=at(5)),
    ]
    result = rules.allocate(seats, 1)
    assert (result.admitted, result.waitlisted) == (["seated"], ["early"])


def test_allocation_frees_the_seat_of_an_admitted_candidate_no_longer_eligible() -> None:
    seats = [
        rules.Seat(key="lost", admitted=True, eligible=False, received_at=at(1)),
        rules.Seat(key="next", admitted=False, eligible=True, received_at=at(2)),
    ]
    result = rules.allocate(seats, 1)
    assert (result.admitted, result.waitlisted, result.applied) == (["next"], [], ["lost"])


def test_fee_first_attempt_then_three_free_retakes_then_reduced_for_members() -> None:
    fees = [rules.fee(n, fee_eur=400, reduced_fee_eur=200, free_retakes=3, good_standing=True) for n in range(6)]
    assert fees == [400, 0, 0, 0, 200, 200]
    assert rules.fee(4, fee_eur=400, reduced_fee_eur=200, free_retakes=3, good_standing=False) == 400


def outcome(written: int | None, marks: list[int]) -> rules.Outcome:
    return rules.outcome(
        written_score=written,
        written_questions=40,
        written_pass_mark=28,
        oral_marks=marks,
        panel_size=2,
        oral_max=40,
        oral_pass_mark=28,
    )


def test_outcome_needs_both_parts_passed_and_weighs_them_equally() -> None:
    passed = outcome(30, [28, 31])
    assert (passed.outcome, passed.oral_score, passed.total_percent) == (
        "passed",
        Fraction(59, 2),
        50 * Fraction(30, 40) + 50 * Fraction(59, 2) / 40,
    )
    assert outcome(27, [40, 40]).outcome == "failed"
    assert outcome(40, [20, 30]).reasons == ["oral part failed: 25.0/40, pass mark 28"]
    assert outcome(28, [28, 28]).outcome == "passed"


def test_outcome_is_pending_until_every_mark_is_in_but_a_failed_part_decides() -> None:
    assert outcome(None, [30, 30]).outcome == "pending"
    assert outcome(35, [30]).reasons == ["1 of 2 oral marks entered"]
    assert outcome(10, [30]).outcome == "failed"


def test_diploma_is_valid_five_years_and_leap_days_fall_back() -> None:
    assert rules.valid_until(dt.date(2026, 6, 18), 5) == dt.date(2031, 6, 18)
    assert rules.valid_until(dt.date(2028, 2, 29), 5) == dt.date(2033, 2, 28)
