"""Parse iCalendar documents with Mozilla's ical.js (Thunderbird's parser), as a strict independent client.

``parse_with_icaljs`` feeds the bytes to ``tests/js/ical_events.mjs`` and returns what it prints::

    {"zones": [tzid, ...],
     "events": [{"uid", "sequence", "status", "summary", "location", "floating", "tzid",
                 "start", "end", "dtstamp"}, ...]}

``start`` and ``end`` are UTC instants in ISO form (``2026-10-24T07:00:00.000Z``); ``utc`` turns them into
aware datetimes. Node runs with ``TZ=UTC`` so that a floating time (a TZID without its VTIMEZONE) never
happens to come out right because of the machine's own zone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

JS_DIR = Path(__file__).resolve().parent / "js"
SCRIPT = JS_DIR / "ical_events.mjs"
INSTALL_HINT = "run `npm ci --prefix tests/js` (needs Node 20+)"


class IcalJsUnavailableError(RuntimeError):
    """Node or the ical.js package is missing."""


class IcalJsError(RuntimeError):
    """ical.js could not parse the document (or the script failed)."""


def node_executable() -> str:
    """The ``node`` to run, or a clear error saying how to set the checker up."""
    node = shutil.which("node")
    if node is None:
        raise IcalJsUnavailableError(f"node is not on PATH; install Node.js, then {INSTALL_HINT}")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        raise IcalJsUnavailableError(f"ical.js is not installed in {JS_DIR / 'node_modules'}; {INSTALL_HINT}")
    return node


def parse_with_icaljs(ics: bytes, *, timeout: float = 60.0) -> dict[str, Any]:
    """What ical.js makes of the iCalendar document ``ics`` (see the module docstring for the shape)."""
    completed = subprocess.run(
        [node_executable(), str(SCRIPT)],
        input=ics,
        capture_output=True,
        cwd=JS_DIR,
        env={**os.environ, "TZ": "UTC"},
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        raise IcalJsError(f"ical.js failed (exit {completed.returncode}):\n{stderr}")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def utc(s: str) -> dt.datetime:
    """An ISO instant as ical.js prints it (``2026-10-24T07:00:00.000Z``) as an aware UTC datetime."""
    parsed = dt.datetime.fromisoformat(s)
    if parsed.tzinfo is None:
        raise ValueError(f"not an instant (no UTC offset): {s!r}")
    return parsed.astimezone(dt.UTC)
