from __future__ import annotations

import base64
import datetime as dt
import io
import os
import re
import subprocess
import sys
import zlib
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from congress.publishing.certificates import (
    Certificate,
    CertificateDay,
    certificate_code,
    certificate_fields,
    check_certificate_code,
    credits_text,
    date_range,
    fonts,
    render_certificate,
)

KEY = b"certificate-key-for-tests-32byte"
URL = "https://ecr.example.org/cme/verify"
ECR_DAYS = tuple(dt.date(2026, 3, 4) + dt.timedelta(days=i) for i in range(5))
NAME = "Zoë Παπαδοπούλου-Иванова"
CJK_NAME = "王小明"
FALLBACK = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")


def sample(**changes: object) -> Certificate:
    certificate = Certificate(
        congress="ECR 2026",
        first_day=ECR_DAYS[0],
        last_day=ECR_DAYS[-1],
        venue="Austria Center Vienna",
        attendee=NAME,
        credits=Decimal("29.25"),
        days=tuple(
            CertificateDay(day=day, credits=Decimal(c))
            for day, c in zip(ECR_DAYS, ("7.00", "8.00", "7.25", "4.00", "3.00"), strict=True)
        ),
        issued_at=dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC),
        issuer="European Society of Radiology — EACCME® accredited",
    )
    return msgspec.structs.replace(certificate, **changes) if changes else certificate


def render(certificate: Certificate) -> bytes:
    return render_certificate(certificate, code=certificate_code(certificate, KEY), verify_url=URL)


def page_text(pdf: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def content_streams(pdf: bytes) -> list[bytes]:
    """The page content streams, decoded with the standard library only (ASCII85, then Flate)."""
    found = []
    for match in re.finditer(rb"/Filter \[ /ASCII85Decode /FlateDecode \] /Length (\d+)\n>>\nstream\r?\n", pdf):
        raw = pdf[match.end() : match.end() + int(match.group(1))].strip().removesuffix(b"~>")
        found.append(zlib.decompress(base64.a85decode(raw)))
    return found


# -- determinism ------------------------------------------------------------------------------------


def test_render_certificate_regenerates_byte_identical() -> None:
    assert render(sample()) == render(sample())


def test_render_certificate_is_byte_identical_in_a_fresh_process() -> None:
    script = (
        "import sys\n"
        "from tests.congress.publishing.test_certificates import render, sample\n"
        "sys.stdout.buffer.write(render(sample()))\n"
    )
    root = Path(__file__).resolve().parents[3]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{root}:{root / 'src'}"}
    if "SOURCE_DATE_EPOCH" in os.environ:  # reportlab seeds the file identifier from it
        env["SOURCE_DATE_EPOCH"] = os.environ["SOURCE_DATE_EPOCH"]
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, cwd=root, env=env)
    assert other.stdout == render(sample())


def test_render_certificate_dates_the_file_from_the_issue_time() -> None:
    pdf = render(sample())
    assert re.findall(rb"/(CreationDate|ModDate) \((D:[^)]*)\)", pdf) == [
        (b"CreationDate", b"D:20260309100000+00'00'"),
        (b"ModDate", b"D:20260309100000+00'00'"),
    ]


def test_render_certificate_differs_when_the_certificate_does() -> None:
    assert render(sample(credits=Decimal("29.5"))) != render(sample())


# -- content ----------------------------------------------------------------------------------------


def test_render_certificate_shows_name_total_days_and_verification() -> None:
    certificate = sample()
    text = page_text(render(certificate))
    lines = [line.strip() for line in text.splitlines()]
    assert NAME in lines
    assert "29.25 European CME credits (ECMEC®s)" in lines
    assert "4–8 March 2026 · Austria Center Vienna" in lines
    assert [line for line in lines if line.split(" ")[0].endswith("day")] == [
        "Wednesday 4 March 2026",
        "Thursday 5 March 2026",
        "Friday 6 March 2026",
        "Saturday 7 March 2026",
        "Sunday 8 March 2026",
    ]
    code = certificate_code(certificate, KEY)
    assert f"Verify this certificate at {URL} with the code {code}" in lines
    assert "European Society of Radiology — EACCME® accredited · issued on 9 March 2026" in lines


def test_render_certificate_text_is_in_the_content_stream() -> None:
    certificate = sample(attendee="Anna Berger")
    streams = b"".join(content_streams(render(certificate)))
    assert b"(Anna Berger) Tj" in streams
    assert b"(29.25 European CME credits" in streams
    assert b"(7.25) Tj" in streams
    assert certificate_code(certificate, KEY).encode() in streams


def test_render_certificate_draws_greek_and_cyrillic_with_a_unicode_font() -> None:
    assert fonts()[0].name in {"DejaVuSans.ttf", "Vera.ttf"}
    if fonts()[0].name == "Vera.ttf":
        pytest.skip("DejaVu Sans is not installed; Bitstream Vera has Latin only")
    assert NAME in page_text(render(sample()))


@pytest.mark.skipif(not FALLBACK.is_file(), reason="Droid Sans Fallback is not installed")
def test_render_certificate_draws_chinese_names_with_the_fallback_font() -> None:
    pdf = render(sample(attendee=f"{NAME} {CJK_NAME}"))
    assert FALLBACK in fonts()
    assert f"{NAME} {CJK_NAME}" in " ".join(page_text(pdf).split())
    assert b"DroidSansFallback" in pdf


def test_render_certificate_without_days_has_no_table() -> None:
    text = page_text(render(sample(days=())))
    assert "Credits per day" not in text


def test_render_certificate_shrinks_a_long_name_to_the_page() -> None:
    name = "Maximiliane Theodora Konstantinopoulou-Wittgenstein von und zu Hohenberg-Schwarzenfels"
    streams = b"".join(content_streams(render(sample(attendee=name))))
    size = re.search(rb"/F\d\+0 ([\d.]+) Tf [\d.]+ TL \(" + name.encode() + rb"\)", streams)
    assert size is not None
    assert float(size.group(1)) < 26


# -- verification -----------------------------------------------------------------------------------


def test_certificate_code_is_stable() -> None:
    assert certificate_code(sample(), KEY) == certificate_code(sample(), KEY)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}", certificate_code(sample(), KEY))


@pytest.mark.parametrize(
    "change",
    [
        {"attendee": "Zoe Papadopoulou"},
        {"credits": Decimal("30")},
        {"days": (CertificateDay(day=ECR_DAYS[0], credits=Decimal(8)),)},
        {"congress": "ECR 2027"},
        {"first_day": ECR_DAYS[1]},
        {"last_day": ECR_DAYS[3]},
        {"venue": "Online"},
        {"issued_at": dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)},
        {"issuer": "Someone else"},
        {"credit_unit": "AMA PRA Category 1 Credits™"},
    ],
)
def test_certificate_code_changes_with_any_field(change: dict[str, object]) -> None:
    code = certificate_code(sample(), KEY)
    assert certificate_code(sample(**change), KEY) != code
    assert not check_certificate_code(sample(**change), KEY, code)


def test_certificate_code_ignores_how_credits_are_written() -> None:
    assert certificate_code(sample(credits=Decimal("29.250")), KEY) == certificate_code(sample(), KEY)


def test_check_certificate_code_accepts_what_people_type() -> None:
    code = certificate_code(sample(), KEY)
    assert check_certificate_code(sample(), KEY, code.lower().replace("-", " "))
    assert not check_certificate_code(sample(), b"another-key-for-tests-32-bytes!!", code)


def test_certificate_fields_list_days_in_order() -> None:
    shuffled = sample(days=tuple(reversed(sample().days)))
    assert certificate_fields(shuffled) == certificate_fields(sample())
    assert certificate_fields(sample())[8] == "2026-03-04=7;2026-03-05=8;2026-03-06=7.25;2026-03-07=4;2026-03-08=3"


# -- formats and checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (dt.date(2026, 3, 4), dt.date(2026, 3, 8), "4–8 March 2026"),
        (dt.date(2026, 2, 28), dt.date(2026, 3, 3), "28 February – 3 March 2026"),
        (dt.date(2026, 12, 30), dt.date(2027, 1, 2), "30 December 2026 – 2 January 2027"),
        (dt.date(2026, 3, 4), dt.date(2026, 3, 4), "4 March 2026"),
    ],
)
def test_date_range_is_written_out(first: dt.date, last: dt.date, expected: str) -> None:
    assert date_range(first, last) == expected


@pytest.mark.parametrize(("value", "expected"), [("7.00", "7"), ("3.50", "3.5"), ("3.25", "3.25"), ("10", "10")])
def test_credits_text_drops_trailing_zeros(value: str, expected: str) -> None:
    assert credits_text(Decimal(value)) == expected


def test_certificate_refuses_a_naive_issue_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sample(issued_at=dt.datetime(2026, 3, 9, 10, 0))


def test_certificate_refuses_a_congress_ending_before_it_starts() -> None:
    with pytest.raises(ValueError, match="must end on or after"):
        sample(first_day=ECR_DAYS[-1], last_day=ECR_DAYS[0])
