"""The iCal feed, checked the way strict clients read it.

Three independent parsers read what ``congress.publishing.ical.render`` writes: Mozilla's ical.js (Thunderbird,
through ``tests/icaljs.py``), icalendar and vobject. Every check that a parser accepts the feed comes with a
broken copy the same parser rejects, so a check that could never fail does not pass for a proof. The bytes
themselves (CRLF, folding at 75 octets, UTF-8 never cut inside a character) are checked directly.

The one test marked ``xfail(strict=True)`` pins a harmless icalendar behaviour (a leading U+FEFF dropped); it
turns into a failure (XPASS) once that changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
import re
import uuid
import zoneinfo
from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

import icalendar
import msgspec
import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congress.publishing import ical
from congress.publishing.snapshot import Event, FacultyEntry, Programme
from tests.congress.publishing.samples import GONE_ID, SPEAKER, TALK_ID, TUTOR, WORKSHOP_ID, sample_programme
from tests.icaljs import IcalJsUnavailableError, parse_with_icaljs, utc

TITLE = "ESSR 2026 Annual Meeting"
NOTE = "You hold a seat in this run"
MAX_OCTETS = 75
# A long text whose folds fall inside multi-byte characters (2-, 3- and 4-octet UTF-8, ZWJ emoji, combining marks).
MULTIBYTE = "Zoë Müller-Łukasiewicz – Ärztinnen und Ärzte 👩‍⚕️🩻 e\u0301té “quoted” 東京 "


# --- reading the document without a library -------------------------------------------------------------------


class Prop(NamedTuple):
    name: str
    params: str  # ";TZID=Europe/Vienna" or ""
    value: str  # as written, still escaped


@dataclasses.dataclass
class Component:
    name: str
    props: list[Prop] = dataclasses.field(default_factory=list)
    children: list[Component] = dataclasses.field(default_factory=list)

    def all(self, name: str) -> list[Prop]:
        return [p for p in self.props if p.name == name]

    def one(self, name: str) -> Prop:
        found = self.all(name)
        assert len(found) == 1, f"{self.name} has {len(found)} {name}: {found}"
        return found[0]

    def text(self, name: str) -> str:
        return unescape(self.one(name).value)

    def walk(self, name: str) -> list[Component]:
        found = [self] if self.name == name else []
        for child in self.children:
            found += child.walk(name)
        return found


CONTENT_LINE = re.compile(
    r'(?P<name>[A-Za-z0-9-]+)(?P<params>(?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*):(?P<value>.*)',
    re.DOTALL,
)


def physical_lines(data: bytes) -> list[bytes]:
    """The lines as sent, without their CRLF (the document must end with one)."""
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def unfold(data: bytes) -> list[str]:
    """RFC 5545 §3.1: remove every CRLF followed by one space, then decode (folding works on octets)."""
    return [line.decode("utf-8") for line in physical_lines(data.replace(b"\r\n ", b""))]


def unescape(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT: ``\\\\``, ``\\;``, ``\\,``, ``\\n``/``\\N``."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def parse(data: bytes) -> Component:
    """The component tree of a document, from its unfolded lines."""
    stack: list[Component] = []
    root: Component | None = None
    for line in unfold(data):
        match = CONTENT_LINE.fullmatch(line)
        assert match, f"not a content line: {line!r}"
        name, params, value = match["name"].upper(), match["params"], match["value"]
        if name == "BEGIN":
            component = Component(value.upper())
            if stack:
                stack[-1].children.append(component)
            else:
                assert root is None, "more than one top-level component"
                root = component
            stack.append(component)
        elif name == "END":
            assert stack, f"END:{value} without BEGIN"
            assert stack[-1].name == value.upper(), f"END:{value} closes BEGIN:{stack[-1].name}"
            stack.pop()
        else:
            assert stack, f"property outside any component: {line!r}"
            stack[-1].props.append(Prop(name, params, value))
    assert root is not None, "no component"
    assert not stack, f"no END for {[c.name for c in stack]}"
    return root


def without_vtimezones(data: bytes) -> bytes:
    stripped = re.sub(rb"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", b"", data, flags=re.DOTALL)
    assert b"VTIMEZONE" not in stripped
    return stripped


def ical_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def expected_summary(event: Event) -> str:
    """Written here from the feed's contract, not taken from the renderer."""
    text = f"{event.code}: {event.title}" if event.code else event.title
    return text + (f" (run {event.run} of {event.runs})" if event.runs > 1 else "")


def event_by_item(programme: Programme, item_id: uuid.UUID, run: int = 1) -> Event:
    return next(e for e in programme.events if e.item_id == item_id and e.run == run)


def replace_event(programme: Programme, event: Event, **changes: Any) -> tuple[Programme, Event]:
    changed = msgspec.structs.replace(event, **changes)
    events = tuple(changed if e.uid == event.uid else e for e in programme.events)
    return msgspec.structs.replace(programme, events=events), changed


def assert_icaljs_instants(programme: Programme, parsed: dict[str, Any], events: Sequence[Event]) -> None:
    assert [e["uid"] for e in parsed["events"]] == [e.uid for e in events]
    for got, event in zip(parsed["events"], events, strict=True):
        assert got["floating"] is False, got
        # A wall time the clock shows twice (the hour the clocks go back) is written in UTC, exact for every client.
        zone = zoneinfo.ZoneInfo(programme.time_zone)
        assert got["tzid"] == ("UTC" if ambiguous(event.starts_at, zone) else programme.time_zone), got
        assert (utc(got["start"]), utc(got["end"])) == (event.starts_at, event.ends_at), (got, event)


def assert_bytes_wellformed(data: bytes) -> None:
    """CRLF only, lines of at most 75 octets, continuation lines start with one space, each line valid UTF-8."""
    bare = data.replace(b"\r\n", b"")
    assert b"\r" not in bare, "bare CR"
    assert b"\n" not in bare, "bare LF"
    for number, line in enumerate(physical_lines(data), 1):
        assert len(line) <= MAX_OCTETS, f"line {number} has {len(line)} octets: {line!r}"
        line.decode("utf-8")  # strict: a fold inside a UTF-8 sequence leaves an undecodable line
        assert line.startswith(b" ") or CONTENT_LINE.fullmatch(line.decode("utf-8")), f"line {number}: {line!r}"
        assert not line.startswith(b"\t"), f"line {number} is continued with a tab"


# --- fixtures -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def programme() -> Programme:
    return sample_programme()


@pytest.fixture(scope="module")
def ics(programme: Programme) -> bytes:
    return ical.render(programme, TITLE)


@pytest.fixture(scope="module")
def icaljs(ics: bytes) -> dict[str, Any]:
    return parse_with_icaljs(ics)


@pytest.fixture(scope="module")
def multibyte() -> tuple[Programme, Event, bytes]:
    """The sample with a long multi-byte title, description and room on the talk."""
    programme = sample_programme()
    programme, talk = replace_event(
        programme,
        event_by_item(programme, TALK_ID),
        title=MULTIBYTE * 3,
        description=(MULTIBYTE + "\n") * 4,
        room="Saal Ö – 東京 👩‍⚕️",
    )
    return programme, talk, ical.render(programme, TITLE)


# --- times: what ical.js makes of them ------------------------------------------------------------------------


def test_icaljs_helper_explains_setup_when_node_or_package_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    assert utc("2026-10-24T07:00:00.000Z") == dt.datetime(2026, 10, 24, 7, 0, tzinfo=dt.UTC)
    with monkeypatch.context() as patched:
        patched.setattr("tests.icaljs.shutil.which", lambda _: None)
        with pytest.raises(IcalJsUnavailableError, match=r"node is not on PATH.*npm ci --prefix tests/js"):
            parse_with_icaljs(b"")
    monkeypatch.setattr("tests.icaljs.JS_DIR", tmp_path)
    with pytest.raises(IcalJsUnavailableError, match=r"ical\.js is not installed.*npm ci --prefix tests/js"):
        parse_with_icaljs(b"")


def test_icaljs_instants_equal_snapshot_when_days_cross_dst_end(
    programme: Programme, ics: bytes, icaljs: dict[str, Any]
) -> None:
    vienna = zoneinfo.ZoneInfo(programme.time_zone)
    # The sample does cross the change: its events have two different UTC offsets (CEST, then CET).
    assert {e.starts_at.astimezone(vienna).utcoffset() for e in programme.events} == {
        dt.timedelta(hours=2),
        dt.timedelta(hours=1),
    }
    assert_icaljs_instants(programme, icaljs, programme.events)
    used = {m.decode() for m in re.findall(rb"^DT(?:START|END);TZID=([^:;]+):", ics, flags=re.MULTILINE)}
    assert used == {programme.time_zone}
    assert sorted(icaljs["zones"]) == sorted(used)  # exactly the zones used, each once


def test_icaljs_reports_floating_times_when_vtimezone_removed(programme: Programme, ics: bytes) -> None:
    parsed = parse_with_icaljs(without_vtimezones(ics))
    assert parsed["zones"] == []
    assert [e["floating"] for e in parsed["events"]] == [True] * len(programme.events)
    for got, event in zip(parsed["events"], programme.events, strict=True):
        assert utc(got["start"]) != event.starts_at
    with pytest.raises(AssertionError):
        assert_icaljs_instants(programme, parsed, programme.events)


def test_icalendar_finds_no_missing_tzids_when_rendered(programme: Programme, ics: bytes) -> None:
    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar.get_missing_tzids() == set()
    got = [(e.decoded("dtstart"), e.decoded("dtend")) for e in calendar.walk("VEVENT")]
    assert got == [(e.starts_at, e.ends_at) for e in programme.events]
    # The same check on a copy without the VTIMEZONE does fail.
    assert icalendar.Calendar.from_ical(without_vtimezones(ics)).get_missing_tzids() == {programme.time_zone}


def test_vobject_validates_when_rendered(ics: bytes) -> None:
    assert vobject.readOne(ics.decode("utf-8")).validate(raiseException=True)


def test_vobject_rejects_when_dtstamp_removed(ics: bytes) -> None:
    broken = re.sub(rb"DTSTAMP:[^\r]*\r\n", b"", ics, count=1)
    assert broken.count(b"DTSTAMP:") == ics.count(b"DTSTAMP:") - 1
    with pytest.raises(vobject.base.ValidateError, match="DTSTAMP"):
        vobject.readOne(broken.decode("utf-8")).validate(raiseException=True)


# --- bytes ----------------------------------------------------------------------------------------------------


def test_lines_end_with_crlf_when_rendered(ics: bytes, multibyte: tuple[Programme, Event, bytes]) -> None:
    for data in (ics, multibyte[2]):
        assert data.endswith(b"END:VCALENDAR\r\n")
        bare = data.replace(b"\r\n", b"")
        assert b"\r" not in bare
        assert b"\n" not in bare


def test_lines_fit_75_octets_when_text_is_long(ics: bytes, multibyte: tuple[Programme, Event, bytes]) -> None:
    for data in (ics, multibyte[2]):
        lines = physical_lines(data)
        assert max(len(line) for line in lines) <= MAX_OCTETS
        assert any(line.startswith(b" ") for line in lines)  # long lines were folded, not left long


def test_continuation_lines_start_with_one_space_when_folded(
    ics: bytes, multibyte: tuple[Programme, Event, bytes]
) -> None:
    for data in (ics, multibyte[2]):
        for line in physical_lines(data):
            # A physical line is either the start of a content line or a continuation beginning with one space.
            assert line.startswith(b" ") or CONTENT_LINE.fullmatch(line.decode("utf-8")), line
        assert b"\r\n\t" not in data
        assert b"\r\n\r\n" not in data  # no empty lines


def test_physical_lines_decode_as_utf8_when_folded_inside_multibyte_text(
    ics: bytes, multibyte: tuple[Programme, Event, bytes]
) -> None:
    for data in (ics, multibyte[2]):
        lines = physical_lines(data)
        for line in lines:
            line.decode("utf-8")  # strict: raises if a fold cut a character in two
        # The check has something to check: folded lines do carry multi-byte characters.
        assert any(line.startswith(b" ") and max(line) >= 0x80 for line in lines)
        assert_bytes_wellformed(data)


def test_unfolding_restores_text_when_lines_are_long(
    programme: Programme, ics: bytes, multibyte: tuple[Programme, Event, bytes]
) -> None:
    talk = event_by_item(programme, TALK_ID)
    vevent = next(v for v in parse(ics).walk("VEVENT") if v.text("UID") == talk.uid)
    assert vevent.text("SUMMARY") == expected_summary(talk)
    assert len(f"SUMMARY:{vevent.one('SUMMARY').value}".encode()) > MAX_OCTETS  # it was folded
    assert vevent.text("DESCRIPTION") == (
        f"Speaker: {SPEAKER.name}, {SPEAKER.institution}\n\n{talk.description}\n\nTopics: shoulder, MRI\n\n{talk.url}"
    )

    programme, talk, data = multibyte
    vevent = next(v for v in parse(data).walk("VEVENT") if v.text("UID") == talk.uid)
    assert vevent.text("SUMMARY") == f"RC 101: {MULTIBYTE * 3}"
    assert (talk.description.strip()) in vevent.text("DESCRIPTION")
    assert vevent.text("LOCATION") == f"{talk.room}, {programme.venue}"


# --- the calendar and its events ------------------------------------------------------------------------------


def test_calendar_declares_refresh_when_published_without_method(ics: bytes) -> None:
    calendar = parse(ics)
    assert calendar.name == "VCALENDAR"
    assert not re.search(rb"^METHOD", ics, flags=re.MULTILINE)
    assert calendar.all("METHOD") == []
    assert calendar.one("PRODID").value == ical.PRODID
    assert calendar.one("VERSION").value == "2.0"
    assert calendar.one("REFRESH-INTERVAL") == Prop("REFRESH-INTERVAL", ";VALUE=DURATION", "PT1H")
    assert calendar.one("X-PUBLISHED-TTL").value == "PT1H"
    assert calendar.text("X-WR-CALNAME") == TITLE
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in ics
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in ics


def test_vevents_carry_required_properties_when_rendered(programme: Programme, ics: bytes) -> None:
    vevents = parse(ics).walk("VEVENT")
    assert len(vevents) == len(programme.events)
    for vevent, event in zip(vevents, programme.events, strict=True):
        assert vevent.text("UID") == event.uid
        assert vevent.one("DTSTAMP").value == ical_stamp(event.changed_at)
        assert vevent.one("SEQUENCE").value == str(event.sequence)
        assert vevent.one("STATUS").value == ("CANCELLED" if event.cancelled else "CONFIRMED")
        assert vevent.text("LOCATION") == f"{event.room}, {programme.venue}"
        assert vevent.text("LOCATION").startswith(event.room)
        description = vevent.text("DESCRIPTION")
        for person in event.faculty:
            assert person.name in description
        assert vevent.one("URL").value == event.url
        assert vevent.text("SUMMARY") == expected_summary(event)
    workshop = event_by_item(programme, WORKSHOP_ID)
    description = next(v for v in vevents if v.text("UID") == workshop.uid).text("DESCRIPTION")
    assert description.startswith(f"Tutor: {TUTOR.name}\nSpeaker: {SPEAKER.name}, {SPEAKER.institution}\n")


def test_cancelled_event_has_status_cancelled_when_release_removed_it(
    programme: Programme, ics: bytes, icaljs: dict[str, Any]
) -> None:
    gone = event_by_item(programme, GONE_ID)
    assert (gone.cancelled, gone.sequence) == (True, 1)
    got = {e["uid"]: e for e in icaljs["events"]}
    assert (got[gone.uid]["status"], got[gone.uid]["sequence"]) == ("CANCELLED", 1)
    assert {e["uid"] for e in icaljs["events"] if e["status"] == "CANCELLED"} == {gone.uid}
    for event in programme.live_events:
        assert (got[event.uid]["status"], got[event.uid]["sequence"]) == ("CONFIRMED", event.sequence)
    vevent = next(v for v in parse(ics).walk("VEVENT") if v.text("UID") == gone.uid)
    assert vevent.one("TRANSP").value == "TRANSPARENT"


def test_summary_says_run_n_of_m_when_item_runs_twice(programme: Programme, icaljs: dict[str, Any]) -> None:
    summaries = {e["uid"]: e["summary"] for e in icaljs["events"]}
    first, second = event_by_item(programme, WORKSHOP_ID, 1), event_by_item(programme, WORKSHOP_ID, 2)
    assert summaries[first.uid] == "HW 1: Ultrasound of the ankle (run 1 of 2)"
    assert summaries[second.uid] == "HW 1: Ultrasound of the ankle (run 2 of 2)"
    for event in programme.events:
        if event.runs == 1:
            assert "(run " not in summaries[event.uid]


def test_text_escaping_round_trips_when_text_has_specials(programme: Programme) -> None:
    title = 'Commas, semicolons; back\\slash, "quotes", a literal \\n and\na real newline: done'
    room = "Room 1, East wing; level \\ 2"
    description = "One; two, three \\ four\n\nfive\\,six"
    programme, event = replace_event(
        programme, event_by_item(programme, TALK_ID), title=title, room=room, description=description
    )
    data = ical.render(programme, TITLE)
    unfolded = "\r\n".join(unfold(data))
    assert "SUMMARY:RC 101: Commas\\, semicolons\\; back\\\\slash\\, " in unfolded
    assert "\\\\n and\\na real newline" in unfolded
    assert f"LOCATION:Room 1\\, East wing\\; level \\\\ 2\\, {programme.venue}" in unfolded

    got = {e["uid"]: e for e in parse_with_icaljs(data)["events"]}[event.uid]
    assert got["summary"] == f"RC 101: {title}"
    assert got["location"] == f"{room}, {programme.venue}"

    vevent = next(e for e in icalendar.Calendar.from_ical(data).walk("VEVENT") if e["uid"] == event.uid)
    assert str(vevent["summary"]) == f"RC 101: {title}"
    assert str(vevent["location"]) == f"{room}, {programme.venue}"
    assert description in str(vevent["description"])
    # The sample's own description (commas, semicolons, a backslash) survives icalendar too.
    talk = event_by_item(sample_programme(), TALK_ID)
    sample = next(
        e
        for e in icalendar.Calendar.from_ical(ical.render(sample_programme(), TITLE)).walk("VEVENT")
        if e["uid"] == talk.uid
    )
    assert talk.description in str(sample["description"])


def test_text_drops_control_characters_when_input_has_them(programme: Programme) -> None:
    # RFC 5545 TEXT cannot carry ASCII controls other than HTAB (LF is escaped as \n); U+FFFE/U+FFFF are not
    # characters. The renderer drops them (snapshot.printable) instead of writing them raw.
    programme, event = replace_event(
        programme,
        event_by_item(programme, TALK_ID),
        title="Bell\x07 null\x00 escape\x1b del\x7f non\ufffe\uffff\ttab",
        room="Hall\x0b A\x1f",
        description="Line\x0c one\nline two",
    )
    data = ical.render(programme, "My\x00 seats")
    assert_bytes_wellformed(data)
    assert re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", data.replace(b"\r\n", b"")) is None
    assert "\ufffe" not in data.decode("utf-8")
    assert "\uffff" not in data.decode("utf-8")
    got = {e["uid"]: e for e in parse_with_icaljs(data)["events"]}[event.uid]
    assert got["summary"] == "RC 101: Bell null escape del non\ttab"
    assert got["location"] == f"Hall A, {programme.venue}"
    vevent = next(v for v in parse(data).walk("VEVENT") if v.text("UID") == event.uid)
    assert "Line one\nline two" in vevent.text("DESCRIPTION")
    assert parse(data).text("X-WR-CALNAME") == "My seats"


# --- feeds: determinism, subsets, notes -----------------------------------------------------------------------


def test_render_gives_identical_bytes_when_repeated(programme: Programme, ics: bytes) -> None:
    assert ical.render(programme, TITLE) == ics
    assert ical.render(sample_programme(), TITLE) == ics  # a programme built anew, not the same object


def test_uids_are_unique_when_rendered(programme: Programme, icaljs: dict[str, Any]) -> None:
    uids = [e["uid"] for e in icaljs["events"]]
    assert uids == [e.uid for e in programme.events]
    assert len(set(uids)) == len(uids)


def test_empty_feed_is_valid_when_no_events(programme: Programme) -> None:
    data = ical.render(programme, "My seats", events=[])
    assert b"BEGIN:VTIMEZONE\r\n" in data
    assert b"BEGIN:VEVENT" not in data
    assert_bytes_wellformed(data)
    assert parse_with_icaljs(data) == {"zones": [programme.time_zone], "events": []}
    assert icalendar.Calendar.from_ical(data).get_missing_tzids() == set()
    assert vobject.readOne(data.decode("utf-8")).validate(raiseException=True)


def test_feed_lists_only_chosen_events_when_events_given(programme: Programme) -> None:
    chosen = [event_by_item(programme, WORKSHOP_ID, 2)]
    parsed = parse_with_icaljs(ical.render(programme, "My seats", events=chosen))
    assert_icaljs_instants(programme, parsed, chosen)
    assert parsed["zones"] == [programme.time_zone]


def test_note_leads_description_when_given_for_one_event(programme: Programme, ics: bytes) -> None:
    held = event_by_item(programme, WORKSHOP_ID, 2)
    plain = {v.text("UID"): v.text("DESCRIPTION") for v in parse(ics).walk("VEVENT")}
    data = ical.render(programme, TITLE, notes={held.uid: NOTE})
    noted = {v.text("UID"): v.text("DESCRIPTION") for v in parse(data).walk("VEVENT")}
    assert noted[held.uid] == f"{NOTE}\n\n{plain[held.uid]}"
    assert {uid: text for uid, text in noted.items() if uid != held.uid} == {
        uid: text for uid, text in plain.items() if uid != held.uid
    }
    assert sum(NOTE in text for text in noted.values()) == 1


# --- edge cases: escaping, repeated wall times, long spans, DST at the edges ------------------------------------


def test_calendar_name_is_escaped_when_title_has_specials(programme: Programme) -> None:
    data = ical.render(programme, "ESSR, 2026; all \\ sessions")
    calendar = parse(data)
    assert calendar.one("NAME").value == "ESSR\\, 2026\\; all \\\\ sessions"
    assert calendar.one("X-WR-CALNAME").value == "ESSR\\, 2026\\; all \\\\ sessions"


def test_render_escapes_title_when_it_has_a_line_break(programme: Programme) -> None:
    for title in ("My seats\rESSR 2026", "My seats\nESSR 2026"):
        data = ical.render(programme, title)
        assert_bytes_wellformed(data)
        assert parse(data).text("X-WR-CALNAME") == "My seats\nESSR 2026"


def test_icaljs_end_equals_snapshot_when_event_runs_past_last_day_across_dst() -> None:
    programme = sample_programme()
    # Sat 28 Mar 2026 22:00 CET to Sun 29 Mar 05:00 CEST: the clocks go forward at 02:00 in between.
    programme, event = replace_event(
        programme,
        event_by_item(programme, TALK_ID),
        starts_at=dt.datetime(2026, 3, 28, 21, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 3, 29, 3, 0, tzinfo=dt.UTC),
    )
    programme = msgspec.structs.replace(
        programme, events=(event,), first_day=dt.date(2026, 3, 28), last_day=dt.date(2026, 3, 28)
    )
    assert_icaljs_instants(programme, parse_with_icaljs(ical.render(programme, TITLE)), programme.events)


def ambiguous(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> bool:
    """Whether the wall time of ``moment`` in ``tz`` occurs twice (the hour the clocks go back)."""
    local = moment.astimezone(tz)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def test_icaljs_instants_equal_snapshot_when_wall_time_is_repeated() -> None:
    programme = sample_programme()
    vienna = zoneinfo.ZoneInfo(programme.time_zone)
    # 02:30 CEST (00:30 UTC) and 02:30 CET (01:30 UTC) on Sun 25 Oct 2026, each for an hour.
    events = tuple(
        msgspec.structs.replace(
            event_by_item(programme, TALK_ID),
            uid=f"{TALK_ID}.{run}@{programme.slug}.congress",
            run=run,
            runs=2,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=1),
        )
        for run, starts_at in enumerate(
            (dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)), 1
        )
    )
    assert all(ambiguous(e.starts_at, vienna) for e in events)
    parsed = parse_with_icaljs(ical.render(msgspec.structs.replace(programme, events=events), TITLE))
    got = [(utc(e["start"]), utc(e["end"]), e["floating"]) for e in parsed["events"]]
    assert got == [(e.starts_at, e.ends_at, False) for e in events]


def test_icaljs_instants_equal_snapshot_when_feed_spans_two_years() -> None:
    programme = sample_programme()
    # Winter 2026, summer 2026, summer 2027: the clocks go forward on 2026-03-29 and again on 2027-03-28, so
    # icalendar writes one DAYLIGHT with DTSTART 2026-03-29 and RDATE 2027-03-28; ical.js sees only the RDATE and
    # reads summer 2026 as winter time.
    moments = [dt.datetime(2026, 1, 15, 8, 0, tzinfo=dt.UTC)] + [
        dt.datetime(year, 7, 15, 8, 0, tzinfo=dt.UTC) for year in (2026, 2027)
    ]
    events = tuple(
        msgspec.structs.replace(
            event_by_item(programme, TALK_ID),
            uid=f"{TALK_ID}.{run}@{programme.slug}.congress",
            run=run,
            runs=len(moments),
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=1),
        )
        for run, starts_at in enumerate(moments, 1)
    )
    programme = msgspec.structs.replace(
        programme, events=events, first_day=dt.date(2026, 1, 15), last_day=dt.date(2027, 7, 15)
    )
    assert_icaljs_instants(programme, parse_with_icaljs(ical.render(programme, TITLE)), events)


def test_text_keeps_backslash_capital_n_when_title_has_one(programme: Programme) -> None:
    title = "Saved under C:\\New and \\N"
    programme, event = replace_event(programme, event_by_item(programme, TALK_ID), title=title)
    data = ical.render(programme, TITLE)
    got = {e["uid"]: e for e in parse_with_icaljs(data)["events"]}[event.uid]
    assert got["summary"] == f"RC 101: {title}"


@pytest.mark.xfail(
    strict=True,
    reason="icalendar drops a U+FEFF at the very start of a property value (it decodes values as utf-8-sig), so "
    "a title starting with one loses it when the event has no code; harmless, pinned so it is not forgotten",
)
def test_summary_keeps_leading_bom_when_title_starts_with_one(programme: Programme) -> None:
    programme, event = replace_event(programme, event_by_item(programme, TALK_ID), code=None, title="\ufeffBOM")
    vevent = next(v for v in parse(ical.render(programme, TITLE)).walk("VEVENT") if v.text("UID") == event.uid)
    assert vevent.text("SUMMARY") == "\ufeffBOM"


# --- property: random text, zones and instants, one calendar per example ---------------------------------------

ZONES = ("Europe/Vienna", "Europe/Lisbon", "America/New_York", "Australia/Sydney", "Asia/Kolkata")
SPAN_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SPAN_END = dt.datetime(2028, 1, 1, tzinfo=dt.UTC)


@cache
def transitions(zone: str) -> tuple[dt.datetime, ...]:
    """The UTC instants in 2026-2027 at which ``zone`` changes its offset (none for Asia/Kolkata)."""
    tz = zoneinfo.ZoneInfo(zone)
    found: list[dt.datetime] = []
    moment, offset = SPAN_START, SPAN_START.astimezone(tz).utcoffset()
    while moment < SPAN_END:
        moment += dt.timedelta(hours=1)
        if (now := moment.astimezone(tz).utcoffset()) != offset:
            found.append(moment)
            offset = now
    return tuple(found)


def test_transitions_found_when_zone_has_dst() -> None:
    assert len(transitions("Europe/Vienna")) == 4
    assert dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC) in transitions("Europe/Vienna")
    assert len(transitions("Australia/Sydney")) == 4
    assert transitions("Asia/Kolkata") == ()


# Any text iCal allows: no surrogates, no control characters but LF and TAB, no U+FFFE/U+FFFF (the renderer drops
# those: test_text_drops_control_characters_when_input_has_them) and no U+FEFF (see test_summary_keeps_leading_bom_
# when_title_starts_with_one). Emoji (ZWJ sequences), combining marks and the characters TEXT escapes are mixed in so
# that folds and escapes land on them often.
CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufeff\ufffe\uffff")
PIECES = st.one_of(
    CHARACTERS,
    st.sampled_from(
        ["\n", "\t", ",", ";", "\\", ":", '"', "\\n", "é", "€", "東", "𝄞", "👩‍⚕️", "🇦🇹", "e\u0301", "a\u0308\u0323"]
    ),
)


def texts(max_size: int) -> st.SearchStrategy[str]:
    # A backslash before a capital N is left to test_text_keeps_backslash_capital_n_when_title_has_one.
    return st.lists(PIECES, max_size=max_size).map("".join).filter(lambda text: "\\N" not in text)


def instants(zone: str) -> st.SearchStrategy[dt.datetime]:
    """Any minute of 2026-2027, or one within a day and a half of a change of offset."""
    minutes = int((SPAN_END - SPAN_START).total_seconds() // 60)
    anywhere = st.integers(0, minutes - 1).map(lambda m: SPAN_START + dt.timedelta(minutes=m))
    if not transitions(zone):
        return anywhere
    # Within a day and a half of a change of offset: the transition days themselves and the nights around them.
    near = st.tuples(st.sampled_from(transitions(zone)), st.integers(-36 * 60, 36 * 60)).map(
        lambda t: t[0] + dt.timedelta(minutes=t[1])
    )
    return st.one_of(anywhere, near)


@st.composite
def programmes(draw: st.DrawFn) -> Programme:
    zone = draw(st.sampled_from(ZONES))
    tz = zoneinfo.ZoneInfo(zone)
    # One congress: its events lie within a day and a half of an anchor anywhere in 2026-2027 (or next to a change
    # of offset). A feed spanning more than a year is left to test_icaljs_instants_equal_snapshot_when_feed_spans_
    # two_years (ical.js misreads the VTIMEZONE icalendar writes for it).
    anchor = draw(instants(zone))
    template = sample_programme()
    base = template.events[0]
    events: list[Event] = []
    for number in range(1, draw(st.integers(1, 8)) + 1):
        item_id = uuid.UUID(int=number)
        runs = draw(st.integers(1, 3))
        run = draw(st.integers(1, runs))
        # Any instant, the hour the clocks go back included (written in UTC there).
        starts_at = anchor + dt.timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)))
        ends_at = starts_at + dt.timedelta(minutes=draw(st.integers(5, 12 * 60)))
        faculty = tuple(
            FacultyEntry(person_id=uuid.UUID(int=1000 + i), name=name, role=role, institution=institution)
            for i, (name, role, institution) in enumerate(
                draw(
                    st.lists(
                        st.tuples(texts(20), st.sampled_from(["speaker", "chair", "guest"]), texts(20)), max_size=2
                    )
                )
            )
        )
        events.append(
            msgspec.structs.replace(
                base,
                uid=f"{item_id}.{run}@{template.slug}.congress",
                number=number,
                item_id=item_id,
                run=run,
                runs=runs,
                code=draw(st.none() | texts(8)),
                title=draw(texts(80)),
                description=draw(texts(120)),
                topics=(),
                room=draw(texts(20)),
                starts_at=starts_at,
                ends_at=ends_at,
                faculty=faculty,
                sequence=draw(st.integers(0, 5)),
                cancelled=draw(st.booleans()),
                url=f"{template.base_url}/api/congresses/{template.congress_id}/items/{item_id}",
            )
        )
    # Days from the events' local starts and ends (events past the last day have their own test above).
    days = [moment.astimezone(tz).date() for e in events for moment in (e.starts_at, e.ends_at)]
    return msgspec.structs.replace(
        template,
        time_zone=zone,
        first_day=min(days),
        last_day=max(days),
        events=tuple(sorted(events, key=lambda e: (e.starts_at, e.room, e.uid))),
    )


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programme=programmes())
def test_icaljs_agrees_with_snapshot_when_text_zones_and_times_are_random(programme: Programme) -> None:
    data = ical.render(programme, TITLE)
    assert_bytes_wellformed(data)

    parsed = parse_with_icaljs(data)
    assert parsed["zones"] == [programme.time_zone]
    assert_icaljs_instants(programme, parsed, programme.events)
    for got, event in zip(parsed["events"], programme.events, strict=True):
        assert got["summary"] == expected_summary(event)
        assert got["location"] == ", ".join(part for part in (event.room, programme.venue) if part)
        assert (got["status"], got["sequence"]) == ("CANCELLED" if event.cancelled else "CONFIRMED", event.sequence)

    for vevent, event in zip(parse(data).walk("VEVENT"), programme.events, strict=True):
        assert vevent.text("SUMMARY") == expected_summary(event)
        description = vevent.text("DESCRIPTION")
        assert event.description.strip() in description
        assert all(person.name in description for person in event.faculty)

    calendar = icalendar.Calendar.from_ical(data)
    assert calendar.get_missing_tzids() == set()
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == [expected_summary(e) for e in programme.events]
