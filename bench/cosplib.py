"""The programme engine on the CoSPLib conference instances, against the published schedules.

    python -m bench.cosplib [--time-limits 10,60] [--instances N2OR,GECCO19,GECCO20,OR60F] [--seed 1] [--workers 2]

For each instance (read from ``tests/data/cosplib/``): the published best — the lower of the scores of the two
reference schedules (exact and extended MILP), computed here by ``importers.cosplib_score`` from the reference
workbooks — then our score at every time limit (``importers.cosplib_solve.solve``: num_workers and seed fixed),
the time to the first schedule, and whether the engine's objective equalled the checker's score. Every score
shown is the checker's score of the schedule written and read back. Each solve runs in a fresh Python process.
Prints a table and, last, one JSON object with every row and the machine's CPU count.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from importers.cosplib import Instance

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "cosplib"
INSTANCES = ("N2OR", "GECCO19", "GECCO20", "OR60F")


def _read(name: str) -> Instance:
    from importers.cosplib import read_instance

    path = DATA / "instances" / f"{name}.xlsx"
    parsed = read_instance(path.read_bytes(), path.name)
    if parsed.instance is None:
        raise SystemExit(f"{path}: {parsed.problems[0].message}")
    return parsed.instance


def published(name: str) -> dict[str, float]:
    """The checker's scores of the reference schedules that exist for the instance."""
    from importers.cosplib import read_solution
    from importers.cosplib_score import score

    instance = _read(name)
    out: dict[str, float] = {}
    for model in ("exact", "extended"):
        path = DATA / "reference-solutions" / f"{name}-{model}.xlsx"
        if path.exists():
            parsed = read_solution(path.read_bytes(), path.name, instance)
            if parsed.solution is not None:
                out[model] = score(instance, parsed.solution).total
    return out


def _one(name: str, limit: float, seed: int, workers: int) -> dict[str, object]:
    """Solve one instance in this process, write the schedule, read it back and score it."""
    from importers.cosplib import read_solution, write_solution
    from importers.cosplib_score import score
    from importers.cosplib_solve import objective_score, solve

    instance = _read(name)
    started = time.perf_counter()
    solved = solve(instance, time_limit=limit, seed=seed, workers=workers)
    wall = time.perf_counter() - started
    row: dict[str, object] = {"instance": name, "limit_s": limit, "seed": seed, "workers": workers}
    if solved is None:
        return row | {"status": "none", "wall_s": round(wall, 2)}
    data = write_solution(instance, solved.solution)
    back = read_solution(data, f"{name}-ours.xlsx", instance)
    assert back.solution is not None
    result = score(instance, back.solution)
    return row | {
        "status": solved.engine.status,
        "score": result.total,
        "all_scheduled": result.all_scheduled,
        "objective": objective_score(solved),
        "bound": solved.engine.bound,
        "objective_is_score": objective_score(solved) == result.total,
        "first_feasible_s": solved.engine.first_feasible,
        "wall_s": round(wall, 2),
        "families": {f.key: f.value for f in result.families if f.value},
    }


def _child(name: str, limit: float, seed: int, workers: int) -> dict[str, object]:
    """Run one solve in a fresh interpreter; a crash is reported as a row."""
    command = [sys.executable, "-m", "bench.cosplib", "--run", name, str(limit), "--seed", str(seed)]
    command += ["--workers", str(workers)]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3 * limit + 120, check=False)
    except subprocess.TimeoutExpired:
        return {"instance": name, "limit_s": limit, "status": "timeout"}
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines:
        try:
            row: dict[str, object] = json.loads(lines[-1])
        except json.JSONDecodeError:
            pass
        else:
            return row
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"instance": name, "limit_s": limit, "status": "error", "error": tail}


def _number(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _table(rows: list[dict[str, object]], limits: list[float]) -> Table:
    table = Table(title="CoSPLib: published best vs the programme engine (lower is better)")
    table.add_column("instance")
    table.add_column("published best", justify="right")
    for limit in limits:
        table.add_column(f"ours {limit:g} s", justify="right")
    for limit in limits:
        table.add_column(f"first feasible (s), {limit:g} s run", justify="right")
    table.add_column("objective = score", justify="center")
    table.add_column(f"≤ published at {limits[-1]:g} s", justify="center")
    for row in rows:
        runs = _runs(row)
        cells = [str(row["instance"]), _number(row["published_best"])]
        cells += [_number(runs[str(limit)].get("score")) + _status(runs[str(limit)]) for limit in limits]
        cells += [_number(runs[str(limit)].get("first_feasible_s")) for limit in limits]
        cells.append("yes" if all(r.get("objective_is_score") for r in runs.values()) else "no")
        cells.append("yes" if row.get("target_met") else "no")
        table.add_row(*cells)
    return table


def _runs(row: dict[str, object]) -> dict[str, dict[str, object]]:
    runs = row["runs"]
    assert isinstance(runs, dict)
    return runs


def _status(run: dict[str, object]) -> str:
    status = run.get("status")
    return "" if status == "feasible" else f" ({status})"


def _floats(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated seconds, got {text!r}") from exc


def _names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if not (DATA / "instances" / f"{n}.xlsx").exists()]
    if unknown:
        raise argparse.ArgumentTypeError(f"no instance {', '.join(unknown)} in {DATA / 'instances'}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limits", type=_floats, default=[10.0, 60.0])
    parser.add_argument("--instances", type=_names, default=list(INSTANCES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    # Internal: one solve in this process (instance, time limit), printed as one JSON line.
    parser.add_argument("--run", nargs=2, metavar=("INSTANCE", "LIMIT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.run:
        print(json.dumps(_one(args.run[0], float(args.run[1]), args.seed, args.workers)))
        return 0

    progress = Console(stderr=True)
    rows: list[dict[str, object]] = []
    for name in args.instances:
        references = published(name)
        best = min(references.values()) if references else None
        runs: dict[str, dict[str, object]] = {}
        for limit in args.time_limits:
            started = time.perf_counter()
            run = _child(name, limit, args.seed, args.workers)
            runs[str(limit)] = run
            progress.print(
                f"{name}, {limit:g} s: {run.get('status')} score {_number(run.get('score'))} "
                f"in {time.perf_counter() - started:.1f} s" + (f" ({run['error']})" if "error" in run else "")
            )
        last = runs[str(args.time_limits[-1])].get("score")
        rows.append(
            {
                "instance": name,
                "published": references,
                "published_best": best,
                "runs": runs,
                "target_met": best is not None and isinstance(last, int | float) and last <= best,
            }
        )
    # Wide enough for every column when the output goes to a file or a pipe.
    Console(width=None if sys.stdout.isatty() else 170).print(_table(rows, args.time_limits))
    print(
        json.dumps(
            {
                "cpu_count": os.cpu_count(),
                "workers": args.workers,
                "seed": args.seed,
                "time_limits": args.time_limits,
                "rows": rows,
            }
        )
    )
    ok = all(run.get("status") not in {"error", "timeout"} for row in rows for run in _runs(row).values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
