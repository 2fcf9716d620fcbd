"""Why a model has no solution: the smallest set of rule groups that cannot hold together.

Each group of rules is enforced only under an assumption literal; the core is shrunk by deletion (drop a
group, keep it dropped if the rest is still infeasible), each check within its own short time limit and
all of them within the caller's budget. Shared by the programme and the oral-exam explanations.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ortools.sat.python import cp_model


def minimal_core(
    model: cp_model.CpModel, literals: Sequence[int], time_limit: float, per_check: float
) -> list[int] | None:
    """A minimal subset of ``literals`` (proto indices of assumption literals) under which ``model`` is
    infeasible, or None when not even all of them together are proven infeasible in time. Groups that
    could not be checked before the deadline stay in the core (it is then small, not minimal)."""
    deadline = time.monotonic() + time_limit

    def infeasible_with(subset: list[int]) -> bool | None:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = max(0.1, min(per_check, deadline - time.monotonic()))
        model.clear_assumptions()
        model.add_assumptions([model.get_bool_var_from_proto_index(i) for i in subset])
        code = solver.solve(model)
        if code == cp_model.INFEASIBLE:
            return True
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        return None

    kept = sorted(literals)
    if infeasible_with(kept) is not True:
        return None
    for index in list(kept):
        if time.monotonic() > deadline:
            break
        trial = [x for x in kept if x != index]
        if infeasible_with(trial) is True:
            kept = trial
    return kept
