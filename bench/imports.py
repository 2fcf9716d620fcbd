"""Import speed: 25,000 registrations from XLSX; 1,500 faculty and 500 programme items.

    python bench/imports.py [--registrations 25000] [--faculty 1500] [--items 500] [--postgres URL]

Writes the workbooks in memory (openpyxl, write-only), then imports each into
a fresh database through the same service the API and `congress import` use:
every row parsed, converted, checked, then written in one transaction. The
registrations create their people (name column), as an export from a
registration system would. Each import runs twice: the second run finds every
row unchanged (the re-import path). Prints seconds per step and the peak
resident memory; the last line is one JSON object. Targets: registrations
≤ 15 s, faculty + items ≤ 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import openpyxl

from congress.config import Settings, settings_from_env
from congress.db import migrate
from congress.db.engine import async_session_factory, make_async_engine
from congress.db.models import Congress
from congress.domain.imports.schemas import ImportKind, ImportReport
from congress.domain.imports.services import ImportService
from congress.lib.security import Principal, Role

OPERATOR = Principal(token_id=uuid.UUID(int=0), role=Role.ORGANISER, person_id=None)
FIRST = ["Anna", "Luca", "Sofia", "Jonas", "Marta", "Pierre", "Ines", "Tomasz", "Elif", "Noor", "Zoë", "Łukasz"]
LAST = ["Müller", "Rossi", "García", "Novak", "Dubois", "Kowalski", "Jensen", "Silva", "Yılmaz", "O'Neill"]
CATEGORIES = ["full", "in_training", "student", "radiographer", "day", "faculty"]


def workbook(header: list[str], rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def registrations(n: int, rng: random.Random) -> bytes:
    rows: list[list[object]] = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            [
                f"{first}.{last}.{i}@example.org".lower().replace("'", ""),
                f"{first} {last}",
                rng.choice(CATEGORIES),
                "active",
                f"2026-0{rng.randint(1, 5)}-{rng.randint(10, 28)}T{rng.randint(8, 18):02d}:00:00+01:00",
                "Medical University",
                "AT",
            ]
        )
    return workbook(["E-mail", "Name", "Category", "Status", "Registered at", "Institution", "Country"], rows)


def faculty(n: int) -> bytes:
    rows: list[list[object]] = [
        [f"Faculty {i}", f"faculty{i}@example.org", "University Hospital", "DE"] for i in range(n)
    ]
    return workbook(["name", "email", "institution", "country"], rows)


def items(n: int, faculty_count: int, rng: random.Random) -> bytes:
    rows: list[list[object]] = []
    for i in range(n):
        speakers = "; ".join(f"faculty{rng.randrange(faculty_count)}@example.org" for _ in range(3))
        kind = "hands_on_workshop" if i % 10 == 0 else "refresher_course"
        seats = 16 if kind == "hands_on_workshop" else None
        minutes = 60 if i % 10 else 90
        rows.append([f"RC {1000 + i}", kind, f"Refresher course {i}", minutes, "MSK; MR", 200, seats, speakers])
    header = ["code", "kind", "title", "duration_minutes", "topics", "expected_attendance", "capacity", "faculty"]
    return workbook(header, rows)


async def run_import(
    settings: Settings, congress_id: uuid.UUID, kind: ImportKind, data: bytes, name: str
) -> tuple[float, ImportReport]:
    engine = make_async_engine(settings)
    try:
        async with async_session_factory(engine)() as session:
            started = time.perf_counter()
            report = await ImportService(session, OPERATOR).table(congress_id, kind, data, name)
            await session.commit()
            return time.perf_counter() - started, report
    finally:
        await engine.dispose()


async def new_congress(settings: Settings) -> uuid.UUID:
    engine = make_async_engine(settings)
    try:
        async with async_session_factory(engine)() as session:
            congress = Congress(
                slug="bench",
                name="Bench",
                time_zone="Europe/Vienna",
                first_day=dt.date(2027, 2, 24),
                last_day=dt.date(2027, 2, 28),
                day_start=dt.time(8, 0),
                day_end=dt.time(18, 0),
            )
            session.add(congress)
            await session.commit()
            return congress.id
    finally:
        await engine.dispose()


def measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    settings = settings_from_env({"CONGRESS_DATABASE_URL": url})
    migrate.recreate(settings.sync_database_url)
    rng = random.Random(7)
    started = time.perf_counter()
    reg_data, fac_data = registrations(args.registrations, rng), faculty(args.faculty)
    item_data = items(args.items, args.faculty, rng)
    generate_s = time.perf_counter() - started
    congress_id = asyncio.run(new_congress(settings))
    figures: dict[str, object] = {"generate_s": round(generate_s, 2), "xlsx_bytes": len(reg_data)}
    timings: dict[str, float] = {}
    for label, kind, data in (
        ("registrations", ImportKind.REGISTRATIONS, reg_data),
        ("faculty", ImportKind.PEOPLE, fac_data),
        ("items", ImportKind.ITEMS, item_data),
    ):
        for attempt in ("first", "again"):
            seconds, report = asyncio.run(run_import(settings, congress_id, kind, data, f"{label}.xlsx"))
            if report.problems:
                raise SystemExit(f"{label}: {report.problems[:3]}")
            figures[f"{label}_{attempt}_s"] = round(seconds, 2)
            timings[f"{label}_{attempt}"] = seconds
            figures[f"{label}_{attempt}_counts"] = {k: msgspec_counts(v) for k, v in report.counts.items()}
    figures["faculty_and_items_s"] = round(timings["faculty_first"] + timings["items_first"], 2)
    return figures


def msgspec_counts(c: object) -> dict[str, int]:
    return {k: getattr(c, k) for k in ("created", "updated", "unchanged", "deleted")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registrations", type=int, default=25_000)
    parser.add_argument("--faculty", type=int, default=1_500)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--postgres", default=None, help="also measure on this PostgreSQL URL (its schema is dropped)")
    args = parser.parse_args(argv)
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = measure(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args)
    if args.postgres:
        results["postgresql"] = measure(args.postgres, args)
    for db, figures in results.items():
        assert isinstance(figures, dict)
        print(
            f"{db:>10}: {args.registrations:,} registrations {figures['registrations_first_s']} s "
            f"(again {figures['registrations_again_s']} s); {args.faculty:,} faculty + {args.items} items "
            f"{figures['faculty_and_items_s']} s (again {figures['faculty_again_s']} + {figures['items_again_s']} s)",
            file=sys.stderr,
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak_mb:.0f} MB", file=sys.stderr)
    print(
        json.dumps(
            {**results, "peak_rss_mb": round(peak_mb), "targets_s": {"registrations": 15, "faculty_and_items": 5}}
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
