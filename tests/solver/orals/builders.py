"""Small hand-made oral instances: one morning of 20-minute slots from 09:00, minutes from day 1 00:00."""

from __future__ import annotations

from typing import Any

from solver.orals.model import Candidate, Examiner, OralAssignment, OralInstance, Window, Workstation

ADA, BO, CY, DEE = 1, 2, 3, 4
ANA, BEN, CAT, DAN, EVA = 101, 102, 103, 104, 105
NAMES = {ADA: "Dr Ada", BO: "Dr Bo", CY: "Dr Cy", DEE: "Dr Dee"}
CANDIDATES = {ANA: "Ana", BEN: "Ben", CAT: "Cat", DAN: "Dan", EVA: "Eva"}


def hm(hours: int, minutes: int = 0, day: int = 0) -> int:
    """Minutes from the origin for a local time on day 0 or 1."""
    return 1440 * day + 60 * hours + minutes


def window(start: int, end: int) -> Window:
    return Window(start=start, end=end)


def slot(k: int, day: int = 0) -> int:
    """The start of the k-th slot (0-based) of the 09:00 window."""
    return hm(9, day=day) + 20 * k


def slots(k: int) -> Window:
    """The window of the first k slots from 09:00."""
    return window(hm(9), slot(k))


def examiner(examiner_id: int, **fields: Any) -> Examiner:
    return Examiner(**{"id": examiner_id, "name": NAMES.get(examiner_id, f"Dr {examiner_id}"), **fields})


def candidate(candidate_id: int, **fields: Any) -> Candidate:
    return Candidate(
        **{"id": candidate_id, "name": CANDIDATES.get(candidate_id, f"Candidate {candidate_id}"), **fields}
    )


def station(station_id: int, **fields: Any) -> Workstation:
    return Workstation(**{"id": station_id, "name": f"WS {station_id}", "room": "Exam room", **fields})


def instance(
    candidates: list[Candidate], examiners: list[Examiner], stations: int | list[Workstation] = 1, **fields: Any
) -> OralInstance:
    """Six slots 09:00-11:00 unless ``windows`` says otherwise; ``stations`` workstations (or these)."""
    ws = [station(k) for k in range(1, stations + 1)] if isinstance(stations, int) else stations
    return OralInstance(
        **{
            "windows": [slots(6)],
            "examiners": examiners,
            "workstations": ws,
            "candidates": candidates,
            **fields,
        }
    )


def exam(candidate_id: int, start: int, workstation: int = 1, examiners: tuple[int, ...] = (ADA, BO)) -> OralAssignment:
    return OralAssignment(candidate=candidate_id, start=start, workstation=workstation, examiners=sorted(examiners))
