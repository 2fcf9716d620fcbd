"""Solve jobs: claimed by exactly one worker process, run with live progress, cancellable.

A job is a ``solve_run`` row. Whoever flips it from ``queued`` to ``running``
in one conditional UPDATE owns it, so several API workers (or several
``congress worker`` processes) never run the same job twice. While the engine
searches in a thread, the owner writes progress and a heartbeat every half
second and watches for a cancel request. The result replaces the unpinned
assignments of the congress's draft (made if there is none) in one
transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from congress.config import Settings
from congress.db.models import Assignment, ScheduleVersion, SolveRun
from congress.enums import SolveMode, SolveStatus, VersionStatus
from congress.scheduling.adapter import (
    DEFAULT_CHANGEOVER,
    DEFAULT_STEP,
    Mapping,
    assignments_of,
    build_instance,
    draft_of,
    latest_release,
    to_assignments,
)
from congress.scheduling.checks import term_dicts, violation_dicts
from solver.engine import Engine as SolverEngine
from solver.model import Params, Progress, Solution, Weights

log = logging.getLogger("congress.solve")

# A running job whose worker has not written for this long is considered lost.
HEARTBEAT_TIMEOUT = dt.timedelta(seconds=60)
TICK = 0.5


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(engine: Engine, run_id: uuid.UUID | None = None) -> uuid.UUID | None:
    """Take a queued job (this one, or the oldest); None if someone else was faster."""
    with Session(engine) as session, session.begin():
        if run_id is None:
            run_id = session.scalars(
                select(SolveRun.id).where(SolveRun.status == SolveStatus.QUEUED).order_by(SolveRun.created_at).limit(1)
            ).first()
            if run_id is None:
                return None
        moment = now()
        taken = session.execute(
            update(SolveRun)
            .where(SolveRun.id == run_id, SolveRun.status == SolveStatus.QUEUED)
            .values(
                status=SolveStatus.RUNNING,
                started_at=moment,
                heartbeat_at=moment,
                worker=worker_name(),
                updated_at=moment,
            )
        )
        return run_id if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def _params(run: SolveRun) -> Params:
    weights = msgspec.convert(run.options.get("weights", {}), Weights)
    return Params(time_limit=run.time_limit, workers=run.workers, seed=run.seed, weights=weights)


def _instance(session: Session, run: SolveRun) -> tuple[Any, Mapping, set[tuple[Any, ...]]]:
    draft = draft_of(session, run.congress_id)
    pins = [a for a in assignments_of(session, draft.id) if a.pinned] if draft is not None else []
    previous: list[Assignment] = []
    if run.mode is SolveMode.MINIMAL_CHANGE:
        release = latest_release(session, run.congress_id)
        if release is not None:
            previous = assignments_of(session, release.id)
        elif draft is not None:
            # Nothing released yet: stay close to the draft's own placements (hand-made or imported times).
            previous = [a for a in assignments_of(session, draft.id) if not a.pinned]
    instance, mapping = build_instance(
        session,
        run.congress_id,
        pins=pins,
        previous=previous,
        step=int(run.options.get("step", DEFAULT_STEP)),
        changeover=int(run.options.get("changeover", DEFAULT_CHANGEOVER)),
    )
    return instance, mapping, {(a.item_id, a.run, a.room_id, a.starts_at) for a in pins}


TickCallback = Callable[[dict[str, Any]], None]


def execute(engine: Engine, run_id: uuid.UUID, on_tick: TickCallback | None = None) -> SolveStatus:
    """Run a job this process has claimed; returns its final status.

    The job stays this worker's only while its row says so: if the row was reaped or taken over,
    the search stops and nothing is written. A heartbeat that cannot be written (a busy database)
    is retried; only a worker cut off for ``HEARTBEAT_TIMEOUT`` gives up.
    """
    solver: SolverEngine | None = None
    thread: threading.Thread | None = None
    try:
        with Session(engine) as session:
            run = session.get_one(SolveRun, run_id)
            instance, mapping, pins = _instance(session, run)
            params = _params(run)
        solver = SolverEngine(instance, params)
        latest: list[Progress] = []
        outcome: list[Solution] = []
        failure: list[BaseException] = []

        def work() -> None:
            assert solver is not None
            try:
                outcome.append(solver.run(latest.append))
            except BaseException as exc:
                failure.append(exc)

        started = last_beat = time.monotonic()
        thread = threading.Thread(target=work, name=f"solve-{run_id}", daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(TICK)
            figures = _figures(latest[-1] if latest else None, time.monotonic() - started)
            try:
                verdict = _tick(engine, run_id, figures)
            except SQLAlchemyError:
                if time.monotonic() - last_beat > HEARTBEAT_TIMEOUT.total_seconds():
                    raise
                log.warning("Solve run %s: heartbeat not written, retrying", run_id)
                continue
            last_beat = time.monotonic()
            if verdict is Beat.LOST:
                log.warning("Solve run %s is no longer this worker's; stopping", run_id)
                solver.stop()
                thread.join()
                return SolveStatus.FAILED
            if verdict is Beat.CANCEL:
                solver.stop()
            if on_tick is not None:
                on_tick(figures)
        thread.join()
        if failure:
            raise failure[0]
        return _finish(engine, run_id, outcome[0], mapping, pins)
    except Exception:
        log.exception("Solve run %s failed", run_id)
        _fail(engine, run_id, "The solver stopped on an internal error; the details are in the server log")
        return SolveStatus.FAILED
    except BaseException:
        # Interrupted (Ctrl-C, shutdown): the congress must not stay blocked by a run nobody does.
        _fail(engine, run_id, "The worker was interrupted; solve again", status=SolveStatus.CANCELLED)
        raise
    finally:
        if solver is not None:
            solver.stop()
        if thread is not None:
            thread.join()


def _figures(progress: Progress | None, elapsed: float) -> dict[str, Any]:
    figures: dict[str, Any] = {"elapsed": round(elapsed, 1), "objective": None, "bound": None, "gap": None}
    if progress is not None:
        figures |= msgspec.to_builtins(progress) | {"elapsed": round(elapsed, 1)}
    return figures


class Beat(enum.Enum):
    GO_ON = "go_on"
    CANCEL = "cancel"
    LOST = "lost"


def _mine(run_id: uuid.UUID) -> ColumnElement[bool]:
    """The run is still running, in this worker's hands."""
    return (SolveRun.id == run_id) & (SolveRun.status == SolveStatus.RUNNING) & (SolveRun.worker == worker_name())


def _tick(engine: Engine, run_id: uuid.UUID, figures: dict[str, Any]) -> Beat:
    """Write progress and the heartbeat; say whether to go on, cancel, or let go."""
    with Session(engine) as session, session.begin():
        written = session.execute(
            update(SolveRun).where(_mine(run_id)).values(progress=figures, heartbeat_at=now(), updated_at=now())
        )
        if written.rowcount != 1:  # type: ignore[attr-defined]
            return Beat.LOST
        cancel = session.scalar(select(SolveRun.cancel_requested).where(SolveRun.id == run_id))
        return Beat.CANCEL if cancel else Beat.GO_ON


def _fail(engine: Engine, run_id: uuid.UUID, message: str, status: SolveStatus = SolveStatus.FAILED) -> None:
    try:
        with Session(engine) as session, session.begin():
            session.execute(
                update(SolveRun)
                .where(_mine(run_id))
                .values(status=status, error=message, finished_at=now(), updated_at=now())
            )
    except SQLAlchemyError:
        log.exception("Solve run %s: the failure could not be recorded", run_id)


def result_of(solution: Solution, mapping: Mapping) -> dict[str, Any]:
    """The stored outcome, with database ids in place of the engine's integers."""
    items, rooms, people = mapping.item_ids, mapping.room_ids, mapping.person_ids

    def ids(values: list[int], table: dict[int, uuid.UUID]) -> list[str]:
        return [str(table[v]) for v in values if v in table]

    def where(p: Any) -> dict[str, Any] | None:
        if p is None:
            return None
        return {"room_id": str(rooms[p.room]), "starts_at": mapping.moment(p.start).astimezone(mapping.tz).isoformat()}

    placed = {(p.item, p.run) for p in solution.placements}
    return {
        "solver_status": solution.status,
        "objective": solution.objective,
        "bound": solution.bound,
        "gap": solution.gap,
        "wall_time": solution.wall_time,
        "first_feasible": solution.first_feasible,
        "solutions": solution.solutions,
        "placed": len(placed),
        "terms": term_dicts(solution.terms, items),
        "violations": violation_dicts(solution.violations, items),
        "explanations": [
            {
                "code": e.code,
                "message": e.message,
                "items": ids(e.items, items),
                "rooms": ids(e.rooms, rooms),
                "people": ids(e.people, people),
            }
            for e in solution.explanations
        ],
        "diff": None
        if solution.diff is None
        else {
            "moved": [
                {
                    "item_id": str(items[m.item]),
                    "run": m.run,
                    "before": where(m.before),
                    "after": where(m.after),
                    "people": m.people,
                }
                for m in solution.diff.moved
                if m.item in items
            ],
            "unchanged": solution.diff.unchanged,
            "people_affected": solution.diff.people_affected,
        },
    }


def _finish(
    engine: Engine, run_id: uuid.UUID, solution: Solution, mapping: Mapping, pins: set[tuple[Any, ...]]
) -> SolveStatus:
    result = result_of(solution, mapping)
    with Session(engine) as session, session.begin():
        run = session.scalars(select(SolveRun).where(_mine(run_id)).with_for_update()).first()
        if run is None:
            log.warning("Solve run %s is no longer this worker's; its result is dropped", run_id)
            return SolveStatus.FAILED
        run.result = result
        run.finished_at = now()
        if solution.status == "cancelled" or run.cancel_requested:
            run.status = SolveStatus.CANCELLED
            return run.status
        if solution.status == "infeasible":
            run.status = SolveStatus.INFEASIBLE
            return run.status
        if not solution.placements and solution.status == "optimal":
            run.status = SolveStatus.FAILED
            run.error = "The congress has no programme items to place"
            return run.status
        if solution.status == "unknown" or not solution.placements:
            run.status = SolveStatus.FAILED
            run.error = f"No schedule was found within {run.time_limit:g} s; allow more time"
            return run.status
        draft = draft_of(session, run.congress_id, lock=True)
        if draft is None:
            draft = ScheduleVersion(congress_id=run.congress_id, status=VersionStatus.DRAFT, note="Solver draft")
            session.add(draft)
            session.flush()
        current = [a for a in assignments_of(session, draft.id) if a.pinned]
        if {(a.item_id, a.run, a.room_id, a.starts_at) for a in current} != pins:
            run.status = SolveStatus.FAILED
            run.error = "The draft's pins changed while the solver ran; solve again"
            return run.status
        pinned = {(a.item_id, a.run) for a in current}
        session.execute(delete(Assignment).where(Assignment.version_id == draft.id, Assignment.pinned.is_(False)))
        session.add_all(
            a for a in to_assignments(solution.placements, mapping, draft.id) if (a.item_id, a.run) not in pinned
        )
        run.version_id = draft.id
        run.status = SolveStatus.SUCCEEDED
        return run.status


def launch(settings: Settings, run_id: uuid.UUID) -> None:
    """Start a worker process for one job; a thread reaps it when it exits."""
    env = dict(os.environ, CONGRESS_DATABASE_URL=settings.database_url)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, "-m", "congress.scheduling.worker", "--run", str(run_id)],
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    threading.Thread(target=process.wait, name=f"reap-{run_id}", daemon=True).start()


def serve_forever(engine: Engine, poll: float = 1.0, once: bool = False) -> int:
    """Take queued jobs one after another (``congress worker``); returns how many ran."""
    done = 0
    while True:
        try:
            run_id = claim(engine)
        except SQLAlchemyError:
            # The database is busy or away for a moment: a worker outlives that.
            log.exception("Could not look for queued solve runs")
            run_id = None
        if run_id is not None:
            execute(engine, run_id)
            done += 1
            continue
        if once:
            return done
        time.sleep(poll)
