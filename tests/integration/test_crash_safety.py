"""A server killed with SIGKILL during scan ingest loses no acknowledged scan and stores none twice.

A real server process ingests batches of door scans from a client thread; the test kills it with SIGKILL
several times and starts it again. Every other kill comes at a random moment inside a request; the others
come as soon as a batch is committed, and the client takes that batch's answer as lost (as it is when the
kill comes a moment earlier), so the restarted server gets a batch it already stored. The client sends
every batch until it is acknowledged (a replay stores nothing new), so in the end every scan sent must be
stored exactly once, in particular every scan of an acknowledged batch, and a batch stored before a crash
is answered as a replay with its first answers.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from congress.config import Settings
from congress.db.models import Scan
from congress.lib.transactions import WRITE_INTENT
from tests.factories import Api, badge_world
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
BATCHES = 36
PER_BATCH = 100
KILLS = 5
ATTENDEES = 12
FIRST_SCAN = dt.datetime(2026, 6, 18, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
ACCEPTED = {"ok", "already_inside", "not_inside"}
# Guards against a hang, never a measure: nothing here asserts how long anything took.
GIVE_UP_S = 120.0


class ServerProcess:
    """One uvicorn worker in its own process, on a fresh port each time, that the test kills with SIGKILL.

    The next process is started ahead (``prepare``) while the current one works, so that it is listening
    soon after a kill; it opens its database connections only when its first request comes, after the
    kill. At most one process is in service at a time.
    """

    def __init__(self, settings: Settings, log: Path) -> None:
        self.env = {
            **os.environ,
            "CONGRESS_DATABASE_URL": settings.database_url,
            "CONGRESS_LOG_LEVEL": "WARNING",
            "CONGRESS_SOLVE_JOBS": "external",
        }
        self.log = log
        self.lock = threading.Lock()
        self.current: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.standby: tuple[subprocess.Popen[bytes], int] | None = None
        self.starts = 0

    def _spawn(self) -> tuple[subprocess.Popen[bytes], int]:
        port = free_port()
        with self.log.open("ab") as log:
            process = subprocess.Popen(
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
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        return process, port

    def _wait_listening(self, process: subprocess.Popen[bytes], port: int) -> None:
        """Until the port accepts connections (uvicorn listens once the application has started)."""
        deadline = time.monotonic() + GIVE_UP_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def prepare(self) -> None:
        """Start the next process, to be put in service by ``start``."""
        assert self.standby is None
        self.standby = self._spawn()

    def wait_prepared(self) -> None:
        assert self.standby is not None
        self._wait_listening(*self.standby)

    def start(self) -> None:
        """Put the prepared process (or a new one) in service; the previous one must be dead."""
        assert self.current is None or self.current.poll() is not None
        process, port = self.standby or self._spawn()
        self.standby = None
        self._wait_listening(process, port)
        with self.lock:
            self.current, self.url = process, f"http://127.0.0.1:{port}"
            self.starts += 1

    def generation(self) -> int:
        """How many times a process was put in service."""
        with self.lock:
            return self.starts

    def current_url(self) -> str:
        with self.lock:
            return self.url

    def kill(self) -> None:
        process = self.current
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL

    def stop(self) -> None:
        for process in (self.current, self.standby[0] if self.standby else None):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


class Client:
    """Sends the batches in order, each until it is acknowledged, and records every acknowledgement.

    It does not start a batch past ``allowed`` (the test lets it go on after each kill), so the kills are
    spread over the run however fast the server ingests. The answer to batch ``lose_answer_of`` is taken
    as lost: the client sends that batch again once the server has been restarted.
    """

    def __init__(self, server: ServerProcess, congress_id: str, device_token: str, allowed: int) -> None:
        self.server = server
        self.path = f"/api/congresses/{congress_id}/scans"
        self.headers = {"Authorization": f"Bearer {device_token}"}
        self.answers: dict[int, dict[str, Any]] = {}  # batch -> the answer that acknowledged it
        self.lost: dict[int, dict[str, Any]] = {}  # batch -> the answer taken as lost
        self.durations: list[float] = []  # of the requests that were answered
        self.cut = 0  # requests that got no answer (connection refused, reset or closed)
        self.busy = 0  # requests answered 503: retried like the others
        self.sending = -1  # the batch in flight, if any
        self.allowed = allowed
        self.lose_answer_of: int | None = None
        self.failure: BaseException | None = None
        self.changed = threading.Condition()

    def run(self, batches: list[list[dict[str, Any]]]) -> None:
        try:
            with httpx.Client(timeout=60) as http:
                for index, batch in enumerate(batches):
                    self._wait_allowed(index)
                    self._send_until_acknowledged(http, index, batch)
        except BaseException as e:
            self.failure = e
        finally:
            with self.changed:
                self.changed.notify_all()

    def _send_until_acknowledged(self, http: httpx.Client, index: int, batch: list[dict[str, Any]]) -> None:
        deadline = time.monotonic() + GIVE_UP_S
        while True:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no answer for batch {index} in {GIVE_UP_S} s")
            with self.changed:
                self.sending = index
                self.changed.notify_all()
            started, generation = time.monotonic(), self.server.generation()
            try:
                response = http.post(self.server.current_url() + self.path, json={"scans": batch}, headers=self.headers)
            except httpx.TransportError:
                with self.changed:
                    self.cut += 1
                    if self.lose_answer_of == index:  # lost indeed
                        self.lose_answer_of = None
                time.sleep(0.05)
                continue
            finally:
                self.sending = -1
            if response.status_code == 503:
                self.busy += 1
                time.sleep(0.05)
                continue
            assert response.status_code == 200, response.text
            answer = response.json()
            assert [r["nonce"] for r in answer["results"]] == [s["nonce"] for s in batch]
            with self.changed:
                self.durations.append(time.monotonic() - started)
                if self.lose_answer_of == index:
                    self.lose_answer_of = None
                    self.lost[index] = answer
                else:
                    self.answers[index] = answer
                self.changed.notify_all()
            if index in self.answers:
                return
            self._wait_restarted(generation)

    def _wait(self, condition: Callable[[], bool], poll: float = 1.0) -> None:
        deadline = time.monotonic() + GIVE_UP_S
        with self.changed:
            while not condition():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the client is stuck after {len(self.answers)} batches")
                self.changed.wait(timeout=poll)

    def _wait_restarted(self, generation: int) -> None:
        self._wait(lambda: self.server.generation() > generation, poll=0.05)

    def _wait_allowed(self, index: int) -> None:
        self._wait(lambda: index <= self.allowed)

    def wait_until_sending(self, index: int) -> None:
        """Until batch ``index`` is in flight (or already answered, or the client failed)."""
        self._wait(
            lambda: self.sending == index or index in self.answers or index in self.lost or self.failure is not None
        )

    def allow(self, index: int, lose_answer: bool = False) -> None:
        with self.changed:
            self.allowed = index
            self.lose_answer_of = index if lose_answer else None
            self.changed.notify_all()

    def shortest_duration(self) -> float:
        with self.changed:
            return min(self.durations)

    def acknowledged(self) -> set[str]:
        return {r["nonce"] for a in self.answers.values() for r in a["results"] if r["code"] in ACCEPTED}


def scan_batches(tokens: list[str]) -> list[list[dict[str, Any]]]:
    """BATCHES batches of PER_BATCH scans with distinct nonces, badges going in and out of the device's room."""
    batches = []
    for b in range(BATCHES):
        batch = []
        for i in range(PER_BATCH):
            n = b * PER_BATCH + i
            batch.append(
                {
                    "nonce": f"crash-{b:03d}-{i:03d}",
                    "badge": tokens[n % len(tokens)],
                    "scanned_at": (FIRST_SCAN + dt.timedelta(seconds=n)).isoformat(),
                    "direction": "in" if (n // len(tokens)) % 2 == 0 else "out",
                }
            )
        batches.append(batch)
    return batches


def wait_until_stored(engine: Engine, nonce: str, client: Client) -> None:
    """Poll, without taking the write lock, until the scan is committed."""
    deadline = time.monotonic() + GIVE_UP_S
    with engine.connect().execution_options(**{WRITE_INTENT: False}) as conn:
        while client.failure is None:
            if conn.execute(select(Scan.id).where(Scan.nonce == nonce)).first() is not None:
                return
            conn.rollback()
            if time.monotonic() > deadline:
                raise RuntimeError(f"scan {nonce} was not stored in {GIVE_UP_S} s")
            time.sleep(0.002)


def stored_scans(engine: Engine) -> list[tuple[uuid.UUID, str]]:
    with Session(engine) as session:
        return list(session.execute(select(Scan.device_id, Scan.nonce)).tuples())


@pytest.fixture
def server(migrated: Settings, clean_db: Engine, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(migrated, tmp_path / "server.log")
    yield process
    process.stop()


def test_scans_are_stored_exactly_once_across_repeated_sigkills(
    api: Api, clean_db: Engine, server: ServerProcess
) -> None:
    world = badge_world(api, clean_db, attendees=ATTENDEES)
    batches = scan_batches(list(world["tokens"].values()))
    sent = [s["nonce"] for batch in batches for s in batch]
    assert len(set(sent)) == len(sent)
    # The batch each kill aims at: spread over the run.
    targets = [k * BATCHES // (KILLS + 1) for k in range(1, KILLS + 1)]
    server.start()
    client = Client(server, world["congress"], world["device_token"], allowed=targets[0] - 1)
    sender = threading.Thread(target=client.run, args=(batches,), daemon=True)
    sender.start()

    rng = random.Random(20260618)
    for k, target in enumerate(targets):
        after_commit = k % 2 == 1
        server.prepare()
        server.wait_prepared()
        client.allow(target, lose_answer=after_commit)
        client.wait_until_sending(target)
        assert client.failure is None, client.failure
        if after_commit:
            wait_until_stored(clean_db, batches[target][-1]["nonce"], client)
        else:
            # A random moment inside the request, most likely before its answer: mid-transaction or mid-commit.
            time.sleep(rng.uniform(0, 0.6) * client.shortest_duration())
        server.kill()
        server.start()
        client.allow(targets[k + 1] - 1 if k + 1 < KILLS else BATCHES)
    sender.join(timeout=GIVE_UP_S * 2)
    assert not sender.is_alive(), "the client did not finish"
    assert client.failure is None, client.failure

    assert server.starts == KILLS + 1
    assert sorted(client.answers) == list(range(BATCHES)), (client.cut, client.busy)
    # A batch is one transaction: its scans were all stored by the same request (all replayed, or none).
    for answer in client.answers.values():
        assert {r["code"] for r in answer["results"]} <= ACCEPTED
        assert len({r["replayed"] for r in answer["results"]}) == 1
        assert answer["refused"] == 0
    # A batch stored before a crash and sent again to the restarted server is answered as a replay, with
    # its first answers where the client had them.
    assert set(client.lost) <= set(targets[1::2])
    for index in targets[1::2]:
        assert all(r["replayed"] for r in client.answers[index]["results"])
    for index, first in client.lost.items():
        again = client.answers[index]["results"]
        assert [(r["code"], r["room_id"]) for r in again] == [(r["code"], r["room_id"]) for r in first["results"]]
    rows = stored_scans(clean_db)
    twice = {key: n for key, n in Counter(rows).items() if n > 1}
    assert twice == {}
    assert {device for device, _ in rows} == {uuid.UUID(world["device"])}
    nonces = {nonce for _, nonce in rows}
    acknowledged = client.acknowledged()
    assert acknowledged <= nonces, sorted(acknowledged - nonces)[:10]
    assert nonces == set(sent)
    assert len(rows) == len(sent)
