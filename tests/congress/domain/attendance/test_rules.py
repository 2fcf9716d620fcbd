from __future__ import annotations

import datetime as dt
import random
import re
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congress.domain.attendance.rules import (
    CmeConfig,
    DayCredit,
    Direction,
    Ended,
    Presence,
    Reason,
    Scan,
    SessionCredit,
    SessionSlot,
    Statement,
    presences,
    statement,
    statement_from_presences,
    statements,
)

TZ = "Europe/Vienna"
VIENNA = zoneinfo.ZoneInfo(TZ)
# ECR 2026: Wednesday 4 to Sunday 8 March, Vienna (UTC+1).
ECR_DAYS = tuple(dt.date(2026, 3, 4) + dt.timedelta(days=i) for i in range(5))
DAY1 = ECR_DAYS[0]
QUARTER = CmeConfig(rounding_step=Decimal("0.25"))
IN, OUT = Direction.IN, Direction.OUT


def at(clock: str, day: dt.date = DAY1) -> dt.datetime:
    """A local wall time in Vienna, as a UTC datetime."""
    hour, minute = map(int, clock.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=VIENNA).astimezone(dt.UTC)


def slot(key: str, start: str, end: str, *, room: str = "A", day: dt.date = DAY1, cme: bool = True) -> SessionSlot:
    return SessionSlot(
        key=key, title=f"Session {key}", room=room, starts_at=at(start, day), ends_at=at(end, day), day=day, cme=cme
    )


def scan(
    clock: str,
    room: str = "A",
    direction: Direction | None = IN,
    *,
    day: dt.date = DAY1,
    person: str = "ann",
) -> Scan:
    return Scan(person=person, room=room, scanned_at=at(clock, day), direction=direction)


def run(
    scans: Sequence[Scan],
    sessions: Sequence[SessionSlot],
    config: CmeConfig = QUARTER,
    evaluated: frozenset[str] = frozenset(),
) -> Statement:
    return statement("ann", scans, sessions, config, time_zone=TZ, evaluated=evaluated)


def sessions_of(result: Statement) -> dict[str, SessionCredit]:
    return {s.key: s for day in result.days for s in day.sessions}


def only_day(result: Statement) -> DayCredit:
    assert len(result.days) == 1
    return result.days[0]


def local(moment: dt.datetime) -> str:
    return moment.astimezone(VIENNA).strftime("%H:%M")


def spans(found: Sequence[Presence]) -> list[tuple[str, str, str, Ended]]:
    return [(p.room, local(p.starts_at), local(p.ends_at), p.ended_by) for p in found]


def minutes_and_credits(result: Statement) -> dict[str, tuple[int, int, str, tuple[Reason, ...]]]:
    return {
        key: (s.minutes_present, s.minutes_credited, str(s.credits), s.reasons)
        for key, s in sessions_of(result).items()
    }


# -- presence ---------------------------------------------------------------------------------------


def test_presence_runs_from_entry_to_exit() -> None:
    found = presences([scan("09:00"), scan("09:45", direction=OUT)], [slot("s1", "09:00", "10:30")], QUARTER)
    assert spans(found) == [("A", "09:00", "09:45", Ended.EXIT)]


def test_presence_without_exit_ends_with_the_running_session() -> None:
    found = presences([scan("09:05")], [slot("s1", "09:00", "10:30")], QUARTER)
    assert spans(found) == [("A", "09:05", "10:30", Ended.SESSION_END)]


def test_presence_without_exit_ignores_the_next_session_in_the_room() -> None:
    sessions = [slot("s1", "09:00", "10:00"), slot("s2", "10:00", "11:00")]
    found = presences([scan("09:05")], sessions, QUARTER)
    assert spans(found) == [("A", "09:05", "10:00", Ended.SESSION_END)]


def test_presence_entry_just_before_the_next_session_runs_to_its_end() -> None:
    sessions = [slot("s1", "09:00", "10:00"), slot("s2", "10:00", "11:00")]
    found = presences([scan("09:50")], sessions, QUARTER)
    assert spans(found) == [("A", "09:50", "11:00", Ended.SESSION_END)]


def test_presence_entry_five_minutes_early_runs_to_the_session_end() -> None:
    found = presences([scan("08:55")], [slot("s1", "09:00", "10:30")], QUARTER)
    assert spans(found) == [("A", "08:55", "10:30", Ended.SESSION_END)]


def test_presence_entry_before_the_tolerance_gives_nothing() -> None:
    sessions = [slot("s1", "09:00", "10:30")]
    assert presences([scan("08:44")], sessions, QUARTER) == []
    assert presences([scan("08:45")], sessions, QUARTER) != []
    wider = CmeConfig(entry_tolerance_minutes=20)
    assert spans(presences([scan("08:44")], sessions, wider)) == [("A", "08:44", "10:30", Ended.SESSION_END)]


def test_presence_entry_with_no_session_in_the_room_gives_nothing() -> None:
    sessions = [slot("s1", "09:00", "10:30", room="B")]
    assert presences([scan("09:00", room="A")], sessions, QUARTER) == []
    assert presences([scan("12:00", room="B")], sessions, QUARTER) == []


def test_presence_entry_elsewhere_ends_the_previous_one() -> None:
    sessions = [slot("a1", "09:00", "10:00", room="A"), slot("b1", "09:00", "10:00", room="B")]
    found = presences([scan("09:00", room="A"), scan("09:40", room="B")], sessions, QUARTER)
    assert spans(found) == [("A", "09:00", "09:40", Ended.NEXT_SCAN), ("B", "09:40", "10:00", Ended.SESSION_END)]


def test_presence_entry_elsewhere_much_later_ends_at_the_session_end() -> None:
    sessions = [slot("a1", "09:00", "10:00", room="A"), slot("b1", "14:00", "15:00", room="B")]
    found = presences([scan("09:00", room="A"), scan("14:00", room="B")], sessions, QUARTER)
    assert spans(found) == [("A", "09:00", "10:00", Ended.SESSION_END), ("B", "14:00", "15:00", Ended.SESSION_END)]


def test_presence_exit_is_honoured_after_the_session_end() -> None:
    sessions = [slot("s1", "09:00", "10:00"), slot("s2", "10:00", "11:00")]
    found = presences([scan("09:00"), scan("11:00", direction=OUT)], sessions, QUARTER)
    assert spans(found) == [("A", "09:00", "11:00", Ended.EXIT)]


def test_presence_exit_closes_an_entry_outside_sessions() -> None:
    found = presences([scan("08:00"), scan("10:00", direction=OUT)], [slot("s1", "09:00", "10:00")], QUARTER)
    assert spans(found) == [("A", "08:00", "10:00", Ended.EXIT)]


def test_presence_exit_without_entry_gives_nothing() -> None:
    assert presences([scan("09:30", direction=OUT)], [slot("s1", "09:00", "10:00")], QUARTER) == []


def test_presence_exit_from_another_room_ends_the_presence() -> None:
    sessions = [slot("a1", "09:00", "10:30", room="A"), slot("b1", "09:00", "10:30", room="B")]
    found = presences([scan("09:00", room="A"), scan("09:30", room="B", direction=OUT)], sessions, QUARTER)
    assert spans(found) == [("A", "09:00", "09:30", Ended.NEXT_SCAN)]


def test_presence_reentry_in_the_same_room_merges() -> None:
    sessions = [slot("s1", "09:00", "10:00"), slot("s2", "10:00", "11:00")]
    found = presences([scan("09:00"), scan("09:30"), scan("09:50")], sessions, QUARTER)
    assert spans(found) == [("A", "09:00", "11:00", Ended.SESSION_END)]


def test_presence_reentry_after_the_session_end_leaves_a_gap() -> None:
    sessions = [slot("s1", "09:00", "10:00"), slot("s2", "10:00", "11:00")]
    found = presences([scan("09:00"), scan("09:30"), scan("10:05")], sessions, QUARTER)
    assert spans(found) == [("A", "09:00", "10:00", Ended.SESSION_END), ("A", "10:05", "11:00", Ended.SESSION_END)]


def test_presence_unknown_direction_is_an_entry() -> None:
    sessions = [slot("a1", "09:00", "10:00", room="A"), slot("b1", "09:00", "10:00", room="B")]
    found = presences([scan("09:00", direction=None), scan("09:20", room="B", direction=None)], sessions, QUARTER)
    assert spans(found) == [("A", "09:00", "09:20", Ended.NEXT_SCAN), ("B", "09:20", "10:00", Ended.SESSION_END)]


def test_presence_exit_and_entry_at_the_same_instant_read_exit_first() -> None:
    sessions = [slot("a1", "09:00", "10:00", room="A"), slot("b1", "10:00", "11:00", room="B")]
    scans = [scan("10:00", room="B"), scan("10:00", room="A", direction=OUT), scan("09:00", room="A")]
    assert spans(presences(scans, sessions, QUARTER)) == [
        ("A", "09:00", "10:00", Ended.EXIT),
        ("B", "10:00", "11:00", Ended.SESSION_END),
    ]


def test_presence_duplicates_and_order_change_nothing() -> None:
    sessions = [slot("a1", "09:00", "10:00", room="A"), slot("b1", "09:30", "11:00", room="B")]
    scans = [scan("09:00"), scan("09:35", room="B"), scan("10:40", room="B", direction=OUT)]
    shuffled = [scans[2], scans[0], scans[1], scans[0], scans[2]]
    assert presences(shuffled, sessions, QUARTER) == presences(scans, sessions, QUARTER)


def test_presences_are_grouped_by_person() -> None:
    sessions = [slot("s1", "09:00", "10:00")]
    found = presences([scan("09:10", person="bob"), scan("09:00", person="ann")], sessions, QUARTER)
    assert [(p.person, local(p.starts_at)) for p in found] == [("ann", "09:00"), ("bob", "09:10")]


# -- minutes and the majority rule ------------------------------------------------------------------


def test_minutes_are_the_overlap_with_the_session() -> None:
    result = run([scan("08:50"), scan("09:40", direction=OUT)], [slot("s1", "09:00", "10:00")])
    assert minutes_and_credits(result) == {"s1": (40, 40, "0.50", ())}


def test_credit_follows_time_attended_not_session_length() -> None:
    result = run([scan("09:15")], [slot("s1", "09:00", "10:00")])
    assert minutes_and_credits(result) == {"s1": (45, 45, "0.75", ())}


def test_majority_exactly_half_earns_nothing() -> None:
    result = run([scan("09:30")], [slot("s1", "09:00", "10:00")])
    assert minutes_and_credits(result) == {"s1": (30, 0, "0.00", (Reason.BELOW_MAJORITY,))}


def test_majority_one_minute_over_half_counts() -> None:
    result = run([scan("09:29")], [slot("s1", "09:00", "10:00")])
    assert minutes_and_credits(result) == {"s1": (31, 31, "0.50", ())}


def test_majority_share_is_configurable() -> None:
    sessions = [slot("s1", "09:00", "10:00")]
    three_quarters = CmeConfig(rounding_step=Decimal("0.25"), majority=Decimal("0.75"))
    assert sessions_of(run([scan("09:15")], sessions, three_quarters))["s1"].reasons == (Reason.BELOW_MAJORITY,)
    assert sessions_of(run([scan("09:14")], sessions, three_quarters))["s1"].minutes_credited == 46
    anything = CmeConfig(rounding_step=Decimal("0.25"), majority=Decimal(0))
    assert minutes_and_credits(run([scan("09:45")], sessions, anything)) == {"s1": (15, 15, "0.25", ())}


# -- eligibility ------------------------------------------------------------------------------------


def test_session_not_cme_eligible_earns_nothing() -> None:
    result = run([scan("09:00")], [slot("s1", "09:00", "10:00", cme=False)])
    assert minutes_and_credits(result) == {"s1": (60, 0, "0.00", (Reason.NOT_CME_ELIGIBLE,))}


def test_evaluation_required_counts_only_evaluated_sessions() -> None:
    config = CmeConfig(rounding_step=Decimal("0.25"), evaluation_required=True)
    sessions = [slot("s1", "09:00", "10:00"), slot("s2", "10:00", "11:00")]
    scans = [scan("09:00"), scan("09:55")]
    result = run(scans, sessions, config, evaluated=frozenset({"s2"}))
    assert minutes_and_credits(result) == {
        "s1": (60, 0, "0.00", (Reason.NOT_EVALUATED,)),
        "s2": (60, 60, "1.00", ()),
    }
    assert result.credits == Decimal("1.00")


def test_evaluations_are_ignored_unless_required() -> None:
    result = run([scan("09:00")], [slot("s1", "09:00", "10:00")], evaluated=frozenset())
    assert result.credits == Decimal("1.00")


def test_every_reason_for_no_credit_is_listed() -> None:
    config = CmeConfig(evaluation_required=True)
    result = run([scan("09:40")], [slot("s1", "09:00", "10:00", cme=False)], config)
    assert sessions_of(result)["s1"].reasons == (Reason.NOT_CME_ELIGIBLE, Reason.NOT_EVALUATED, Reason.BELOW_MAJORITY)


# -- time counts once -------------------------------------------------------------------------------


def test_overlapping_sessions_in_one_room_count_once() -> None:
    sessions = [slot("s1", "09:00", "10:30"), slot("s2", "10:00", "11:00")]
    result = run([scan("09:00"), scan("11:00", direction=OUT)], sessions)
    assert minutes_and_credits(result) == {
        "s1": (90, 90, "1.50", ()),
        "s2": (60, 30, "0.50", (Reason.OVERLAP,)),
    }
    assert (result.minutes_credited, result.credits) == (120, Decimal("2.00"))


def test_session_inside_another_earns_nothing_more() -> None:
    sessions = [slot("course", "09:00", "11:00"), slot("talk", "09:30", "10:00")]
    result = run([scan("09:00")], sessions)
    assert minutes_and_credits(result) == {
        "course": (120, 120, "2.00", ()),
        "talk": (30, 0, "0.00", (Reason.OVERLAP,)),
    }


def test_hop_between_rooms_credits_only_the_majority_session() -> None:
    sessions = [slot("a1", "09:00", "10:00", room="A"), slot("b1", "09:00", "10:00", room="B")]
    result = run([scan("09:00", room="A"), scan("09:40", room="B")], sessions)
    assert minutes_and_credits(result) == {
        "a1": (40, 40, "0.50", ()),
        "b1": (20, 0, "0.00", (Reason.BELOW_MAJORITY,)),
    }


def test_hop_between_overlapping_sessions_counts_each_minute_once() -> None:
    sessions = [slot("a1", "09:00", "10:00", room="A"), slot("b1", "09:30", "11:00", room="B")]
    result = run([scan("09:00", room="A"), scan("09:35", room="B")], sessions)
    assert minutes_and_credits(result) == {
        "a1": (35, 35, "0.50", ()),
        "b1": (85, 85, "1.50", ()),
    }
    assert (result.minutes_credited, result.credits) == (120, Decimal("2.00"))


# -- rounding ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "expected"),
    [("0.25", "1.75"), ("0.5", "1.50"), ("1", "1.00")],
)
def test_rounding_is_down_to_the_step(step: str, expected: str) -> None:
    config = CmeConfig(rounding_step=Decimal(step))
    result = run([scan("09:00"), scan("10:50", direction=OUT)], [slot("s1", "09:00", "11:00")], config)
    assert (result.minutes_credited, str(result.credits)) == (110, expected)


def test_rounding_carries_over_between_sessions_of_a_day() -> None:
    sessions = [slot("s1", "09:00", "09:45"), slot("s2", "10:00", "10:45"), slot("s3", "11:00", "11:45")]
    scans = [scan("09:00"), scan("10:00"), scan("11:00")]
    result = run(scans, sessions, CmeConfig())
    assert [(s.minutes_credited, str(s.credits)) for s in only_day(result).sessions] == [
        (45, "0.00"),
        (45, "1.00"),
        (45, "1.00"),
    ]
    assert result.credits == Decimal("2.00")


def test_credits_per_hour_scale_the_credits() -> None:
    config = CmeConfig(credits_per_hour=Decimal("0.5"), rounding_step=Decimal("0.25"))
    result = run([scan("09:00")], [slot("s1", "09:00", "11:00")], config)
    assert result.credits == Decimal("1.00")


def test_credits_are_decimal_strings_with_two_places() -> None:
    result = run([scan("09:00")], [slot("s1", "09:00", "10:15")])
    encoded = msgspec.json.decode(msgspec.json.encode(result))
    assert (encoded["credits"], encoded["days"][0]["sessions"][0]["credits"]) == ("1.25", "1.25")


# -- caps -------------------------------------------------------------------------------------------

ECR = CmeConfig(
    rounding_step=Decimal("0.25"),
    day_caps=dict(zip(ECR_DAYS, map(Decimal, ("7", "8", "8", "8", "4")), strict=True)),
)


def _full_congress() -> tuple[list[Scan], list[SessionSlot]]:
    """Hourly sessions 08:00-19:00 in room A every day; the attendee stays all day, every day."""
    sessions = [
        slot(f"{day.day}-{hour:02d}", f"{hour:02d}:00", f"{hour + 1:02d}:00", day=day)
        for day in ECR_DAYS
        for hour in range(8, 19)
    ]
    scans = [s for day in ECR_DAYS for s in (scan("07:55", day=day), scan("19:00", direction=OUT, day=day))]
    return scans, sessions


def test_ecr_day_caps_apply_per_day() -> None:
    scans, sessions = _full_congress()
    result = run(scans, sessions, ECR)
    assert [(d.day, str(d.credits), d.minutes_credited) for d in result.days] == [
        (ECR_DAYS[0], "7.00", 660),
        (ECR_DAYS[1], "8.00", 660),
        (ECR_DAYS[2], "8.00", 660),
        (ECR_DAYS[3], "8.00", 660),
        (ECR_DAYS[4], "4.00", 660),
    ]
    assert result.credits == Decimal("35.00")


def test_ecr_capped_sessions_say_so() -> None:
    scans, sessions = _full_congress()
    last_day = run(scans, sessions, ECR).days[4]
    assert [(s.key[-2:], str(s.credits), s.reasons) for s in last_day.sessions[3:6]] == [
        ("11", "1.00", ()),
        ("12", "0.00", (Reason.CAPPED,)),
        ("13", "0.00", (Reason.CAPPED,)),
    ]
    assert (last_day.morning_credits, last_day.afternoon_credits) == (Decimal("4.00"), Decimal("0.00"))


def test_half_day_cap_applies_to_morning_and_afternoon() -> None:
    scans, sessions = _full_congress()
    config = msgspec.structs.replace(ECR, half_day_cap=Decimal("3.5"))
    result = run(scans, sessions, config)
    assert [(str(d.morning_credits), str(d.afternoon_credits), str(d.credits)) for d in result.days] == [
        ("3.50", "3.50", "7.00"),
        ("3.50", "3.50", "7.00"),
        ("3.50", "3.50", "7.00"),
        ("3.50", "3.50", "7.00"),
        ("3.50", "0.50", "4.00"),
    ]


def test_half_day_split_is_local_time() -> None:
    # 12:00-14:00 in Vienna straddles the 13:00 split: an hour in each half.
    config = CmeConfig(rounding_step=Decimal("0.25"), half_day_cap=Decimal("0.5"))
    result = run([scan("12:00")], [slot("s1", "12:00", "14:00")], config)
    day = only_day(result)
    assert (str(day.morning_credits), str(day.afternoon_credits), str(day.credits)) == ("0.50", "0.50", "1.00")
    assert day.sessions[0].reasons == (Reason.CAPPED,)


def test_half_day_split_is_configurable() -> None:
    config = CmeConfig(rounding_step=Decimal("0.25"), half_day_cap=Decimal(4), half_day_split="12:30")
    day = only_day(run([scan("12:00")], [slot("s1", "12:00", "14:00")], config))
    assert (day.morning_credits, day.afternoon_credits) == (Decimal("0.50"), Decimal("1.50"))


def test_days_without_their_own_cap_take_the_default() -> None:
    sessions = [slot(f"{day.day}", "08:00", "18:00", day=day) for day in ECR_DAYS[:2]]
    scans = [scan("08:00", day=day) for day in ECR_DAYS[:2]]
    capped = CmeConfig(day_caps={ECR_DAYS[0]: Decimal(7)}, default_day_cap=Decimal(5))
    assert [str(d.credits) for d in run(scans, sessions, capped).days] == ["7.00", "5.00"]
    open_ended = CmeConfig(day_caps={ECR_DAYS[0]: Decimal(7)})
    assert [(str(d.credits), d.cap) for d in run(scans, sessions, open_ended).days] == [
        ("7.00", Decimal(7)),
        ("10.00", None),
    ]


def test_cap_of_zero_gives_nothing_that_day() -> None:
    config = CmeConfig(day_caps={DAY1: Decimal(0)})
    result = run([scan("09:00")], [slot("s1", "09:00", "10:00")], config)
    assert minutes_and_credits(result) == {"s1": (60, 60, "0.00", (Reason.CAPPED,))}


def test_worked_example_in_the_docs() -> None:
    sessions = [
        slot("RC 101", "08:30", "10:00", room="A"),
        slot("RC 201", "08:30", "10:00", room="B"),
        slot("E3 301", "10:30", "12:00", room="A"),
        slot("IS 1", "12:15", "13:15", room="B", cme=False),
        slot("RC 401", "14:00", "15:30", room="C"),
        slot("SS 402", "14:30", "15:00", room="C"),
        slot("RC 501", "16:00", "17:30", room="A"),
        slot("RC 601", "17:30", "18:30", room="A"),
    ]
    scans = [
        scan("08:22", "A"),
        scan("09:05", "B"),
        scan("10:25", "A"),
        scan("11:50", "A", OUT),
        scan("12:10", "B", None),
        scan("13:15", "B", OUT),
        scan("13:58", "C"),
        scan("15:40", "C", OUT),
        scan("15:55", "A"),
        scan("17:35", "A"),
    ]
    config = msgspec.structs.replace(ECR, half_day_cap=Decimal(3), evaluation_required=True)
    assert spans(presences(scans, sessions, config)) == [
        ("A", "08:22", "09:05", Ended.NEXT_SCAN),
        ("B", "09:05", "10:00", Ended.SESSION_END),
        ("A", "10:25", "11:50", Ended.EXIT),
        ("B", "12:10", "13:15", Ended.EXIT),
        ("C", "13:58", "15:40", Ended.EXIT),
        ("A", "15:55", "17:30", Ended.SESSION_END),
        ("A", "17:35", "18:30", Ended.SESSION_END),
    ]
    result = run(scans, sessions, config, evaluated=frozenset(s.key for s in sessions) - {"RC 201"})
    assert minutes_and_credits(result) == {
        "RC 101": (35, 0, "0.00", (Reason.BELOW_MAJORITY,)),
        "RC 201": (55, 0, "0.00", (Reason.NOT_EVALUATED,)),
        "E3 301": (80, 80, "1.25", ()),
        "IS 1": (60, 0, "0.00", (Reason.NOT_CME_ELIGIBLE,)),
        "RC 401": (90, 90, "1.50", ()),
        "SS 402": (30, 0, "0.00", (Reason.OVERLAP,)),
        "RC 501": (90, 90, "1.50", ()),
        "RC 601": (55, 55, "0.00", (Reason.CAPPED,)),
    }
    day = only_day(result)
    assert (day.morning_credits, day.afternoon_credits, day.credits, day.minutes_credited) == (
        Decimal("1.25"),
        Decimal("3.00"),
        Decimal("4.25"),
        315,
    )
    assert (day.cap, day.half_day_cap, result.credits) == (Decimal(7), Decimal(3), Decimal("4.25"))


# -- statements -------------------------------------------------------------------------------------


def test_statement_without_scans_is_empty() -> None:
    result = run([], [slot("s1", "09:00", "10:00")])
    assert result == Statement(person="ann", days=(), minutes_credited=0, credits=Decimal("0.00"))


def test_statement_ignores_other_people() -> None:
    result = run([scan("09:00", person="bob")], [slot("s1", "09:00", "10:00")])
    assert result.days == ()


def test_statement_lists_sessions_in_time_order_with_titles() -> None:
    sessions = [slot("late", "11:00", "12:00"), slot("early", "09:00", "10:00")]
    result = run([scan("09:00"), scan("11:00")], sessions)
    assert [(s.key, s.title, s.room, s.day) for s in only_day(result).sessions] == [
        ("early", "Session early", "A", DAY1),
        ("late", "Session late", "A", DAY1),
    ]


def test_statements_cover_everyone_with_scans() -> None:
    config = CmeConfig(evaluation_required=True)
    sessions = [slot("s1", "09:00", "10:00")]
    scans = [scan("09:00", person="bob"), scan("09:00", person="ann")]
    result = statements(scans, sessions, config, time_zone=TZ, evaluated={"bob": {"s1"}})
    assert [(s.person, str(s.credits)) for s in result] == [("ann", "0.00"), ("bob", "1.00")]


def test_statement_from_presences_matches_statement_from_scans() -> None:
    sessions = [slot("a1", "09:00", "10:00", room="A"), slot("b1", "09:30", "11:00", room="B")]
    scans = [scan("09:00", room="A"), scan("09:35", room="B")]
    found = presences(scans, sessions, QUARTER)
    from_presence = statement_from_presences("ann", found, sessions, QUARTER, time_zone=TZ)
    assert from_presence == run(scans, sessions)


def test_adding_an_exit_scan_can_lower_credits() -> None:
    # Not a monotone rule: a later scan can end a presence the earlier scans left open.
    sessions = [slot("s1", "09:00", "10:00")]
    assert run([scan("09:00")], sessions).credits == Decimal("1.00")
    assert run([scan("09:00"), scan("09:20", direction=OUT)], sessions).credits == Decimal("0.00")


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        statement("ann", [], [], QUARTER, time_zone="Mars/Olympus")


def test_naive_scan_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Scan(person="ann", room="A", scanned_at=dt.datetime(2026, 3, 4, 9, 0))


def test_sessions_sharing_a_key_are_refused() -> None:
    with pytest.raises(ValueError, match="two sessions have the key 's1'"):
        run([], [slot("s1", "09:00", "10:00"), slot("s1", "11:00", "12:00")])


def test_session_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="must end after it starts"):
        slot("s1", "10:00", "09:00")


# -- config -----------------------------------------------------------------------------------------


def test_config_decodes_the_ecr_rules_from_json() -> None:
    raw = b"""{"credits_per_hour": 1, "rounding_step": "0.25", "half_day_cap": 4, "half_day_split": "13:00",
        "day_caps": {"2026-03-04": 7, "2026-03-05": 8, "2026-03-06": 8, "2026-03-07": 8, "2026-03-08": 4},
        "evaluation_required": true}"""
    config = msgspec.json.decode(raw, type=CmeConfig)
    assert config.day_cap(dt.date(2026, 3, 8)) == Decimal(4)
    assert config.day_cap(dt.date(2026, 3, 9)) is None
    assert (config.rounding_step, config.half_day_cap, config.split_time) == (
        Decimal("0.25"),
        Decimal(4),
        dt.time(13, 0),
    )


def test_config_defaults_are_one_credit_per_full_hour() -> None:
    config = CmeConfig()
    assert (config.credits_per_hour, config.rounding_step, config.majority, config.entry_tolerance_minutes) == (
        Decimal(1),
        Decimal(1),
        Decimal("0.5"),
        15,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rounding_step": "0.3"}, "rounding_step must be 0.25, 0.5 or 1, not 0.3"),
        ({"credits_per_hour": 0}, "credits_per_hour must be greater than 0"),
        ({"credits_per_hour": "NaN"}, "credits_per_hour must be a finite decimal number"),
        ({"majority": 1}, "majority must be less than 1"),
        ({"majority": "-0.1"}, "majority must be at least 0"),
        ({"half_day_cap": "3.5", "rounding_step": 1}, "half_day_cap 3.5 is not a multiple of the rounding step 1"),
        ({"day_caps": {"2026-03-04": -1}}, "day_caps[2026-03-04] must be at least 0"),
        ({"default_day_cap": 1000}, "default_day_cap must be at least 0 and at most 100, not 1000"),
        ({"half_day_split": "25:00"}, "half_day_split"),
        ({"entry_tolerance_minutes": 500}, "entry_tolerance_minutes"),
        ({"credit_per_hour": 1}, "credit_per_hour"),
    ],
)
def test_config_refuses_broken_rules(fields: dict[str, object], message: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=re.escape(message)):
        msgspec.convert(fields, CmeConfig)


def test_config_built_directly_is_checked_too() -> None:
    with pytest.raises(ValueError, match=re.escape("half_day_cap 3.5 is not a multiple of the rounding step 1")):
        CmeConfig(half_day_cap=Decimal("3.5"))
    with pytest.raises(ValueError, match="half_day_split must be a local time HH:MM"):
        CmeConfig(half_day_split="1pm")


# -- properties -------------------------------------------------------------------------------------

ROOMS = ("A", "B", "C")  # C has no sessions
DAYS = ECR_DAYS[:2]
PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _local(day: dt.date, minute: int) -> dt.datetime:
    return (dt.datetime.combine(day, dt.time(0), tzinfo=VIENNA) + dt.timedelta(minutes=minute)).astimezone(dt.UTC)


@st.composite
def programmes(draw: st.DrawFn) -> list[SessionSlot]:
    sessions = []
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        day = draw(st.sampled_from(DAYS))
        start = draw(st.integers(min_value=8 * 12, max_value=18 * 12)) * 5  # minutes after midnight, 08:00-18:00
        length = draw(st.sampled_from((15, 30, 45, 60, 90, 120)))
        sessions.append(
            SessionSlot(
                key=f"s{n}",
                room=draw(st.sampled_from(ROOMS[:2])),
                starts_at=_local(day, start),
                ends_at=_local(day, start + length),
                day=day,
                cme=draw(st.sampled_from((True, True, True, False))),
            )
        )
    return sessions


@st.composite
def door_scans(draw: st.DrawFn, sessions: Sequence[SessionSlot]) -> list[Scan]:
    """Scans near the sessions (in their rooms, around their starts and ends), and some anywhere."""
    found = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        if draw(st.booleans()):
            session = draw(st.sampled_from(sessions))
            room = session.room
            length = (session.ends_at - session.starts_at) // dt.timedelta(minutes=1)
            moment = session.starts_at + dt.timedelta(minutes=draw(st.integers(min_value=-20, max_value=length + 10)))
        else:
            room = draw(st.sampled_from(ROOMS))
            moment = _local(draw(st.sampled_from(DAYS)), draw(st.integers(min_value=7 * 60, max_value=20 * 60)))
        direction = draw(st.sampled_from((Direction.IN, Direction.IN, Direction.OUT, None)))
        found.append(Scan(person="ann", room=room, scanned_at=moment, direction=direction))
    return found


def _cap(draw: st.DrawFn, step: Decimal) -> Decimal | None:
    units = draw(st.none() | st.integers(min_value=0, max_value=24))
    return None if units is None else units * step


@st.composite
def configs(draw: st.DrawFn) -> CmeConfig:
    step = draw(st.sampled_from((Decimal("0.25"), Decimal("0.5"), Decimal(1))))
    return CmeConfig(
        credits_per_hour=draw(st.sampled_from((Decimal("0.5"), Decimal(1), Decimal("1.5")))),
        rounding_step=step,
        majority=draw(st.sampled_from((Decimal(0), Decimal("0.5"), Decimal("0.75")))),
        entry_tolerance_minutes=draw(st.sampled_from((0, 10, 15))),
        day_caps={day: cap for day in DAYS if (cap := _cap(draw, step)) is not None},
        default_day_cap=_cap(draw, step),
        half_day_cap=_cap(draw, step),
        evaluation_required=draw(st.booleans()),
    )


class Case(NamedTuple):
    sessions: list[SessionSlot]
    scans: list[Scan]
    config: CmeConfig
    evaluated: frozenset[str]

    def statement(self, scans: Sequence[Scan] | None = None, **changes: object) -> Statement:
        config = msgspec.structs.replace(self.config, **changes) if changes else self.config
        found = self.scans if scans is None else scans
        return statement("ann", found, self.sessions, config, time_zone=TZ, evaluated=self.evaluated)


def evaluations(sessions: Sequence[SessionSlot]) -> st.SearchStrategy[frozenset[str]]:
    return st.lists(st.sampled_from([s.key for s in sessions]), unique=True).map(frozenset)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    sessions = draw(programmes())
    return Case(sessions, draw(door_scans(sessions)), draw(configs()), draw(evaluations(sessions)))


@PROPERTIES
@given(cases())
def test_caps_are_never_exceeded(case: Case) -> None:
    result = case.statement()
    for day in result.days:
        if day.cap is not None:
            assert day.credits <= day.cap
        if case.config.half_day_cap is not None:
            assert max(day.morning_credits, day.afternoon_credits) <= case.config.half_day_cap
        assert day.credits == day.morning_credits + day.afternoon_credits
        assert day.credits == sum((s.credits for s in day.sessions), Decimal(0))
        assert all(s.credits % case.config.rounding_step == 0 for s in day.sessions)
    assert result.credits == sum((d.credits for d in result.days), Decimal(0))


@PROPERTIES
@given(cases())
def test_credits_never_exceed_time_present(case: Case) -> None:
    result = case.statement()
    present = sum((p.ends_at - p.starts_at for p in presences(case.scans, case.sessions, case.config)), dt.timedelta())
    rate = Fraction(case.config.credits_per_hour)
    assert Fraction(result.credits) <= Fraction(present.total_seconds()) / 3600 * rate
    for session in (s for day in result.days for s in day.sessions):
        assert session.minutes_credited <= session.minutes_present
        assert session.minutes_present <= (session.ends_at - session.starts_at) // dt.timedelta(minutes=1)


@PROPERTIES
@given(cases(), st.data())
def test_scan_order_and_duplicates_change_nothing(case: Case, data: st.DataObject) -> None:
    repeated = data.draw(st.lists(st.sampled_from(case.scans), max_size=5)) if case.scans else []
    shuffled = [*case.scans, *repeated]
    random.Random(data.draw(st.integers())).shuffle(shuffled)
    assert case.statement(shuffled) == case.statement()


@PROPERTIES
@given(cases())
def test_raising_caps_never_lowers_credits(case: Case) -> None:
    capped = case.statement()
    free = case.statement(day_caps={}, default_day_cap=None, half_day_cap=None)
    assert [d.day for d in capped.days] == [d.day for d in free.days]
    for low, high in zip(capped.days, free.days, strict=True):
        assert low.credits <= high.credits


@PROPERTIES
@given(cases(), st.data())
def test_more_evaluations_never_lower_credits(case: Case, data: st.DataObject) -> None:
    more = case._replace(evaluated=case.evaluated | data.draw(evaluations(case.sessions)))
    assert case.statement().credits <= more.statement().credits


@PROPERTIES
@given(cases(), st.data())
def test_more_presence_never_lowers_credits(case: Case, data: st.DataObject) -> None:
    found = presences(case.scans, case.sessions, case.config)
    start = data.draw(st.sampled_from([s.starts_at for s in case.sessions]))
    extra = Presence(
        person="ann",
        room=data.draw(st.sampled_from(ROOMS)),
        starts_at=start + dt.timedelta(minutes=data.draw(st.integers(min_value=-30, max_value=60))),
        ends_at=start + dt.timedelta(minutes=data.draw(st.integers(min_value=61, max_value=180))),
        ended_by=Ended.EXIT,
    )
    before = statement_from_presences("ann", found, case.sessions, case.config, time_zone=TZ, evaluated=case.evaluated)
    after = statement_from_presences(
        "ann", [*found, extra], case.sessions, case.config, time_zone=TZ, evaluated=case.evaluated
    )
    assert before.credits <= after.credits
    assert before == case.statement()
