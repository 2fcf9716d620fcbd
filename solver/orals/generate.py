"""Deterministic oral-exam instances for tests and benchmarks.

``generate(candidates, examiners, workstations, days, seed)`` returns an
:class:`~solver.orals.model.OralInstance` shaped like the EDiMSK orals at a
congress: oral windows 08:30-12:30 and 13:30-17:30 on each day, 20-minute
slots, panels of two, a break after four exams in a row; workstations in exam
rooms of four (the last one closed on the last afternoon); examiners who teach
in the programme (their lectures and chairs are busy windows), some of whom
offer only a few half-days or cap their exams; candidates who attend programme
items (busy windows), some with preferred half-days or days, some with a
conflict of interest with an examiner or two.

The instance is feasible by construction: a timetable is planted first (every
hard rule kept), and every restriction is drawn around it — duties and
commitments avoid the planted exams, availabilities cover them, caps allow
them, conflicts name examiners from other panels. :func:`planted` returns that
timetable too. Only ``random.Random(seed)`` is used, so the same arguments
always give an equal instance.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from solver.orals.model import (
    Candidate,
    Day,
    Examiner,
    OralAssignment,
    OralInstance,
    Window,
    Workstation,
)

MORNING = (8 * 60 + 30, 12 * 60 + 30)
AFTERNOON = (13 * 60 + 30, 17 * 60 + 30)
PROGRAMME = (8 * 60, 18 * 60 + 30)
SLOT = 20
PANEL = 2
MAX_CONSECUTIVE = 4
STATIONS_PER_ROOM = 4

FIRST = (
    "Anna", "Bram", "Chiara", "Dario", "Elif", "Femke", "Goran", "Hanne", "Ines", "Jonas", "Katja", "Luca",
    "Maja", "Nils", "Olga", "Pieter", "Rosa", "Sven", "Tomas", "Ulla", "Vera", "Wim", "Yara", "Zofia",
)  # fmt: skip
LAST = (
    "Andersen", "Bianchi", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Horvat", "Ivanova", "Jansen",
    "Kowalski", "Lindqvist", "Moreau", "Novak", "Oliveira", "Petrov", "Quist", "Rossi", "Schmidt", "Tanaka",
    "Urban", "Varga", "Weber", "Zeller",
)  # fmt: skip


def generate(
    candidates: int,
    examiners: int,
    workstations: int,
    days: int = 2,
    seed: int = 0,
) -> OralInstance:
    return planted(candidates, examiners, workstations, days, seed)[0]


def planted(
    candidates: int,
    examiners: int,
    workstations: int,
    days: int = 2,
    seed: int = 0,
) -> tuple[OralInstance, list[OralAssignment]]:
    """The instance, and the timetable it was drawn around (which keeps every hard rule)."""
    if candidates < 1 or examiners < PANEL or workstations < 1 or days < 1:
        raise ValueError("need at least one candidate, two examiners, one workstation and one day")
    rng = random.Random(seed)  # noqa: S311 - simulation, not security
    day_list = [
        Day(start=1440 * d + PROGRAMME[0], end=1440 * d + PROGRAMME[1], midnight=1440 * d, label=f"Day {d + 1}")
        for d in range(days)
    ]
    halves = [Window(start=1440 * d + a, end=1440 * d + b) for d in range(days) for a, b in (MORNING, AFTERNOON)]
    slots = [t for w in halves for t in range(w.start, w.end - SLOT + 1, SLOT)]

    stations = [
        Workstation(id=k, name=f"Workstation {k}", room=f"Exam room {chr(ord('A') + (k - 1) // STATIONS_PER_ROOM)}")
        for k in range(1, workstations + 1)
    ]
    if workstations >= STATIONS_PER_ROOM:
        # The last workstation is taken down on the last afternoon.
        stations[-1] = Workstation(
            id=stations[-1].id, name=stations[-1].name, room=stations[-1].room, available=halves[:-1]
        )

    def open_stations(t: int) -> list[int]:
        return [w.id for w in stations if not w.available or any(h.start <= t < h.end for h in w.available)]

    capacity = sum(len(open_stations(t)) for t in slots)
    if capacity < candidates:
        raise ValueError(f"{workstations} workstations over {days} days hold {capacity} exams, not {candidates}")
    if PANEL * candidates > examiners * len(slots) * MAX_CONSECUTIVE // (MAX_CONSECUTIVE + 1):
        raise ValueError(f"{examiners} examiners cannot examine {candidates} candidates in {days} days")

    # Plant a timetable: candidates spread over the slots, panels of the least-loaded rested examiners.
    target = -(-PANEL * candidates // examiners) + 1
    busy_at: dict[int, set[int]] = defaultdict(set)  # examiner -> slot starts
    load: Counter[int] = Counter()
    used: Counter[int] = Counter()
    plan: list[OralAssignment] = []
    order = list(range(len(slots)))

    def rested(e: int, t: int) -> bool:
        run, s = 1, t
        while s - SLOT in busy_at[e]:
            run, s = run + 1, s - SLOT
        s = t
        while s + SLOT in busy_at[e]:
            run, s = run + 1, s + SLOT
        return run <= MAX_CONSECUTIVE

    examiner_ids = list(range(1, examiners + 1))
    for cid in range(1, candidates + 1):
        rng.shuffle(order)
        for index in order:
            t = slots[index]
            free_stations = [w for w in open_stations(t) if (t, w) not in {(a.start, a.workstation) for a in plan}]
            if used[t] >= len(open_stations(t)) or not free_stations:
                continue
            pool = [e for e in examiner_ids if t not in busy_at[e] and load[e] < target and rested(e, t)]
            if len(pool) < PANEL:
                continue
            rng.shuffle(pool)
            pool.sort(key=lambda e: load[e])
            panel = sorted(pool[:PANEL])
            for e in panel:
                busy_at[e].add(t)
                load[e] += 1
            used[t] += 1
            plan.append(OralAssignment(candidate=cid, start=t, workstation=free_stations[0], examiners=panel))
            break
        else:
            raise ValueError(f"could not plant a timetable for {candidates} candidates")
    exam_of = {a.candidate: a for a in plan}

    def clear(start: int, end: int, taken: set[int]) -> bool:
        return all(end <= t or t + SLOT <= start for t in taken)

    # Examiners: programme duties around their exams, some with few half-days or a cap.
    people: list[Examiner] = []
    for e in examiner_ids:
        duties: list[Window] = []
        for d in range(days):
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                length = rng.choice((30, 45, 60, 90))
                for _attempt in range(20):
                    start = 1440 * d + rng.randrange(PROGRAMME[0], PROGRAMME[1] - length + 1, 15)
                    if clear(start, start + length, busy_at[e]) and all(
                        start + length <= w.start or w.end <= start for w in duties
                    ):
                        duties.append(Window(start=start, end=start + length))
                        break
        available: list[Window] = []
        if rng.random() < 0.25:
            needed = {i for i, h in enumerate(halves) if any(h.start <= t < h.end for t in busy_at[e])}
            extra = {i for i in range(len(halves)) if rng.random() < 0.3}
            available = [halves[i] for i in sorted(needed | extra)] or [halves[rng.randrange(len(halves))]]
        cap = load[e] + rng.randint(1, 3) if rng.random() < 0.3 else None
        people.append(
            Examiner(
                id=e,
                name=f"Dr {rng.choice(FIRST)} {rng.choice(LAST)}",
                available=available,
                busy=sorted(duties, key=lambda w: w.start),
                max_slots=cap,
            )
        )

    # Candidates: their own programme around their exam, a few wishes and conflicts of interest.
    sitters: list[Candidate] = []
    for cid in range(1, candidates + 1):
        exam = exam_of[cid]
        own: list[Window] = []
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            d = rng.randrange(days)
            length = rng.choice((30, 60, 90))
            for _attempt in range(20):
                start = 1440 * d + rng.randrange(PROGRAMME[0], PROGRAMME[1] - length + 1, 15)
                if clear(start, start + length, {exam.start}):
                    own.append(Window(start=start, end=start + length))
                    break
        preferred: list[Window] = []
        wish = rng.random()
        if wish < 0.2:
            preferred = [halves[rng.randrange(len(halves))]]
        elif wish < 0.3:
            d = rng.randrange(days)
            preferred = [Window(start=1440 * d + MORNING[0], end=1440 * d + AFTERNOON[1])]
        conflicts: list[int] = []
        if rng.random() < 0.15:
            others = [e for e in examiner_ids if e not in exam.examiners]
            conflicts = sorted(rng.sample(others, min(len(others), rng.choice((1, 1, 2)))))
        sitters.append(
            Candidate(
                id=cid,
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)} ({cid})",
                busy=sorted(own, key=lambda w: w.start),
                preferred=preferred,
                conflicts=conflicts,
            )
        )

    instance = OralInstance(
        windows=halves,
        examiners=people,
        workstations=stations,
        candidates=sitters,
        slot_minutes=SLOT,
        panel_size=PANEL,
        max_consecutive=MAX_CONSECUTIVE,
        days=day_list,
    )
    return instance, sorted(plan, key=lambda a: a.candidate)
