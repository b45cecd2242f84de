"""CSV exports of the console: streamed, UTF-8 with a BOM (spreadsheets), formula-safe.

A cell that a spreadsheet would read as a formula (text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is written with a leading apostrophe, so that text typed by
an operator can never run in the auditor's spreadsheet (CSV injection). Numbers are written as
they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.responses import StreamingResponse

__all__ = ["Cell", "csv_filename", "csv_response", "csv_safe", "local_iso"]

Cell = str | int | float | None
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FLUSH_ROWS = 200


def csv_safe(value: Cell) -> str | int | float:
    """One cell as written: None is empty, formula-like text gets a leading apostrophe.

    Example:
        >>> csv_safe("=HYPERLINK(1)"), csv_safe("-2"), csv_safe(-2), csv_safe(None)
        ("'=HYPERLINK(1)", "'-2", -2, '')
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_filename(*parts: str | None) -> str:
    """A download name from the non-empty ``parts``, reduced to letters, digits, ``._-``.

    Example:
        >>> csv_filename("vigie-stats", "2026-03-14", None, 'zone "A"/b')
        'vigie-stats-2026-03-14-zone_A_b.csv'
    """
    words = [re.sub(r"[^A-Za-z0-9._-]+", "_", p).strip("_") for p in parts if p]
    return "-".join(w for w in words if w) + ".csv"


def local_iso(at: datetime | None, timezone: str) -> str:
    """``at`` as ISO 8601 in the site's time zone, to the second, with its UTC offset."""
    if at is None:
        return ""
    return at.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


def _lines(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for i, row in enumerate(rows, 1):
        writer.writerow([csv_safe(cell) for cell in row])
        if i % _FLUSH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filename: str, header: Sequence[str],
                 rows: Iterable[Sequence[Cell]]) -> StreamingResponse:
    """A streamed CSV download named ``filename`` (rows are read as the client receives)."""
    return StreamingResponse(
        _lines(header, rows), media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'})
