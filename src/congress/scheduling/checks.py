"""The independent validator and the soft-term costs, run on any stored version.

Used after hand edits (pin, unpin, move) and before a release: the version's
assignments are read as placements and checked against every hard rule; no
solver is involved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from congress.db.models import ScheduleVersion, SolveRun
from congress.enums import SolveStatus
from congress.lib.errors import NotFound
from congress.scheduling.adapter import DEFAULT_CHANGEOVER, DEFAULT_STEP, assignments_of, build_instance
from solver.costs import evaluate
from solver.model import Term, Violation, Weights
from solver.validate import validate

# Payers listed per soft term when the whole version is checked (the costliest first).
PAYERS_KEPT = 25

# Reported, but no reason to hold a release back: runs not placed yet, hand placements off the grid.
WARNINGS = frozenset({"unplaced", "off_grid"})


def term_dicts(
    terms: list[Term], items: dict[int, uuid.UUID], concerns: Callable[[list[int]], bool] | None = None
) -> list[dict[str, Any]]:
    """Soft terms as stored and served: engine item numbers become database ids.

    Every payer that ``concerns`` accepts is kept; without a filter, the costliest ``PAYERS_KEPT``.
    """
    kept = None if concerns is not None else PAYERS_KEPT
    return [
        {
            "name": t.name,
            "weight": t.weight,
            "units": t.units,
            "cost": t.cost,
            "payers": [
                {"items": [str(items[i]) for i in p.items if i in items], "cost": p.cost, "detail": p.detail}
                for p in [p for p in t.payers if concerns is None or concerns(p.items)][:kept]
            ],
        }
        for t in terms
    ]


def violation_dicts(violations: list[Violation], items: dict[int, uuid.UUID]) -> list[dict[str, Any]]:
    return [
        {"code": v.code, "message": v.message, "items": [str(items[i]) for i in v.items if i in items]}
        for v in violations
    ]


@dataclass(frozen=True, slots=True)
class Check:
    runs: int
    placed: int
    violations: list[dict[str, Any]]
    terms: list[dict[str, Any]]

    @property
    def blocking(self) -> list[dict[str, Any]]:
        """Violations that make a schedule wrong, not merely unfinished or off the solver's grid."""
        return [v for v in self.violations if v["code"] not in WARNINGS]


def check_version(session: Session, version: ScheduleVersion, item_id: uuid.UUID | None = None) -> Check:
    """Check a version with the grid, changeover and weights of the solve that wrote it (or the defaults).

    With ``item_id``: only what concerns that item — its violations and every cost it pays, in full
    ("why is this here, what does it cost").
    """
    rows = assignments_of(session, version.id)
    pins = [a for a in rows if a.pinned]
    options = (
        session.scalars(
            select(SolveRun.options)
            .where(SolveRun.version_id == version.id, SolveRun.status == SolveStatus.SUCCEEDED)
            .order_by(SolveRun.finished_at.desc())
            .limit(1)
        ).first()
        or {}
    )
    instance, mapping = build_instance(
        session,
        version.congress_id,
        pins=pins,
        step=int(options.get("step", DEFAULT_STEP)),
        changeover=int(options.get("changeover", DEFAULT_CHANGEOVER)),
    )
    placements = [mapping.placement(a) for a in rows if a.item_id in mapping.items and a.room_id in mapping.rooms]
    items = mapping.item_ids
    focus = mapping.items.get(item_id) if item_id is not None else None
    if item_id is not None and focus is None:
        raise NotFound(f"No programme item with id {item_id} in this congress")

    def concerns(values: list[int]) -> bool:
        return focus is None or focus in values

    weights = msgspec.convert(options.get("weights", {}), Weights)
    violations = [v for v in validate(instance, placements) if concerns(v.items)]
    return Check(
        runs=sum(i.runs for i in instance.items),
        placed=len({(p.item, p.run) for p in placements}),
        violations=violation_dicts(violations, items),
        terms=term_dicts(evaluate(instance, placements, weights), items, concerns if focus is not None else None),
    )


def version_diff(before: list[Any], after: list[Any], previous_number: int | None) -> dict[str, Any]:
    """What a release changes against the one before: runs added, removed and moved (time or room)."""

    def key(a: Any) -> tuple[uuid.UUID, int]:
        return (a.item_id, a.run)

    def place(a: Any) -> dict[str, Any]:
        return {"room_id": str(a.room_id), "starts_at": a.starts_at.isoformat()}

    old = {key(a): a for a in before}
    new = {key(a): a for a in after}
    added = [{"item_id": str(k[0]), "run": k[1], "after": place(new[k])} for k in sorted(set(new) - set(old))]
    removed = [{"item_id": str(k[0]), "run": k[1], "before": place(old[k])} for k in sorted(set(old) - set(new))]
    moved = [
        {"item_id": str(k[0]), "run": k[1], "before": place(old[k]), "after": place(new[k])}
        for k in sorted(set(old) & set(new))
        if (old[k].room_id, old[k].starts_at) != (new[k].room_id, new[k].starts_at)
    ]
    unchanged = len(set(old) & set(new)) - len(moved)
    return {
        "previous": previous_number,
        "added": added,
        "removed": removed,
        "moved": moved,
        "unchanged": unchanged,
    }
