"""``python -m congress.scheduling.worker --run ID``: run one solve job in its own process."""

from __future__ import annotations

import argparse
import logging
import uuid

from congress.config import settings_from_env
from congress.db.engine import make_sync_engine
from congress.scheduling.jobs import claim, execute


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", required=True, type=uuid.UUID, help="the solve run to take")
    args = parser.parse_args(argv)
    settings = settings_from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    engine = make_sync_engine(settings)
    try:
        if claim(engine, args.run) is None:
            return 0
        execute(engine, args.run)
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
