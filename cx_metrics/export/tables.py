"""CSV and XLSX downloads that spreadsheet programs cannot turn into formulas.

OWASP's CSV-injection advice: a text cell starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return may run as a formula when the file is opened,
so it gets a leading apostrophe and is kept as text. Numbers stored as numbers
(including negative ones) are left alone: only text cells are touched. In XLSX
the cells are also written as strings, never as formulas or links.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """``"'=1+2"`` for ``"=1+2"``; any other value (numbers, dates, None, safe text) unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with dangerous text cells (and column names) neutralised; numeric columns untouched."""
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(out[col])):
            out[col] = out[col].map(neutralise_cell).astype(object)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel reads accents right), no index.

    Text is always quoted (so a carriage return inside a comment cannot end the
    row); numbers are not, so they stay numbers.
    """
    return neutralise(df).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")


def xlsx_bytes(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """One-sheet XLSX, no index; text cells are strings, never formulas or links."""
    buf = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        neutralise(df).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buf.getvalue()
