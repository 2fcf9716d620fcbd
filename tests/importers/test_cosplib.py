"""importers.cosplib and importers.cosplib_score: CoSPLib workbooks → records, schedules → upstream's scores."""

from __future__ import annotations

import datetime as dt
import functools
import io
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from importers.cosplib import (
    CODES,
    Instance,
    Parameters,
    ParsedInstance,
    ParsedSolution,
    Room,
    Session,
    Solution,
    Submission,
    Track,
    Weights,
    read_instance,
    read_solution,
    write_solution,
)
from importers.cosplib_score import FAMILIES, score

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "cosplib"
DOCS = ROOT / "docs" / "cosplib.md"
NAMES = ("N2OR", "GECCO19", "GECCO20", "OR60F")

# The scores of the schedules published with the EJOR paper, under upstream's checker.
PUBLISHED = [
    ("N2OR", "exact", 2),
    ("N2OR", "extended", 2),
    ("GECCO19", "exact", 1_000_116),
    ("GECCO19", "extended", 2_000_007),
    ("GECCO20", "exact", 6_298),
    ("GECCO20", "extended", 7_768),
    ("OR60F", "exact", 1_664),
    ("OR60F", "extended", 433),
]


# --- helpers --------------------------------------------------------------------------------------------------------


@functools.cache
def instance_bytes(name: str) -> bytes:
    return (DATA / "instances" / f"{name}.xlsx").read_bytes()


@functools.cache
def solution_bytes(name: str, kind: str) -> bytes:
    return (DATA / "reference-solutions" / f"{name}-{kind}.xlsx").read_bytes()


@functools.cache
def instance(name: str) -> Instance:
    parsed = read_instance(instance_bytes(name), f"{name}.xlsx")
    assert parsed.problems == []
    assert parsed.instance is not None
    return parsed.instance


@functools.cache
def solution(name: str, kind: str) -> Solution:
    parsed = read_solution(solution_bytes(name, kind), f"{name}-{kind}.xlsx", instance(name))
    assert parsed.problems == []
    assert parsed.solution is not None
    return parsed.solution


def edited(data: bytes, edit: Callable[[Any], None]) -> bytes:
    """The workbook after ``edit(workbook)`` (openpyxl, in memory)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl drops the workbooks' data-validation extensions, with a warning
        workbook = load_workbook(io.BytesIO(data))
        edit(workbook)
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


def setting(sheet: str, cell: str, value: Any) -> Callable[[Any], None]:
    def edit(workbook: Any) -> None:
        workbook[sheet][cell] = value

    return edit


def located(parsed: ParsedInstance | ParsedSolution) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(p.code, p.sheet, p.row, p.column) for p in parsed.problems]


def assert_well_formed(parsed: ParsedInstance | ParsedSolution, filename: str) -> None:
    built = parsed.instance if isinstance(parsed, ParsedInstance) else parsed.solution
    assert (built is None) == bool(parsed.problems)
    for problem in parsed.problems:
        assert problem.file == filename
        assert problem.code in CODES, problem
        assert problem.message


# --- instances ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "submissions", "tracks", "sessions", "rooms", "slots"),
    [
        ("N2OR", 35, 8, 4, 4, 9),
        ("GECCO19", 202, 29, 13, 10, 45),
        ("GECCO20", 158, 24, 7, 8, 28),
        ("OR60F", 279, 45, 8, 23, 24),
    ],
)
def test_instances_read_without_problems(
    name: str, submissions: int, tracks: int, sessions: int, rooms: int, slots: int
) -> None:
    read = instance(name)
    assert read.name == name
    assert (len(read.submissions), len(read.tracks), len(read.sessions), len(read.rooms)) == (
        submissions,
        tracks,
        sessions,
        rooms,
    )
    assert sum(session.max_time_slots for session in read.sessions) == slots
    # Every matrix covers every name.
    track_names = [t.name for t in read.tracks]
    session_names = [s.name for s in read.sessions]
    room_names = [r.name for r in read.rooms]
    assert sorted(read.tracks_sessions) == sorted(track_names)
    assert all(sorted(row) == sorted(session_names) for row in read.tracks_sessions.values())
    assert all(sorted(row) == sorted(room_names) for row in read.tracks_rooms.values())
    assert sorted(read.sessions_rooms) == sorted(session_names)
    assert sorted(read.similar_tracks) == sorted(track_names)
    for submission in read.submissions:
        assert list(submission.session_penalties) == session_names
        assert list(submission.room_penalties) == room_names
        assert submission.time_zone == "GMT+0"


def test_n2or_values() -> None:
    read = instance("N2OR")
    first = read.submissions[0]
    assert (first.name, first.track, first.required_time_slots, first.order, first.row) == (
        "NEW19A3729",
        "Analytics",
        1,
        0,
        2,
    )
    by_name = {s.name: s for s in read.submissions}
    assert by_name["NEW19A3750"].required_time_slots == 2
    assert by_name["NEW19A3750"].order == 1
    assert by_name["NEW19A3750"].session_penalties == {"Wed1": 0, "Wed2": 0, "Thu1": 1, "Thu2": 1}
    assert by_name["NEW19A3756"].attendees == ["P38", "P21", "P39", "P40"]
    assert by_name["NEW19A3756"].presenters == ["P19"]
    assert read.sessions[3] == Session(
        name="Thu2", max_time_slots=3, date=dt.date(2021, 7, 29), start=dt.time(14), end=dt.time(15, 30), row=5
    )
    assert read.similar_tracks["Supply Chain & Transportation Management"]["Consultancy"] == 1
    p = read.parameters
    assert (p.local_time_zone, p.suitable_from, p.suitable_to, p.less_suitable_from, p.less_suitable_to) == (
        "GMT+0",
        dt.time(9, 30),
        dt.time(21, 30),
        dt.time(7),
        dt.time(23),
    )
    assert (p.less_suitable_penalty, p.unsuitable_penalty) == (1, 10)
    assert p.weights.presenters_conflicts == 100_000
    assert p.weights.attendees_conflicts == 1
    assert p.weights.tracks_sessions == 0


def test_other_instances_values() -> None:
    gecco19, gecco20, or60f = instance("GECCO19"), instance("GECCO20"), instance("OR60F")
    assert gecco19.tracks_sessions["Invited Keynote"]["Mon2"] == 10_000
    assert gecco19.tracks_sessions["Invited Keynote"]["Mon1"] == 0
    assert {t.name: t.chairs for t in gecco20.tracks if t.chairs} == {"SBSE": ["person46"], "Theory": ["person46"]}
    assert gecco20.sessions_rooms["Fri1"]["Room 8"] == 10_000
    assert gecco20.parameters.weights.chairs_conflicts == 100_000
    # Names are kept exactly as written, trailing spaces included (upstream matches them verbatim).
    assert "ORS COMMITTEE SESSIONS For ORS use only " in {t.name for t in or60f.tracks}
    assert or60f.submissions[0].required_time_slots == 3


# --- the published scores -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind", "published"), PUBLISHED, ids=[f"{n}-{k}" for n, k, _ in PUBLISHED])
def test_reference_schedules_score_as_published(name: str, kind: str, published: int) -> None:
    result = score(instance(name), solution(name, kind))
    assert result.total == published
    assert result.total == sum(family.value for family in result.families)
    assert [family.key for family in result.families] == [key for key, _, _ in FAMILIES]
    assert result.all_scheduled
    assert result.tracks_consistent
    # The earlier upstream conflict rules find no presenter or chair conflict in these schedules either.
    assert score(instance(name), solution(name, kind), earlier_conflict_rules=True).total == published


def test_reference_breakdown() -> None:
    gecco19 = score(instance("GECCO19"), solution("GECCO19", "exact"))
    assert {f.key: (f.violations, f.value) for f in gecco19.families if f.value} == {
        "tracks_sessions": (10_000, 1_000_000),
        "tracks_rooms": (10, 10),
        "similar_tracks": (90, 90),
        "consecutive_tracks": (16, 16),
    }
    or60f = score(instance("OR60F"), solution("OR60F", "exact"))
    order = or60f.family("submissions_order")
    # Weight 0: computed, shown, not counted.
    assert (order.weight, order.violations, order.counted, order.value) == (0, 156, False, 0)
    assert or60f.family("sessions_rooms").value == 1_000
    assert or60f.family("multi_slot_submissions").weight is None


# --- the rules, on a small made-up conference ------------------------------------------------------------------------


def tiny(**changes: Any) -> Instance:
    """Two tracks (A, B), two sessions (S1 with 3 slots, S2 with 2), two rooms (R1, R2), five submissions."""
    weights = Weights(**dict.fromkeys(Weights.__struct_fields__, 1))
    sessions = [
        Session(name="S1", max_time_slots=3, date=None, start=dt.time(9, 30), end=dt.time(10, 30), row=2),
        Session(name="S2", max_time_slots=2, date=None, start=dt.time(22), end=dt.time(23, 30), row=3),
    ]
    rooms = [Room(name="R1", row=2), Room(name="R2", row=3)]

    def submission(name: str, track: str, slots: int = 1, order: int = 0, **more: Any) -> Submission:
        fields: dict[str, Any] = {
            "presenters": [f"p-{name}"],
            "attendees": [],
            "time_zone": "GMT+0",
            "session_penalties": {"S1": 0, "S2": 0},
            "room_penalties": {"R1": 0, "R2": 0},
            **more,
        }
        return Submission(name=name, track=track, required_time_slots=slots, order=order, row=0, **fields)

    base = Instance(
        name="tiny",
        parameters=Parameters(
            local_time_zone="GMT+0",
            suitable_from=dt.time(9, 30),
            suitable_to=dt.time(21, 30),
            less_suitable_from=dt.time(7),
            less_suitable_to=dt.time(23),
            less_suitable_penalty=1,
            unsuitable_penalty=10,
            weights=weights,
        ),
        submissions=[
            submission("a1", "A", order=1, session_penalties={"S1": 5, "S2": 0}),
            submission("a2", "A", order=2, attendees=["p-b1"]),
            submission("a3", "A", slots=2),
            submission("b1", "B"),
            submission("b2", "B"),
        ],
        tracks=[Track(name="A", chairs=[], row=2), Track(name="B", chairs=[], row=3)],
        sessions=sessions,
        rooms=rooms,
        tracks_sessions={"A": {"S1": 0, "S2": 0}, "B": {"S1": 0, "S2": 0}},
        tracks_rooms={"A": {"R1": 0, "R2": 0}, "B": {"R1": 0, "R2": 0}},
        sessions_rooms={"S1": {"R1": 0, "R2": 0}, "S2": {"R1": 0, "R2": 0}},
        # Above the diagonal 7, below it 100: upstream keeps the part above.
        similar_tracks={"A": {"A": 0, "B": 7}, "B": {"A": 100, "B": 0}},
    )
    return msgspec.structs.replace(base, **changes)


def sol(tracks: list[list[str | None]], slots: list[list[list[str | None]]]) -> Solution:
    return Solution(tracks=tracks, submissions=slots)


def values(instance_: Instance, solution_: Solution, **options: Any) -> dict[str, Any]:
    return {f.key: f.violations for f in score(instance_, solution_, **options).families}


def test_rules_on_a_good_schedule() -> None:
    good = sol(
        [["A", "B"], ["A", None]],
        [[["a1", "a2", None], ["b1", "b2", None]], [["a3", "a3"], [None, None]]],
    )
    v = values(tiny(), good)
    assert v["similar_tracks"] == 7  # A and B in parallel in S1: the cell above the diagonal
    assert v["submissions_sessions"] == 5
    assert v["attendees_conflicts"] == 1  # a2's attendee presents b1, in the other room of S1
    assert v["attendees_conflicts_time_slot"] == 0  # a2 (slot 2) and b1 (slot 1) are not in the same slot
    assert v["multi_slot_submissions"] == 0
    assert v["submissions_order"] == 0
    assert v["consecutive_tracks"] == 0
    assert v["presenters_conflicts"] == v["chairs_conflicts"] == 0
    result = score(tiny(), good)
    assert result.all_scheduled
    assert result.tracks_consistent


def test_time_zone_penalty_per_slot_and_window() -> None:
    good = sol([["A", "B"], ["A", None]], [[["a1", "a2", None], ["b1", "b2", None]], [["a3", "a3"], [None, None]]])
    # S2 (22:00–23:30 GMT) is outside the less suitable window (ends after 23:00): 10 for each of a3's two slots.
    assert score(tiny(), good).family("submissions_time_zones").violations == 20
    # Seen from GMT-1 it is 21:00–22:30: inside the less suitable window, 1 per slot.
    shifted = tiny(
        submissions=[msgspec.structs.replace(s, time_zone="GMT-1") if s.name == "a3" else s for s in tiny().submissions]
    )
    assert score(shifted, good).family("submissions_time_zones").violations == 2


def test_rules_on_a_bad_schedule() -> None:
    bad = sol(
        [["A", "A"], ["B", "A"]],
        [[["a2", "a3", None], ["a1", "a3", None]], [["b1", "b2"], [None, None]]],
    )
    v = values(tiny(), bad)
    assert v["parallel_tracks"] == 1  # A twice in S1
    assert v["rooms_per_track"] == 1  # A in R1 and R2
    # a3 has one slot in each of two (session, room) pairs (10,000,000 each), and its slots (1 and 1) are not
    # consecutive ones (1,000,000,000).
    assert v["multi_slot_submissions"] == 2 * 10_000_000 + 1_000_000_000
    # A's sequence is a2 (order 2), a3, a1 (order 1): two out of place; and a2, a1 share S1's first slot.
    assert v["submissions_order"] == 3
    assert v["consecutive_tracks"] == 0
    result = score(tiny(), bad)
    assert result.all_scheduled  # every submission has as many slots as it needs, however scattered
    assert result.tracks_consistent
    missing = sol([["A", "B"], [None, None]], [[["a1", "a2", None], ["b1", "b2", None]], [[None, None], [None, None]]])
    assert values(tiny(), missing)["multi_slot_submissions"] == 1_000_000_000
    assert not score(tiny(), missing).all_scheduled


def test_earlier_conflict_rules() -> None:
    shared = tiny(
        submissions=[
            msgspec.structs.replace(s, presenters=["same"]) if s.name in {"a1", "b1"} else s for s in tiny().submissions
        ],
        tracks=[Track(name="A", chairs=["chair"], row=2), Track(name="B", chairs=["chair"], row=3)],
    )
    parallel = sol([["A", "B"], ["A", None]], [[["a1", "a2", None], ["b1", "b2", None]], [["a3", "a3"], [None, None]]])
    current = values(shared, parallel)
    assert (
        current["presenters_conflicts"],
        current["presenters_conflicts_time_slot"],
        current["chairs_conflicts"],
    ) == (
        0,
        0,
        0,
    )
    earlier = values(shared, parallel, earlier_conflict_rules=True)
    assert earlier["presenters_conflicts"] == 1
    assert earlier["presenters_conflicts_time_slot"] == 1  # a1 and b1 are both in S1's first slot
    assert earlier["chairs_conflicts"] == 1


def test_score_refuses_a_solution_that_does_not_fit() -> None:
    with pytest.raises(ValueError, match="not define"):
        score(tiny(), sol([["A", "Z"], ["A", None]], [[[None] * 3, [None] * 3], [[None] * 2, [None] * 2]]))
    with pytest.raises(ValueError, match="slots"):
        score(tiny(), sol([["A", "B"], ["A", None]], [[[None] * 2, [None] * 3], [[None] * 2, [None] * 2]]))


# --- writing solutions ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [(n, k) for n, k, _ in PUBLISHED], ids=[f"{n}-{k}" for n, k, _ in PUBLISHED])
def test_written_solution_reads_back_identically(name: str, kind: str) -> None:
    original = solution(name, kind)
    written = write_solution(instance(name), original)
    parsed = read_solution(written, "written.xlsx", instance(name))
    assert parsed.problems == []
    assert parsed.solution == original


def test_written_names_stay_text() -> None:
    # A name that looks like a formula is written as text and read back as the same name.
    odd = tiny(
        submissions=[msgspec.structs.replace(s, name="=SUM(A1)") if s.name == "b2" else s for s in tiny().submissions]
    )
    schedule = sol(
        [["A", "B"], ["A", None]], [[["a1", "a2", None], ["b1", "=SUM(A1)", None]], [["a3", "a3"], [None, None]]]
    )
    parsed = read_solution(write_solution(odd, schedule), "odd.xlsx", odd)
    assert parsed.problems == []
    assert parsed.solution == schedule


def test_write_refuses_a_solution_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="sessions"):
        write_solution(tiny(), sol([["A", "B"]], [[[None] * 3, [None] * 3]]))


# --- malformed workbooks: located problems, never exceptions -------------------------------------------------------


def test_truncated_workbook() -> None:
    data = instance_bytes("N2OR")
    parsed = read_instance(data[: len(data) // 2], "N2OR.xlsx")
    assert located(parsed) == [("unreadable_file", None, None, None)]
    assert parsed.instance is None


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"", "empty_file"), (b"Reference,Track\n", "unreadable_file"), (b"PK\x03\x04garbage", "unreadable_file")],
)
def test_not_a_workbook(data: bytes, code: str) -> None:
    parsed = read_instance(data, "x.xlsx")
    assert [p.code for p in parsed.problems] == [code]
    assert_well_formed(parsed, "x.xlsx")


def test_missing_sheet() -> None:
    data = edited(instance_bytes("N2OR"), lambda workbook: workbook.remove(workbook["rooms"]))
    parsed = read_instance(data, "N2OR.xlsx")
    assert parsed.instance is None
    assert located(parsed)[0] == ("missing_sheet", "rooms", None, None)
    assert "'rooms'" in parsed.problems[0].message


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "expected"),
    [
        ("submissions", "C3", "two", ("not_a_number", "submissions", 3, "Required Timeslots")),
        ("submissions", "C3", 1.5, ("not_an_integer", "submissions", 3, "Required Timeslots")),
        ("submissions", "H2", "x", ("not_a_number", "submissions", 2, "Wed1")),
        ("submissions", "H2", "=1+1", ("formula_not_allowed", "submissions", 2, "Wed1")),
        ("submissions", "E4", "Mars/Olympus", ("unknown_time_zone", "submissions", 4, "Time Zone")),
        ("submissions", "B5", "Astrology", ("unknown_name", "submissions", 5, "Track")),
        ("submissions", "A6", None, ("required", "submissions", 6, "Reference")),
        ("tracks_sessions|penalty", "C2", "high", ("not_a_number", "tracks_sessions|penalty", 2, "Wed2")),
        ("sessions", "D3", "noon", ("bad_time", "sessions", 3, "Start Time")),
        ("sessions", "B1", "Slots", ("wrong_header", "sessions", 1, "Max Number of Timeslots")),
        ("parameters", "E13", "lots", ("not_a_number", "parameters", 13, "E")),
        ("parameters", "D13", "Presenter clashes:", ("wrong_header", "parameters", 13, "D")),
        ("rooms", "A3", "Steelhouse LT", ("duplicate_name", "rooms", 3, "Rooms")),
    ],
)
def test_bad_cells_are_located(sheet: str, cell: str, value: Any, expected: tuple[str, str, int, str]) -> None:
    data = edited(instance_bytes("N2OR"), setting(sheet, cell, value))
    parsed = read_instance(data, "N2OR.xlsx")
    assert parsed.instance is None
    assert located(parsed)[0] == expected
    assert_well_formed(parsed, "N2OR.xlsx")


def test_bad_solution_cells_are_located() -> None:
    name = "N2OR"
    data = edited(solution_bytes(name, "exact"), setting("sol", "C8", "NOPE"))
    parsed = read_solution(data, "bad.xlsx", instance(name))
    assert located(parsed) == [("unknown_name", "sol", 8, "Stafford 1")]
    data = edited(solution_bytes(name, "exact"), setting("sol", "B6", "not blank"))
    assert located(read_solution(data, "bad.xlsx", instance(name)))[0] == ("extra_cells", "sol", 6, None)
    data = edited(solution_bytes(name, "exact"), setting("sol", "B1", "Elsewhere"))
    assert located(read_solution(data, "bad.xlsx", instance(name)))[0] == ("wrong_header", "sol", 1, "Steelhouse LT")
    data = edited(solution_bytes(name, "exact"), lambda workbook: setattr(workbook["sol"], "title", "other"))
    assert located(read_solution(data, "bad.xlsx", instance(name))) == [("missing_sheet", "sol", None, None)]


# --- fuzzing (bounded: the workbooks are large) -----------------------------------------------------------------------

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def n2or_members() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(instance_bytes("N2OR"))) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=6), cut=st.integers(0))
def test_fuzz_mutated_bytes_give_problems_not_exceptions(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(instance_bytes("N2OR"))
    for position, byte in edits:
        data[position % len(data)] = byte
    data = data[: len(data) - cut % (len(data) + 1)]
    assert_well_formed(read_instance(bytes(data), "fuzz.xlsx"), "fuzz.xlsx")
    assert_well_formed(read_solution(bytes(data), "fuzz.xlsx", instance("N2OR")), "fuzz.xlsx")


@FUZZ
@given(
    member=st.integers(min_value=0),
    start=st.integers(min_value=0),
    length=st.integers(min_value=0, max_value=40),
    replacement=st.sampled_from([b"", b"<", b">", b'"', b"999999", b"A1048577", b't="s"', b"<f>1+1</f>", b"\xff"]),
)
def test_fuzz_damaged_parts_give_problems_not_exceptions(
    member: int, start: int, length: int, replacement: bytes
) -> None:
    # The zip stays valid; one XML part is damaged (a sheet most often).
    members = dict(n2or_members())
    names = sorted(name for name in members if name.startswith("xl/worksheets/")) + sorted(members)
    name = names[member % len(names)]
    content = members[name]
    at = start % (len(content) + 1)
    members[name] = content[:at] + replacement + content[at + length :]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, body in members.items():
            archive.writestr(part, body)
    assert_well_formed(read_instance(buffer.getvalue(), "fuzz.xlsx"), "fuzz.xlsx")


# --- docs -------------------------------------------------------------------------------------------------------------


def test_docs_list_every_code_family_and_reference_score() -> None:
    text = DOCS.read_text(encoding="utf-8").replace("\\|", "|")  # Markdown tables escape the bar
    for code in CODES:
        assert f"`{code}`" in text, code
    for key, name, _ in FAMILIES:
        assert f"`{key}`" in text, key
        assert name in text, name
    for name, kind, published in PUBLISHED:
        assert f"{published:,}" in text, (name, kind)
