"""CSV and XLSX files → :class:`~importers.records.ParsedTable`.

``read_table`` reads the bytes of an uploaded table for one import kind (see
:mod:`importers.kinds`) and returns every row it could read together with every
problem it found. It never raises for bad input: a damaged workbook, a file in
an unexpected encoding or a row with too many cells become problems with a
machine ``code`` (see :data:`CODES`) and a sentence for a person.

What is decided here, and documented in ``docs/import-formats.md``:

* The format comes from the content, not the name: a zip archive is read as
  an XLSX workbook, anything else as CSV (an old binary ``.xls`` is refused).
  Only the message depends on the name: a file named ``.xlsx`` that is neither
  a workbook nor a CSV file with a single known column is "not a workbook".
* CSV encodings are tried in this order: UTF-8 with a byte-order mark
  (``utf-8-sig``), UTF-8, Windows-1252 (``cp1252``, what Excel on Windows
  writes), Latin-1 (which decodes any byte). The delimiter is the one of
  ``,`` ``;`` and tab that occurs most often, outside quotes, in the header
  line (ties go to the earlier one in that order).
* ``Row.number`` is the row as a spreadsheet shows it. In an XLSX sheet that
  is the sheet's row number. In a CSV file it is the line of the file on which
  the record starts (line 1 is the first line); this is the spreadsheet row
  as long as no earlier cell holds a line break, and the line a text editor
  shows in every case.
* Formulas are never evaluated: a formula in the header or in a column that is
  read is a ``formula_not_allowed`` problem. Columns that are ignored are not
  looked at.
* Values in a position after the last header are ``extra_cells``; values under
  an empty header cell between two headers are ignored with that column.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from importers.kinds import KINDS, Column, header_index, normalise
from importers.records import MAX_BYTES, MAX_ROWS, Cell, ParsedTable, Problem, Row, Scalar, Table

__all__ = ["CODES", "read_table"]

# Every problem code this module emits, with what it means (listed in docs/import-formats.md).
CODES: dict[str, str] = {
    "too_large": "The file (or an XLSX file once unpacked) is larger than the limit.",
    "empty_file": "The file has no bytes, or a CSV file has no row with a value.",
    "bad_encoding": "A CSV file is not text in a supported encoding (NUL bytes, UTF-16, broken UTF-8 after a BOM).",
    "bad_csv": "The CSV text cannot be split into cells past a point (unclosed quote, text after a closing quote).",
    "unreadable_file": "An XLSX file is damaged, truncated, not a workbook, or another spreadsheet format.",
    "unknown_sheet": "The sheet asked for is not in the workbook (or is a chart, not a table).",
    "empty_sheet": "The sheet read has no row with a value.",
    "formula_not_allowed": "A cell read holds a formula; formulas are never evaluated.",
    "duplicate_column": "Two headers name the same field.",
    "missing_column": "A required column is not in the header row.",
    "extra_cells": "A row has values after the last header.",
    "too_many_rows": "The table has more data rows than the limit; reading stopped there.",
    "bad_pair": "A piece of a key=value column has no '=', no key or no value.",
    "duplicate_key": "A key=value column names the same key twice.",
    "required": "A required field is empty in a row.",
}

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive's first entry, or an empty archive
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other Office 97–2003 files)
_EXCEL_NAME = re.compile(r"\.(xlsx|xlsm|xltx|xltm|xls)\s*$", re.IGNORECASE)
_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": ",", ";": ";", "\t": "tab"}
# An XLSX file may unpack to at most this many times the byte limit (a workbook's XML packs about 5–10 times).
_UNPACK_FACTOR = 25
_XLSX_MAX_ROW = 1_048_576  # Excel's last row: a row number beyond it only comes from a damaged file
_MAX_SHOWN = 10  # names listed in a message before "…"


def read_table(
    data: bytes,
    filename: str,
    kind: str,
    *,
    sheet: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ParsedTable:
    """Read a CSV or XLSX file for the import ``kind``.

    ``sheet`` chooses an XLSX sheet by name (the first sheet otherwise; CSV has
    none). The result's table is ``None`` when the file or its header row
    cannot be used; otherwise it holds every row read, even when some rows
    have problems (the application reports all problems together).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; known kinds: {', '.join(KINDS)}")
    if len(data) > max_bytes:
        return _failed(
            Problem(
                file=filename,
                code="too_large",
                message=f"The file is {_size(len(data))}; the limit is {_size(max_bytes)}",
            )
        )
    if not data:
        return _failed(Problem(file=filename, code="empty_file", message="The file is empty"))
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, filename, kind, sheet, max_bytes, max_rows)
    if data.startswith(_OLE_MAGIC):
        return _failed(
            Problem(
                file=filename,
                code="unreadable_file",
                message="This is an Excel 97–2003 (.xls) or other old Office file; save it as .xlsx or as CSV UTF-8",
            )
        )
    parsed = _read_csv(data, filename, kind, max_rows)
    if _EXCEL_NAME.search(filename) and _nothing_recognised(parsed, kind):
        # The content decides, so a CSV file named .xlsx is read; but what is neither gets the clearer message.
        return _failed(
            Problem(
                file=filename,
                code="unreadable_file",
                message="The file is named like an Excel workbook but is not one (an .xlsx file is a zip archive); "
                "it may be damaged, or another kind of file renamed",
            )
        )
    return parsed


def _nothing_recognised(parsed: ParsedTable, kind: str) -> bool:
    """Whether reading as CSV failed without finding a single column of the kind (or any text at all)."""
    if parsed.table is not None:
        return False
    codes = [problem.code for problem in parsed.problems]
    required = sum(1 for column in KINDS[kind] if column.required)
    return set(codes) <= {"bad_encoding", "bad_csv", "empty_file", "missing_column"} and (
        "missing_column" not in codes or codes.count("missing_column") == required
    )


# --- what both formats hand to the table builder ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Formula:
    """A cell that holds a formula (never evaluated; only its text is kept for the message)."""

    text: str


# A cell as read from the file: a stripped value (None when empty) or a formula.
_Raw = Scalar | _Formula


@dataclass(slots=True)
class _Records:
    """The non-empty rows of a file (header first), with their row numbers, and what went wrong reading them."""

    rows: list[tuple[int, list[_Raw]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Source:
    file: str
    sheet: str | None
    read_as: str
    # How a 0-based cell position is named in messages ("column F", "cell 6").
    position: Callable[[int], str]
    # The CSV delimiter (for advice in messages), None for XLSX.
    delimiter: str | None = None

    def problem(self, code: str, message: str, *, row: int | None = None, column: str | None = None) -> Problem:
        return Problem(file=self.file, sheet=self.sheet, code=code, message=message, row=row, column=column)


def _failed(*problems: Problem) -> ParsedTable:
    return ParsedTable(table=None, problems=list(problems))


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def _quoted(names: Iterable[str]) -> str:
    shown = [f"'{name}'" for name in names]
    if len(shown) > _MAX_SHOWN:
        shown = [*shown[:_MAX_SHOWN], f"… ({len(shown) - _MAX_SHOWN} more)"]
    return ", ".join(shown)


def _column_letter(position: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    n = position + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- CSV ----------------------------------------------------------------------------------------------------------

# Tokens of CSV text for finding the delimiter: a quoted part (possibly never closed), a delimiter, a line
# break, or a run of anything else.
_CSV_TOKEN = re.compile(r'"[^"]*"?|[,;\t]|\r\n?|\n|[^",;\t\r\n]+')


def _decode(data: bytes) -> tuple[str, str] | str:
    """The text and the encoding used, or why the bytes are not text."""
    if data.startswith(_UTF16_BOMS):
        return "The file is UTF-16 text (Excel's 'Unicode Text'); save it as 'CSV UTF-8 (comma delimited)' or as .xlsx"
    if b"\x00" in data:
        return (
            f"The file contains NUL bytes (the first at byte {data.index(0)}), so it is not a CSV text file; "
            "save it as 'CSV UTF-8' or as .xlsx"
        )
    if data.startswith(_UTF8_BOM):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            return f"The file starts with a UTF-8 byte-order mark but is not UTF-8 (byte {exc.start} is invalid)"
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _sniff_delimiter(text: str) -> str:
    """The delimiter used most often outside quotes on the first line with content (the header line)."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    content = False
    for match in _CSV_TOKEN.finditer(text):
        token = match.group()
        if token in counts:
            counts[token] += 1
        elif token[0] in "\r\n":
            if content or any(counts.values()):
                break
        elif token.startswith('"') or token.strip():
            content = True
    best = max(_DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equal counts
    return best if counts[best] else ","


def _shown(delimiter: str) -> str:
    return "a tab" if delimiter == "\t" else f"'{delimiter}'"


def _read_csv(data: bytes, filename: str, kind: str, max_rows: int) -> ParsedTable:
    decoded = _decode(data)
    if isinstance(decoded, str):
        return _failed(Problem(file=filename, code="bad_encoding", message=decoded))
    text, encoding = decoded
    delimiter = _sniff_delimiter(text)
    source = _Source(
        file=filename,
        sheet=None,
        read_as=f"csv {encoding} {_DELIMITER_NAMES[delimiter]}",
        position=lambda i: f"cell {i + 1}",
        delimiter=delimiter,
    )
    records = _Records()
    # newline="" keeps line breaks inside quoted cells; strict reports a quote never closed instead of reading the
    # rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True, strict=True)
    line = 0  # the last line of the previous record
    data_rows = 0
    try:
        for cells in reader:
            number, line = line + 1, reader.line_num
            values: list[_Raw] = [cell.strip() or None for cell in cells]
            if not any(v is not None for v in values):
                continue
            if records.rows:
                data_rows += 1
                if data_rows > max_rows:
                    records.problems.append(_too_many_rows(source, number, max_rows))
                    break
            records.rows.append((number, values))
    except csv.Error as exc:
        reason = str(exc)
        if "unexpected end of data" in reason:
            reason = "a quote opened here is never closed"
        elif "field larger than field limit" in reason:
            reason = f"a cell is longer than {csv.field_size_limit():,} characters (is a quote never closed?)"
        elif "expected after" in reason:
            reason = f"a closing quote must be followed by {_shown(delimiter)} or the end of the line"
        if reader.line_num != line + 1:
            reason += f" (reading stopped at line {reader.line_num})"
        records.problems.append(
            source.problem("bad_csv", f"The CSV cannot be read from this row on: {reason}", row=line + 1)
        )
    if not records.rows:
        if not records.problems:
            records.problems.append(source.problem("empty_file", "The file has no header row: every line is empty"))
        return _failed(*records.problems)
    return _tabulate(kind, source, records)


def _too_many_rows(source: _Source, number: int, max_rows: int) -> Problem:
    return source.problem(
        "too_many_rows",
        f"The table has more than {max_rows:,} data rows (the limit); reading stopped at this row",
        row=number,
    )


# --- XLSX ---------------------------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, filename: str, kind: str, sheet: str | None, max_bytes: int, max_rows: int) -> ParsedTable:
    def unreadable(message: str, sheet: str | None = None) -> ParsedTable:
        return _failed(Problem(file=filename, sheet=sheet, code="unreadable_file", message=message))

    # The archive's table of contents first: refuses what is not a zip, other formats, and zip bombs.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in archive.namelist() else b""
    except Exception as exc:  # zipfile raises BadZipFile, but also OSError, ValueError, EOFError… on damaged input
        return unreadable(f"The file is damaged or truncated: it is not a readable zip archive (.xlsx) ({exc})")
    if b"opendocument" in mimetype:
        return unreadable("This is an OpenDocument spreadsheet (.ods); save it as .xlsx or as CSV UTF-8")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > _UNPACK_FACTOR * max_bytes:
        return _failed(
            Problem(
                file=filename,
                code="too_large",
                message=f"The workbook unpacks to {_size(unpacked)}; the limit is {_size(_UNPACK_FACTOR * max_bytes)}",
            )
        )

    # openpyxl warns about features it drops (styles, extensions, data validation) and about damaged dates, which
    # it then reads as errors: none of that changes what is read here, so the warnings are ignored on purpose.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read_workbook(data, filename, kind, sheet, max_rows, unreadable)


def _read_workbook(
    data: bytes,
    filename: str,
    kind: str,
    sheet: str | None,
    max_rows: int,
    unreadable: Callable[..., ParsedTable],
) -> ParsedTable:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except KeyError as exc:
        return unreadable(f"The file is a zip archive but not an Excel workbook: it has no part {exc}")
    except Exception as exc:  # anything openpyxl or the XML parser raises on a damaged workbook
        return unreadable(f"The file is not a readable Excel workbook ({type(exc).__name__}: {exc})")
    try:
        names: list[str] = list(workbook.sheetnames)
        if sheet is None:
            tables = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
            if not tables:
                return unreadable("The workbook has no worksheet (only charts, or nothing)")
            worksheet = tables[0]
        else:
            chosen = sheet if sheet in names else _match_sheet(sheet, names)
            if chosen is None:
                return _failed(
                    Problem(
                        file=filename,
                        code="unknown_sheet",
                        message=f"The workbook has no sheet '{sheet}'; its sheets are {_quoted(names)}",
                    )
                )
            worksheet = workbook[chosen]
            if not hasattr(worksheet, "iter_rows"):
                return _failed(
                    Problem(
                        file=filename,
                        sheet=chosen,
                        code="unknown_sheet",
                        message=f"The sheet '{chosen}' is a chart, not a table",
                    )
                )
        source = _Source(file=filename, sheet=str(worksheet.title), read_as="xlsx", position=_letter_name)
        try:
            records = _sheet_records(worksheet, source, max_rows)
        except Exception as exc:  # the sheet's XML is parsed while its rows are read
            return unreadable(f"The sheet '{source.sheet}' is damaged ({type(exc).__name__}: {exc})", source.sheet)
    finally:
        # Read-only mode keeps the archive open; closing a damaged one may fail, and nothing is left to read from it.
        with contextlib.suppress(Exception):
            workbook.close()
    if records is None:
        return unreadable(
            f"The sheet '{source.sheet}' is damaged: it has rows after row {_XLSX_MAX_ROW:,}", source.sheet
        )
    if not records.rows:
        return _failed(*records.problems, source.problem("empty_sheet", f"The sheet '{source.sheet}' is empty"))
    return _tabulate(kind, source, records)


def _abridged(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _letter_name(position: int) -> str:
    return f"column {_column_letter(position)}"


def _match_sheet(wanted: str, names: list[str]) -> str | None:
    """A sheet whose name differs from ``wanted`` only in case and surrounding spaces, if exactly one does."""
    matches = [name for name in names if name.strip().casefold() == wanted.strip().casefold()]
    return matches[0] if len(matches) == 1 else None


def _sheet_records(worksheet: Any, source: _Source, max_rows: int) -> _Records | None:
    """The sheet's non-empty rows with their row numbers (None when the row numbers are impossible)."""
    records = _Records()
    # The sheet's stated dimensions may be wrong (or absurd in a damaged file): read the rows as they are.
    worksheet.reset_dimensions()
    data_rows = 0
    for number, row in enumerate(worksheet.iter_rows(), start=1):
        if number > _XLSX_MAX_ROW:
            return None
        values = [_xlsx_value(cell) for cell in row]
        if not any(v is not None for v in values):
            continue
        if records.rows:
            data_rows += 1
            if data_rows > max_rows:
                records.problems.append(_too_many_rows(source, number, max_rows))
                break
        records.rows.append((number, values))
    return records


def _xlsx_value(cell: Any) -> _Raw:
    value = getattr(cell, "value", None)
    if value is None:
        return None
    if isinstance(value, ArrayFormula):
        return _Formula(_abridged(str(value.text or "=")))
    if isinstance(value, DataTableFormula):
        return _Formula("{=TABLE(…)}, a what-if data table")
    if getattr(cell, "data_type", None) == "f":
        return _Formula(_abridged(str(value)))
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool | int | float | dt.datetime | dt.date | dt.time):
        return value
    # A duration format ([h]:mm) gives a timedelta; anything else unexpected is kept as its text.
    return str(value).strip() or None


# --- the table: header, rows, shapes ------------------------------------------------------------------------------


def _tabulate(kind: str, source: _Source, records: _Records) -> ParsedTable:
    problems = records.problems
    header_number, header = records.rows[0]
    index = header_index(kind)
    columns: dict[str, str] = {}  # field → header as written
    read: dict[int, Column] = {}  # cell position → column
    ignored: list[str] = []
    header_problems: list[Problem] = []
    width = 0  # positions after the last header hold extra cells
    for position, raw in enumerate(header):
        if raw is None:
            continue
        width = position + 1
        if isinstance(raw, _Formula):
            header_problems.append(
                source.problem(
                    "formula_not_allowed",
                    f"The header in {source.position(position)} is a formula ({raw.text}); "
                    "write the header as text (formulas are never evaluated)",
                    row=header_number,
                )
            )
            continue
        written = raw if isinstance(raw, str) else str(raw)
        column = index.get(normalise(written))
        if column is None:
            if written not in ignored:
                ignored.append(written)
            continue
        if column.field in columns:
            header_problems.append(
                source.problem(
                    "duplicate_column",
                    f"The headers '{columns[column.field]}' and '{written}' both name the field "
                    f"'{column.field}'; keep one of them",
                    row=header_number,
                    column=written,
                )
            )
            continue
        columns[column.field] = written
        read[position] = column
    for column in KINDS[kind]:
        if column.required and column.field not in columns:
            header_problems.append(
                source.problem(
                    "missing_column",
                    f"The required column '{column.field}' is missing; it may be headed "
                    f"{_quoted((column.field, *column.aliases))} (case, spaces, hyphens and underscores do not matter)",
                    row=header_number,
                    column=column.field,
                )
            )
    if header_problems:
        return ParsedTable(table=None, problems=[*problems, *header_problems])

    rows: list[Row] = []
    for number, cells in records.rows[1:]:
        values: dict[str, Cell] = {}
        flagged: set[str] = set()  # fields with a problem already (no "required" on top)
        extra: list[int] = []
        for position, raw in enumerate(cells):
            if raw is None:
                continue
            if position >= width:
                extra.append(position)
                continue
            column = read.get(position)
            if column is None:
                continue  # an ignored column
            if isinstance(raw, _Formula):
                issues = [
                    (
                        "formula_not_allowed",
                        f"The cell holds a formula ({raw.text}); enter the value itself (formulas are never evaluated)",
                    )
                ]
                value: Cell = None
            else:
                value, issues = _shaped(column, raw)
            for code, message in issues:
                problems.append(source.problem(code, message, row=number, column=columns[column.field]))
                flagged.add(column.field)
            if value is not None:
                values[column.field] = value
        if extra:
            problems.append(_extra_cells(source, number, extra, width))
        for column in KINDS[kind]:
            if column.required and column.field not in values and column.field not in flagged:
                problems.append(
                    source.problem(
                        "required", f"'{column.field}' is required", row=number, column=columns[column.field]
                    )
                )
        rows.append(Row(number=number, values=values))

    table = Table(
        file=source.file,
        sheet=source.sheet,
        kind=kind,
        columns=columns,
        ignored=ignored,
        rows=rows,
        read_as=source.read_as,
    )
    # In the order of the file (problems of one row in the order of its cells).
    return ParsedTable(table=table, problems=sorted(problems, key=lambda p: p.row or 0))


def _extra_cells(source: _Source, number: int, extra: list[int], width: int) -> Problem:
    where = ", ".join(source.position(position) for position in extra[:_MAX_SHOWN])
    if len(extra) > _MAX_SHOWN:
        where += f" … ({len(extra) - _MAX_SHOWN} more)"
    message = f"The row has values after the last header (the header has {width} cells): {where}"
    if source.delimiter is not None:
        message += f"; put a value that contains {_shown(source.delimiter)} in double quotes"
    return source.problem("extra_cells", message, row=number)


def _shaped(column: Column, raw: Scalar) -> tuple[Cell, list[tuple[str, str]]]:
    """The value of a cell for its column's shape (None when nothing is left), and its problems (code, message)."""
    if column.shape == "scalar":
        return raw, []
    text = raw if isinstance(raw, str) else str(raw)
    pieces = [piece.strip() for piece in text.split(";")]
    pieces = [piece for piece in pieces if piece]
    if column.shape == "list":
        return (pieces or None), []
    pairs: dict[str, str] = {}
    issues: list[tuple[str, str]] = []
    for piece in pieces:
        key, equals, value = piece.partition("=")
        key, value = key.strip(), value.strip()
        if not equals:
            issues.append(("bad_pair", f"'{piece}' is not key=value (e.g. projector=1); separate entries with ';'"))
        elif not key:
            issues.append(("bad_pair", f"'{piece}' has no key before '='"))
        elif not value:
            issues.append(("bad_pair", f"'{piece}' has no value after '='"))
        elif key in pairs:
            issues.append(("duplicate_key", f"'{key}' is given twice ({key}={pairs[key]} and {key}={value})"))
        else:
            pairs[key] = value
    return (pairs or None), issues
