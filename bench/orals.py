"""How the oral-exam engine does on the EDiMSK orals at two sizes.

    python -m bench.orals [--seeds 1] [--workers 2] [--small-limit 10] [--large-limit 30]

* small: 60 candidates, 20 examiners, 4 workstations, two days — time to proven optimality
  (target: within 5 s on 2 workers), objective and bound;
* large: 200 candidates, 50 examiners, 8 workstations, two days — time to the first timetable and the
  gap when the time limit (30 s) ends the search, or the time to optimality if it comes first.

Instances come from ``solver.orals.generate`` (examiners with programme duties as busy windows, some
with few half-days or a cap, conflicts of interest, candidates' own commitments and wishes). Each run
is a fresh Python process (generate, solve, validate independently), so the peak memory is that run's.
Prints a table and, last, one JSON object with every row and the machine's CPU count.
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

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent

# name -> (candidates, examiners, workstations, days)
CASES: dict[str, tuple[int, int, int, int]] = {"small": (60, 20, 4, 2), "large": (200, 50, 8, 2)}

COLUMNS = (
    ("case", "case"),
    ("candidates", "candidates"),
    ("examiners", "examiners"),
    ("workstations", "workstations"),
    ("seed", "seed"),
    ("limit_s", "limit (s)"),
    ("status", "status"),
    ("first_feasible_s", "first feasible (s)"),
    ("optimal_s", "optimal at (s)"),
    ("wall_s", "wall (s)"),
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


def _one(case: str, limit: float, seed: int, workers: int) -> dict[str, object]:
    """Generate, solve and validate one instance in this process."""
    from solver.orals.engine import solve
    from solver.orals.generate import generate
    from solver.orals.model import OralParams
    from solver.orals.validate import validate

    candidates, examiners, workstations, days = CASES[case]
    started = time.perf_counter()
    instance = generate(candidates, examiners, workstations, days, seed)
    row: dict[str, object] = {
        "case": case,
        "candidates": candidates,
        "examiners": examiners,
        "workstations": workstations,
        "days": days,
        "seed": seed,
        "workers": workers,
        "limit_s": limit,
        "generate_s": round(time.perf_counter() - started, 3),
    }
    started = time.perf_counter()
    solution = solve(instance, OralParams(time_limit=limit, workers=workers, seed=seed))
    wall = time.perf_counter() - started
    gap = solution.gap
    row |= {
        "status": solution.status,
        "first_feasible_s": solution.first_feasible,
        "optimal_s": round(wall, 2) if solution.status == "optimal" else None,
        "wall_s": round(wall, 2),
        "objective": solution.objective,
        "bound": solution.bound,
        "gap_pct": None if gap is None else round(100 * gap, 2),
        "solutions": solution.solutions,
        "terms": {t.name: t.units for t in solution.terms},
        "assigned": len(solution.assignments),
    }
    if solution.assignments:
        started = time.perf_counter()
        violations = validate(instance, solution.assignments)
        row["validate_s"] = round(time.perf_counter() - started, 3)
        row["hard_violations"] = len(violations)
    else:
        row["hard_violations"] = None
    row["peak_mb"] = _peak_mb()
    return row


def _child(case: str, limit: float, seed: int, workers: int) -> dict[str, object]:
    """Run one case in a fresh interpreter; a crash is reported as a row."""
    command = [sys.executable, "-m", "bench.orals", "--run", case, str(limit), "--seeds", str(seed)]
    command += ["--workers", str(workers)]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3 * limit + 120, check=False)
    except subprocess.TimeoutExpired:
        return {"case": case, "seed": seed, "limit_s": limit, "status": "timeout"}
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines:
        try:
            row: dict[str, object] = json.loads(lines[-1])
        except json.JSONDecodeError:
            pass
        else:
            return row
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"case": case, "seed": seed, "limit_s": limit, "status": "error", "error": tail}


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _table(rows: list[dict[str, object]]) -> Table:
    table = Table(title="Oral-exam engine")
    for key, header in COLUMNS:
        table.add_column(header, justify="left" if key in {"case", "status"} else "right")
    for row in rows:
        table.add_row(*(_cell(row.get(key)) for key, _ in COLUMNS))
    return table


def _ints(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=_ints, default=[1])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--small-limit", type=float, default=10.0)
    parser.add_argument("--large-limit", type=float, default=30.0)
    # Internal: one run in this process (case, time limit), printed as one JSON line.
    parser.add_argument("--run", nargs=2, metavar=("CASE", "LIMIT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.run:
        print(json.dumps(_one(args.run[0], float(args.run[1]), args.seeds[0], args.workers)))
        return 0

    progress = Console(stderr=True)
    rows: list[dict[str, object]] = []
    for case, limit in (("small", args.small_limit), ("large", args.large_limit)):
        for seed in args.seeds:
            started = time.perf_counter()
            row = _child(case, limit, seed, args.workers)
            rows.append(row)
            progress.print(
                f"{case}, seed {seed}: {row.get('status')} in {time.perf_counter() - started:.1f} s"
                + (f" ({row['error']})" if "error" in row else "")
            )
    # Wide enough for every column when the output goes to a file or a pipe.
    Console(width=None if sys.stdout.isatty() else 170).print(_table(rows))
    print(json.dumps({"cpu_count": os.cpu_count(), "workers": args.workers, "seeds": args.seeds, "rows": rows}))
    return 0 if all(row.get("status") not in {"error", "timeout"} for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
