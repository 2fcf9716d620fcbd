"""The time grid of an oral instance and what each examiner, workstation and candidate can use of it.

Shared by the engine, its cost evaluation and its explanations (never by the
independent validator). No OR-Tools here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from solver.orals.model import Candidate, Examiner, OralAssignment, OralInstance, Window, Workstation

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Slot:
    index: int
    start: int
    end: int
    # Index of the congress day the slot lies in (``OralInstance.days``, or minute // 1440).
    day: int


def merged(windows: Iterable[Window]) -> list[tuple[int, int]]:
    """The windows sorted, with overlapping ones merged (touching ones stay apart)."""
    out: list[tuple[int, int]] = []
    for w in sorted(windows, key=lambda w: (w.start, w.end)):
        if w.end <= w.start:
            continue
        if out and w.start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], w.end))
        else:
            out.append((w.start, w.end))
    return out


def overlaps_any(start: int, end: int, windows: Sequence[Window]) -> bool:
    return any(w.start < end and start < w.end for w in windows)


def inside_any(start: int, end: int, windows: Sequence[Window]) -> bool:
    return any(w.start <= start and end <= w.end for w in windows)


def day_index(instance: OralInstance, minute: int) -> int:
    for index, day in enumerate(instance.days):
        if day.midnight <= minute < day.midnight + MINUTES_PER_DAY:
            return index
    return minute // MINUTES_PER_DAY


def clock(instance: OralInstance, minute: int) -> str:
    """``Mon 09:10`` (with ``days``) or ``day 1 09:10``: the day and the local clock."""
    for index, day in enumerate(instance.days):
        if day.midnight <= minute < day.midnight + MINUTES_PER_DAY:
            local = minute - day.midnight
            return f"{day.label or f'day {index + 1}'} {local // 60:02d}:{local % 60:02d}"
    day_number, local = divmod(minute, MINUTES_PER_DAY)
    return f"day {day_number + 1} {local // 60:02d}:{local % 60:02d}"


def day_label(instance: OralInstance, minute: int) -> str:
    """``Mon`` (with ``days``) or ``day 1``: the day a minute falls on."""
    return clock(instance, minute).rsplit(" ", 1)[0]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def grid(instance: OralInstance) -> list[Slot]:
    length = instance.slot_minutes
    if length <= 0:
        return []
    slots: list[Slot] = []
    for start, end in merged(instance.windows):
        t = start
        while t + length <= end:
            slots.append(Slot(index=len(slots), start=t, end=t + length, day=day_index(instance, t)))
            t += length
    return slots


def run_lengths(slots: Sequence[int], successor: dict[int, int]) -> list[int]:
    """Lengths of the maximal back-to-back runs among ``slots`` (slot indices)."""
    chosen = set(slots)
    followers = {successor[p] for p in chosen if p in successor}
    lengths = []
    for s in sorted(chosen - followers):
        length, t = 1, s
        while successor.get(t) in chosen:
            t = successor[t]
            length += 1
        lengths.append(length)
    return lengths


class Prepared:
    """Everything the model needs that follows from the instance alone."""

    def __init__(self, instance: OralInstance) -> None:
        self.instance = instance
        self.panel = instance.panel_size
        self.slots = grid(instance)
        self.slot_at: dict[int, int] = {slot.start: slot.index for slot in self.slots}
        # Back-to-back: the next slot starts less than one slot length after this one ends.
        self.successor: dict[int, int] = {}
        for a, b in zip(self.slots, self.slots[1:], strict=False):
            if 0 <= b.start - a.end < instance.slot_minutes:
                self.successor[a.index] = b.index
        self.predecessor: dict[int, int] = {b: a for a, b in self.successor.items()}

        # The first record of each id counts.
        self.examiners: dict[int, Examiner] = {ex.id: ex for ex in reversed(instance.examiners)}
        self.workstations: dict[int, Workstation] = {ws.id: ws for ws in reversed(instance.workstations)}
        self.candidates: dict[int, Candidate] = {cand.id: cand for cand in reversed(instance.candidates)}

        # Examiners: slots inside their availability and clear of their other commitments.
        self.usable: dict[int, list[int]] = {}
        for ex in self.examiners.values():
            self.usable[ex.id] = [
                s.index
                for s in self.slots
                if (not ex.available or inside_any(s.start, s.end, ex.available))
                and not overlaps_any(s.start, s.end, ex.busy)
            ]
        self.usable_set = {e: set(slots) for e, slots in self.usable.items()}
        self.examiners_at: dict[int, list[int]] = defaultdict(list)
        for e, slots in self.usable.items():
            for s in slots:
                self.examiners_at[s].append(e)

        self.workstations_at: dict[int, list[int]] = {
            s.index: [
                w.id for w in self.workstations.values() if not w.available or inside_any(s.start, s.end, w.available)
            ]
            for s in self.slots
        }

        self.conflicts: dict[int, frozenset[int]] = {
            c.id: frozenset(e for e in c.conflicts if e in self.examiners) for c in self.candidates.values()
        }
        self.eligible: dict[int, frozenset[int]] = {
            c: frozenset(self.examiners) - conflicts for c, conflicts in self.conflicts.items()
        }
        # Candidates: slots clear of their own commitments ...
        self.free: dict[int, list[int]] = {
            c.id: [s.index for s in self.slots if not overlaps_any(s.start, s.end, c.busy)]
            for c in self.candidates.values()
        }
        # ... with a workstation and a full panel of examiners without a conflict of interest.
        self.allowed: dict[int, list[int]] = {
            c: [
                s
                for s in slots
                if self.workstations_at[s]
                and sum(1 for e in self.examiners_at.get(s, []) if e in self.eligible[c]) >= self.panel
            ]
            for c, slots in self.free.items()
        }

        self.capacity: dict[int, int] = {e: self.usable_capacity(e) for e in self.examiners}
        self.need = self.panel * len(self.candidates)
        self.fair = fair_shares(self.capacity, self.need)

        self.pins: dict[int, OralAssignment] = {}
        for pin in instance.pins:
            self.pins.setdefault(pin.candidate, pin)
        self.previous: dict[int, OralAssignment] = {}
        for before in instance.previous:
            self.previous.setdefault(before.candidate, before)

    def usable_capacity(self, examiner: int) -> int:
        """Exams the examiner can take at most: usable slots, less the rests the break rule asks for, capped."""
        slots = self.usable[examiner]
        limit = self.instance.max_consecutive
        if limit is None:
            total = len(slots)
        else:
            total = sum(n - n // (limit + 1) for n in run_lengths(slots, self.successor)) if limit > 0 else 0
        cap = self.examiners[examiner].max_slots
        return max(0, min(total, cap)) if cap is not None else total

    def day_slots(self, examiner: int) -> dict[int, list[int]]:
        """The examiner's usable slots, by day."""
        out: dict[int, list[int]] = defaultdict(list)
        for s in self.usable[examiner]:
            out[self.slots[s].day].append(s)
        return out

    def rest_before(self, s: int) -> list[int] | None:
        """The ``max_consecutive`` back-to-back slots right before slot ``s`` (None: no break rule or too few)."""
        limit = self.instance.max_consecutive
        if limit is None or limit <= 0:
            return None
        chain: list[int] = []
        t = s
        while len(chain) < limit:
            p = self.predecessor.get(t)
            if p is None:
                return None
            chain.append(p)
            t = p
        return chain

    def clock(self, minute: int) -> str:
        return clock(self.instance, minute)

    def examiner_name(self, e: int) -> str:
        found = self.examiners.get(e)
        return found.name if found is not None else f"examiner {e}"

    def candidate_name(self, c: int) -> str:
        found = self.candidates.get(c)
        return found.name if found is not None else f"candidate {c}"

    def workstation_name(self, w: int) -> str:
        found = self.workstations.get(w)
        return found.name if found is not None else f"workstation {w}"


def fair_shares(capacity: dict[int, int], need: int) -> dict[int, int]:
    """An even split of ``need`` exams, capped by what each examiner can give, rounded down.

    The level is the largest number of exams every examiner can be given (or all they can give) without
    handing out more than ``need``; what is left over is fewer exams than examiners below their cap.
    """
    if not capacity:
        return {}
    top = max(capacity.values())
    level = 0
    while level < top and sum(min(cap, level + 1) for cap in capacity.values()) <= need:
        level += 1
    return {e: min(cap, level) for e, cap in capacity.items()}


def conflict_sets(prep: Prepared, limit: int) -> tuple[list[frozenset[int]], bool]:
    """Every intersection of candidates' conflict sets (the sets of examiners that conflict with every
    member of some group of candidates), and whether the list is complete (at most ``limit`` sets)."""
    base = sorted({k for k in prep.conflicts.values() if k}, key=lambda k: (len(k), sorted(k)))
    closure = set(base)
    frontier = set(base)
    complete = True
    while frontier:
        found = {a & b for a in frontier for b in base} - closure - {frozenset()}
        if len(closure) + len(found) > limit:
            complete = False
            break
        closure |= found
        frontier = found
    ordered = sorted(closure, key=lambda k: (len(k), sorted(k)))
    if len(ordered) > limit:
        complete = False
        ordered = ordered[:limit]
    return ordered, complete
