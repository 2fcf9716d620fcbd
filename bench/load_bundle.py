"""How long loading a whole congress bundle takes, on SQLite and (if reachable) PostgreSQL.

    python bench/load_bundle.py [--scale essr|ecr] [--postgres URL]

Prints one line per database and, last, one JSON object with every figure.
The PostgreSQL run drops and recreates the public schema of the database it is given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import msgspec

from congress.config import Settings, settings_from_env
from congress.db import migrate
from congress.db.engine import async_session_factory, make_async_engine
from congress.domain.bundle.schemas import Bundle
from congress.domain.bundle.services import check_bundle, load_bundle
from examples.demo import build_bundle, counts


async def _load(settings: Settings, bundle: Bundle) -> float:
    engine = make_async_engine(settings)
    try:
        async with async_session_factory(engine)() as session:
            started = time.perf_counter()
            await load_bundle(session, bundle, source="bench", replace=True)
            await session.commit()
            return time.perf_counter() - started
    finally:
        await engine.dispose()


def _fresh(url: str) -> Settings:
    settings = settings_from_env({"CONGRESS_DATABASE_URL": url})
    migrate.recreate(settings.sync_database_url)
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=["essr", "ecr"], default="ecr")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    bundle = build_bundle(args.scale)
    encoded = msgspec.json.encode(bundle)
    generate_s = time.perf_counter() - started
    started = time.perf_counter()
    problems = check_bundle(bundle)
    check_s = time.perf_counter() - started
    if problems:
        print(f"the generated bundle has {len(problems)} problems", file=sys.stderr)
        return 1
    figures: dict[str, object] = {
        "scale": args.scale,
        "sizes": counts(bundle),
        "bundle_bytes": len(encoded),
        "generate_s": round(generate_s, 2),
        "check_s": round(check_s, 2),
    }
    with tempfile.TemporaryDirectory() as tmp:
        targets = {"sqlite": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "postgresql": args.postgres}
        for name, url in targets.items():
            try:
                settings = _fresh(url)
            except Exception as exc:  # a database that is not there is reported, not fatal
                print(f"{name:<11} skipped: {exc.__class__.__name__}: {exc}".splitlines()[0])
                continue
            seconds = asyncio.run(_load(settings, bundle))
            figures[f"{name}_load_s"] = round(seconds, 2)
            print(f"{name:<11} load {seconds:6.2f} s")
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
