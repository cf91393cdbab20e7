"""XLSX uploads: checked for zip bombs, then read by openpyxl (defusedxml guards the XML)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import BinaryIO

from .errors import IngestError
from .read import MAX_XLSX_RATIO, MAX_XLSX_UNCOMPRESSED


def check_zip(f: BinaryIO, name: str) -> None:
    """Refuse archives that would expand too far (zip bombs) before anything opens them."""
    try:
        archive = zipfile.ZipFile(f)
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise IngestError(f"{name}: not a readable XLSX file (the zip container is damaged)") from None
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_XLSX_RATIO and info.file_size > 1024 * 1024:
            raise IngestError(f"{name}: refused, part {info.filename!r} expands {ratio:,.0f}-fold (a zip bomb?)")
    if total > MAX_XLSX_UNCOMPRESSED:
        raise IngestError(f"{name}: refused, it would expand to {total / 1e6:,.0f} MB (a zip bomb?)")
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise IngestError(f"{name}: this zip file is not an Excel workbook (.xlsx)")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_to_csv(f: BinaryIO, name: str, out: BinaryIO) -> None:
    """Write the first worksheet of the workbook ``f`` to ``out`` as UTF-8 CSV (values, not formulas)."""
    check_zip(f, name)
    f.seek(0)
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a pinned requirement
        raise IngestError("XLSX uploads need the defusedxml package")
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    try:
        book = openpyxl.load_workbook(f, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                writer.writerow([_cell(v) for v in row])
        finally:
            book.close()
    except IngestError:
        raise
    except Exception as exc:  # defusedxml's EntitiesForbidden, broken XML, ...
        kind = type(exc).__name__
        if "Entit" in kind or "DTD" in kind:
            raise IngestError(f"{name}: refused, the workbook's XML declares entities (a billion-laughs attack?)") from None
        raise IngestError(f"{name}: not a readable XLSX file") from None
    finally:
        text.flush()
        text.detach()  # leaves ``out`` open for the caller
