"""Door scan ingest on one server worker, against a trivial endpoint of the same server.

    python bench/scans.py [--seconds 5] [--clients 32] [--registrations 2000] [--rooms 8]
                          [--devices 8] [--batch-size 100] [--batch-clients N] [--postgres URL]

Migrates a fresh SQLite file (and, with --postgres, that PostgreSQL database: its schema is dropped),
loads a congress running today with rooms and active registrations, starts `uvicorn` with one worker
on 127.0.0.1, issues every badge and registers one scanner device per door through the API, signs
the badge texts as the printer does, and then drives the server with keep-alive clients, each phase
for the same number of seconds and with the same concurrency (the batch phase: --batch-clients):

- `trivial`: GET /health (one `SELECT 1` and a look at the migration table), the yardstick;
- `single`: POST /scans with one scan per request, as a door online sends them: every client stands at
  one device's door (several clients share a device), every scan a distinct nonce, a random badge
  going in (four in five) or out of the device's room, read just now;
- `batch`: the same scans sent `--batch-size` at a time, as a door that was offline sends them.

Prints, per phase, accepted scans/s (answered ok, already_inside or not_inside), requests/s, p50 and
p99 request latency, the ratio of requests/s to `trivial`, and the server worker's CPU time per
request (user + system, from /proc; the PostgreSQL server's own work is not in it). Afterwards the
scans stored in the database are counted and compared with the acknowledged ones. Targets: single
scans ≥ 1,000/s with p99 < 50 ms, and a ratio ≥ 0.3. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from congress.config import settings_from_env
from congress.db import migrate
from congress.db.engine import make_sync_engine
from congress.db.models import ApiToken, Badge, BadgeKey, Congress, Person, Registration, Room, Scan
from congress.enums import RegistrationCategory, RegistrationStatus
from congress.lib import badges
from congress.lib.security import Role, hash_token, new_token

ROOT = Path(__file__).resolve().parent.parent
TIME_ZONE = "Europe/Vienna"
ACCEPTED = frozenset({"ok", "already_inside", "not_inside"})
TARGETS = {"single_scans_per_second": 1000, "single_p99_ms": 50, "ratio_to_trivial": 0.3}

# A client's step: send one request, return (scans accepted, "" or what was unexpected in the answer).
Step = Callable[[httpx.Client], tuple[int, str]]


@dataclass(frozen=True, slots=True)
class World:
    congress_id: uuid.UUID
    organiser: str
    rooms: list[uuid.UUID]


@dataclass(frozen=True, slots=True)
class Door:
    token: str
    room_id: uuid.UUID


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _server(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """One uvicorn worker on 127.0.0.1; yields its base URL and process id."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "congress.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def _drive(base: str, steps: Callable[[int], Step], seconds: float, clients: int, pid: int) -> dict[str, Any]:
    """Run ``clients`` keep-alive clients for ``seconds``; client i repeats ``steps(i)``."""
    latencies: list[float] = []
    accepted = 0
    unexpected: Counter[str] = Counter()
    lock = threading.Lock()
    # Every client connects first; the clock starts when all are ready.
    ready = threading.Barrier(clients + 1)
    go = threading.Event()
    stop = 0.0

    def client(index: int) -> None:
        nonlocal accepted
        step = steps(index)
        mine: list[float] = []
        scans = 0
        bad: Counter[str] = Counter()
        with httpx.Client(base_url=base, timeout=60) as http:
            ready.wait()
            go.wait()
            while time.perf_counter() < stop:
                started = time.perf_counter()
                try:
                    n, wrong = step(http)
                except httpx.TransportError as e:
                    n, wrong = 0, type(e).__name__
                mine.append(time.perf_counter() - started)
                scans += n
                if wrong:
                    bad[wrong] += 1
        with lock:
            latencies.extend(mine)
            accepted += scans
            unexpected.update(bad)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    cpu_before = _cpu_seconds(pid)
    started = time.perf_counter()
    stop = started + seconds
    go.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    cpu_after = _cpu_seconds(pid)
    latencies.sort()
    figures: dict[str, Any] = {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
        "unexpected": sum(unexpected.values()),
        "unexpected_answers": dict(unexpected.most_common(5)),
        "accepted_scans": accepted,
        "scans_per_second": round(accepted / elapsed, 1),
    }
    if cpu_before is not None and cpu_after is not None:
        figures["server_cpu_ms_per_request"] = round((cpu_after - cpu_before) * 1000 / max(1, len(latencies)), 3)
        figures["server_cpu_share"] = round((cpu_after - cpu_before) / elapsed, 2)
    return figures


def _scan_steps(
    congress_id: uuid.UUID, doors: list[Door], texts: list[str], batch_size: int, phase: str
) -> Callable[[int], Step]:
    """Client i stands at door i mod len(doors) and sends ``batch_size`` fresh scans per request."""
    path = f"/api/congresses/{congress_id}/scans"
    tz = zoneinfo.ZoneInfo(TIME_ZONE)

    def steps(index: int) -> Step:
        door = doors[index % len(doors)]
        headers = {"Authorization": f"Bearer {door.token}"}
        rng = random.Random(f"{phase}-{index}")
        sequence = itertools.count()

        def step(http: httpx.Client) -> tuple[int, str]:
            read_at = dt.datetime.now(tz).isoformat()
            scans = [
                {
                    "nonce": f"{phase}-{index}-{next(sequence)}",
                    "badge": rng.choice(texts),
                    "scanned_at": read_at,
                    "direction": "in" if rng.random() < 0.8 else "out",
                }
                for _ in range(batch_size)
            ]
            response = http.post(path, json={"scans": scans}, headers=headers)
            if response.status_code != 200:
                return 0, f"{response.status_code} {_problem_code(response)}"
            results = response.json()["results"]
            # Every scan answered ok, already_inside or not_inside is stored; none of these nonces was sent
            # before, so an answer marked as a replay is unexpected too (and counted apart).
            accepted = sum(r["code"] in ACCEPTED for r in results)
            wrong = {r["code"] for r in results if r["code"] not in ACCEPTED}
            wrong |= {"replayed"} if any(r["replayed"] for r in results) else set()
            return accepted, " ".join(sorted(wrong))

        return step

    return steps


def _problem_code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code", ""))
    except ValueError:
        return ""


def _health_steps(_: int) -> Step:
    def step(http: httpx.Client) -> tuple[int, str]:
        response = http.get("/health")
        return 0, "" if response.status_code == 200 else str(response.status_code)

    return step


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
    try:
        started = time.perf_counter()
        world = _load(engine, args)
        with _server(env) as (base, pid):
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
            setup_s = time.perf_counter() - started
            # Warm up: every device token used once, the connection pool filled.
            _drive(base, _scan_steps(world.congress_id, doors, texts, 1, "warm"), 1.0, args.clients, pid)
            _drive(base, _health_steps, 0.5, args.clients, pid)
            runs = {
                "trivial": _drive(base, _health_steps, args.seconds, args.clients, pid),
                "single": _drive(
                    base, _scan_steps(world.congress_id, doors, texts, 1, "single"), args.seconds, args.clients, pid
                ),
                "batch": _drive(
                    base,
                    _scan_steps(world.congress_id, doors, texts, args.batch_size, "batch"),
                    args.seconds,
                    args.batch_clients,
                    pid,
                ),
            }
        with Session(engine) as session:
            stored = session.scalar(select(func.count()).select_from(Scan)) or 0
            warm = session.scalar(select(func.count()).select_from(Scan).where(Scan.nonce.like("warm-%"))) or 0
    finally:
        engine.dispose()
    trivial = runs["trivial"]["per_second"]
    for figures in runs.values():
        figures["ratio_to_trivial"] = round(figures["per_second"] / trivial, 3)
    acknowledged = runs["single"]["accepted_scans"] + runs["batch"]["accepted_scans"]
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
    parser.add_argument("--batch-size", type=int, default=100, help="scans per request in the batch phase")
    parser.add_argument("--batch-clients", type=int, default=None, help="default: --clients")
    parser.add_argument("--postgres", default=None, help="also measure on this PostgreSQL URL (its schema is dropped)")
    args = parser.parse_args(argv)
    args.batch_clients = args.batch_clients or args.clients

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
        for phase in ("trivial", "single", "batch"):
            f = figures[phase]
            print(
                f"{db:>10} {phase:>8} {f['scans_per_second']:>9.1f} {f['per_second']:>11.1f} {f['p50_ms']:>8.2f} "
                f"{f['p99_ms']:>8.2f} {f['ratio_to_trivial']:>6.3f} {f.get('server_cpu_ms_per_request', -1):>10.3f} "
                f"{f['unexpected']:>10}"
            )
        single = figures["single"]
        figures["targets_met"] = {
            "single_scans_per_second": single["scans_per_second"] >= TARGETS["single_scans_per_second"],
            "single_p99_ms": single["p99_ms"] < TARGETS["single_p99_ms"],
            "ratio_to_trivial": single["ratio_to_trivial"] >= TARGETS["ratio_to_trivial"],
        }
        print(
            f"{db:>10}: {figures['stored_scans']} scans stored, {figures['acknowledged_scans']} acknowledged; "
            f"targets met: {figures['targets_met']}"
        )
        for phase in ("trivial", "single", "batch"):
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
