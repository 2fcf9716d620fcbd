"""Scheduling the orals from the API and the command line.

The sitting is read in one short transaction, the engine runs with no transaction open (so other writers
are never held up), and the result is written in a second transaction that first checks that the sitting
still reads the same; if anything changed meanwhile the solve answers 409 and writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from congress.domain.exams.schemas import (
    CostTerm,
    Explanation,
    MovedSlot,
    OralSolveRequest,
    OralSolveResult,
    Unscheduled,
)
from congress.domain.exams.services import ExamService
from congress.lib.deps import begin_writing
from congress.lib.errors import Conflict
from congress.lib.security import Principal
from congress.scheduling.orals import OralProblem, apply_oral_solution, load_oral_problem, run_solver
from congress.scheduling.orals import Progress as OralProgress

ProgressCallback = Callable[[OralProgress], None]


@dataclass(slots=True)
class OralSolveService:
    session: AsyncSession
    principal: Principal | None

    async def _load(self, congress_id: uuid.UUID, minimal_change: bool) -> tuple[uuid.UUID, OralProblem]:
        exams = ExamService(self.session, self.principal)
        sitting = await exams.sitting(congress_id)
        pairs = list((await exams.conflict_pairs(sitting)).keys())
        sitting_id = sitting.id
        problem = await self.session.run_sync(
            lambda s: load_oral_problem(s, sitting_id, pairs, minimal_change=minimal_change)
        )
        return sitting_id, problem

    async def solve(
        self, congress_id: uuid.UUID, request: OralSolveRequest, on_progress: ProgressCallback | None = None
    ) -> OralSolveResult:
        minimal = request.mode == "minimal_change"
        _, problem = await self._load(congress_id, minimal)
        await self.session.commit()
        left_out = [
            Unscheduled(application_id=a, candidate=problem.names[a], reason=why) for a, why in problem.left_out
        ]
        if not problem.instance.candidates:
            return OralSolveResult(
                status="nothing_to_schedule",
                scheduled=0,
                kept=0,
                moved=[],
                unscheduled=left_out,
                explanations=[],
                terms=[],
                objective=None,
                bound=None,
                wall_time=0.0,
            )
        solution = await anyio.to_thread.run_sync(
            lambda: run_solver(problem, time_limit=request.time_limit, seed=request.seed, on_progress=on_progress)
        )
        explanations = [Explanation(code=e.code, message=e.message) for e in solution.explanations]
        terms = [CostTerm(name=t.name, weight=t.weight, units=t.units, cost=t.cost) for t in solution.terms]
        if not solution.assignments or solution.violations:
            explanations += [Explanation(code=v.code, message=v.message) for v in solution.violations]
            return OralSolveResult(
                status=solution.status if solution.status != "optimal" else "infeasible",
                scheduled=0,
                kept=0,
                moved=[],
                unscheduled=left_out,
                explanations=explanations,
                terms=terms,
                objective=solution.objective,
                bound=solution.bound,
                wall_time=solution.wall_time,
            )
        await begin_writing(self.session)
        sitting_id, again = await self._load(congress_id, minimal)
        if again.fingerprint != problem.fingerprint:
            raise Conflict(
                "The sitting changed while the orals were being scheduled; nothing was written, solve again",
                code="changed_meanwhile",
            )
        changed = await self.session.run_sync(lambda s: apply_oral_solution(s, sitting_id, again, solution))
        moved = []
        by_candidate = {p.candidate: p for p in problem.instance.previous}
        for a in solution.assignments:
            before = by_candidate.get(a.candidate)
            if before is not None and (before.start, before.workstation, sorted(before.examiners)) != (
                a.start,
                a.workstation,
                sorted(a.examiners),
            ):
                moved.append(
                    MovedSlot(
                        candidate=problem.names[problem.candidates[a.candidate]],
                        before=problem.describe(before.start, before.workstation, before.examiners),
                        after=problem.describe(a.start, a.workstation, a.examiners),
                    )
                )
        return OralSolveResult(
            status=solution.status,
            scheduled=len(solution.assignments),
            kept=len(solution.assignments) - changed,
            moved=moved,
            unscheduled=left_out,
            explanations=explanations,
            terms=terms,
            objective=solution.objective,
            bound=solution.bound,
            wall_time=solution.wall_time,
        )
