"""An independent check of every hard rule of an oral timetable.

The referee for the oral engine: it reads an :class:`OralInstance` and a list
of :class:`OralAssignment` and reports each broken hard rule as an
:class:`OralViolation`. It shares nothing with the engine but the records of
:mod:`solver.orals.model`, does not import OR-Tools, and favours plain,
obviously correct code over cleverness.

How odd input is treated:

* An assignment naming a candidate that does not exist (``unknown_candidate``)
  is reported and otherwise ignored.
* An unknown workstation (``unknown_workstation``) or examiner
  (``unknown_examiner``) is reported; the exam still counts as the
  candidate's, but nothing else is checked for that workstation or examiner.
* When a candidate is assigned more than once (``duplicate_candidate``), the
  assignment with the earliest ``(start, workstation)`` is checked and the
  others are ignored, so the result does not depend on the order of the list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from solver.orals.model import Candidate, Examiner, OralAssignment, OralInstance, OralViolation, Window, Workstation

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class _Exam:
    candidate: Candidate
    start: int
    end: int
    workstation: Workstation | None
    examiners: tuple[Examiner, ...]
    # The panel as assigned: examiner ids, perhaps repeated or unknown.
    panel: tuple[int, ...]


def validate(instance: OralInstance, assignments: Sequence[OralAssignment]) -> list[OralViolation]:
    """Every broken hard rule of ``assignments`` for ``instance``, sorted by code, candidates and message."""
    return _Validator(instance).check(assignments)


class _Validator:
    def __init__(self, instance: OralInstance) -> None:
        self.instance = instance
        self.candidates = {c.id: c for c in reversed(instance.candidates)}
        self.examiners = {e.id: e for e in reversed(instance.examiners)}
        self.workstations = {w.id: w for w in reversed(instance.workstations)}
        self.violations: list[OralViolation] = []

    def check(self, assignments: Sequence[OralAssignment]) -> list[OralViolation]:
        exams = self.check_references(assignments)
        for exam in exams:
            self.check_grid(exam)
            self.check_panel(exam)
            self.check_workstation(exam)
            self.check_examiners(exam)
            self.check_candidate(exam)
        self.check_workstation_clashes(exams)
        self.check_examiner_load(exams)
        self.check_pins(assignments)
        return sorted(self.violations, key=lambda v: (v.code, v.candidates, v.message))

    # -- each rule ---------------------------------------------------------------------------------

    def check_references(self, assignments: Sequence[OralAssignment]) -> list[_Exam]:
        placed: dict[int, list[OralAssignment]] = defaultdict(list)
        for a in assignments:
            if a.candidate not in self.candidates:
                self.add(
                    "unknown_candidate",
                    f"An exam at {self.time(a.start)} is for candidate {a.candidate}, who does not exist",
                    candidates=[a.candidate],
                )
                continue
            placed[a.candidate].append(a)
        exams: list[_Exam] = []
        for cid, candidate in sorted(self.candidates.items()):
            found = placed.get(cid, [])
            if not found:
                self.add("unplaced", f"{candidate.name} has no exam", candidates=[cid])
                continue
            if len(found) > 1:
                where = "; ".join(sorted(f"{self.time(a.start)} at {self.station_name(a.workstation)}" for a in found))
                self.add(
                    "duplicate_candidate",
                    f"{candidate.name} has {len(found)} exams: {where}",
                    candidates=[cid],
                )
            chosen = min(found, key=lambda a: (a.start, a.workstation))
            station = self.workstations.get(chosen.workstation)
            if station is None:
                self.add(
                    "unknown_workstation",
                    f"{candidate.name} is examined at workstation {chosen.workstation}, which does not exist",
                    candidates=[cid],
                )
            panel: list[Examiner] = []
            for eid in dict.fromkeys(chosen.examiners):
                examiner = self.examiners.get(eid)
                if examiner is None:
                    self.add(
                        "unknown_examiner",
                        f"{candidate.name}'s panel names examiner {eid}, who does not exist",
                        candidates=[cid],
                        examiners=[eid],
                    )
                    continue
                panel.append(examiner)
            exams.append(
                _Exam(
                    candidate=candidate,
                    start=chosen.start,
                    end=chosen.start + self.instance.slot_minutes,
                    workstation=station,
                    examiners=tuple(panel),
                    panel=tuple(chosen.examiners),
                )
            )
        return exams

    def check_grid(self, exam: _Exam) -> None:
        length = self.instance.slot_minutes
        on_grid = any(
            start <= exam.start and exam.end <= end and (exam.start - start) % length == 0
            for start, end in _merged(self.instance.windows)
        )
        if not on_grid:
            self.add(
                "off_grid",
                f"{exam.candidate.name}'s exam at {self.span(exam)} is not a slot of the oral window",
                candidates=[exam.candidate.id],
            )

    def check_panel(self, exam: _Exam) -> None:
        distinct = list(dict.fromkeys(exam.panel))
        if len(distinct) != len(exam.panel):
            twice = sorted({e for e in exam.panel if exam.panel.count(e) > 1})
            self.add(
                "duplicate_examiner",
                f"{exam.candidate.name}'s panel names {', '.join(self.examiner_name(e) for e in twice)} twice",
                candidates=[exam.candidate.id],
                examiners=twice,
            )
        size = self.instance.panel_size
        if len(distinct) != size:
            self.add(
                "panel_size",
                f"{exam.candidate.name} is examined by {_plural(len(distinct), 'examiner')}; a panel has {size}",
                candidates=[exam.candidate.id],
                examiners=distinct,
            )
        for examiner in exam.examiners:
            if examiner.id in exam.candidate.conflicts:
                self.add(
                    "conflict_of_interest",
                    f"{examiner.name} examines {exam.candidate.name} despite a conflict of interest",
                    candidates=[exam.candidate.id],
                    examiners=[examiner.id],
                )

    def check_workstation(self, exam: _Exam) -> None:
        station = exam.workstation
        if station is None or not station.available:
            return
        if not any(w.start <= exam.start and exam.end <= w.end for w in station.available):
            self.add(
                "workstation_unavailable",
                f"{exam.candidate.name} is examined at {station.name} at {self.span(exam)}, when it is not available",
                candidates=[exam.candidate.id],
                workstations=[station.id],
            )

    def check_examiners(self, exam: _Exam) -> None:
        for examiner in exam.examiners:
            if examiner.available and not any(w.start <= exam.start and exam.end <= w.end for w in examiner.available):
                self.add(
                    "examiner_unavailable",
                    f"{examiner.name} examines {exam.candidate.name} at {self.span(exam)}, "
                    "outside the windows they offered",
                    candidates=[exam.candidate.id],
                    examiners=[examiner.id],
                )
            for window in examiner.busy:
                if _overlaps(window, exam.start, exam.end):
                    self.add(
                        "examiner_busy",
                        f"{examiner.name} examines {exam.candidate.name} at {self.span(exam)} "
                        f"but has another commitment {self.window(window)}",
                        candidates=[exam.candidate.id],
                        examiners=[examiner.id],
                    )

    def check_candidate(self, exam: _Exam) -> None:
        for window in exam.candidate.busy:
            if _overlaps(window, exam.start, exam.end):
                self.add(
                    "candidate_busy",
                    f"{exam.candidate.name} is examined at {self.span(exam)} "
                    f"but has a commitment of their own {self.window(window)}",
                    candidates=[exam.candidate.id],
                )

    def check_workstation_clashes(self, exams: list[_Exam]) -> None:
        by_station: dict[int, list[_Exam]] = defaultdict(list)
        for exam in exams:
            if exam.workstation is not None:
                by_station[exam.workstation.id].append(exam)
        for sid, group in sorted(by_station.items()):
            for a, b in _overlapping_pairs(group):
                self.add(
                    "workstation_clash",
                    f"{a.candidate.name} ({self.span(a)}) and {b.candidate.name} ({self.span(b)}) "
                    f"are both examined at {self.workstations[sid].name}",
                    candidates=sorted({a.candidate.id, b.candidate.id}),
                    workstations=[sid],
                )

    def check_examiner_load(self, exams: list[_Exam]) -> None:
        by_examiner: dict[int, list[_Exam]] = defaultdict(list)
        for exam in exams:
            for examiner in exam.examiners:
                by_examiner[examiner.id].append(exam)
        length = self.instance.slot_minutes
        limit = self.instance.max_consecutive
        for eid, group in sorted(by_examiner.items()):
            examiner = self.examiners[eid]
            for a, b in _overlapping_pairs(group):
                self.add(
                    "examiner_clash",
                    f"{examiner.name} examines {a.candidate.name} ({self.span(a)}) and "
                    f"{b.candidate.name} ({self.span(b)}) at the same time",
                    candidates=sorted({a.candidate.id, b.candidate.id}),
                    examiners=[eid],
                )
            if examiner.max_slots is not None and len(group) > examiner.max_slots:
                self.add(
                    "max_slots",
                    f"{examiner.name} examines {_plural(len(group), 'candidate')}, more than their maximum of "
                    f"{examiner.max_slots}",
                    candidates=sorted(e.candidate.id for e in group),
                    examiners=[eid],
                )
            if limit is None:
                continue
            ordered = sorted(group, key=lambda e: (e.start, e.candidate.id))
            run = [ordered[0]]
            for following in [*ordered[1:], None]:
                if following is not None and following.start - run[-1].end < length:
                    run.append(following)
                    continue
                if len(run) > limit:
                    self.add(
                        "no_break",
                        f"{examiner.name} examines {len(run)} candidates back to back from "
                        f"{self.time(run[0].start)} to {self.time(run[-1].end)}; a break of a slot is due after "
                        f"{limit}",
                        candidates=sorted(e.candidate.id for e in run),
                        examiners=[eid],
                    )
                if following is not None:
                    run = [following]

    def check_pins(self, assignments: Sequence[OralAssignment]) -> None:
        present = {_key(a) for a in assignments}
        for pin in sorted({_key(p) for p in self.instance.pins}):
            if pin in present:
                continue
            cid, start, station, panel = pin
            candidate = self.candidates.get(cid)
            name = candidate.name if candidate is not None else f"candidate {cid}"
            actual = sorted(
                f"{self.time(a.start)} at {self.station_name(a.workstation)} with "
                f"{', '.join(self.examiner_name(e) for e in sorted(set(a.examiners)))}"
                for a in assignments
                if a.candidate == cid
            )
            now = "examined " + "; ".join(actual) if actual else "not examined"
            self.add(
                "pin_moved",
                f"{name} is pinned to {self.time(start)} at {self.station_name(station)} with "
                f"{', '.join(self.examiner_name(e) for e in panel)} but is {now}",
                candidates=[cid],
                examiners=list(panel),
            )

    # -- wording -------------------------------------------------------------------------------------

    def add(
        self,
        code: str,
        message: str,
        *,
        candidates: list[int] | None = None,
        examiners: list[int] | None = None,
        workstations: list[int] | None = None,
    ) -> None:
        self.violations.append(
            OralViolation(
                code=code,
                message=message,
                candidates=candidates or [],
                examiners=examiners or [],
                workstations=workstations or [],
            )
        )

    def examiner_name(self, eid: int) -> str:
        examiner = self.examiners.get(eid)
        return examiner.name if examiner is not None else f"examiner {eid}"

    def station_name(self, sid: int) -> str:
        station = self.workstations.get(sid)
        return station.name if station is not None else f"workstation {sid}"

    def time(self, minute: int) -> str:
        for index, day in enumerate(self.instance.days):
            if day.midnight <= minute < day.midnight + MINUTES_PER_DAY:
                return f"{day.label or f'day {index + 1}'} {_clock(minute - day.midnight)}"
        number, local = divmod(minute, MINUTES_PER_DAY)
        return f"day {number + 1} {_clock(local)}"

    def interval(self, start: int, end: int) -> str:
        first = self.time(start)
        return f"{first}-{self.time(end)[-5:]}" if end - start < MINUTES_PER_DAY else f"{first} - {self.time(end)}"

    def span(self, exam: _Exam) -> str:
        return self.interval(exam.start, exam.end)

    def window(self, window: Window) -> str:
        return self.interval(window.start, window.end)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _overlaps(window: Window, start: int, end: int) -> bool:
    return window.start < end and start < window.end


def _merged(windows: Sequence[Window]) -> list[tuple[int, int]]:
    """The oral windows, overlapping ones merged: slots start on each merged window's own grid."""
    out: list[tuple[int, int]] = []
    for w in sorted(windows, key=lambda w: (w.start, w.end)):
        if w.end <= w.start:
            continue
        if out and w.start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], w.end))
        else:
            out.append((w.start, w.end))
    return out


def _overlapping_pairs(group: list[_Exam]) -> list[tuple[_Exam, _Exam]]:
    ordered = sorted(group, key=lambda e: (e.start, e.candidate.id))
    pairs = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.start >= a.end:
                break
            pairs.append((a, b))
    return pairs


def _key(a: OralAssignment) -> tuple[int, int, int, tuple[int, ...]]:
    return (a.candidate, a.start, a.workstation, tuple(sorted(set(a.examiners))))
