"""The CME certificate: one A4 landscape PDF page, the same bytes every time for the same certificate.

The page shows the congress, its dates and venue, the attendee, the total credits and the credits
of each day, the issuer and issue date, and a verification code with the address where anyone can
check it. The code is ``congress.lib.codes.verification_code`` over ``certificate_fields``: an
HMAC under the congress's secret key, so it proves that the issuer made this certificate and that
nothing on it (name, credits, days, dates) has been changed.

Deterministic output: reportlab's invariant mode (no time stamp; the file identifier is a digest of
the document information: title, issuer, attendee and verification code), the creation and
modification dates set from ``issued_at``, and no other input. reportlab also seeds that identifier
from the ``SOURCE_DATE_EPOCH`` environment variable when it is set, so one deployment always
regenerates the same bytes.

Fonts: DejaVu Sans (regular and bold) from the system, which covers Latin, Greek and Cyrillic
among others; where it is missing, reportlab's bundled Bitstream Vera (Latin only). Characters the
main font lacks (Chinese, Japanese, Korean) are drawn with Droid Sans Fallback when it is
installed. The fonts found are part of the output: the same machine gives the same bytes.
reportlab neither shapes nor reorders right-to-left text, so Arabic and Hebrew names show their
letters in logical order, unjoined.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import msgspec
import reportlab
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from congress.lib.codes import code_matches, verification_code

MEDIA_TYPE = "application/pdf"
DEFAULT_CREDIT_UNIT = "European CME credits (ECMEC®s)"

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu: fonts-dejavu-core
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/local/share/fonts/dejavu"),  # FreeBSD
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
)
_FALLBACK_FILES = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/droid/DroidSansFallbackFull.ttf"),
)
_BUNDLED = Path(reportlab.__file__).parent / "fonts"

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CertificateDay(msgspec.Struct, kw_only=True, frozen=True):
    day: dt.date
    credits: Decimal


class Certificate(msgspec.Struct, kw_only=True, frozen=True):
    """What a CME certificate says. ``issued_at`` (timezone-aware; its own date is printed) is also the
    PDF's creation date."""

    congress: str
    first_day: dt.date
    last_day: dt.date
    venue: str
    attendee: str
    credits: Decimal
    days: tuple[CertificateDay, ...]
    issued_at: dt.datetime
    issuer: str
    credit_unit: str = DEFAULT_CREDIT_UNIT

    def __post_init__(self) -> None:
        if self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be a timezone-aware datetime")
        if self.last_day < self.first_day:
            raise ValueError("the congress must end on or after its first day")
        if not self.attendee.strip():
            raise ValueError("the attendee's name is empty")


# -- verification -----------------------------------------------------------------------------------


def credits_text(value: Decimal) -> str:
    """Credits as people write them: 7, 3.5, 3.25 (never 7.00 or 1E+1)."""
    return format(value.normalize(), "f")


def certificate_fields(certificate: Certificate) -> tuple[str, ...]:
    """What the verification code covers, as text: every statement the certificate makes."""
    return (
        "cme-certificate/1",
        certificate.congress,
        certificate.first_day.isoformat(),
        certificate.last_day.isoformat(),
        certificate.venue,
        certificate.attendee,
        credits_text(certificate.credits),
        certificate.credit_unit,
        ";".join(f"{d.day.isoformat()}={credits_text(d.credits)}" for d in sorted(certificate.days, key=_day)),
        certificate.issued_at.date().isoformat(),
        certificate.issuer,
    )


def certificate_code(certificate: Certificate, key: bytes) -> str:
    """The certificate's verification code, e.g. ``7KQ2-M9XD-3PFA``."""
    return verification_code(key, certificate_fields(certificate))


def check_certificate_code(certificate: Certificate, key: bytes, code: str) -> bool:
    """Whether a typed code belongs to this certificate (constant-time comparison)."""
    return code_matches(key, code, certificate_fields(certificate))


def _day(day: CertificateDay) -> dt.date:
    return day.day


# -- fonts ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fonts:
    regular: str
    bold: str
    fallback: str | None
    files: tuple[Path, ...]


_lock = threading.Lock()
_fonts: _Fonts | None = None


def _register(name: str, path: Path) -> str:
    pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def _find(file_name: str) -> Path | None:
    return next((d / file_name for d in _FONT_DIRS if (d / file_name).is_file()), None)


def fonts() -> tuple[Path, ...]:
    """The font files the certificate uses here (registered with reportlab on first use)."""
    return _load_fonts().files


def _load_fonts() -> _Fonts:
    global _fonts
    with _lock:
        if _fonts is None:
            regular, bold = _find("DejaVuSans.ttf"), _find("DejaVuSans-Bold.ttf")
            if regular is None or bold is None:
                regular, bold = _BUNDLED / "Vera.ttf", _BUNDLED / "VeraBd.ttf"
            files = [regular, bold]
            fallback_file = next((f for f in _FALLBACK_FILES if f.is_file()), None)
            fallback = None
            if fallback_file is not None:
                fallback = _register("CertificateFallback", fallback_file)
                files.append(fallback_file)
            _fonts = _Fonts(
                regular=_register("CertificateSans", regular),
                bold=_register("CertificateSans-Bold", bold),
                fallback=fallback,
                files=tuple(files),
            )
        return _fonts


def _covers(font_name: str, char: str) -> bool:
    font = pdfmetrics.getFont(font_name)
    return isinstance(font, TTFont) and ord(char) in font.face.charToGlyph


def _runs(text: str, font_name: str, fallback: str | None) -> list[tuple[str, str]]:
    """The text cut into runs of one font each: the main font where it has the glyph, else the fallback."""
    runs: list[tuple[str, str]] = []
    for char in text:
        use = font_name
        if fallback is not None and not char.isspace() and not _covers(font_name, char) and _covers(fallback, char):
            use = fallback
        if runs and (runs[-1][0] == use or char.isspace()):
            runs[-1] = (runs[-1][0], runs[-1][1] + char)
        else:
            runs.append((use, char))
    return runs


class _Page:
    def __init__(self, canvas: Canvas, fonts: _Fonts, size: tuple[float, float]) -> None:
        self.canvas = canvas
        self.fonts = fonts
        self.width, self.height = size

    def _width(self, runs: Sequence[tuple[str, str]], size: float) -> float:
        return sum(pdfmetrics.stringWidth(text, font, size) for font, text in runs)

    def text(
        self,
        text: str,
        y: float,
        *,
        size: float,
        bold: bool = False,
        x: float | None = None,
        align: str = "centre",
        max_width: float | None = None,
    ) -> float:
        """Draw one line (centred on the page unless ``x`` is given), shrunk to fit; returns its width."""
        runs = _runs(text, self.fonts.bold if bold else self.fonts.regular, self.fonts.fallback)
        limit = max_width if max_width is not None else self.width - 120
        width = self._width(runs, size)
        if width > limit:
            size = size * limit / width
            width = self._width(runs, size)
        if align == "centre":
            start = (self.width - width) / 2 if x is None else x - width / 2
        elif align == "right":
            start = (x if x is not None else self.width) - width
        else:
            start = x if x is not None else 0
        for font, part in runs:
            self.canvas.setFont(font, size)
            self.canvas.drawString(start, y, part)
            start += pdfmetrics.stringWidth(part, font, size)
        return width


# -- the page ---------------------------------------------------------------------------------------


def long_date(day: dt.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def date_range(first: dt.date, last: dt.date) -> str:
    """``4–8 March 2026``, ``28 February – 3 March 2026``, ``30 December 2026 – 2 January 2027``."""
    if first == last:
        return long_date(first)
    if first.year != last.year:
        return f"{long_date(first)} – {long_date(last)}"
    if first.month != last.month:
        return f"{first.day} {_MONTHS[first.month - 1]} – {long_date(last)}"
    return f"{first.day}–{long_date(last)}"


def _pdf_date(moment: dt.datetime) -> str:
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("D:%Y%m%d%H%M%S+00'00'")


def render_certificate(certificate: Certificate, *, code: str, verify_url: str) -> bytes:
    """The certificate as a one-page PDF; the same arguments give the same bytes."""
    fonts = _load_fonts()
    buffer = io.BytesIO()
    page_size = landscape(A4)
    canvas = Canvas(buffer, pagesize=page_size, invariant=1, pageCompression=1)
    stamp = _pdf_date(certificate.issued_at)
    canvas.setDateFormatter(lambda *_: stamp)
    canvas.setTitle(f"CME certificate – {certificate.congress}")
    canvas.setAuthor(certificate.issuer)
    canvas.setSubject(certificate.attendee)
    canvas.setCreator("congress")
    canvas.setKeywords(code)
    page = _Page(canvas, fonts, page_size)
    width, height = page.width, page.height

    canvas.setLineWidth(1.5)
    canvas.rect(28, 28, width - 56, height - 56)
    canvas.setLineWidth(0.5)
    canvas.rect(34, 34, width - 68, height - 68)

    page.text("CERTIFICATE OF ATTENDANCE", height - 85, size=13, bold=True)
    page.text(certificate.congress, height - 125, size=24, bold=True)
    page.text(f"{date_range(certificate.first_day, certificate.last_day)} · {certificate.venue}", height - 150, size=12)
    page.text("This is to certify that", height - 192, size=12)
    page.text(certificate.attendee, height - 230, size=26, bold=True)
    page.text("attended the congress and was awarded", height - 260, size=12)
    page.text(f"{credits_text(certificate.credits)} {certificate.credit_unit}", height - 292, size=18, bold=True)

    days = sorted(certificate.days, key=_day)
    y = height - 328
    if days:
        page.text("Credits per day", y, size=10, bold=True)
        y -= 18
    row = 15.0 if len(days) <= 8 else max(9.0, 120.0 / len(days))
    size = min(10.5, row - 3)
    for day in days:
        label = f"{_WEEKDAYS[day.day.weekday()]} {long_date(day.day)}"
        page.text(label, y, size=size, x=width / 2 - 150, align="left", max_width=220)
        page.text(credits_text(day.credits), y, size=size, x=width / 2 + 150, align="right", max_width=60)
        y -= row

    page.text(f"{certificate.issuer} · issued on {long_date(certificate.issued_at.date())}", 82, size=10)
    verify = f"Verify this certificate at {verify_url} with the code {code}"
    page.text(verify, 60, size=9)
    canvas.linkURL(verify_url, (60, 55, width - 60, 71), relative=0)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
