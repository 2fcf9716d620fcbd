"""``importers.ics.read_busy``: a person's calendar export to busy times (exact UTC instants)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import ics
from importers.records import Busy, ParsedBusy

UTC = dt.UTC
VIENNA = "Europe/Vienna"
YEAR_START = dt.datetime(2026, 1, 1, tzinfo=UTC)
YEAR_END = dt.datetime(2027, 1, 1, tzinfo=UTC)
SECRET = "Appointment with Dr. Secret about the biopsy"

# Outlook's definition of its Central European zone (the TZID is a Windows name, not an IANA one).
OUTLOOK_ZONE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""

# A zone only this calendar defines: New York's rules under a private name.
PRIVATE_ZONE = """BEGIN:VTIMEZONE
TZID:My Office Time
BEGIN:STANDARD
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE"""


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def calendar(*components: str) -> bytes:
    """A calendar with CRLF line ends around the components (each a block of lines)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//importers//EN"]
    for component in components:
        lines.extend(component.strip("\n").split("\n"))
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def event(uid: str, *lines: str) -> str:
    return "\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT"])


def read(
    data: bytes,
    start: dt.datetime = YEAR_START,
    end: dt.datetime = YEAR_END,
    time_zone: str = VIENNA,
    **limits: int,
) -> ParsedBusy:
    return ics.read_busy(data, "me.ics", start, end, time_zone, **limits)


def spans(parsed: ParsedBusy) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(b.starts_at, b.ends_at) for b in parsed.busy]


def codes(parsed: ParsedBusy) -> list[str]:
    return [p.code for p in parsed.problems]


# --- time zones ------------------------------------------------------------------------------------------------


def test_busy_tzid_with_vtimezone_uses_the_calendars_definition() -> None:
    parsed = read(
        calendar(
            PRIVATE_ZONE,
            event("a", "DTSTART;TZID=My Office Time:20260115T090000", "DTEND;TZID=My Office Time:20260115T103000"),
            event("b", "DTSTART;TZID=My Office Time:20260715T090000", "DTEND;TZID=My Office Time:20260715T100000"),
        )
    )
    assert parsed.problems == []
    assert spans(parsed) == [(at(2026, 1, 15, 14), at(2026, 1, 15, 15, 30)), (at(2026, 7, 15, 13), at(2026, 7, 15, 14))]
    assert all(b.starts_at.tzinfo is UTC for b in parsed.busy)


def test_busy_utc_times_are_kept() -> None:
    parsed = read(calendar(event("u", "DTSTART:20260310T081500Z", "DTEND:20260310T091500Z")))
    assert parsed.busy == [
        Busy(starts_at=at(2026, 3, 10, 8, 15), ends_at=at(2026, 3, 10, 9, 15), all_day=False, uid="u")
    ]


def test_busy_floating_time_is_in_the_congress_zone() -> None:
    data = calendar(event("f", "DTSTART:20260310T090000", "DTEND:20260310T100000"))
    assert spans(read(data)) == [(at(2026, 3, 10, 8), at(2026, 3, 10, 9))]
    assert spans(read(data, time_zone="America/New_York")) == [(at(2026, 3, 10, 13), at(2026, 3, 10, 14))]


def test_busy_iana_tzid_without_vtimezone_is_used() -> None:
    parsed = read(calendar(event("i", "DTSTART;TZID=Asia/Tokyo:20260310T090000", "DURATION:PT2H")))
    assert parsed.problems == []
    assert spans(parsed) == [(at(2026, 3, 10, 0), at(2026, 3, 10, 2))]


def test_busy_unknown_tzid_is_a_problem_for_that_event_only() -> None:
    parsed = read(
        calendar(
            event("ok", "DTSTART:20260310T080000Z", "DTEND:20260310T090000Z"),
            event("bad", "DTSTART;TZID=Mars/Olympus_Mons:20260310T090000", "DTEND:20260310T100000Z"),
        )
    )
    assert [b.uid for b in parsed.busy] == ["ok"]
    [problem] = parsed.problems
    assert (problem.code, problem.column, problem.file) == ("unknown_time_zone", "DTSTART", "me.ics")
    assert problem.row == 10  # the line of the second BEGIN:VEVENT
    assert "Mars/Olympus_Mons" in problem.message


def test_busy_outlook_windows_tzid_with_vtimezone() -> None:
    parsed = read(
        calendar(
            OUTLOOK_ZONE,
            event(
                "o1",
                "DTSTART;TZID=W. Europe Standard Time:20260302T090000",
                "DTEND;TZID=W. Europe Standard Time:20260302T100000",
            ),
            event(
                "o2",
                "DTSTART;TZID=W. Europe Standard Time:20260601T090000",
                "DTEND;TZID=W. Europe Standard Time:20260601T100000",
            ),
        )
    )
    assert parsed.problems == []
    assert spans(parsed) == [(at(2026, 3, 2, 8), at(2026, 3, 2, 9)), (at(2026, 6, 1, 7), at(2026, 6, 1, 8))]


def test_busy_outlook_tzid_across_spring_change() -> None:
    parsed = read(
        calendar(
            OUTLOOK_ZONE,
            event(
                "night",
                "DTSTART;TZID=W. Europe Standard Time:20260329T010000",
                "DTEND;TZID=W. Europe Standard Time:20260329T040000",
            ),
        )
    )
    assert spans(parsed) == [(at(2026, 3, 29, 0), at(2026, 3, 29, 2))]


def test_busy_windows_tzid_without_vtimezone_uses_the_cldr_mapping() -> None:
    parsed = read(calendar(event("pst", "DTSTART;TZID=Pacific Standard Time:20260310T090000", "DURATION:PT1H")))
    assert parsed.problems == []
    assert spans(parsed) == [(at(2026, 3, 10, 16), at(2026, 3, 10, 17))]  # PDT since 8 March


def test_busy_vendor_prefixed_tzid_without_vtimezone_uses_its_iana_tail() -> None:
    tzid = "/freeassociation.sourceforge.net/Tzfile/Europe/Vienna"
    parsed = read(calendar(event("v", f"DTSTART;TZID={tzid}:20260310T090000", "DURATION:PT1H")))
    assert parsed.problems == []
    assert spans(parsed) == [(at(2026, 3, 10, 8), at(2026, 3, 10, 9))]


def test_busy_same_tzid_defined_differently_by_two_files_each_uses_its_own() -> None:
    def file(offset: str) -> bytes:
        zone = "\n".join(
            [
                "BEGIN:VTIMEZONE",
                "TZID:Shared Name Zone",
                "BEGIN:STANDARD",
                "DTSTART:19700101T000000",
                f"TZOFFSETFROM:{offset}",
                f"TZOFFSETTO:{offset}",
                "END:STANDARD",
                "END:VTIMEZONE",
            ]
        )
        return calendar(zone, event("z", "DTSTART;TZID=Shared Name Zone:20260310T100000", "DURATION:PT1H"))

    # icalendar caches VTIMEZONE zones process-wide by TZID; the second file must not get the first one's.
    assert spans(read(file("+0500"))) == [(at(2026, 3, 10, 5), at(2026, 3, 10, 6))]
    assert spans(read(file("-0300"))) == [(at(2026, 3, 10, 13), at(2026, 3, 10, 14))]
    assert spans(read(file("+0500"))) == [(at(2026, 3, 10, 5), at(2026, 3, 10, 6))]


def test_busy_vtimezone_with_a_non_yearly_rule_is_unsupported() -> None:
    zone = OUTLOOK_ZONE.replace("TZID:W. Europe Standard Time", "TZID:Hourly Zone").replace(
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", "RRULE:FREQ=HOURLY"
    )
    parsed = read(
        calendar(
            zone,
            event("h", "DTSTART;TZID=Hourly Zone:20260310T090000", "DURATION:PT1H"),
            event("ok", "DTSTART:20260310T090000Z", "DURATION:PT1H"),
        )
    )
    assert [b.uid for b in parsed.busy] == ["ok"]
    assert [(p.code, p.row, p.column) for p in parsed.problems] == [
        ("unsupported_time_zone", 4, "VTIMEZONE"),
        ("unknown_time_zone", 19, "DTSTART"),
    ]


# --- daylight saving days (Europe/Vienna: 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00) ------------------


def test_busy_dst_spring_day_vienna() -> None:
    parsed = read(
        calendar(
            event("morning", "DTSTART;TZID=Europe/Vienna:20260329T090000", "DTEND;TZID=Europe/Vienna:20260329T100000"),
            event("across", "DTSTART;TZID=Europe/Vienna:20260329T010000", "DTEND;TZID=Europe/Vienna:20260329T040000"),
            # 02:30 does not exist that night: the offset before the gap applies (RFC 5545 3.3.5).
            event("gap", "DTSTART;TZID=Europe/Vienna:20260329T023000", "DURATION:PT1H"),
            # DURATION's hours are exact: three real hours from 01:00 CET.
            event("exact", "DTSTART;TZID=Europe/Vienna:20260329T010000", "DURATION:PT3H"),
        )
    )
    assert parsed.problems == []
    by_uid = {b.uid: (b.starts_at, b.ends_at) for b in parsed.busy}
    assert by_uid == {
        "morning": (at(2026, 3, 29, 7), at(2026, 3, 29, 8)),
        "across": (at(2026, 3, 29, 0), at(2026, 3, 29, 2)),
        "gap": (at(2026, 3, 29, 1, 30), at(2026, 3, 29, 2, 30)),
        "exact": (at(2026, 3, 29, 0), at(2026, 3, 29, 3)),
    }


def test_busy_dst_autumn_day_vienna() -> None:
    parsed = read(
        calendar(
            event("morning", "DTSTART;TZID=Europe/Vienna:20261025T090000", "DTEND;TZID=Europe/Vienna:20261025T100000"),
            event("across", "DTSTART;TZID=Europe/Vienna:20261025T010000", "DTEND;TZID=Europe/Vienna:20261025T040000"),
            # 02:30 happens twice that night: the first one (still CEST) is meant.
            event("twice", "DTSTART;TZID=Europe/Vienna:20261025T023000", "DURATION:PT30M"),
            # A day-long DURATION is nominal: to 09:00 local the next day, 25 real hours.
            event("day", "DTSTART;TZID=Europe/Vienna:20261024T090000", "DURATION:P1D"),
        )
    )
    assert parsed.problems == []
    by_uid = {b.uid: (b.starts_at, b.ends_at) for b in parsed.busy}
    assert by_uid == {
        "morning": (at(2026, 10, 25, 8), at(2026, 10, 25, 9)),
        "across": (at(2026, 10, 24, 23), at(2026, 10, 25, 3)),
        "twice": (at(2026, 10, 25, 0, 30), at(2026, 10, 25, 1)),
        "day": (at(2026, 10, 24, 7), at(2026, 10, 25, 8)),
    }


def test_busy_weekly_series_keeps_local_time_across_dst() -> None:
    parsed = read(
        calendar(
            event(
                "w",
                "DTSTART;TZID=Europe/Vienna:20261018T090000",
                "DTEND;TZID=Europe/Vienna:20261018T100000",
                "RRULE:FREQ=WEEKLY;COUNT=2",
            )
        )
    )
    assert spans(parsed) == [(at(2026, 10, 18, 7), at(2026, 10, 18, 8)), (at(2026, 10, 25, 8), at(2026, 10, 25, 9))]
    assert [b.recurrence for b in parsed.busy] == [at(2026, 10, 18, 7), at(2026, 10, 25, 8)]


def test_busy_all_day_event_on_dst_day_covers_23_hours() -> None:
    parsed = read(calendar(event("d", "DTSTART;VALUE=DATE:20260329")))
    assert parsed.busy == [Busy(starts_at=at(2026, 3, 28, 23), ends_at=at(2026, 3, 29, 22), all_day=True, uid="d")]


# --- all-day ---------------------------------------------------------------------------------------------------


def test_busy_all_day_multi_day_covers_whole_local_days() -> None:
    parsed = read(calendar(event("trip", "DTSTART;VALUE=DATE:20260504", "DTEND;VALUE=DATE:20260507")))
    assert parsed.busy == [Busy(starts_at=at(2026, 5, 3, 22), ends_at=at(2026, 5, 6, 22), all_day=True, uid="trip")]


def test_busy_all_day_without_dtend_is_one_day_in_the_congress_zone() -> None:
    data = calendar(event("one", "DTSTART;VALUE=DATE:20260115"))
    assert spans(read(data)) == [(at(2026, 1, 14, 23), at(2026, 1, 15, 23))]
    assert spans(read(data, time_zone="UTC")) == [(at(2026, 1, 15), at(2026, 1, 16))]


# --- recurrences -----------------------------------------------------------------------------------------------


WEEKLY = event(
    "weekly",
    "DTSTART;TZID=Europe/Vienna:20260302T090000",
    "DTEND;TZID=Europe/Vienna:20260302T100000",
    "RRULE:FREQ=WEEKLY;BYDAY=MO",
    "EXDATE;TZID=Europe/Vienna:20260309T090000",
)


def test_busy_weekly_rrule_with_exdate_and_override_moved_into_window() -> None:
    # Mondays at 09:00 from 2 March, 9 March excluded; the 16 March occurrence moves to Wednesday 25 March,
    # into the window (the week of 23 March).
    moved = event(
        "weekly",
        "RECURRENCE-ID;TZID=Europe/Vienna:20260316T090000",
        "DTSTART;TZID=Europe/Vienna:20260325T140000",
        "DTEND;TZID=Europe/Vienna:20260325T153000",
    )
    data = calendar(WEEKLY, moved)
    parsed = read(data, at(2026, 3, 23), at(2026, 3, 30))
    assert parsed.problems == []
    assert [(b.starts_at, b.ends_at, b.recurrence) for b in parsed.busy] == [
        (at(2026, 3, 23, 8), at(2026, 3, 23, 9), at(2026, 3, 23, 8)),
        (at(2026, 3, 25, 13), at(2026, 3, 25, 14, 30), at(2026, 3, 16, 8)),
    ]
    # Over March: the 2nd, (9th excluded), 16th moved to the 25th, 23rd, 30th (CEST from the 29th).
    march = read(data, at(2026, 3, 1), at(2026, 4, 1))
    assert spans(march) == [
        (at(2026, 3, 2, 8), at(2026, 3, 2, 9)),
        (at(2026, 3, 23, 8), at(2026, 3, 23, 9)),
        (at(2026, 3, 25, 13), at(2026, 3, 25, 14, 30)),
        (at(2026, 3, 30, 7), at(2026, 3, 30, 8)),
    ]
    assert all(b.uid == "weekly" for b in march.busy)


def test_busy_override_moved_out_of_window_removes_the_occurrence() -> None:
    moved_out = event(
        "weekly",
        "RECURRENCE-ID;TZID=Europe/Vienna:20260323T090000",
        "DTSTART;TZID=Europe/Vienna:20260410T090000",
        "DTEND;TZID=Europe/Vienna:20260410T100000",
    )
    parsed = read(calendar(WEEKLY, moved_out), at(2026, 3, 23), at(2026, 3, 30))
    assert parsed.busy == []
    assert parsed.problems == []
    later = read(calendar(WEEKLY, moved_out), at(2026, 4, 6), at(2026, 4, 13))
    assert [(b.starts_at, b.recurrence) for b in later.busy] == [
        (at(2026, 4, 6, 7), at(2026, 4, 6, 7)),
        (at(2026, 4, 10, 7), at(2026, 3, 23, 8)),
    ]


def test_busy_rdate_adds_an_occurrence() -> None:
    parsed = read(
        calendar(
            event(
                "r",
                "DTSTART:20260302T080000Z",
                "DURATION:PT1H",
                "RDATE:20260304T120000Z",
            )
        ),
        at(2026, 3, 1),
        at(2026, 3, 8),
    )
    assert [(b.starts_at, b.ends_at, b.recurrence) for b in parsed.busy] == [
        (at(2026, 3, 2, 8), at(2026, 3, 2, 9), at(2026, 3, 2, 8)),
        (at(2026, 3, 4, 12), at(2026, 3, 4, 13), at(2026, 3, 4, 12)),
    ]


def test_busy_count_and_until_together_end_at_whichever_comes_first() -> None:
    # RFC 5545 forbids both; some exports write them. UNTIL (the 16th) comes before the fifth occurrence.
    parsed = read(
        calendar(
            event("cu", "DTSTART:20260302T080000Z", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;COUNT=5;UNTIL=20260316T080000Z")
        )
    )
    assert parsed.problems == []
    assert [b.starts_at for b in parsed.busy] == [at(2026, 3, 2, 8), at(2026, 3, 9, 8), at(2026, 3, 16, 8)]
    parsed = read(
        calendar(
            event("cu", "DTSTART:20260302T080000Z", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;COUNT=2;UNTIL=20260316T080000Z")
        )
    )
    assert [b.starts_at for b in parsed.busy] == [at(2026, 3, 2, 8), at(2026, 3, 9, 8)]


def test_busy_two_versions_of_one_uid_the_highest_sequence_counts() -> None:
    parsed = read(
        calendar(
            event("v", "DTSTART:20260302T080000Z", "DURATION:PT1H", "SEQUENCE:1"),
            event("v", "DTSTART:20260305T080000Z", "DTEND:20260305T103000Z", "SEQUENCE:2"),
        )
    )
    assert parsed.problems == []
    assert spans(parsed) == [(at(2026, 3, 5, 8), at(2026, 3, 5, 10, 30))]


def test_busy_single_event_has_no_recurrence() -> None:
    parsed = read(calendar(event("s", "DTSTART:20260302T080000Z", "DTEND:20260302T090000Z")))
    assert [b.recurrence for b in parsed.busy] == [None]


# --- what counts as busy ---------------------------------------------------------------------------------------


def test_busy_transparent_and_cancelled_events_are_skipped() -> None:
    parsed = read(
        calendar(
            event("free", "DTSTART:20260302T080000Z", "DTEND:20260302T090000Z", "TRANSP:TRANSPARENT"),
            event("off", "DTSTART:20260302T100000Z", "DTEND:20260302T110000Z", "STATUS:CANCELLED"),
            event("on", "DTSTART:20260302T120000Z", "DTEND:20260302T130000Z", "TRANSP:OPAQUE", "STATUS:CONFIRMED"),
            event("maybe", "DTSTART:20260302T140000Z", "DTEND:20260302T150000Z", "STATUS:TENTATIVE"),
        )
    )
    assert [b.uid for b in parsed.busy] == ["on", "maybe"]


def test_busy_cancelled_override_cancels_one_occurrence() -> None:
    cancelled = event(
        "weekly",
        "RECURRENCE-ID;TZID=Europe/Vienna:20260316T090000",
        "DTSTART;TZID=Europe/Vienna:20260316T090000",
        "DTEND;TZID=Europe/Vienna:20260316T100000",
        "STATUS:CANCELLED",
    )
    parsed = read(calendar(WEEKLY, cancelled), at(2026, 3, 1), at(2026, 3, 24))
    assert [b.starts_at for b in parsed.busy] == [at(2026, 3, 2, 8), at(2026, 3, 23, 8)]


def test_busy_todo_and_journal_are_ignored() -> None:
    todo = "BEGIN:VTODO\nUID:t\nDTSTART:20260302T080000Z\nDUE:20260302T090000Z\nEND:VTODO"
    journal = "BEGIN:VJOURNAL\nUID:j\nDTSTART:20260302T080000Z\nEND:VJOURNAL"
    parsed = read(calendar(todo, journal))
    assert parsed == ParsedBusy(busy=[], problems=[])


def test_busy_vfreebusy_busy_periods_count() -> None:
    free_busy = "\n".join(
        [
            "BEGIN:VFREEBUSY",
            "UID:fb",
            "DTSTART:20260301T000000Z",
            "DTEND:20260401T000000Z",
            "FREEBUSY:20260302T080000Z/PT2H,20260302T120000Z/20260302T123000Z",
            "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20260303T080000Z/PT8H",
            "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260304T080000Z/PT1H",
            "FREEBUSY;FBTYPE=FREE:20260305T080000Z/PT1H",
            "END:VFREEBUSY",
        ]
    )
    parsed = read(calendar(free_busy))
    assert parsed.problems == []
    assert parsed.busy == [
        Busy(starts_at=at(2026, 3, 2, 8), ends_at=at(2026, 3, 2, 10), all_day=False, uid="fb"),
        Busy(starts_at=at(2026, 3, 2, 12), ends_at=at(2026, 3, 2, 12, 30), all_day=False, uid="fb"),
        Busy(starts_at=at(2026, 3, 3, 8), ends_at=at(2026, 3, 3, 16), all_day=False, uid="fb"),
        Busy(starts_at=at(2026, 3, 4, 8), ends_at=at(2026, 3, 4, 9), all_day=False, uid="fb"),
    ]


def test_busy_timed_event_without_end_or_duration_is_skipped() -> None:
    parsed = read(calendar(event("point", "DTSTART:20260302T080000Z")))
    assert parsed == ParsedBusy(busy=[], problems=[])


def test_busy_privacy_summary_description_location_are_never_copied() -> None:
    parsed = read(
        calendar(
            event(
                "p",
                "DTSTART:20260302T080000Z",
                "DTEND:20260302T090000Z",
                f"SUMMARY:{SECRET}",
                f"DESCRIPTION:{SECRET}",
                f"LOCATION:{SECRET}",
            ),
            "\n".join(["BEGIN:VEVENT", f"SUMMARY:{SECRET}", "DTSTART:20260303T080000Z", "DURATION:PT1H", "END:VEVENT"]),
        )
    )
    assert len(parsed.busy) == 2
    assert "Secret" not in repr(parsed)


# --- the window --------------------------------------------------------------------------------------------------


def test_busy_event_across_window_edge_is_clipped() -> None:
    parsed = read(
        calendar(
            event("before", "DTSTART:20260301T220000Z", "DTEND:20260302T020000Z"),
            event("after", "DTSTART:20260303T230000Z", "DTEND:20260304T030000Z"),
            event("outside", "DTSTART:20260301T200000Z", "DTEND:20260302T000000Z"),
            event("covering", "DTSTART;VALUE=DATE:20260201", "DTEND;VALUE=DATE:20260401"),
        ),
        at(2026, 3, 2),
        at(2026, 3, 4),
    )
    assert parsed.busy == [
        Busy(starts_at=at(2026, 3, 2), ends_at=at(2026, 3, 2, 2), all_day=False, uid="before"),
        Busy(starts_at=at(2026, 3, 2), ends_at=at(2026, 3, 4), all_day=True, uid="covering"),
        Busy(starts_at=at(2026, 3, 3, 23), ends_at=at(2026, 3, 4), all_day=False, uid="after"),
    ]


def test_busy_window_start_and_end_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        ics.read_busy(b"", "me.ics", dt.datetime(2026, 1, 1), YEAR_END, VIENNA)


# --- problems ----------------------------------------------------------------------------------------------------


def test_busy_impossible_datetime_is_a_problem() -> None:
    parsed = read(
        calendar(
            event("ok", "DTSTART:20260302T080000Z", "DTEND:20260302T090000Z"),
            event("feb30", "DTSTART:20260230T100000Z", "DTEND:20260230T110000Z"),
        )
    )
    assert [b.uid for b in parsed.busy] == ["ok"]
    assert {(p.code, p.column, p.row) for p in parsed.problems} == {
        ("invalid_datetime", "DTSTART", 10),
        ("invalid_datetime", "DTEND", 10),
    }


def test_busy_end_before_start_is_a_problem() -> None:
    parsed = read(calendar(event("back", "DTSTART:20260302T100000Z", "DTEND:20260302T090000Z")))
    assert parsed.busy == []
    assert [(p.code, p.column, p.row) for p in parsed.problems] == [("end_before_start", "DTEND", 4)]


def test_busy_missing_dtstart_is_a_problem() -> None:
    parsed = read(calendar(event("nostart", "DTEND:20260302T090000Z")))
    assert [(p.code, p.column) for p in parsed.problems] == [("missing_start", "DTSTART")]


def test_busy_bad_rrule_is_a_problem_and_drops_its_overrides() -> None:
    override = event(
        "weird",
        "RECURRENCE-ID:20260309T080000Z",
        "DTSTART:20260310T080000Z",
        "DTEND:20260310T090000Z",
    )
    parsed = read(
        calendar(event("weird", "DTSTART:20260302T080000Z", "DURATION:PT1H", "RRULE:FREQ=SOMETIMES"), override)
    )
    assert parsed.busy == []
    assert [(p.code, p.column, p.row) for p in parsed.problems] == [("invalid_recurrence", "RRULE", 4)]


def test_busy_dense_rule_is_refused_not_expanded() -> None:
    parsed = read(calendar(event("tick", "DTSTART:19700101T000000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY")))
    assert parsed.busy == []
    assert codes(parsed) == ["recurrence_too_frequent"]


def test_busy_short_rule_with_until_is_expanded() -> None:
    parsed = read(
        calendar(
            event(
                "q",
                "DTSTART:20260302T080000Z",
                "DURATION:PT5M",
                "RRULE:FREQ=MINUTELY;INTERVAL=15;UNTIL=20260302T090000Z",
            )
        )
    )
    assert parsed.problems == []
    assert [b.starts_at for b in parsed.busy] == [at(2026, 3, 2, 8, m) for m in (0, 15, 30, 45)] + [at(2026, 3, 2, 9)]


def test_busy_too_many_events_stops() -> None:
    parsed = read(
        calendar(event("daily", "DTSTART:20260101T080000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY")), max_events=10
    )
    assert codes(parsed) == ["too_many_events"]
    assert len(parsed.busy) <= 10
    many = calendar(*(event(f"e{i}", f"DTSTART:202603{i + 1:02d}T080000Z", "DURATION:PT1H") for i in range(12)))
    parsed = read(many, max_events=10)
    assert codes(parsed) == ["too_many_events"]
    assert len(parsed.busy) == 10


def test_busy_event_without_uid_gets_a_stable_uid() -> None:
    lonely = "\n".join(["BEGIN:VEVENT", "DTSTART:20260303T080000Z", "DURATION:PT1H", "END:VEVENT"])
    first = read(calendar(lonely))
    again = read(calendar(event("other", "DTSTART:20260305T080000Z", "DURATION:PT1H"), lonely))
    assert first.busy[0].uid.startswith("no-uid-")
    assert first.busy[0].uid in {b.uid for b in again.busy}


def test_busy_output_is_sorted() -> None:
    parsed = read(
        calendar(
            event("c", "DTSTART:20260305T080000Z", "DURATION:PT1H"),
            event("a", "DTSTART:20260303T080000Z", "DURATION:PT1H"),
            event("b", "DTSTART:20260304T080000Z", "DURATION:PT1H"),
        )
    )
    assert [b.uid for b in parsed.busy] == ["a", "b", "c"]


# --- files that are not calendars --------------------------------------------------------------------------------


def test_busy_garbage_bytes_are_unreadable() -> None:
    parsed = read(bytes(range(256)) * 4)
    assert parsed.busy == []
    assert codes(parsed) == ["unreadable_file"]


def test_busy_text_that_is_not_icalendar_is_unreadable() -> None:
    assert codes(read(b"Name;Email\nAnna;anna@example.org\n")) == ["unreadable_file"]
    assert codes(read(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n")) == ["unreadable_file"]
    [problem] = read(b"BEGIN:VCALENDAR\r\nthis line has no colon\r\nEND:VCALENDAR\r\n").problems
    assert problem.code == "unreadable_file"
    assert "could not be parsed" in problem.message


def test_busy_empty_file() -> None:
    assert codes(read(b"")) == ["empty_file"]
    assert codes(read(b" \r\n\r\n")) == ["empty_file"]


def test_busy_too_large_file() -> None:
    data = calendar(event("x", "DTSTART:20260302T080000Z", "DURATION:PT1H"))
    assert codes(read(data, max_bytes=len(data) - 1)) == ["too_large"]
    assert codes(read(data, max_bytes=len(data))) == []


def test_busy_calendar_not_utf8_is_bad_encoding() -> None:
    latin1 = (
        calendar(event("l", "DTSTART:20260302T080000Z", "DURATION:PT1H", "SUMMARY:Café")).decode().encode("latin-1")
    )
    [problem] = read(latin1).problems
    assert problem.code == "bad_encoding"
    assert problem.row == 9  # the SUMMARY line
    utf16 = calendar(event("l", "DTSTART:20260302T080000Z", "DURATION:PT1H")).decode().encode("utf-16")
    assert codes(read(utf16)) == ["bad_encoding"]


def test_busy_utf8_bom_and_lf_line_ends_are_accepted() -> None:
    data = b"\xef\xbb\xbf" + calendar(event("b", "DTSTART:20260302T080000Z", "DURATION:PT1H")).replace(b"\r\n", b"\n")
    assert spans(read(data)) == [(at(2026, 3, 2, 8), at(2026, 3, 2, 9))]


# --- fuzzing -------------------------------------------------------------------------------------------------------


SAMPLE = calendar(
    OUTLOOK_ZONE,
    WEEKLY,
    event(
        "weekly",
        "RECURRENCE-ID;TZID=Europe/Vienna:20260316T090000",
        "DTSTART;TZID=Europe/Vienna:20260325T140000",
        "DTEND;TZID=Europe/Vienna:20260325T153000",
    ),
    event(
        "o",
        "DTSTART;TZID=W. Europe Standard Time:20260329T010000",
        "DTEND;TZID=W. Europe Standard Time:20260329T040000",
    ),
    event("d", "DTSTART;VALUE=DATE:20260504", "DTEND;VALUE=DATE:20260507", "RRULE:FREQ=YEARLY;COUNT=3"),
    event("f", "DTSTART:20260310T090000", "DURATION:P1DT2H", "TRANSP:TRANSPARENT"),
    "BEGIN:VFREEBUSY\nUID:fb\nFREEBUSY:20260302T080000Z/PT2H\nEND:VFREEBUSY",
)


# The application asks for the congress's days; fuzzing uses a month.
FUZZ_START = at(2026, 3, 1)
FUZZ_END = at(2026, 4, 1)


def check(parsed: ParsedBusy) -> None:
    assert isinstance(parsed, ParsedBusy)
    for busy in parsed.busy:
        assert FUZZ_START <= busy.starts_at < busy.ends_at <= FUZZ_END
        assert busy.starts_at.utcoffset() == dt.timedelta(0)
    for problem in parsed.problems:
        assert problem.file == "me.ics"
        assert problem.code


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=2_000))
def test_busy_random_bytes_never_raise(data: bytes) -> None:
    check(read(data, FUZZ_START, FUZZ_END))


@FUZZ
@given(st.data())
def test_busy_mutated_calendar_never_raises(data: st.DataObject) -> None:
    mutated = bytearray(SAMPLE)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        kind = data.draw(st.sampled_from(["truncate", "flip", "delete_line", "duplicate_line", "insert"]))
        if not mutated:
            break
        index = data.draw(st.integers(0, len(mutated) - 1), label="index")
        if kind == "truncate":
            del mutated[index:]
        elif kind == "flip":
            mutated[index] = data.draw(st.integers(0, 255), label="byte")
        else:
            lines = bytes(mutated).split(b"\r\n")
            line = data.draw(st.integers(0, len(lines) - 1), label="line")
            if kind == "delete_line":
                del lines[line]
            elif kind == "duplicate_line":
                lines.insert(line, lines[line])
            else:
                lines.insert(line, data.draw(st.sampled_from(INSERTS), label="insert"))
            mutated = bytearray(b"\r\n".join(lines))
    check(read(bytes(mutated), FUZZ_START, FUZZ_END))


INSERTS = [
    b"RRULE:FREQ=DAILY",
    b"RRULE:FREQ=HOURLY;BYMINUTE=0,30",
    b"EXDATE:20260309T080000Z",
    b"RDATE;VALUE=PERIOD:20260309T080000Z/PT1H",
    b"DTEND;VALUE=DATE:20260101",
    b"DURATION:-PT1H",
    b"DTSTART;TZID=Nowhere:20260101T000000",
    b"RECURRENCE-ID;RANGE=THISANDFUTURE:20260316T080000Z",
    b"STATUS:CANCELLED",
    b"END:VEVENT",
    b"BEGIN:VEVENT",
    b"BEGIN:VCALENDAR",
    b"CALSCALE:JULIAN",
    b"FREEBUSY;FBTYPE=BUSY:garbage",
    b" folded continuation",
]
