"""Rules for solve runs: one active run per congress, cancel, stale workers, reading results."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import msgspec
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import Congress, SolveRun
from congress.domain.solving.schemas import (
    SolveProgress,
    SolveRequest,
    SolveResult,
    SolveRunRead,
    TermRead,
    VersionCheck,
    ViolationRead,
    WeightsIn,
)
from congress.enums import SolveStatus
from congress.lib.errors import Conflict
from congress.lib.queries import flush_or_conflict, get_or_404, paginate
from congress.lib.security import Principal
from congress.scheduling.checks import Check
from congress.scheduling.jobs import HEARTBEAT_TIMEOUT

ACTIVE = (SolveStatus.QUEUED, SolveStatus.RUNNING)
FINISHED = (SolveStatus.SUCCEEDED, SolveStatus.INFEASIBLE, SolveStatus.FAILED, SolveStatus.CANCELLED)


def solve_run_read(run: SolveRun) -> SolveRunRead:
    return SolveRunRead(
        id=run.id,
        congress_id=run.congress_id,
        status=run.status,
        mode=run.mode,
        time_limit=run.time_limit,
        workers=run.workers,
        seed=run.seed,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        cancel_requested=run.cancel_requested,
        progress=msgspec.convert(run.progress, SolveProgress) if run.progress else None,
        result=msgspec.convert(run.result, SolveResult) if run.result else None,
        error=run.error,
        version_id=run.version_id,
    )


def check_read(version_id: uuid.UUID, check: Check) -> VersionCheck:
    return VersionCheck(
        version_id=version_id,
        runs=check.runs,
        placed=check.placed,
        violations=msgspec.convert(check.violations, list[ViolationRead]),
        terms=msgspec.convert(check.terms, list[TermRead]),
        total_cost=sum(t["cost"] for t in check.terms),
    )


@dataclass(slots=True)
class SolveService:
    session: AsyncSession
    principal: Principal | None

    async def _reap_stale(self, congress_id: uuid.UUID) -> None:
        """A running job whose worker stopped writing is failed, so the congress can be solved again.

        Queued jobs are left alone: they may be waiting for a busy worker; an organiser can cancel them.
        """
        moment = dt.datetime.now(dt.UTC)
        cutoff = moment - HEARTBEAT_TIMEOUT
        await self.session.execute(
            update(SolveRun)
            .where(
                SolveRun.congress_id == congress_id,
                SolveRun.status == SolveStatus.RUNNING,
                SolveRun.heartbeat_at < cutoff,
            )
            .values(
                status=SolveStatus.FAILED,
                error="The worker stopped answering; solve again",
                finished_at=moment,
                updated_at=moment,
            )
        )

    async def start(self, congress_id: uuid.UUID, data: SolveRequest) -> SolveRun:
        await get_or_404(self.session, Congress, congress_id)
        await self._reap_stale(congress_id)
        active = await self.session.scalar(
            select(SolveRun.id).where(SolveRun.congress_id == congress_id, SolveRun.status.in_(ACTIVE))
        )
        if active is not None:
            raise Conflict(
                f"Solve run {active} is queued or running for this congress; wait for it or cancel it",
                code="solve_running",
            )
        weights = data.weights or WeightsIn()
        run = SolveRun(
            congress_id=congress_id,
            status=SolveStatus.QUEUED,
            mode=data.mode,
            time_limit=data.time_limit,
            workers=data.workers,
            seed=data.seed,
            options={
                "step": data.step_minutes,
                "changeover": data.changeover_minutes,
                "weights": msgspec.to_builtins(weights),
            },
            progress={},
            result={},
        )
        self.session.add(run)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            # Another request queued a run between our check and our insert (the partial unique index).
            await self.session.rollback()
            raise Conflict("Another solve run was just started for this congress", code="solve_running") from exc
        return run

    async def row(self, congress_id: uuid.UUID, run_id: uuid.UUID) -> SolveRun:
        return await get_or_404(self.session, SolveRun, run_id, SolveRun.congress_id == congress_id)

    async def search(
        self, congress_id: uuid.UUID, limit: int, offset: int, status: SolveStatus | None
    ) -> tuple[list[SolveRunRead], int]:
        await get_or_404(self.session, Congress, congress_id)
        stmt = select(SolveRun).where(SolveRun.congress_id == congress_id).order_by(SolveRun.created_at.desc())
        if status is not None:
            stmt = stmt.where(SolveRun.status == status)
        rows, total = await paginate(self.session, stmt, limit, offset)
        return [solve_run_read(r) for r in rows], total

    async def cancel(self, congress_id: uuid.UUID, run_id: uuid.UUID) -> SolveRun:
        await self.row(congress_id, run_id)
        # Locked, so a worker finishing at this moment either sees the cancel or is seen as finished.
        run = (await self.session.scalars(select(SolveRun).where(SolveRun.id == run_id).with_for_update())).one()
        await self.session.refresh(run)
        if run.status in FINISHED:
            raise Conflict(f"The solve run has already finished ({run.status})", code="solve_finished")
        if run.status is SolveStatus.QUEUED:
            run.status = SolveStatus.CANCELLED
            run.finished_at = dt.datetime.now(dt.UTC)
        run.cancel_requested = True
        await flush_or_conflict(self.session, "The solve run")
        return run
