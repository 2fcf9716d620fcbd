"""Door scan ingest on one server worker, against a trivial endpoint of the same server.

    python bench/scans.py [--seconds 5] [--clients 32] [--registrations 2000] [--rooms 8] [--devices 8]
                          [--paced-rate 1000] [--batch-size 100] [--batch-clients N] [--postgres URL]

Needs `wrk` (Debian: apt-get install wrk), which drives the server from C with the Lua script beside
this file, so that the load generator takes little of the CPU it shares with the server.

Migrates a fresh SQLite file (and, with --postgres, that PostgreSQL database: its schema is dropped),
loads a congress running today with rooms and active registrations, starts `uvicorn` with one worker
on 127.0.0.1, issues every badge and registers one scanner device per door through the API, signs
the badge texts as the printer does, gathers table statistics (ANALYZE, as a database in use has
them), and then drives the server with `--clients` keep-alive connections (the batch phase:
--batch-clients), each phase for the same number of seconds. Scans pick a random badge: with the
default 2,000 badges each is scanned several times a phase, as at a congress, so the server's
remembered signature checks mostly hit; `--registrations 20000` (ECR's size) makes most scans of a
phase a badge's first.

- `trivial`: GET /health (one `SELECT 1` and a look at the migration table), the yardstick;
- `single`: POST /scans with one scan per request, as a door online sends them, each connection
  sending its next request as soon as it has the answer (the most the server gives): requests take
  the devices in turn, every scan a distinct nonce, a random badge going in (four in five) or out of
  the device's room, read just now;
- `paced`: the same scans offered at --paced-rate a second, evenly spaced in time (request k is sent
  k/rate seconds after the start, or at once when it is overdue): the latency at that load. If the
  server falls behind, the achieved rate is below the offered one and requests are sent as fast as it
  answers (wrk measures from the actual send, so the wait of an overdue request is not counted);
- `batch`: the same scans sent `--batch-size` at a time, as a door that was offline sends them.

Prints, per phase, accepted scans/s (answered ok, already_inside or not_inside), requests/s, p50 and
p99 request latency (wrk's, from send to answer), the ratio of requests/s to `trivial`, and the server
worker's CPU time per request (user + system, from /proc; the PostgreSQL server's own work is not in
it). Afterwards the scans stored in the database are counted: at least the acknowledged ones (wrk
stops counting at the end of a phase, while the requests still in flight are stored). Targets: single
scans ≥ 1,000/s (single), p99 < 50 ms at 1,000 scans/s offered with the server keeping up (paced, at the
default rate), and a ratio ≥ 0.3 (single). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bench.server import uvicorn_worker
from congress.config import settings_from_env
from congress.db import migrate
from congress.db.engine import make_sync_engine
from congress.db.models import ApiToken, Badge, BadgeKey, Congress, Person, Registration, Room, Scan
from congress.enums import RegistrationCategory, RegistrationStatus
from congress.lib import badges
from congress.lib.security import Role, hash_token, new_token

TIME_ZONE = "Europe/Vienna"
ACCEPTED = frozenset({"ok", "already_inside", "not_inside"})
# Single scans: at least 1,000/s answered by one worker; at 1,000/s offered (paced), the server keeps up
# (at least 99 % of the offered rate accepted) with p99 < 50 ms; single scans/s ÷ /health requests/s ≥ 0.3.
TARGETS = {"single_scans_per_second": 1000, "paced_p99_ms": 50, "ratio_to_trivial": 0.3}


@dataclass(frozen=True, slots=True)
class World:
    congress_id: uuid.UUID
    organiser: str
    rooms: list[uuid.UUID]


@dataclass(frozen=True, slots=True)
class Door:
    token: str
    room_id: uuid.UUID


def _load(engine: Engine, args: argparse.Namespace) -> World:
    """A congress from yesterday to tomorrow (so scans read now are in its window), rooms, registrations."""
    today = dt.datetime.now(zoneinfo.ZoneInfo(TIME_ZONE)).date()
    stamp = dt.datetime.now(dt.UTC)
    organiser = new_token()
    with Session(engine) as session:
        session.add(ApiToken(name="bench organiser", role=Role.ORGANISER, digest=hash_token(organiser)))
        congress = Congress(
            slug="scan-bench",
            name="Scan bench",
            time_zone=TIME_ZONE,
            first_day=today - dt.timedelta(days=1),
            last_day=today + dt.timedelta(days=1),
            day_start=dt.time(8, 0),
            day_end=dt.time(18, 0),
        )
        session.add(congress)
        session.flush()
        rooms = [Room(congress_id=congress.id, name=f"Room {n}", capacity=500) for n in range(1, args.rooms + 1)]
        session.add_all(rooms)
        people = [Person(name=f"Attendee {n}", email=f"attendee{n}@example.org") for n in range(args.registrations)]
        session.add_all(people)
        session.flush()
        session.add_all(
            Registration(
                congress_id=congress.id,
                person_id=p.id,
                category=RegistrationCategory.FULL,
                status=RegistrationStatus.ACTIVE,
                registered_at=stamp,
            )
            for p in people
        )
        session.commit()
        return World(congress_id=congress.id, organiser=organiser, rooms=[r.id for r in rooms])


def _badge_texts(engine: Engine, congress_id: uuid.UUID) -> list[str]:
    """Every active badge's QR text, signed with its key as the printer does."""
    with Session(engine) as session:
        rows = session.execute(
            select(Badge.id, BadgeKey.private_key)
            .join(BadgeKey, BadgeKey.kid == Badge.kid)
            .where(Badge.congress_id == congress_id, Badge.revoked_at.is_(None))
        ).tuples()
        keys: dict[bytes, Any] = {}
        texts = []
        for badge_id, private in rows:
            key = keys.setdefault(private, badges.private_from_bytes(private))
            texts.append(badges.sign_badge(key, congress_id, badge_id))
        return texts


def _analyze(engine: Engine) -> None:
    """Table statistics, as a database in use has them (the planner guesses without them)."""
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


WRK = "wrk"
LUA = Path(__file__).resolve().with_suffix(".lua")


def _drive(
    base: str,
    path: str,
    seconds: float,
    clients: int,
    pid: int,
    *,
    scans: Scans | None = None,
    phase: str = "",
    rate: float = 0.0,
) -> dict[str, Any]:
    """Run wrk (one thread, ``clients`` keep-alive connections) for ``seconds`` against ``path``; with
    ``rate``, requests are sent at that many a second, evenly spaced, instead of as fast as answered."""
    env = {
        **os.environ,
        "SCANS_MODE": "trivial",
        "SCANS_PATH": path,
        "SCANS_PHASE": phase,
        "SCANS_RATE": str(rate),
    }
    if scans is not None:
        env |= {
            "SCANS_MODE": "scans",
            "SCANS_BADGES": str(scans.badges),
            "SCANS_DOORS": str(scans.doors),
            "SCANS_BATCH": str(scans.batch_size),
        }
    command = [
        WRK, "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "60s", "-s", str(LUA), f"{base}{path}"
    ]  # fmt: skip
    cpu_before = _cpu_seconds(pid)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    cpu_after = _cpu_seconds(pid)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    requests, elapsed = report["requests"], report["seconds"]
    accepted = report["accepted"] if scans is not None else 0
    figures: dict[str, Any] = {
        "requests": requests,
        "per_second": round(requests / elapsed, 1),
        "p50_ms": round(report["p50_us"] / 1000, 2),
        "p90_ms": round(report["p90_us"] / 1000, 2),
        "p99_ms": round(report["p99_us"] / 1000, 2),
        "max_ms": round(report["max_us"] / 1000, 2),
        "unexpected": report["unexpected"] + report["socket_errors"],
        "unexpected_answers": report["answers"],
        "accepted_scans": accepted,
        "scans_per_second": round(accepted / elapsed, 1),
    }
    if cpu_before is not None and cpu_after is not None:
        figures["server_cpu_ms_per_request"] = round((cpu_after - cpu_before) * 1000 / max(1, requests), 3)
        figures["server_cpu_share"] = round((cpu_after - cpu_before) / elapsed, 2)
    return figures


@dataclass(frozen=True, slots=True)
class Scans:
    badges: Path
    doors: Path
    batch_size: int


def measure(url: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {
        **os.environ,
        "CONGRESS_DATABASE_URL": url,
        "CONGRESS_LOG_LEVEL": "WARNING",
        "CONGRESS_SOLVE_JOBS": "external",
    }
    settings = settings_from_env(env)
    migrate.recreate(settings.sync_database_url)
    engine = make_sync_engine(settings)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as cleanup:
        cleanup.callback(engine.dispose)
        started = time.perf_counter()
        world = _load(engine, args)
        with uvicorn_worker(env) as (base, pid):
            organiser = {"Authorization": f"Bearer {world.organiser}"}
            congress = f"{base}/api/congresses/{world.congress_id}"
            httpx.post(f"{congress}/badges/issue", headers=organiser, timeout=120).raise_for_status()
            doors = []
            for n in range(args.devices):
                room = world.rooms[n % len(world.rooms)]
                created = httpx.post(
                    f"{congress}/scanners", json={"name": f"Door {n + 1}", "room_id": str(room)}, headers=organiser
                )
                created.raise_for_status()
                doors.append(Door(token=created.json()["token"], room_id=room))
            texts = _badge_texts(engine, world.congress_id)
            _analyze(engine)
            files = Path(tmp)
            (files / "badges.txt").write_text("\n".join(texts) + "\n")
            (files / "doors.txt").write_text("\n".join(d.token for d in doors) + "\n")
            single = Scans(badges=files / "badges.txt", doors=files / "doors.txt", batch_size=1)
            batch = Scans(badges=single.badges, doors=single.doors, batch_size=args.batch_size)
            scans_path = f"/api/congresses/{world.congress_id}/scans"
            setup_s = time.perf_counter() - started
            # Warm up: every device token used, the connection pool filled.
            _drive(base, scans_path, 1.0, args.clients, pid, scans=single, phase="warm")
            _drive(base, "/health", 1.0, args.clients, pid)
            runs = {
                "trivial": _drive(base, "/health", args.seconds, args.clients, pid),
                "single": _drive(base, scans_path, args.seconds, args.clients, pid, scans=single, phase="single"),
                "paced": _drive(
                    base,
                    scans_path,
                    args.seconds,
                    args.clients,
                    pid,
                    scans=single,
                    phase="paced",
                    rate=args.paced_rate,
                ),
                "batch": _drive(base, scans_path, args.seconds, args.batch_clients, pid, scans=batch, phase="batch"),
            }
        with Session(engine) as session:
            stored = session.scalar(select(func.count()).select_from(Scan)) or 0
            warm = session.scalar(select(func.count()).select_from(Scan).where(Scan.nonce.like("warm-%"))) or 0
    trivial = runs["trivial"]["per_second"]
    for figures in runs.values():
        figures["ratio_to_trivial"] = round(figures["per_second"] / trivial, 3)
    acknowledged = sum(runs[phase]["accepted_scans"] for phase in ("single", "paced", "batch"))
    return {
        "setup_s": round(setup_s, 1),
        "badges": len(texts),
        **runs,
        "stored_scans": int(stored) - int(warm),
        "acknowledged_scans": int(acknowledged),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase")
    parser.add_argument("--clients", type=int, default=32, help="concurrent keep-alive clients, every phase")
    parser.add_argument("--registrations", type=int, default=2000, help="attendees, each with a badge")
    parser.add_argument("--rooms", type=int, default=8)
    parser.add_argument("--devices", type=int, default=8, help="scanner devices, one per door in turn")
    parser.add_argument(
        "--paced-rate", type=float, default=1000.0, help="scans/s the paced phase offers (one scan per request)"
    )
    parser.add_argument("--batch-size", type=int, default=100, help="scans per request in the batch phase")
    parser.add_argument("--batch-clients", type=int, default=None, help="default: --clients")
    parser.add_argument("--postgres", default=None, help="also measure on this PostgreSQL URL (its schema is dropped)")
    args = parser.parse_args(argv)
    args.batch_clients = args.batch_clients or args.clients
    if shutil.which("wrk") is None:
        print("bench/scans.py needs wrk on PATH (Debian: apt-get install wrk)", file=sys.stderr)
        return 2

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = measure(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args)
    if args.postgres:
        results["postgresql"] = measure(args.postgres, args)

    print(
        f"{args.clients} clients, {args.seconds:g} s per phase, {args.registrations} badges, "
        f"{args.devices} devices, batches of {args.batch_size} from {args.batch_clients} clients"
    )
    print(
        f"{'database':>10} {'phase':>8} {'scans/s':>9} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'ratio':>6} {'cpu ms/req':>10} {'unexpected':>10}"
    )
    for db, figures in results.items():
        for phase in ("trivial", "single", "paced", "batch"):
            f = figures[phase]
            print(
                f"{db:>10} {phase:>8} {f['scans_per_second']:>9.1f} {f['per_second']:>11.1f} {f['p50_ms']:>8.2f} "
                f"{f['p99_ms']:>8.2f} {f['ratio_to_trivial']:>6.3f} {f.get('server_cpu_ms_per_request', -1):>10.3f} "
                f"{f['unexpected']:>10}"
            )
        single = figures["single"]
        paced = figures["paced"]
        figures["targets_met"] = {
            "single_scans_per_second": single["scans_per_second"] >= TARGETS["single_scans_per_second"],
            "paced_p99_ms": paced["p99_ms"] < TARGETS["paced_p99_ms"]
            and paced["scans_per_second"] >= 0.99 * args.paced_rate
            and args.paced_rate >= TARGETS["single_scans_per_second"],
            "ratio_to_trivial": single["ratio_to_trivial"] >= TARGETS["ratio_to_trivial"],
        }
        print(
            f"{db:>10}: {figures['stored_scans']} scans stored, {figures['acknowledged_scans']} acknowledged; "
            f"targets met: {figures['targets_met']}"
        )
        for phase in ("trivial", "single", "paced", "batch"):
            if figures[phase]["unexpected_answers"]:
                print(f"{db:>10}: unexpected {phase} answers: {figures[phase]['unexpected_answers']}")
    print(
        json.dumps(
            {
                "clients": args.clients,
                "seconds": args.seconds,
                "registrations": args.registrations,
                "devices": args.devices,
                "batch_size": args.batch_size,
                "batch_clients": args.batch_clients,
                "targets": TARGETS,
                **results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
