"""Badges: a token's QR code as PNG or SVG, and printable PDF sheets of whole congresses.

Every code is a QR symbol in alphanumeric mode at error correction level Q (a quarter of the symbol can
be lost to creases, ink or a lanyard's shadow) with the standard quiet zone of four modules. A badge
token (``congress.lib.badges``) is 171 characters, which makes a version 9 symbol: 53 × 53 modules,
61 × 61 with the quiet zone.

The same token always gives the same symbol: the data mask is chosen by the penalty rules of
ISO/IEC 18004 (lowest penalty, ties to the lower mask number) by ``qr_matrix``, and PNG and SVG are
made by ``qrcode`` with that mask. ``qr_matrix`` computes the eight candidate masks on whole-symbol
bit sets instead of module by module, so that a sheet of 20,000 badges takes seconds, not minutes, of
QR work; the tests hold it to ``qrcode``'s own output for every mask.

Sheets (``write_pdf``) put ``SheetLayout.columns × rows`` badges on a page (2 × 4 on A4 by default,
105 × 74.25 mm each, with dashed cut guides). Each badge has the congress name, the person's name
(bold, shrunk and wrapped to fit), the institution, the registration category on a dark band, the QR
code (40 mm with its quiet zone, drawn as vector rectangles) and, under it, the last eight hex digits
of the badge id for the registration desk. Text is set in DejaVu Sans (Latin, Greek, Cyrillic and
more): ``BadgeFonts.find`` looks for the TrueType files where Linux distributions put them (Debian's
``fonts-dejavu-core``). ``BadgeFonts.missing`` names the characters of a text the font has no glyph
for, so that such names can be caught before printing. Output is deterministic (``invariant=1``):
the same cards in the same order give byte-identical PDFs (reportlab's dates and file identifier
follow ``SOURCE_DATE_EPOCH`` when it is set, a fixed date otherwise).
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import qrcode
import qrcode.base
import qrcode.constants
import qrcode.util
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from congress.lib.badges import parse_badge

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q
QUIET_ZONE = 4  # modules of light margin on each side (ISO/IEC 18004)
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/dejavu"),  # Alpine, Arch (older)
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/local/share/fonts/dejavu"),  # FreeBSD
    Path("/Library/Fonts"),
)


@dataclass(frozen=True, slots=True)
class BadgeCard:
    """One badge to print. ``token`` is a badge token; the rest is printed as given."""

    token: str
    name: str
    institution: str
    category: str
    congress_name: str


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """How badges sit on a page: ``columns × rows`` equal cells filling a page (points)."""

    columns: int = 2
    rows: int = 4
    page_width: float = A4[0]
    page_height: float = A4[1]
    cut_guides: bool = True

    def __post_init__(self) -> None:
        if self.columns < 1 or self.rows < 1 or self.page_width <= 0 or self.page_height <= 0:
            raise ValueError("a sheet has at least one column and one row on a page of positive size")

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


@dataclass(frozen=True, slots=True)
class SheetSummary:
    cards: int
    pages: int


# -- QR symbols -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QrMatrix:
    """A QR symbol without its quiet zone: ``rows[r][c]`` is ``"1"`` for a dark module."""

    version: int
    mask: int
    rows: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.rows)


_ALPHANUMERIC = {ch: i for i, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")}
_PAD = 4  # light modules around the symbol in the bit-set layout (the quiet zone the penalty rules see)


def _count_bits(version: int) -> int:
    return 9 if version < 10 else 11 if version < 27 else 13


def _alphanumeric_bits(length: int, version: int) -> int:
    return 4 + _count_bits(version) + 11 * (length // 2) + 6 * (length % 2)


@functools.cache
def _version_for(length: int) -> int:
    for version in range(1, 41):
        if _alphanumeric_bits(length, version) <= qrcode.util.BIT_LIMIT_TABLE[ERROR_CORRECTION][version]:
            return version
    raise ValueError(f"{length} characters do not fit in a QR code at level Q")


# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _i in range(255):
    _EXP[_i] = _value
    _LOG[_value] = _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _gmul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@functools.cache
def _generator_products(degree: int) -> tuple[int, ...]:
    """For each byte f, f × (the generator polynomial without its leading 1), as one big integer."""
    generator = [1]
    for i in range(degree):
        # multiply by (x - α^i)
        generator = [
            (generator[j] if j < len(generator) else 0) ^ (_gmul(generator[j - 1], _EXP[i]) if j > 0 else 0)
            for j in range(len(generator) + 1)
        ]
    tail = generator[1:]
    return tuple(int.from_bytes(bytes(_gmul(f, g) for g in tail), "big") for f in range(256))


def _error_correction(data: bytes, degree: int) -> bytes:
    products = _generator_products(degree)
    shift = 8 * (degree - 1)
    full = (1 << (8 * degree)) - 1
    remainder = 0
    for byte in data:
        factor = (remainder >> shift) ^ byte
        remainder = ((remainder << 8) & full) ^ products[factor]
    return remainder.to_bytes(degree, "big")


def _codewords(text: str, version: int) -> bytes:
    """Data and error correction codewords, interleaved, of ``text`` as one alphanumeric segment."""
    blocks = qrcode.base.rs_blocks(version, ERROR_CORRECTION)
    capacity = sum(block.data_count for block in blocks)
    value = 0b0010
    length = 4
    value = (value << _count_bits(version)) | len(text)
    length += _count_bits(version)
    for i in range(0, len(text) - 1, 2):
        value = (value << 11) | (_ALPHANUMERIC[text[i]] * 45 + _ALPHANUMERIC[text[i + 1]])
        length += 11
    if len(text) % 2:
        value = (value << 6) | _ALPHANUMERIC[text[-1]]
        length += 6
    terminator = min(4, capacity * 8 - length)
    padding = terminator + (-(length + terminator)) % 8
    value <<= padding
    length += padding
    data = value.to_bytes(length // 8, "big")
    data += bytes((0xEC, 0x11) * capacity)[: capacity - len(data)]

    data_blocks: list[bytes] = []
    ec_blocks: list[bytes] = []
    offset = 0
    for block in blocks:
        chunk = data[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_error_correction(chunk, block.total_count - block.data_count))
    out = bytearray()
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out.extend(b[i] for b in group if i < len(b))
    return bytes(out)


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a version's modules are, as bit positions in a (n + 8) × (n + 8) grid, row-major."""

    version: int
    size: int
    width: int
    gather: Callable[[str], tuple[str, ...]]  # the stream's bits, "1"/"0", into grid order (high bit first)
    function_dark: tuple[int, ...]  # per mask: dark function modules, format information included
    mask_dark: tuple[int, ...]  # per mask: data modules the mask inverts
    symbol: int  # every module of the symbol


def _bit(width: int, row: int, col: int) -> int:
    return (row + _PAD) * width + col + _PAD


@functools.cache
def _layout(version: int) -> _Layout:
    size = version * 4 + 17
    width = size + 2 * _PAD
    function_dark: list[int] = []
    free: list[list[bool]] = []
    for mask in range(8):
        # qrcode's own steps of drawing the function patterns; every module left unset carries data.
        matrix = qrcode.QRCode(version=version, error_correction=ERROR_CORRECTION, mask_pattern=mask)
        matrix.modules_count = size
        matrix.modules = [[None] * size for _ in range(size)]
        matrix.setup_position_probe_pattern(0, 0)
        matrix.setup_position_probe_pattern(size - 7, 0)
        matrix.setup_position_probe_pattern(0, size - 7)
        matrix.setup_position_adjust_pattern()
        matrix.setup_timing_pattern()
        matrix.setup_type_info(False, mask)
        if version >= 7:
            matrix.setup_type_number(False)
        modules: list[list[bool | None]] = matrix.modules
        function_dark.append(
            sum(1 << _bit(width, r, c) for r in range(size) for c in range(size) if modules[r][c] is True)
        )
        free = [[modules[r][c] is None for c in range(size)] for r in range(size)]  # the same for every mask

    # The order data bits are placed in: two-module columns from the right, snaking up and down.
    order: list[tuple[int, int]] = []
    row, step = size - 1, -1
    for right in range(size - 1, 0, -2):
        col = right - 1 if right <= 6 else right  # skip the vertical timing pattern
        while True:
            for c in (col, col - 1):
                if free[row][c]:
                    order.append((row, c))
            row += step
            if row < 0 or row >= size:
                row -= step
                step = -step
                break

    stream_bits = 8 * sum(block.total_count for block in qrcode.base.rs_blocks(version, ERROR_CORRECTION))
    light = stream_bits  # the index of a "0" appended to the stream: for remainder bits and other modules
    source = [light] * (width * width)
    for index, (r, c) in enumerate(order):
        source[_bit(width, r, c)] = min(index, light)
    mask_dark = tuple(
        sum(1 << _bit(width, r, c) for r, c in order if qrcode.util.mask_func(mask)(r, c)) for mask in range(8)
    )
    symbol = sum(1 << _bit(width, r, c) for r in range(size) for c in range(size))
    return _Layout(
        version=version,
        size=size,
        width=width,
        gather=operator.itemgetter(*reversed(source)),
        function_dark=tuple(function_dark),
        mask_dark=mask_dark,
        symbol=symbol,
    )


def _runs_penalty(bits: int, step: int) -> int:
    """N1: 3 for each run of five like modules, plus 1 for each module beyond five."""
    windows = bits & (bits >> step) & (bits >> 2 * step) & (bits >> 3 * step) & (bits >> 4 * step)
    starts = windows & ~(windows << step)
    return windows.bit_count() + 2 * starts.bit_count()


def _finder_penalty(dark: int, step: int) -> int:
    """N3: 40 for each 1:1:3:1:1 pattern with four light modules before or after it."""
    s = [dark >> (i * step) for i in range(7)]
    core = s[0] & ~s[1] & s[2] & s[3] & s[4] & ~s[5] & s[6]
    light4 = ~(s[0] | s[1] | s[2] | s[3])
    found = core & (light4 >> 7 * step)
    found_after = light4 & (core >> 4 * step)
    return 40 * (found.bit_count() + found_after.bit_count())


def _penalty(dark: int, layout: _Layout) -> int:
    light = layout.symbol & ~dark
    width = layout.width
    score = 0
    for step in (1, width):
        score += _runs_penalty(dark, step) + _runs_penalty(light, step) + _finder_penalty(dark, step)
    for bits in (dark, light):
        score += 3 * (bits & (bits >> 1) & (bits >> width) & (bits >> (width + 1))).bit_count()
    total = layout.size * layout.size
    score += 10 * (abs(100 * dark.bit_count() - 50 * total) // (5 * total))
    return score


def qr_matrix(text: str) -> QrMatrix:
    """The QR symbol of alphanumeric ``text`` (a badge token) at level Q, with the best mask."""
    if any(ch not in _ALPHANUMERIC for ch in text):
        raise ValueError("only QR alphanumeric text (0-9, A-Z, space and $%*+-./:) is encoded here")
    layout = _layout(_version_for(len(text)))
    codewords = _codewords(text, layout.version)
    stream = format(int.from_bytes(codewords, "big"), f"0{8 * len(codewords)}b") + "0"
    data = int("".join(layout.gather(stream)), 2)
    best, best_mask = None, 0
    best_score = -1
    for mask in range(8):
        candidate = layout.function_dark[mask] | (data ^ layout.mask_dark[mask])
        score = _penalty(candidate, layout)
        if best is None or score < best_score:
            best, best_mask, best_score = candidate, mask, score
    assert best is not None
    width, size = layout.width, layout.size
    cells = format(best, f"0{width * width}b")[::-1]
    rows = tuple(cells[(r + _PAD) * width + _PAD : (r + _PAD) * width + _PAD + size] for r in range(size))
    return QrMatrix(version=layout.version, mask=best_mask, rows=rows)


def _qrcode(token: str, box_size: int) -> qrcode.QRCode:
    parse_badge(token)  # print nothing that is not a badge token
    matrix = qr_matrix(token)
    code = qrcode.QRCode(
        version=matrix.version,
        error_correction=ERROR_CORRECTION,
        box_size=box_size,
        border=QUIET_ZONE,
        mask_pattern=matrix.mask,
    )
    code.add_data(qrcode.util.QRData(token, mode=qrcode.util.MODE_ALPHA_NUM))
    code.make(fit=False)
    return code


def render_png(token: str, *, box_size: int = 10) -> bytes:
    """A black-and-white PNG of the token's QR code, ``box_size`` pixels a module, quiet zone included."""
    image = _qrcode(token, box_size).make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def render_svg(token: str, *, box_size: int = 10) -> bytes:
    """An SVG document (one path) of the token's QR code; ``box_size`` 10 is 1 mm a module."""
    image = _qrcode(token, box_size).make_image(image_factory=SvgPathImage)
    svg: bytes = image.to_string(encoding="utf-8", xml_declaration=True)
    return svg


# -- fonts ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadgeFonts:
    """The TrueType files badges are set in: DejaVu Sans and DejaVu Sans Bold, or any pair like them."""

    regular: Path
    bold: Path

    @classmethod
    def find(cls, directories: Iterable[Path] = FONT_DIRS) -> BadgeFonts:
        searched = list(directories)
        for directory in searched:
            regular, bold = (directory / name for name in FONT_FILES)
            if regular.is_file() and bold.is_file():
                return cls(regular, bold)
        raise FileNotFoundError(
            f"{' and '.join(FONT_FILES)} are in none of {', '.join(map(str, searched))}; install DejaVu "
            "(Debian: fonts-dejavu-core) or pass BadgeFonts(regular=..., bold=...)"
        )

    def names(self) -> tuple[str, str]:
        """The reportlab names of the two fonts (registered on first use)."""
        return _register(self.regular), _register(self.bold)

    def missing(self, text: str) -> frozenset[str]:
        """The characters of ``text`` (after NFC) that either font cannot draw."""
        faces = [_FONTS[name].face.charToGlyph for name in self.names()]
        return frozenset(ch for ch in _clean(text) if not ch.isspace() and any(ord(ch) not in f for f in faces))


_FONTS: dict[str, TTFont] = {}


@functools.cache
def _register(path: Path) -> str:
    name = f"CongressBadge-{path.stem}-{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"
    _FONTS[name] = font = TTFont(name, str(path))
    pdfmetrics.registerFont(font)
    return name


# -- text -------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_PIECE = re.compile(r"(\s*)([^\s-]+-*|-+)")
LEADING = 1.18


def _clean(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", text)).split())


def _hard_split(piece: str, width: float, font: str, size: float) -> list[str]:
    parts: list[str] = []
    current = ""
    for ch in piece:
        if current and pdfmetrics.stringWidth(current + ch, font, size) > width:
            parts.append(current)
            current = ch
        else:
            current += ch
    return [*parts, current] if current else parts


def _wrap(text: str, font: str, size: float, width: float, *, hard: bool) -> list[str] | None:
    """Greedy lines (breaks at spaces and after hyphens); ``None`` if a word is too wide and not ``hard``."""
    lines: list[str] = []
    line = ""
    for match in _PIECE.finditer(text):
        spaced, piece = bool(match.group(1)), match.group(2)
        if pdfmetrics.stringWidth(piece, font, size) > width:
            if not hard:
                return None
            if line:
                lines.append(line)
            *full, line = _hard_split(piece, width, font, size)
            lines.extend(full)
            continue
        candidate = f"{line} {piece}" if line and spaced else line + piece
        if line and pdfmetrics.stringWidth(candidate, font, size) > width:
            lines.append(line)
            line = piece
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def _ellipsis(line: str, font: str, size: float, width: float) -> str:
    while line and pdfmetrics.stringWidth(line + "…", font, size) > width:
        line = line[:-1].rstrip()
    return line + "…"


@functools.lru_cache(maxsize=4096)
def fit_text(
    text: str, font: str, width: float, height: float, max_lines: int, largest: float, smallest: float
) -> tuple[float, tuple[str, ...]]:
    """The largest size (in steps of 0.5 pt) at which ``text`` fits the box, and its lines.

    At ``smallest`` it still does not fit: long words are broken, and the last line that fits ends in "…".
    """
    text = _clean(text)
    size = largest
    while True:
        lines = _wrap(text, font, size, width, hard=False)
        if lines is not None and len(lines) <= max_lines and len(lines) * size * LEADING <= height:
            return size, tuple(lines)
        if size <= smallest:
            break
        size = max(smallest, size - 0.5)
    lines = _wrap(text, font, smallest, width, hard=True) or []
    keep = max(1, min(max_lines, int(height // (smallest * LEADING))))
    if len(lines) > keep:
        lines = [*lines[: keep - 1], _ellipsis(lines[keep - 1], font, smallest, width)]
    return smallest, tuple(lines)


# -- sheets -----------------------------------------------------------------------------------------

BAND_COLOUR = (0.12, 0.2, 0.33)
GREY = (0.35, 0.35, 0.35)
GUIDE_GREY = (0.75, 0.75, 0.75)
REFERENCE = (105 * mm, 74.25 * mm)  # the cell the sizes below are designed for


_RUN = re.compile("1+")


def _qr_operators(matrix: QrMatrix, x: float, y: float, side: float) -> str:
    """PDF operators filling the dark modules of ``matrix`` in a ``side``-point square (quiet zone inside).

    In module units: each row's runs of dark modules as rectangles, all in one path filled once, so that
    a viewer's anti-aliasing leaves no seams between rows.
    """
    unit = side / (matrix.size + 2 * QUIET_ZONE)
    ops = [f"q 0 g {unit:.5f} 0 0 {unit:.5f} {x + QUIET_ZONE * unit:.3f} {y + QUIET_ZONE * unit:.3f} cm"]
    for r, row in enumerate(matrix.rows):
        y_row = f" {matrix.size - 1 - r} "
        ops.extend(f"{start}{y_row}{end - start} 1 re" for start, end in (run.span() for run in _RUN.finditer(row)))
    ops.append("f Q")
    return "\n".join(ops)


def _draw_lines(canvas: Canvas, lines: Iterable[str], font: str, size: float, x: float, top: float) -> float:
    """Draw ``lines`` from ``top`` down; returns the y below the last line."""
    canvas.setFont(font, size)
    y = top
    for line in lines:
        y -= size
        canvas.drawString(x, y, line)
        y -= size * (LEADING - 1)
    return y


def _draw_card(canvas: Canvas, card: BadgeCard, x: float, y: float, w: float, h: float, fonts: BadgeFonts) -> None:
    regular, bold = fonts.names()
    scale = min(w / REFERENCE[0], h / REFERENCE[1])
    pad = 5 * mm * scale
    band = 11 * mm * scale
    gap = 2 * mm * scale
    side = min(40 * mm * scale, h - 2 * pad - band - gap - 9 * scale, (w - 2 * pad) * 0.5)
    badge_id = parse_badge(card.token).badge_id
    matrix = qr_matrix(card.token)

    # the category band
    canvas.setFillColorRGB(*BAND_COLOUR)
    canvas.rect(x + pad, y + pad, w - 2 * pad, band, stroke=0, fill=1)
    size, lines = fit_text(card.category, bold, w - 4 * pad, band * 0.8, 1, 14 * scale, 7 * scale)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(bold, size)
    canvas.drawString(x + 2 * pad, y + pad + (band - size * 0.72) / 2, lines[0] if lines else "")

    # the QR code, top right, and the badge reference under it
    qr_x = x + w - pad - side
    qr_y = y + h - pad - side
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(_qr_operators(matrix, qr_x, qr_y, side))
    canvas.setFillColorRGB(*GREY)
    canvas.setFont(regular, 7 * scale)
    canvas.drawCentredString(qr_x + side / 2, qr_y - 7 * scale, badge_id.hex[-8:])

    # congress, name, institution down the left column
    text_x = x + pad
    text_w = w - 2 * pad - side - gap
    top = y + h - pad
    bottom = y + pad + band + gap
    size, lines = fit_text(card.congress_name, bold, text_w, 20 * scale, 1, 8 * scale, 6 * scale)
    canvas.setFillColorRGB(*GREY)
    top = _draw_lines(canvas, lines, bold, size, text_x, top) - 4 * mm * scale
    room = top - bottom
    canvas.setFillColorRGB(0, 0, 0)
    size, lines = fit_text(card.name, bold, text_w, room * 0.62, 3, 20 * scale, 9 * scale)
    top = _draw_lines(canvas, lines, bold, size, text_x, top) - gap
    size, lines = fit_text(card.institution, regular, text_w, top - bottom, 3, 10 * scale, 6.5 * scale)
    _draw_lines(canvas, lines, regular, size, text_x, top)


def _draw_guides(canvas: Canvas, layout: SheetLayout) -> None:
    canvas.saveState()
    canvas.setStrokeColorRGB(*GUIDE_GREY)
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 2)
    cell_w = layout.page_width / layout.columns
    cell_h = layout.page_height / layout.rows
    for column in range(1, layout.columns):
        canvas.line(column * cell_w, 0, column * cell_w, layout.page_height)
    for row in range(1, layout.rows):
        canvas.line(0, row * cell_h, layout.page_width, row * cell_h)
    canvas.restoreState()


def write_pdf(
    cards: Iterable[BadgeCard],
    out: BinaryIO,
    on_progress: Callable[[int], None] | None = None,
    *,
    layout: SheetLayout | None = None,
    fonts: BadgeFonts | None = None,
    title: str = "Badges",
) -> SheetSummary:
    """Print ``cards`` as sheets into ``out``, in order, row by row; ``cards`` may be a generator.

    ``on_progress`` is called with the number of cards drawn so far after each card. The PDF is
    written when the last card is drawn; with no cards at all it raises ``ValueError``.
    """
    layout = layout or SheetLayout()
    fonts = fonts or BadgeFonts.find()
    canvas = Canvas(
        out,
        pagesize=(layout.page_width, layout.page_height),
        invariant=1,
        pageCompression=1,
    )
    canvas.setTitle(title)
    canvas.setCreator("congress")
    cell_w = layout.page_width / layout.columns
    cell_h = layout.page_height / layout.rows
    count = 0
    for card in cards:
        slot = count % layout.per_page
        if slot == 0:
            if count:
                canvas.showPage()
            if layout.cut_guides:
                _draw_guides(canvas, layout)
        column, row = slot % layout.columns, slot // layout.columns
        x = column * cell_w
        y = layout.page_height - (row + 1) * cell_h
        _draw_card(canvas, card, x, y, cell_w, cell_h, fonts)
        count += 1
        if on_progress is not None:
            on_progress(count)
    if count == 0:
        raise ValueError("no badges to print")
    canvas.showPage()
    canvas.save()
    return SheetSummary(cards=count, pages=math.ceil(count / layout.per_page))
