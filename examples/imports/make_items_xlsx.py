"""Writes ``items.xlsx``, the example programme items import, byte for byte the same on every run.

openpyxl stamps the time of saving into the workbook's properties and into every
zip entry; both are replaced by a fixed moment, so the committed file only
changes when the data here does.

Command line (from the repository root)::

    python examples/imports/make_items_xlsx.py            # writes examples/imports/items.xlsx
    python examples/imports/make_items_xlsx.py --out x.xlsx
"""

from __future__ import annotations

import argparse
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

OUT = Path(__file__).with_name("items.xlsx")
_FIXED = (2026, 3, 1, 12, 0, 0)  # the moment stamped on every part
_FIXED_W3C = b"2026-03-01T12:00:00Z"

HEADERS = (
    "Code",
    "Kind",
    "Title",
    "Duration",
    "Description",
    "Topics",
    "Expected attendance",
    "Capacity",
    "Runs",
    "Required equipment",
    "Series",
    "Series position",
    "Follows",
    "Faculty",
)

_ANNA = "anna.mueller@meduniwien.example.org"
_ZOE = "zoe.janssens@uzleuven.example.org"
_FRANCOIS = "francois.lefevre@chuv.example.org"
_JOSE = "jose.nunez@clinic.example.org"
_SOREN = "soren.kjaer@rigshospitalet.example.org"
_LUKASZ = "lukasz.wisniewski@wum.example.org"
_INES = "ines.goncalves@chusj.example.org"
_MATTHIAS = "matthias.gruber@i-med.example.org"
_ELENI = "eleni.papadopoulou@uoa.example.org"
_PIETER = "pieter.vandam@amsterdamumc.example.org"
_GIULIA = "giulia.rossi@ior.example.org"
_KATHARINA = "katharina.hofer@meduniwien.example.org"
_BJORN = "bjorn.lindqvist@karolinska.example.org"
_RENEE = "renee.dubois@aphp.example.org"

# One row per item, in the order of HEADERS (None: the cell stays empty). Numbers are real numbers in the sheet.
ITEMS: tuple[tuple[str | int | None, ...], ...] = (
    (
        "PL 01",
        "plenary",
        "Opening ceremony and ESSR Gold Medal lecture",
        60,
        "Welcome to Vienna, the ESSR awards and the Gold Medal lecture.",
        None,
        550,
        None,
        None,
        "streaming=1; interpretation=1",
        None,
        None,
        None,
        f"{_ANNA}:chair; {_FRANCOIS}:speaker",
    ),
    (
        "RC 101",
        "refresher_course",
        "Knee MRI: menisci, ligaments and cartilage",
        90,
        "A systematic reading of the knee MRI, from meniscal tears to cartilage grading.",
        "knee; MR",
        280,
        None,
        None,
        None,
        None,
        None,
        None,
        f"{_ZOE}:moderator; {_SOREN}; {_GIULIA}",
    ),
    (
        "RC 102",
        "refresher_course",
        "Shoulder instability: what the surgeon needs to know",
        90,
        "Bankart and Hill-Sachs lesions, glenoid bone loss and the report the surgeon reads.",
        "shoulder; MR; CT",
        250,
        None,
        None,
        None,
        "Shoulder imaging",
        1,
        None,
        f"{_JOSE}:moderator; {_MATTHIAS}",
    ),
    (
        "HW 201",
        "hands_on_workshop",
        "Ultrasound of the shoulder: hands-on",
        90,
        "Two participants per station scan the rotator cuff and the biceps tendon on live models.",
        "shoulder; ultrasound",
        None,
        16,
        3,
        "ultrasound_station=8; live_model_bay=4",
        "Shoulder imaging",
        2,
        "RC 102",
        f"{_JOSE}:tutor; {_KATHARINA}:tutor",
    ),
    (
        "MC 301",
        "master_class",
        "Bone tumours: a systematic approach",
        60,
        "From the radiograph to the biopsy: age, site, margins and matrix.",
        "bone tumours; radiography; MR",
        120,
        None,
        None,
        None,
        None,
        None,
        None,
        f"{_FRANCOIS}:speaker",
    ),
    (
        "DP 401",
        "diploma_prep",
        "EDiMSK preparation: case-based review",
        120,
        "Cases in the format of the European Diploma in Musculoskeletal Radiology.",
        "EDiMSK; cases",
        None,
        24,
        2,
        "exam_workstation=24",
        None,
        None,
        None,
        f"{_ELENI}:tutor; {_BJORN}:tutor",
    ),
    (
        "RS 501",
        "rising_stars",
        "Rising Stars: sports injuries of the ankle",
        60,
        "Residents present their cases; the panel discusses.",
        "ankle; sports",
        90,
        None,
        None,
        None,
        None,
        None,
        None,
        f"{_INES}:speaker; {_RENEE}:moderator",
    ),
    (
        "SS 601",
        "scientific_session",
        "Scientific session: spine and artificial intelligence",
        90,
        "Selected abstracts, eight minutes each.",
        "spine; artificial intelligence",
        180,
        None,
        None,
        None,
        None,
        None,
        None,
        f"{_PIETER}:chair; {_LUKASZ}:speaker",
    ),
    (
        "PC 701",
        "pros_and_cons",
        "Pros and cons: MRI for every acute knee injury?",
        45,
        None,
        "knee; MR",
        200,
        None,
        None,
        None,
        None,
        None,
        "RC 101",
        f"{_ANNA}:moderator; {_SOREN}:panellist; {_GIULIA}:panellist",
    ),
    (
        "QZ 801",
        "quiz",
        "Case quiz: the painful hip",
        45,
        None,
        "hip",
        150,
        None,
        None,
        "projector=1",
        None,
        None,
        None,
        f"{_MATTHIAS}:moderator",
    ),
    (
        "CT 901",
        "coffee_and_talk",
        "Coffee and talk: careers in musculoskeletal radiology",
        30,
        "Informal questions for the faculty, with coffee.",
        None,
        40,
        45,
        None,
        None,
        None,
        None,
        None,
        f"{_FRANCOIS}; {_RENEE}",
    ),
    (
        "EW 1101",
        "efomp_workshop",
        "Dose optimisation in musculoskeletal CT",
        60,
        "With the European Federation of Organisations for Medical Physics.",
        "CT; radiation protection",
        80,
        None,
        None,
        None,
        None,
        None,
        None,
        f"{_KATHARINA}:speaker; {_BJORN}:moderator",
    ),
    (
        "TA 1201",
        "transatlantic_course",
        "Transatlantic course: imaging before and after hip arthroscopy",
        90,
        None,
        "hip; MR",
        160,
        None,
        None,
        None,
        None,
        None,
        None,
        f"{_ELENI}:speaker; {_ZOE}:moderator",
    ),
    (
        "SO 1301",
        "society_session",
        "ESSR General Assembly",
        60,
        "For ESSR members.",
        None,
        120,
        None,
        None,
        None,
        None,
        None,
        None,
        f"{_ANNA}:chair",
    ),
)

README = (
    "The import reads the first sheet ('Items') unless another is named.",
    "Topics and Follows hold several values separated by ';'.",
    "Required equipment holds key=value entries separated by ';'.",
    "Faculty holds e-mail or e-mail:role entries separated by ';'.",
    "Formulas are refused: type the values.",
)


def build() -> bytes:
    """The workbook's bytes (the same on every call)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Items"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in ITEMS:
        sheet.append(item)
    for letter, width in zip("ABCDEFGHIJKLMN", (9, 20, 58, 9, 60, 28, 10, 9, 6, 38, 17, 8, 9, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column_letter in "CE")
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("Read me")
    for line in README:
        notes.append((line,))
    notes.column_dimensions["A"].width = 90

    workbook.properties.creator = "congress examples"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _deterministic(buffer.getvalue())


def _deterministic(data: bytes) -> bytes:
    """The same archive with fixed timestamps (the zip entries' and the document properties')."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", lambda m: m[1] + _FIXED_W3C, content)
            info = zipfile.ZipInfo(entry.filename, date_time=_FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.write_bytes(build())
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
