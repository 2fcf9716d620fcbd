"""How the scheduling engine scales with the size of the congress.

    python bench/solver_scale.py [--sizes 0,50,100,200,400,800] [--limits 10,60] [--seed 1] [--workers 2]

Size 0 is the ESSR demo congress of ``make demo`` (loaded and read through the application's adapter).

For every size and time limit, a fresh Python process generates the instance
(``solver.generate``), solves it (``solver.engine.solve``) and checks the
placements with the independent validator (``solver.validate``), so the peak
memory reported is that one run's. Prints a table and, last, one JSON object
with every row and the machine's CPU count.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from solver.model import Instance
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent

COLUMNS = (
    ("instance", "instance"),
    ("items", "items"),
    ("rooms", "rooms"),
    ("days", "days"),
    ("limit_s", "limit (s)"),
    ("status", "status"),
    ("first_feasible_s", "first feasible (s)"),
    ("objective", "objective"),
    ("bound", "bound"),
    ("gap_pct", "gap %"),
    ("hard_violations", "hard violations"),
    ("peak_mb", "peak MB"),
)


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Kilobytes on Linux, bytes on macOS.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _demo_instance() -> Instance:
    """The ESSR demo congress (``make demo``), loaded into a scratch SQLite file and read by the adapter."""
    import asyncio
    import tempfile
    import uuid

    from sqlalchemy.orm import Session

    from congress.config import settings_from_env
    from congress.db import migrate
    from congress.db.engine import async_session_factory, make_async_engine, make_sync_engine
    from congress.domain.bundle.services import load_bundle
    from congress.scheduling.adapter import build_instance
    from examples.demo import build_bundle

    with tempfile.TemporaryDirectory() as scratch:
        settings = settings_from_env({"CONGRESS_DATABASE_URL": f"sqlite:///{scratch}/demo.sqlite3"})
        migrate.upgrade(settings.sync_database_url)

        async def load() -> uuid.UUID:
            engine = make_async_engine(settings)
            try:
                async with async_session_factory(engine)() as session:
                    report = await load_bundle(session, build_bundle("essr"), source="demo")
                    await session.commit()
                    return report.congress_id
            finally:
                await engine.dispose()

        congress_id = asyncio.run(load())
        engine = make_sync_engine(settings)
        try:
            with Session(engine) as session:
                instance, _ = build_instance(session, congress_id)
        finally:
            engine.dispose()
    return instance


def _one(items: int, limit: float, seed: int, workers: int) -> dict[str, object]:
    """Generate (or, for 0 items, load the demo congress), solve and validate one instance in this process."""
    from solver.engine import solve
    from solver.generate import generate
    from solver.model import Params
    from solver.validate import validate

    started = time.perf_counter()
    instance = _demo_instance() if items == 0 else generate(items, seed)
    generate_s = time.perf_counter() - started
    row: dict[str, object] = {
        "instance": "ESSR demo" if items == 0 else f"generated, seed {seed}",
        "items": len(instance.items),
        "runs": sum(item.runs for item in instance.items),
        "rooms": len(instance.rooms),
        "days": len(instance.days),
        "people": len(instance.people),
        "limit_s": limit,
        "seed": seed,
        "workers": workers,
        "generate_s": round(generate_s, 3),
    }
    started = time.perf_counter()
    solution = solve(instance, Params(time_limit=limit, workers=workers, seed=seed))
    row["solve_s"] = round(time.perf_counter() - started, 2)
    gap = solution.gap
    if gap is None and solution.objective is not None and solution.bound is not None:
        gap = max(0, solution.objective - solution.bound) / max(1, abs(solution.objective))
    row |= {
        "status": solution.status,
        "first_feasible_s": solution.first_feasible,
        "objective": solution.objective,
        "bound": solution.bound,
        "gap_pct": None if gap is None else round(100 * gap, 2),
        "solutions": solution.solutions,
        "placed": len(solution.placements),
    }
    if solution.placements:
        started = time.perf_counter()
        violations = validate(instance, solution.placements)
        row["validate_s"] = round(time.perf_counter() - started, 3)
        row["hard_violations"] = len(violations)
        row["violation_codes"] = sorted({v.code for v in violations})
    else:
        row["hard_violations"] = None
    row["peak_mb"] = _peak_mb()
    return row


def _child(items: int, limit: float, seed: int, workers: int) -> dict[str, object]:
    """Run one size and limit in a fresh interpreter; a crash is reported as a row."""
    command = [
        sys.executable,
        "-m",
        "bench.solver_scale",
        "--run",
        str(items),
        str(limit),
        "--seed",
        str(seed),
        "--workers",
        str(workers),
    ]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3 * limit + 300, check=False)
    except subprocess.TimeoutExpired:
        return {"items": items, "limit_s": limit, "status": "timeout"}
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines:
        try:
            row: dict[str, object] = json.loads(lines[-1])
        except json.JSONDecodeError:
            pass
        else:
            return row
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"items": items, "limit_s": limit, "status": "error", "error": tail}


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _table(rows: list[dict[str, object]]) -> Table:
    table = Table(title="Solver scale")
    for key, header in COLUMNS:
        table.add_column(header, justify="left" if key == "status" else "right")
    for row in rows:
        table.add_row(*(_cell(row.get(key)) for key, _ in COLUMNS))
    return table


def _floats(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from exc


def _ints(text: str) -> list[int]:
    return [int(value) for value in _floats(text)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # 0 stands for the ESSR demo congress of ``make demo``.
    parser.add_argument("--sizes", type=_ints, default=[0, 50, 100, 200, 400, 800])
    parser.add_argument("--limits", type=_floats, default=[10.0, 60.0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    # Internal: one run in this process (items, time limit), printed as one JSON line.
    parser.add_argument("--run", nargs=2, metavar=("ITEMS", "LIMIT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.run:
        print(json.dumps(_one(int(args.run[0]), float(args.run[1]), args.seed, args.workers)))
        return 0

    progress = Console(stderr=True)
    rows: list[dict[str, object]] = []
    for items in args.sizes:
        for limit in args.limits:
            started = time.perf_counter()
            row = _child(items, limit, args.seed, args.workers)
            rows.append(row)
            progress.print(
                f"{items:>5} items, limit {limit:g} s: {row.get('status')} "
                f"in {time.perf_counter() - started:.1f} s" + (f" ({row['error']})" if "error" in row else "")
            )
    # Wide enough for every column when the output goes to a file or a pipe.
    Console(width=None if sys.stdout.isatty() else 150).print(_table(rows))
    print(json.dumps({"cpu_count": os.cpu_count(), "seed": args.seed, "workers": args.workers, "rows": rows}))
    return 0 if all(row.get("status") not in {"error", "timeout"} for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
