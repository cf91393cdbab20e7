"""Sentiment for a CSV file: the ``sentiment`` command of :mod:`cx_metrics.cli`."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TextIO

import pandas as pd

from . import analyse_many

ENCODINGS = ("utf-8-sig", "cp1252")  # UTF-8 (with or without a BOM), else Windows-1252 (Excel's)


def read_csv(path: str | Path) -> pd.DataFrame:
    """Every cell as text, as written (no NA guessing). UTF-8 with or without BOM, else Windows-1252;
    the delimiter (comma, semicolon, tab or bar) is sniffed. Raises ValueError for a missing or
    unreadable file."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        delimiter = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path} is not a readable CSV file: {str(exc).strip().splitlines()[-1]}") from None


def score_csv(path: str | Path, column: str, lang: str = "auto") -> pd.DataFrame:
    """The file's rows, in order, with ``label`` (negative / neutral / positive) and ``score`` (-1..1)
    added; when the file already has a ``label`` or ``score`` column, the new ones are
    ``sentiment_label`` / ``sentiment_score``. Raises ValueError when ``column`` is missing."""
    table = read_csv(path)
    if column not in table.columns:
        raise ValueError(f"{path} has no column {column!r} (columns: {', '.join(map(str, table.columns))})")
    results = analyse_many(table[column].tolist(), lang)
    clash = {"label", "score"} & set(table.columns)
    names = ("sentiment_label", "sentiment_score") if clash else ("label", "score")
    table[names[0]] = [r.label for r in results]
    table[names[1]] = [r.score for r in results]
    return table


def run(path: str, column: str, lang: str, out: TextIO) -> None:
    """Print :func:`score_csv` as CSV to ``out``."""
    score_csv(path, column, lang).to_csv(out, index=False, lineterminator="\n")
