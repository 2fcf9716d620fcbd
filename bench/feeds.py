"""Calendar feed throughput on one server worker, against a trivial endpoint of the same server.

    python bench/feeds.py [--seconds 5] [--clients 8] [--time-limit 10]

Builds the ESSR demo congress in a temporary SQLite file (solved and released),
gives the busiest faculty member a secret feed link with a few starred items,
starts `uvicorn` with one worker on 127.0.0.1, and drives each endpoint in turn
with keep-alive clients:

- `trivial`: GET /health (one `SELECT 1`), the yardstick;
- `personal`: the faculty member's feed (200);
- `personal_304`: the same with its ETag in If-None-Match (304, nothing rendered);
- `programme`: the whole released programme (200).

It does so twice: with the server's render cache off (`CONGRESS_FEED_CACHE_MB=0`:
every 200 renders the calendar, the worst case of many different people
polling) and on (the default: a feed already rendered for its ETag is served
from memory).

Prints requests/s, p50 and p99 per endpoint and each one's ratio to `trivial`
(measured in the same run); the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.server import uvicorn_worker
from congress.config import settings_from_env
from congress.db.engine import make_sync_engine
from congress.db.models import AgendaStar, Congress, FeedToken, ProgrammeItem, PublishedFaculty
from congress.lib.security import hash_token, new_feed_token

ROOT = Path(__file__).resolve().parent.parent


def _prepare(workdir: Path, time_limit: float) -> tuple[dict[str, str], str, uuid.UUID]:
    env = {
        **os.environ,
        "CONGRESS_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "CONGRESS_LOG_LEVEL": "WARNING",
    }
    bundle = workdir / "essr.json"
    subprocess.run(
        [sys.executable, "-m", "examples.demo", "--scale", "essr", "--out", str(bundle)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "congress.cli",
            "demo",
            "--bundle",
            str(bundle),
            "--no-serve",
            "--time-limit",
            str(time_limit),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    engine = make_sync_engine(settings_from_env(env))
    try:
        with Session(engine) as session:
            congress = session.scalars(select(Congress)).one()
            person_id, duties = session.execute(
                select(PublishedFaculty.person_id, func.count())
                .group_by(PublishedFaculty.person_id)
                .order_by(func.count().desc())
                .limit(1)
            ).one()
            token = new_feed_token()
            session.add(FeedToken(congress_id=congress.id, person_id=person_id, digest=hash_token(token)))
            for item_id in session.scalars(
                select(ProgrammeItem.id).where(ProgrammeItem.congress_id == congress.id).limit(5)
            ):
                session.add(AgendaStar(congress_id=congress.id, person_id=person_id, item_id=item_id))
            session.commit()
            print(f"feed of a faculty member with {duties} duties and 5 starred items", file=sys.stderr)
            return env, token, congress.id
    finally:
        engine.dispose()


def _drive(url: str, headers: dict[str, str], expect: int, seconds: float, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with httpx.Client(timeout=30) as http:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = http.get(url, headers=headers)
                mine.append(time.perf_counter() - started)
                bad += response.status_code != expect
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
        "unexpected_status": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="per endpoint")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds for the demo solve")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        env, token, congress_id = _prepare(Path(tmp), args.time_limit)
        results = {
            mode: _measure({**env, "CONGRESS_FEED_CACHE_MB": megabytes}, token, congress_id, args)
            for mode, megabytes in (("cache_off", "0"), ("cache_on", "64"))
        }

    for mode, (runs, _) in results.items():
        trivial = runs["trivial"]["per_second"]
        for name, figures in runs.items():
            figures["ratio_to_trivial"] = round(figures["per_second"] / trivial, 3)
            print(
                f"{mode:>9} {name:>13}: {figures['per_second']:>8.1f}/s  p50 {figures['p50_ms']:>7.2f} ms  "
                f"p99 {figures['p99_ms']:>7.2f} ms  ratio {figures['ratio_to_trivial']:.3f}  "
                f"({figures['requests']} requests, {figures['unexpected_status']} unexpected)"
            )
    sizes = results["cache_on"][1]
    print(
        json.dumps(
            {"clients": args.clients, "seconds": args.seconds, **sizes, **{m: r for m, (r, _) in results.items()}}
        )
    )
    return 0


def _measure(
    env: dict[str, str], token: str, congress_id: uuid.UUID, args: argparse.Namespace
) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    """Start one server worker, drive each endpoint, stop it."""
    with uvicorn_worker(env) as (base, _pid):
        personal = f"{base}/api/feeds/{token}/calendar.ics"
        first = httpx.get(personal)
        etag = first.headers["etag"]
        programme = f"{base}/api/congresses/{congress_id}/calendar.ics"
        sizes = {"personal_bytes": len(first.content), "programme_bytes": len(httpx.get(programme).content)}
        runs = {
            "trivial": _drive(f"{base}/health", {}, 200, args.seconds, args.clients),
            "personal": _drive(personal, {}, 200, args.seconds, args.clients),
            "personal_304": _drive(personal, {"If-None-Match": etag}, 304, args.seconds, args.clients),
            "programme": _drive(programme, {}, 200, args.seconds, args.clients),
        }
        return runs, sizes


if __name__ == "__main__":
    raise SystemExit(main())
