"""Badges for a whole congress: 20,000 signed tokens, verified, and printed as PDF sheets.

    python bench/badges.py [--badges 20000] [--out FILE.pdf] [--seed 1]

Signs one token per badge (Ed25519), verifies every one against a keyring of two keys with 1 % of
the badges revoked (a door scanner's work), computes every QR symbol on its own (the share of the
sheets that is QR work), renders 200 PNG and SVG codes, and writes all badges as A4 sheets of eight
(names in Latin, Greek and Cyrillic script). Prints a table of seconds and rates and the peak resident
memory; the last line is one JSON object. Target: the PDF of 20,000 badges in at most 120 s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table

from congress.lib.badges import generate_key, keyring, sign_badge, verify_badge
from congress.publishing.badges import BadgeCard, qr_matrix, render_png, render_svg, write_pdf

FIRST = ["Anna", "Luca", "Sofia", "Jonas", "Marta", "Pierre", "Inês", "Tomasz", "Elif", "Zoë", "Łukasz", "Μαρία"]
FIRST += ["Александр", "Nikolaos", "Maximilian-Alexander", "Jo"]
LAST = ["Müller", "Rossi", "García", "Novák", "Dubois", "Żółć", "Jensen", "Yılmaz", "O'Neill", "Παπαδοπούλου"]
LAST += ["Кузнецов", "Fernández-Villaverde de la Concepción", "Li"]
INSTITUTIONS = [
    "Medical University of Vienna",
    "Charité – Universitätsmedizin Berlin",
    "Uniwersytet Medyczny w Warszawie",
    "Εθνικό και Καποδιστριακό Πανεπιστήμιο Αθηνών",
    "Первый Московский государственный медицинский университет имени И. М. Сеченова",
    "Hospital Universitario 12 de Octubre, Madrid",
    "",
]
CATEGORIES = ["Delegate", "Faculty", "Radiographer", "Resident in training", "Press", "Exhibitor", "Staff"]
CONGRESS_NAME = "ECR 2027 · European Congress of Radiology"
TARGET_PDF_S = 120


def _cards(tokens: list[str], rng: random.Random) -> Iterator[BadgeCard]:
    for token in tokens:
        yield BadgeCard(
            token=token,
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            institution=rng.choice(INSTITUTIONS),
            category=rng.choice(CATEGORIES),
            congress_name=CONGRESS_NAME,
        )


def _timed(rows: list[tuple[str, int, float]], label: str, count: int, started: float) -> float:
    seconds = time.perf_counter() - started
    rows.append((label, count, seconds))
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--badges", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=None, help="keep the PDF here (default: a temporary file)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    congress_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    badge_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(args.badges)]
    old, current = generate_key(), generate_key()
    keys = keyring([old.public_key, current.public_key])
    revoked = frozenset(badge_ids[::100])
    rows: list[tuple[str, int, float]] = []

    started = time.perf_counter()
    tokens = [sign_badge(current.private_key, congress_id, badge_id) for badge_id in badge_ids]
    _timed(rows, "sign", len(tokens), started)

    started = time.perf_counter()
    verdicts = Counter(verify_badge(token, keys, congress_id, revoked).code.value for token in tokens)
    _timed(rows, "verify (keyring of 2, 1 % revoked)", len(tokens), started)

    started = time.perf_counter()
    for token in tokens:
        qr_matrix(token)
    _timed(rows, "QR symbols alone", len(tokens), started)

    sample = tokens[:200]
    started = time.perf_counter()
    png_bytes = sum(len(render_png(token)) for token in sample)
    _timed(rows, "PNG (10 px a module)", len(sample), started)
    started = time.perf_counter()
    svg_bytes = sum(len(render_svg(token)) for token in sample)
    _timed(rows, "SVG", len(sample), started)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.out or Path(tmp) / "badges.pdf"
        started = time.perf_counter()
        with path.open("wb") as out:
            summary = write_pdf(_cards(tokens, rng), out, title=f"Badges — {CONGRESS_NAME}")
        pdf_s = _timed(rows, f"PDF sheets ({summary.pages:,} A4 pages)", summary.cards, started)
        pdf_bytes = path.stat().st_size

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = Table(title=f"Badges: {args.badges:,}")
    for header in ("step", "items", "seconds", "per second", "ms each"):
        table.add_column(header, justify="left" if header == "step" else "right")
    for label, count, seconds in rows:
        table.add_row(label, f"{count:,}", f"{seconds:.2f}", f"{count / seconds:,.0f}", f"{seconds / count * 1000:.3f}")
    console = Console(width=None if sys.stdout.isatty() else 110)
    console.print(table)
    console.print(
        f"PDF {pdf_bytes / 1e6:.1f} MB ({pdf_bytes / summary.cards / 1000:.1f} kB a badge); "
        f"PNG {png_bytes / len(sample) / 1000:.1f} kB, SVG {svg_bytes / len(sample) / 1000:.1f} kB each; "
        f"verdicts {dict(verdicts)}; peak resident memory {peak_mb:.0f} MB; target PDF ≤ {TARGET_PDF_S} s"
    )
    figures = {
        "badges": args.badges,
        "pages": summary.pages,
        "seconds": {label.split(" (")[0]: round(seconds, 3) for label, _, seconds in rows},
        "pdf_s": round(pdf_s, 2),
        "pdf_badges_per_s": round(summary.cards / pdf_s, 1),
        "pdf_mb": round(pdf_bytes / 1e6, 2),
        "png_kb": round(png_bytes / len(sample) / 1000, 2),
        "svg_kb": round(svg_bytes / len(sample) / 1000, 2),
        "verdicts": dict(verdicts),
        "peak_rss_mb": round(peak_mb),
        "target_pdf_s": TARGET_PDF_S,
    }
    print(json.dumps(figures))
    return 0 if pdf_s <= TARGET_PDF_S and verdicts["ok"] == args.badges - len(revoked) else 1


if __name__ == "__main__":
    raise SystemExit(main())
