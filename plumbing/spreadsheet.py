"""CSV downloads for spreadsheets: streamed line by line, UTF-8 with a byte order mark,
formulas neutralised.

A spreadsheet runs a cell that starts with =, +, - or @ as a formula (and some also
after a leading tab or carriage return), so a name like `=HYPERLINK(...)` typed by a
participant could run on the machine of whoever opens the file. Such a cell is written
with a leading single quote, which spreadsheets show as plain text.
"""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a CSV as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """A file-like object whose write() hands back the line: csv.writer without a buffer."""

    def write(self, line: str) -> str:
        return line


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """Each row as one line of CSV, the first preceded by a byte order mark."""
    writer = csv.writer(_Line())
    yield BOM
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_response(rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    """A download of `rows` (the header first), streamed: memory stays flat however long."""
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
