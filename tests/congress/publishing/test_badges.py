from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import qrcode
import qrcode.util
from defusedxml import ElementTree
from PIL import Image
from pypdf import PdfReader

from congress.lib.badges import BadgeError, parse_badge, private_from_bytes, sign_badge
from congress.publishing.badges import (
    ERROR_CORRECTION,
    QUIET_ZONE,
    BadgeCard,
    BadgeFonts,
    SheetLayout,
    fit_text,
    qr_matrix,
    render_png,
    render_svg,
    write_pdf,
)
from tests.qr import decode_with_jsqr, decode_with_zbar

ROOT = Path(__file__).resolve().parents[3]
KEY = private_from_bytes(bytes(range(32)))
CONGRESS = uuid.UUID("0192f1a4-3b5c-7d6e-8f90-a1b2c3d4e5f6")
TOKENS = [sign_badge(KEY, CONGRESS, uuid.UUID(int=0x0192F1A5_0000_7000_8000_000000000000 + i)) for i in range(24)]
TOKEN = TOKENS[0]
PEOPLE = [
    ("Łukasz Żółć", "Uniwersytet Medyczny w Warszawie", "Delegate"),
    ("Μαρία Παπαδοπούλου", "Εθνικό και Καποδιστριακό Πανεπιστήμιο Αθηνών", "Faculty"),
    ("Александр Кузнецов", "Сеченовский университет", "Speaker"),
    ("Zoë O'Brien-Müller", "Charité – Universitätsmedizin Berlin", "Radiographer"),
    ("Maria Magdalena Fernández-Villaverde de la Concepción", "Hospital Universitario 12 de Octubre", "Faculty"),
    ("Jo Li", "", "Press"),
    ("Ayşe Yılmaz", "Hacettepe Üniversitesi", "Resident in training"),
    ("Søren Ødegård", "Rigshospitalet", "Exhibitor"),
    ("Nguyễn Thị Hương", "Bệnh viện Bạch Mai", "Delegate"),
]
CARDS = [
    BadgeCard(token=TOKENS[i], name=name, institution=institution, category=category, congress_name="ECR 2027")
    for i, (name, institution, category) in enumerate(PEOPLE)
]


def cards(n: int) -> list[BadgeCard]:
    return [CARDS[i % len(CARDS)] for i in range(n)]


def pdf_bytes(items: list[BadgeCard], layout: SheetLayout | None = None) -> bytes:
    out = io.BytesIO()
    write_pdf(items, out, layout=layout)
    return out.getvalue()


def rasterise(pdf: bytes, dpi: int) -> list[bytes]:
    """Each page as a PNG, rendered by poppler's pdftoppm (Debian's poppler-utils)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise RuntimeError("pdftoppm is not on PATH; install Debian's poppler-utils, as `make verifiers` does")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sheet.pdf"
        source.write_bytes(pdf)
        subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(source), str(Path(tmp) / "page")], check=True)
        return [page.read_bytes() for page in sorted(Path(tmp).glob("page-*.png"))]


def reference_penalty(modules: list[list[bool]]) -> int:
    """ISO/IEC 18004's mask penalty, module by module (the area around the symbol counts as light)."""
    n = len(modules)
    rows = ["".join("1" if module else "0" for module in row) for row in modules]
    columns = ["".join(row[c] for row in rows) for c in range(n)]
    score = 0
    for line in rows + columns:
        previous, length = "", 0
        for ch in [*line, "end"]:
            if ch == previous:
                length += 1
                continue
            if length >= 5:
                score += 3 + (length - 5)
            previous, length = ch, 1
        padded = "0000" + line + "0000"
        score += 40 * sum(padded[i : i + 11] in {"10111010000", "00001011101"} for i in range(len(padded) - 10))
    for r in range(n - 1):
        for c in range(n - 1):
            if modules[r][c] == modules[r][c + 1] == modules[r + 1][c] == modules[r + 1][c + 1]:
                score += 3
    dark = sum(sum(row) for row in modules)
    return score + 10 * (abs(100 * dark - 50 * n * n) // (5 * n * n))


def qrcode_modules(text: str, mask: int) -> list[list[bool]]:
    code = qrcode.QRCode(version=9, error_correction=ERROR_CORRECTION, mask_pattern=mask, border=0)
    code.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    code.make(fit=False)
    modules: list[list[bool]] = code.modules
    return modules


def image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L")


def to_png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def shrink(picture: Image.Image) -> Image.Image:
    return picture.resize((picture.width // 2, picture.height // 2), Image.Resampling.LANCZOS)


def rotate(picture: Image.Image) -> Image.Image:
    return picture.rotate(4, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def jpeg(picture: Image.Image) -> Image.Image:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=40)
    return Image.open(io.BytesIO(out.getvalue()))


# -- the symbol --------------------------------------------------------------------------------------


def test_qr_matrix_equals_qrcode_with_the_same_mask() -> None:
    masks = set()
    for token in TOKENS:
        matrix = qr_matrix(token)
        masks.add(matrix.mask)
        assert [[module == "1" for module in row] for row in matrix.rows] == qrcode_modules(token, matrix.mask)
    assert len(masks) >= 4  # the comparison covered several masks' layouts


def test_qr_matrix_mask_has_the_lowest_penalty() -> None:
    for token in TOKENS[:8]:
        penalties = [reference_penalty(qrcode_modules(token, mask)) for mask in range(8)]
        assert qr_matrix(token).mask == penalties.index(min(penalties))


def test_qr_matrix_token_is_version_9_at_level_q() -> None:
    matrix = qr_matrix(TOKEN)
    assert (matrix.version, matrix.size) == (9, 53)
    fitted = qrcode.QRCode(error_correction=ERROR_CORRECTION)
    fitted.add_data(qrcode.util.QRData(TOKEN, mode=qrcode.util.MODE_ALPHA_NUM))
    fitted.make(fit=True)
    assert fitted.version == 9


def test_qr_matrix_refuses_text_outside_the_alphanumeric_set() -> None:
    with pytest.raises(ValueError, match="alphanumeric"):
        qr_matrix("cb:lower case")


# -- PNG and SVG -------------------------------------------------------------------------------------


def test_render_png_decodes_exactly_with_zbar() -> None:
    for token in TOKENS[:4]:
        assert decode_with_zbar(render_png(token)) == [token]


def test_render_png_decodes_exactly_with_jsqr() -> None:
    for token in TOKENS[:4]:
        assert decode_with_jsqr(render_png(token)) == token


@pytest.mark.parametrize(
    "damage",
    [[shrink], [rotate], [jpeg], [shrink, rotate, jpeg]],
    ids=["shrunk_to_half", "rotated_4_degrees", "jpeg_quality_40", "all_three"],
)
def test_render_png_decodes_with_zbar_after_print_damage(damage: list[Callable[[Image.Image], Image.Image]]) -> None:
    picture = image(render_png(TOKEN))
    for step in damage:
        picture = step(picture)
    assert decode_with_zbar(to_png(picture)) == [TOKEN]


def test_render_png_decodes_with_jsqr_after_shrinking_rotating_and_jpeg() -> None:
    picture = jpeg(rotate(shrink(image(render_png(TOKEN)))))
    assert decode_with_jsqr(to_png(picture)) == TOKEN


def test_render_png_has_the_quiet_zone_and_box_size() -> None:
    picture = image(render_png(TOKEN, box_size=4))
    side = (53 + 2 * QUIET_ZONE) * 4
    assert picture.size == (side, side)
    margin = QUIET_ZONE * 4
    assert picture.crop((0, 0, side, margin)).getextrema() == (255, 255)
    assert picture.crop((0, 0, margin, side)).getextrema() == (255, 255)
    assert picture.crop((margin, margin, margin + 4, margin + 4)).getextrema() == (0, 0)  # finder corner


def test_render_png_is_deterministic() -> None:
    assert render_png(TOKEN) == render_png(TOKEN)


def test_render_svg_is_one_path_with_a_square_per_dark_module() -> None:
    svg = render_svg(TOKEN)
    root = ElementTree.fromstring(svg)
    namespace = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{namespace}svg"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("61mm", "61mm", "0 0 61 61")
    paths = root.findall(f"{namespace}path")
    assert len(paths) == 1
    dark = sum(row.count("1") for row in qr_matrix(TOKEN).rows)
    assert paths[0].get("d", "").count("z") == dark
    assert svg.startswith(b"<?xml")


def test_render_refuses_text_that_is_not_a_badge_token() -> None:
    with pytest.raises(BadgeError):
        render_png("CB:HELLO")
    with pytest.raises(BadgeError):
        render_svg("https://example.org")


# -- PDF sheets --------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 8, 9, 17])
def test_write_pdf_page_count_is_eight_badges_a_page(n: int) -> None:
    out = io.BytesIO()
    summary = write_pdf(cards(n), out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert (summary.cards, summary.pages, len(reader.pages)) == (n, math.ceil(n / 8), math.ceil(n / 8))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4


def test_write_pdf_other_layout_page_count() -> None:
    out = io.BytesIO()
    summary = write_pdf(cards(10), out, layout=SheetLayout(columns=3, rows=3))
    assert (summary.pages, len(PdfReader(io.BytesIO(out.getvalue())).pages)) == (2, 2)


def test_write_pdf_text_has_every_name_institution_and_category() -> None:
    reader = PdfReader(io.BytesIO(pdf_bytes(CARDS)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flowing = text.replace("-\n", "-").replace("\n", " ")
    for card in CARDS:
        assert card.name in flowing
        assert card.institution in flowing
        assert card.category in flowing
        assert parse_badge(card.token).badge_id.hex[-8:] in flowing  # the reference for the desk
    assert "ECR 2027" in text


def test_write_pdf_is_byte_identical_for_the_same_cards() -> None:
    first = pdf_bytes(cards(12))
    assert pdf_bytes(cards(12)) == first
    assert pdf_bytes(cards(11)) != first


def test_write_pdf_is_byte_identical_in_fresh_processes_in_other_time_zones() -> None:
    script = (
        "import io, sys\n"
        "from congress.publishing.badges import write_pdf\n"
        "from tests.congress.publishing.test_badges import cards\n"
        "out = io.BytesIO()\n"
        "write_pdf(cards(12), out)\n"
        "sys.stdout.buffer.write(out.getvalue())\n"
    )
    # reportlab's invariant mode takes its time stamp from SOURCE_DATE_EPOCH when that is set
    env = {name: value for name, value in os.environ.items() if name != "SOURCE_DATE_EPOCH"}
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env={**env, "TZ": zone}, capture_output=True, check=True
        ).stdout
        for zone in ("UTC", "Pacific/Auckland")
    ]
    assert outputs[0] == outputs[1]
    assert len(PdfReader(io.BytesIO(outputs[0])).pages) == 2


def test_write_pdf_qr_codes_decode_from_the_printed_page() -> None:
    sheet = cards(8)
    pages = rasterise(pdf_bytes(sheet), dpi=150)
    assert len(pages) == 1
    assert sorted(decode_with_zbar(pages[0])) == sorted(card.token for card in sheet)


def test_write_pdf_reports_progress_after_each_card() -> None:
    seen: list[int] = []
    write_pdf(cards(10), io.BytesIO(), seen.append)
    assert seen == list(range(1, 11))


def test_write_pdf_draws_each_card_before_reading_the_next() -> None:
    log: list[str] = []

    def lazily() -> Iterator[BadgeCard]:
        for i, card in enumerate(cards(3)):
            log.append(f"read {i + 1}")
            yield card

    write_pdf(lazily(), io.BytesIO(), lambda done: log.append(f"drawn {done}"))
    assert log == ["read 1", "drawn 1", "read 2", "drawn 2", "read 3", "drawn 3"]


def test_write_pdf_without_cards_raises() -> None:
    out = io.BytesIO()
    with pytest.raises(ValueError, match="no badges"):
        write_pdf([], out)
    assert out.getvalue() == b""


def test_write_pdf_refuses_a_card_whose_token_is_not_a_badge_token() -> None:
    with pytest.raises(BadgeError):
        write_pdf([BadgeCard("CB:AAAA", "A", "B", "C", "D")], io.BytesIO())


# -- text and fonts ----------------------------------------------------------------------------------


def font_names() -> tuple[str, str]:
    return BadgeFonts.find().names()


def test_fit_text_short_name_keeps_the_largest_size_on_one_line() -> None:
    _, bold = font_names()
    assert fit_text("Łukasz Żółć", bold, 140, 200, 3, 20, 9) == (20, ("Łukasz Żółć",))


def test_fit_text_long_name_wraps_and_shrinks() -> None:
    _, bold = font_names()
    name = "Maria Magdalena Fernández-Villaverde de la Concepción y Rodríguez-Álvarez"
    size, lines = fit_text(name, bold, 200, 200, 3, 20, 9)
    assert 9 <= size < 20
    assert 1 < len(lines) <= 3
    assert "".join(line if line.endswith("-") else line + " " for line in lines).strip() == name


def test_fit_text_too_long_at_the_smallest_size_ends_in_an_ellipsis() -> None:
    regular, _ = font_names()
    size, lines = fit_text("word " * 200, regular, 100, 200, 2, 10, 6)
    assert size == 6
    assert len(lines) == 2
    assert lines[-1].endswith("…")


def test_fit_text_breaks_a_word_wider_than_the_box_at_the_smallest_size() -> None:
    regular, _ = font_names()
    size, lines = fit_text("Pneumonoultramicroscopicsilicovolcanoconiosis", regular, 100, 200, 3, 10, 8)
    assert size == 8
    assert len(lines) > 1
    assert "".join(lines) == "Pneumonoultramicroscopicsilicovolcanoconiosis"


def test_badge_fonts_missing_is_empty_for_latin_greek_and_cyrillic_names() -> None:
    fonts = BadgeFonts.find()
    assert fonts.missing(" ".join(card.name + card.institution for card in CARDS)) == frozenset()


def test_badge_fonts_missing_names_characters_without_a_glyph() -> None:
    assert BadgeFonts.find().missing("李小龙 Li") == frozenset("李小龙")


def test_badge_fonts_find_without_the_fonts_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="fonts-dejavu-core"):
        BadgeFonts.find([tmp_path])
