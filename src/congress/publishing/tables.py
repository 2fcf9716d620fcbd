"""The released programme as a table: rows, a CSV file and an XLSX workbook for spreadsheet users.

One row per live event in time order (cancelled runs are left out), times in the congress's zone
plus the start in UTC. Both files neutralise formula injection (OWASP "CSV injection"): every cell
whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe, and the workbook stores every cell as a plain string, never as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from collections.abc import Sequence

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from congress.publishing.snapshot import Event, Programme

HEADER = ("Day", "Start", "End", "Room", "Code", "Title", "Kind", "Topics", "Faculty", "Run", "Starts UTC", "UID")
SHEET = "Programme"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_MIN_WIDTH = 6
_MAX_WIDTH = 60


def neutralise(text: str) -> str:
    """The text a spreadsheet will show as text, never evaluate (a leading apostrophe where needed)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def programme_rows(programme: Programme) -> list[list[str]]:
    """A header row, then one row per live event, as raw text (the file writers neutralise it)."""
    tz = zoneinfo.ZoneInfo(programme.time_zone)
    events = sorted(programme.live_events, key=lambda e: (e.starts_at, e.room, e.uid))
    return [list(HEADER), *(_row(event, tz) for event in events)]


def programme_csv(programme: Programme) -> bytes:
    """UTF-8 with a byte order mark (so Excel reads it as UTF-8), CRLF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(_safe(programme_rows(programme)))
    return buffer.getvalue().encode("utf-8-sig")


def programme_xlsx(programme: Programme) -> bytes:
    """One sheet, "Programme": a bold, frozen header row, sized columns, every cell a string."""
    rows = _safe(programme_rows(programme))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=text)
            cell.data_type = "s"  # openpyxl would read "=…" as a formula and "#N/A" as an error
            if r == 1:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for c in range(1, len(HEADER) + 1):
        longest = max(max((len(line) for line in row[c - 1].splitlines()), default=0) for row in rows)
        sheet.column_dimensions[get_column_letter(c)].width = min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH)
    workbook.properties.creator = "congress"
    workbook.properties.title = programme.name
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _row(event: Event, tz: zoneinfo.ZoneInfo) -> list[str]:
    start = event.starts_at.astimezone(tz)
    return [
        start.date().isoformat(),
        start.strftime("%H:%M"),
        event.ends_at.astimezone(tz).strftime("%H:%M"),
        event.room,
        event.code or "",
        event.title,
        event.kind,
        "; ".join(event.topics),
        "; ".join(f"{f.name} ({f.role})" for f in event.faculty),
        f"{event.run}/{event.runs}",
        event.starts_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        event.uid,
    ]


def _safe(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """Every cell neutralised, and without the control characters XLSX cannot hold."""
    return [[neutralise(ILLEGAL_CHARACTERS_RE.sub("", text)) for text in row] for row in rows]
