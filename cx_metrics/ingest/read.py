"""Reading an uploaded file: format, encoding, delimiter and header layout.

:func:`read_file` turns a CSV/TSV/TXT, XLSX or Parquet file (a path, an open binary
file such as Streamlit's UploadedFile, or bytes) into a :class:`Parsed`: a UTF-8 CSV
in a staging file with exactly one header line (the column names), ready for
DuckDB's ``read_csv``.

The file is streamed in 1 MB chunks and never held whole in memory: its size is
checked before anything is read, the first records are read to find the layout,
and the data lines are then copied to the staging file chunk by chunk (after
transcoding), never re-parsed in Python.

Staging files are named ``cx-ingest-<pid>-<random>`` in /dev/shm (or the temp
folder). They go with their :class:`Parsed` object, on every exit path of the
process that made them, and :func:`sweep_staging` (run by every :func:`read_file`
and at CLI start) removes those left by a process that no longer runs (kill -9).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .. import pids
from .errors import IngestError

#: Largest upload accepted, in bytes (``$CX_MAX_UPLOAD_BYTES``; 200 MB like Streamlit's limit).
MAX_UPLOAD_BYTES = int(os.environ.get("CX_MAX_UPLOAD_BYTES") or 200 * 1024 * 1024)
#: Longest line (record) accepted, in bytes.
MAX_LINE_BYTES = 1024 * 1024
#: Longest cell accepted, in bytes: Python's csv limit, four times Excel's 32,767 characters.
MAX_CELL_BYTES = 128 * 1024
#: XLSX: most uncompressed bytes and the highest compression ratio of any member.
MAX_XLSX_UNCOMPRESSED = 500 * 1024 * 1024
MAX_XLSX_RATIO = 100
DELIMITERS = (",", ";", "\t", "|")
LAYOUTS = ("plain", "qualtrics", "qualtrics_legacy", "surveymonkey", "google_forms", "limesurvey")
#: Staging files are ``<STAGING_PREFIX><pid>-<random><suffix>``.
STAGING_PREFIX = "cx-ingest-"
CHUNK = 1024 * 1024
#: A callback ``progress(done, total or None, stage)``; read_file counts lines, load/validate rows.
Progress = Callable[[int, "int | None", str], None]

_LIMESURVEY_FIRST = {
    ("id", "submitdate"), ("response id", "date submitted"), ("respons id", "datum verzonden"),
}
_BLANK_BYTES = b"\r\n\t ,;|\""  # a body of only these holds no data


@dataclass
class Parsed:
    """What :func:`read_file` found.

    ``path`` is a UTF-8 CSV (delimiter ``delimiter``, one header line: ``headers``)
    or, for ``fmt == "parquet"``, the Parquet file. ``questions`` holds each column's
    question text (the second Qualtrics row, SurveyMonkey's joined rows; else the header).
    ``header_rows`` is how many records the original file's header took (with any lines
    skipped above it).

    Line numbers: a record's *line* is the line of the original file on which it starts,
    counting every line break, those inside quoted cells too. The first data record
    starts on ``first_line``; ``body_lines`` is how many lines the data records take (None
    for XLSX and Parquet, whose line is the sheet row: header rows + record number).
    """

    name: str
    sha256: str
    size: int
    path: Path
    fmt: str  # "csv" | "parquet"
    headers: list[str]
    questions: list[str]
    encoding: str
    delimiter: str | None
    layout: str
    header_rows: int
    notices: list[str] = field(default_factory=list)
    #: Read with DuckDB's serial CSV reader (set by :meth:`execute` when cells hold line breaks).
    serial: bool = False
    first_line: int = 0  # 0: header_rows + 1
    body_lines: int | None = None

    def execute(self, con, sql: str, params: list | None = None, *, extra: bool = False):
        """Run ``sql`` (which uses :meth:`source_sql` through ``{source}``), retrying serially if needed."""
        try:
            return con.execute(sql.replace("{source}", self.source_sql(extra)), params or [])
        except Exception as exc:  # duckdb.Error; the parallel reader refuses quoted line breaks + padding
            if self.serial or "parallel=false" not in str(exc):
                raise
        self.serial = True
        return con.execute(sql.replace("{source}", self.source_sql(extra)), params or [])

    def __post_init__(self) -> None:
        self.first_line = self.first_line or self.header_rows + 1
        # The staged copy lives as long as this object (the page keeps it in session state).
        weakref.finalize(self, _unlink, str(self.path))

    def source_sql(self, extra: bool = False) -> str:
        """A DuckDB table expression giving every data row as VARCHAR columns c0, c1, ...

        With ``extra``, one more column ``c_extra`` holds a CSV row's first cell beyond the
        header's columns (NULL for Parquet). Built only from the temp file's path and the
        column count, never from header text. Rows come in file order (DuckDB keeps the
        insertion order), so ``row_number() OVER ()`` over it numbers the records.
        """
        path = str(self.path).replace("'", "''")
        if self.fmt == "parquet":
            cols = ", ".join(f"#{i + 1}::VARCHAR AS c{i}" for i in range(len(self.headers)))
            return f"(SELECT {cols}{', NULL::VARCHAR AS c_extra' if extra else ''} FROM read_parquet('{path}'))"
        columns = ", ".join([f"'c{i}': 'VARCHAR'" for i in range(len(self.headers))] + ["'c_extra': 'VARCHAR'"] * extra)
        delim = self.delimiter.replace("'", "''")
        return (
            f"read_csv('{path}', delim='{delim}', quote='\"', escape='\"', header=false, skip=1, "
            f"auto_detect=false, columns={{{columns}}}, max_line_size={MAX_LINE_BYTES}, "
            f"null_padding=true, strict_mode=false, encoding='utf-8'"
            + (", parallel=false)" if self.serial else ")")
        )

    def read_error(self, exc: Exception) -> IngestError:
        """A DuckDB error reading the staged file, as an IngestError naming the original file's line."""
        text = str(exc)
        m = re.search(r"CSV Error on Line: (\d+)", text)
        if not m:
            first = text.splitlines()[0] if text else type(exc).__name__
            return IngestError(f"{self.name}: cannot read the rows: {first[:300]}")
        line = int(m.group(1)) + self.first_line - 2  # DuckDB counts the staged file's one header line
        if "Maximum line size" in text:
            return IngestError(f"{self.name}: line {line:,} is longer than {MAX_LINE_BYTES // 1024 // 1024} MB; "
                               "is this a CSV file?")
        reason = next((x for x in text.splitlines()[1:] if x.strip() and not x.startswith("Original Line")), "")
        return IngestError(f"{self.name}: cannot read line {line:,}: {reason.strip()[:300]}")

    def describe(self) -> dict:
        """What was detected, for the Data page and the CLI."""
        return {"file": self.name, "format": self.fmt, "encoding": self.encoding,
                "delimiter": {"\t": "tab"}.get(self.delimiter, self.delimiter),
                "layout": self.layout, "header_rows": self.header_rows,
                "columns": len(self.headers), "notices": list(self.notices)}


# --- staging files -------------------------------------------------------------------------


def _staging_folders() -> list[str]:
    return ["/dev/shm", tempfile.gettempdir()]


def _staging_file(suffix: str, size: int) -> tuple[int, str]:
    """A private temp file for the staged copy: in RAM (/dev/shm) when it has room, else on disk.

    DuckDB reads the copy once or twice; from tmpfs, writing and reading it costs no disk I/O
    (58 MB: 0.04 s against 0.02-0.2 s on this machine's disk). The name carries this
    process's id, so :func:`sweep_staging` can tell the files of a crashed process.
    """
    folder = None
    try:
        st = os.statvfs("/dev/shm")
        if st.f_bavail * st.f_frsize > 4 * size and os.access("/dev/shm", os.W_OK):
            folder = "/dev/shm"
    except OSError:
        pass
    return tempfile.mkstemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", suffix=suffix, dir=folder)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def sweep_staging() -> int:
    """Delete staging files whose process is gone (a crash or kill -9); how many were deleted.

    Files named as releases before this one named them (``cx_ingest_…``, no process id) go
    when they are a day old.
    """
    pattern = re.compile(rf"{re.escape(STAGING_PREFIX)}(\d+)-")
    removed = 0
    for folder in dict.fromkeys(_staging_folders()):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            m = pattern.match(entry.name)
            if m:
                stale = int(m.group(1)) != os.getpid() and not pids.alive(int(m.group(1)))
            else:
                stale = entry.name.startswith("cx_ingest_") and _age(entry) > 86_400
            if stale:
                _unlink(entry.path)
                removed += 1
    return removed


def _age(entry: os.DirEntry) -> float:
    try:
        return time.time() - entry.stat().st_mtime
    except OSError:
        return 0.0


@contextmanager
def _removed_on_error(path: str):
    """Delete the staging file at ``path`` if the block does not finish (an error, Ctrl-C, SIGTERM)."""
    try:
        yield
    except BaseException:
        _unlink(path)
        raise


# --- entry point -------------------------------------------------------------------------

Source = bytes | bytearray | memoryview | str | os.PathLike | BinaryIO


def read_file(source: Source, name: str | None = None, *, max_bytes: int | None = None,
              progress: Progress | None = None) -> Parsed:
    """Detect what ``source`` is and stage it for DuckDB.

    ``source``: a path, an open binary file (Streamlit's UploadedFile; its ``size`` is
    used when it has one) or the file's bytes. ``name`` is the file name shown in
    messages (default: the path's or the file object's name). The size is checked
    against ``max_bytes`` (default :data:`MAX_UPLOAD_BYTES`) before anything is read.
    ``progress(lines_done, None, "reading")`` is called every few MB.

    Raises :class:`IngestError` with a message for the analyst for a file over the size
    limit, an empty file, a header without rows, binary content (a NUL byte anywhere),
    an XLSX zip bomb or entity expansion, a line longer than 1 MB or a cell longer than
    128 KB in the lines read to find the layout (later ones are found at load).
    """
    sweep_staging()
    limit = MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    with _opened(source, name, limit) as (f, name, size):
        head = f.read(4)
        f.seek(0)
        if head == b"PK\x03\x04":
            return _xlsx(f, name, size, limit, progress)
        if head == b"PAR1":
            return _parquet(f, name, size, limit)
        return _text(f, name, size, limit, progress)


@contextmanager
def _opened(source: Source, name: str | None, limit: int):
    """(a binary file at its start, the name, its size) for ``source``, once its size (``os.stat``,
    ``len``, an upload's ``size``) is known to be within ``limit``: nothing is read before."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        name = name or "upload"
        _check_size(name, len(source), limit)
        yield io.BytesIO(source), name, len(source)
        return
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = name or path.name
        try:
            size = _check_size(name, path.stat().st_size, limit)
            if not path.is_file():
                raise IngestError(f"{name}: not a file")
            f = open(path, "rb")
        except OSError as exc:
            raise IngestError(f"{name}: cannot read the file ({exc.strerror})") from None
        with f:
            yield f, name, size
        return
    name = name or Path(str(getattr(source, "name", "") or "upload")).name
    if getattr(source, "size", None) is not None:
        _check_size(name, int(source.size), limit)
    if not source.seekable():  # a pipe: spool it (up to the limit) to a file that can be read twice
        with tempfile.TemporaryFile() as spool:
            while chunk := source.read(CHUNK):
                _check_size(name, spool.tell() + len(chunk), limit)
                spool.write(chunk)
            size = spool.tell()
            spool.seek(0)
            yield spool, name, size
        return
    size = _check_size(name, source.seek(0, os.SEEK_END), limit)
    source.seek(0)
    yield source, name, size


def _check_size(name: str, size: int, limit: int) -> int:
    if size > limit:
        raise IngestError(f"{name}: the file is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB")
    return size


def _chunks(f: BinaryIO, limit: int, name: str, digest) -> Iterator[bytes]:
    """The file's bytes in chunks, hashed into ``digest``; IngestError past ``limit`` (a size that lied)."""
    total = 0
    while chunk := f.read(CHUNK):
        total += len(chunk)
        if total > limit:
            raise IngestError(f"{name}: the file is over the {limit / 1e6:.0f} MB limit")
        digest.update(chunk)
        yield chunk


# --- text: encoding -------------------------------------------------------------------------


class _NotUtf8(Exception):
    """The file turned out not to be UTF-8: stage it again with another decoder."""


def _text(f: BinaryIO, name: str, size: int, limit: int, progress: Progress | None) -> Parsed:
    """A text file, staged as UTF-8. It is read as UTF-8 (or UTF-16 after its BOM) until a line
    proves otherwise; then it is read again, as Windows-1252 or, when other lines hold UTF-8
    text, line by line (an export appended to by another tool)."""
    start = f.read(65536)
    f.seek(0)
    if not start:
        raise IngestError(f"{name}: the file is empty")
    bom = start[:3] == b"\xef\xbb\xbf"
    if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _staged(f, name, size, limit, "utf-16", [], progress)
    _reject_binary(start.removeprefix(b"\xef\xbb\xbf"), name)
    try:
        return _staged(f, name, size, limit, "utf-8-sig" if bom else "utf-8", [], progress)
    except _NotUtf8:
        f.seek(0)
        good, bad = _utf8_lines(f, limit, name)
        f.seek(0)
        if not good:
            return _staged(f, name, size, limit, "cp1252", [], progress)
        return _staged(f, name, size, limit, "mixed", [
            f"mixed encodings: {bad} line(s) were not UTF-8 and were read as Windows-1252 (cp1252)"], progress)


def _staged(f: BinaryIO, name: str, size: int, limit: int, encoding: str, notices: list[str],
            progress: Progress | None) -> Parsed:
    """:func:`_stage_text` of ``f`` read as ``encoding``, with the file's SHA-256 taken on the way."""
    digest = hashlib.sha256()
    parsed = _stage_text(_decoded(_chunks(f, limit, name, digest), encoding, name), name, size, notices, progress)
    parsed.encoding, parsed.sha256, parsed.size = encoding, digest.hexdigest(), size
    return parsed


def _decoded(chunks: Iterator[bytes], mode: str, name: str) -> Iterator[bytes]:
    """UTF-8 chunks (no BOM) of a file in ``mode``: utf-8 or utf-8-sig (raise _NotUtf8), cp1252,
    mixed or utf-16."""
    if mode == "utf-16":
        decoder = codecs.getincrementaldecoder("utf-16")()
        try:
            for chunk in chunks:
                yield decoder.decode(chunk).encode("utf-8")
            yield decoder.decode(b"", final=True).encode("utf-8")
        except UnicodeDecodeError:
            raise IngestError(f"{name}: the file starts like UTF-16 but is not valid UTF-16") from None
        return
    if mode == "mixed":
        yield from _mixed(chunks)
        return
    first = True
    decoder = codecs.getincrementaldecoder("utf-8")()
    for chunk in chunks:
        if first:
            chunk, first = chunk.removeprefix(b"\xef\xbb\xbf"), False
        if mode == "cp1252":
            yield chunk.decode("cp1252", errors="replace").encode("utf-8")
            continue
        # ASCII (most exports) needs no decoding; isascii() allocates nothing.
        if not chunk.isascii() or decoder.getstate()[0]:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                raise _NotUtf8 from None
        yield chunk
    if mode != "cp1252":  # a multi-byte character cut off at the end
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _NotUtf8 from None


def _lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The same bytes, cut after a line break (the last piece may end without one)."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut:
            yield data[:cut]
        carry = data[cut:]
        if len(carry) > 2 * MAX_LINE_BYTES:  # one line this long is refused anyway; do not hold it
            yield carry
            carry = b""
    if carry:
        yield carry


def _mixed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """An export appended to by another tool: each line that is not UTF-8 is read as cp1252."""
    first = True
    for piece in _lines(chunks):
        if first:
            piece, first = piece.removeprefix(b"\xef\xbb\xbf"), False
        try:
            piece.decode("utf-8")
            yield piece
            continue
        except UnicodeDecodeError:
            pass
        out = []
        for line in piece.split(b"\n"):
            try:
                line.decode("utf-8")
                out.append(line)
            except UnicodeDecodeError:
                out.append(line.decode("cp1252", errors="replace").encode("utf-8"))
        yield b"\n".join(out)


def _utf8_lines(f: BinaryIO, limit: int, name: str) -> tuple[int, int]:
    """(lines holding valid UTF-8 multi-byte text, lines that are not UTF-8) of a file that is not UTF-8."""
    good = bad = 0
    for piece in _lines(_chunks(f, limit, name, hashlib.sha256())):
        if piece.isascii():
            continue
        for line in piece.split(b"\n"):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                good += 1
            except UnicodeDecodeError:
                bad += 1
    return good, bad


def _reject_binary(data: bytes, name: str) -> None:
    """IngestError when the first 64 KB hold a NUL byte or more than 1% control characters."""
    sample = data[:65536]
    nul = sample.find(b"\0")
    if nul >= 0:
        raise IngestError(nul_message(name, sample.count(b"\n", 0, nul) + 1))
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    if controls > len(sample) * 0.01:
        raise IngestError(f"{name}: this is not a text (CSV) file; upload CSV, TSV, TXT, XLSX or Parquet")


# --- records and layout ------------------------------------------------------------------


def _record_end(data: bytes, start: int) -> int:
    """Index just past the record starting at ``start`` (quote-aware), or -1 at the end."""
    i, n, quoted = start, len(data), False
    while i < n:
        if quoted:
            j = data.find(b'"', i)
            if j < 0:
                return -1
            quoted, i = False, j + 1
            continue
        nl, q = data.find(b"\n", i), data.find(b'"', i)
        if nl < 0 and q < 0:
            return -1
        if q >= 0 and (nl < 0 or q < nl):
            quoted, i = True, q + 1
            continue
        return nl + 1
    return -1


def _head_records(data: bytes, count: int, name: str, complete: bool = True) -> list[int]:
    """Byte offsets where each of the first ``count`` records end (fewer at the end of data).

    ``complete``: ``data`` is the whole file; else a record without its end is left out.
    """
    ends, start = [], 0
    while len(ends) < count:
        end = _record_end(data, start)
        stop = len(data) if end < 0 else end
        if stop - start > MAX_LINE_BYTES:
            line = data.count(b"\n", 0, start) + 1
            raise IngestError(f"{name}: line {line:,} is longer than {MAX_LINE_BYTES // 1024 // 1024} MB; "
                              "is this a CSV file?")
        if end < 0 and not complete:
            break
        ends.append(stop)
        if end < 0:
            break
        start = end
    return ends


def _head(chunks: Iterator[bytes], name: str, count: int = 12) -> tuple[bytes, list[int]]:
    """(the first bytes of the UTF-8 stream, the ends of its first ``count`` records), reading no
    more than needed: 12 records of at most 1 MB each."""
    head = b""
    for chunk in chunks:
        head += chunk
        ends = _head_records(head, count, name, complete=False)
        if len(ends) >= count:
            return head, ends
    return head, _head_records(head, count, name)


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    """``text`` split into records by Python's csv module (cells up to a record's length)."""
    if csv.field_size_limit() < MAX_LINE_BYTES + 1:  # process-wide; only ever raised
        csv.field_size_limit(MAX_LINE_BYTES + 1)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return [[text]]


def _sniff_delimiter(head: str) -> str:
    """The delimiter that splits the first lines into the same, largest number of fields."""
    best, best_score = ",", 0
    for d in DELIMITERS:
        rows = _csv_rows(head, d)[:5]
        counts = [len(r) for r in rows if r]
        if not counts or counts[0] < 2:
            continue
        score = counts[0] * 10 + sum(c == counts[0] for c in counts)
        if score > best_score:
            best, best_score = d, score
    return best


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip()


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = n or f"column{i + 1}"
        if n in seen:
            seen[n] += 1
            n = f"{n} ({seen[n]})"
        else:
            seen[n] = 1
        out.append(n)
    return out


def _layout(rows: list[list[str]]) -> tuple[str, int, list[str], list[str]]:
    """(layout, header rows, column names, question texts) from the first records."""
    first = [_clean(c) for c in rows[0]]
    second = [_clean(c) for c in rows[1]] if len(rows) > 1 else []
    third = rows[2] if len(rows) > 2 else []
    width = len(first)

    def pad(r):
        return (r + [""] * width)[:width]

    if third and sum(c.strip().startswith('{"ImportId"') for c in third) >= max(1, width // 2):
        return "qualtrics", 3, first, pad(second)
    lower = [c.lower() for c in first]
    if lower[:1] == ["v1"] and second and "responseid" in (c.lower() for c in second):
        names = [s if f.lower().startswith("v") and f[1:].isdigit() else f for f, s in zip(first, pad(second))]
        return "qualtrics_legacy", 2, names, pad(second)
    if second and sum(c in ("Response", "Open-Ended Response") for c in second) >= 1 and not second[0]:
        names, questions, last = [], [], ""
        for f, s in zip(first, pad(second)):
            last = f or last
            label = last if s in ("", "Response", "Open-Ended Response") else f"{last} - {s}"
            names.append(label)
            questions.append(f"{label} (open-ended response)" if s == "Open-Ended Response" else label)
        return "surveymonkey", 2, names, questions
    if lower and lower[0] == "timestamp":
        return "google_forms", 1, first, first
    if tuple(lower[:2]) in _LIMESURVEY_FIRST:
        return "limesurvey", 1, first, first
    return "plain", 1, first, first


def _cells(record: str) -> int:
    """The most non-blank cells ``record`` splits into with any delimiter."""
    return max(sum(1 for c in row if c.strip()) for d in DELIMITERS for row in _csv_rows(record, d)) \
        if record.strip() else 0


def _preamble(records: list[str]) -> tuple[int, str | None]:
    """(records above the header, the delimiter an Excel "sep=;" line names).

    Skipped: a "sep=" line, blank lines, and title lines of one cell above a wider row.
    """
    skip, sep = 0, None
    if records and re.fullmatch(r"\s*sep=(.)\s*", records[0]):
        sep, skip = records[0].strip()[4], 1
    widths = [_cells(r) for r in records]
    while skip < len(records) - 1 and widths[skip] <= 1 and max(widths[skip + 1:], default=0) >= 2:
        skip += 1
    return skip, sep


def _check_cells(records: list[str], delimiter: str, first_line: int, name: str) -> None:
    """IngestError for a cell longer than MAX_CELL_BYTES in ``records`` (the first starts on ``first_line``)."""
    line = first_line
    for record in records:
        if len(record) > MAX_CELL_BYTES:
            for row in _csv_rows(record, delimiter):
                for cell in row:
                    if len(cell.encode("utf-8")) > MAX_CELL_BYTES:
                        raise IngestError(cell_too_long(name, line, len(cell.encode("utf-8"))))
        line += record.count("\n")


def nul_message(name: str, line: int) -> str:
    return (f"{name}: line {line:,} holds a NUL byte, so this is not a text (CSV) file; "
            "upload CSV, TSV, TXT, XLSX or Parquet")


def cell_too_long(name: str, line: int, size: int) -> str:
    """The message for a cell over :data:`MAX_CELL_BYTES` on ``line``."""
    return (f"{name}: line {line:,} has a cell of {size / 1024:,.0f} KB; cells over {MAX_CELL_BYTES // 1024} KB "
            "are refused (is this a survey export?)")


class _Body:
    """Writes the data lines to the staging file as they stream by, and on the way:

    * counts line breaks (``lines``), for line numbers;
    * refuses a NUL byte (binary data) with the line it is on;
    * gives each empty line outside quotes a lone delimiter (a row of blanks, dropped at
      load), so DuckDB, which skips empty lines, returns one row per line;
    * notes whether any cell holds data (``content``).

    Chunks arrive cut after a line break (:func:`_lines`), so each starts a line.
    """

    def __init__(self, out: BinaryIO, delimiter: str, first_line: int, name: str) -> None:
        self.out, self.fill, self.first_line, self.name = out, delimiter.encode("utf-8"), first_line, name
        self.quoted = False  # inside a quoted cell at the end of what was written
        self.lines = 0  # line breaks written
        self.content = False
        self.ended = True  # what was written ends with a line break (or nothing was)

    def write(self, piece: bytes) -> None:
        if not piece:
            return
        nul = piece.find(b"\0")
        if nul >= 0:
            raise IngestError(nul_message(self.name, self.first_line + self.lines + piece.count(b"\n", 0, nul)))
        if not self.content and piece.translate(None, _BLANK_BYTES):
            self.content = True
        if (self.ended and piece.startswith((b"\n", b"\r\n"))) or b"\n\n" in piece or b"\n\r\n" in piece:
            piece = self._filled(piece)
        else:
            self.quoted ^= piece.count(b'"') % 2 == 1
        self.lines += piece.count(b"\n")
        self.ended = piece.endswith(b"\n")
        self.out.write(piece)

    def _filled(self, piece: bytes) -> bytes:
        lines = piece.split(b"\n")
        last = lines.pop()  # after the final line break: the start of the next line, or b""
        out = []
        for line in lines:
            if not self.quoted and line in (b"", b"\r"):
                line = self.fill + line
            self.quoted ^= line.count(b'"') % 2 == 1
            out.append(line)
        self.quoted ^= last.count(b'"') % 2 == 1
        out.append(last)
        return b"\n".join(out)

    @property
    def body_lines(self) -> int:
        return self.lines + (not self.ended)


def _stage_text(chunks: Iterator[bytes], name: str, size: int, notices: list[str],
                progress: Progress | None) -> Parsed:
    pieces = _lines(chunks)
    head, ends = _head(pieces, name)
    if not head.strip():
        if not any(piece.strip() for piece in pieces):
            raise IngestError(f"{name}: the file is empty")
        raise IngestError(f"{name}: the file has no header row in its first {len(ends)} lines")
    _reject_binary(head, name)
    nul = head.find(b"\0")
    if nul >= 0:
        raise IngestError(nul_message(name, head.count(b"\n", 0, nul) + 1))
    starts = [0, *ends[:-1]]
    records = [head[a:b].decode("utf-8", errors="replace") for a, b in zip(starts, ends)]
    skip, sep = _preamble(records)
    if skip:
        what = f"Excel's sep={sep} line" if sep and skip == 1 else "a title, Excel's sep= line or blank lines"
        notices = [*notices, f"skipped {skip} line(s) above the header ({what})"]
    delimiter = sep if sep in DELIMITERS else _sniff_delimiter("".join(records[skip:skip + 4]))
    _check_cells(records, delimiter, 1, name)
    rows = _csv_rows("".join(records[skip:skip + 4]), delimiter) or [[]]
    if not any(c.strip() for c in rows[0]):
        raise IngestError(f"{name}: the file has no header row")
    layout, header_rows, names, questions = _layout(rows)
    header_rows += skip  # records above the first data record
    start = ends[header_rows - 1] if len(ends) >= header_rows else len(head)
    first_line = head.count(b"\n", 0, start) + 1
    names = _unique([_clean(n) for n in names])
    fd, tmp = _staging_file(".csv", size)
    with _removed_on_error(tmp), os.fdopen(fd, "wb") as out:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow(names)
        out.write(buf.getvalue().encode("utf-8"))
        body = _Body(out, delimiter, first_line, name)
        body.write(head[start:])
        for i, piece in enumerate(pieces):
            body.write(piece)
            if progress and i % 16 == 15:
                progress(body.lines, None, "reading")
        if not body.content:
            raise IngestError(f"{name}: the file has a header but no data rows")
    if layout == "limesurvey":
        notices = [*notices, "LimeSurvey export: answers are numeric codes; their labels are in the survey's "
                              "syntax file, so map them with a mapping file's labels if needed"]
    return Parsed(name, "", 0, Path(tmp), "csv", names, [_clean(q) or n for q, n in zip(questions, names)],
                  "", delimiter, layout, header_rows, notices, first_line=first_line, body_lines=body.body_lines)


# --- XLSX and Parquet ------------------------------------------------------------------------


def _xlsx(f: BinaryIO, name: str, size: int, limit: int, progress: Progress | None) -> Parsed:
    """The first worksheet, written as CSV to a scratch file, then read like any CSV."""
    from .xlsx import xlsx_to_csv

    digest = hashlib.sha256()
    for _ in _chunks(f, limit, name, digest):
        pass
    f.seek(0)
    fd, tmp = _staging_file(".xlsx.csv", size)
    try:
        with os.fdopen(fd, "w+b") as out:
            xlsx_to_csv(f, name, out)
            written = out.tell()
            out.seek(0)
            parsed = _text(out, name, written, written, progress)
    finally:
        _unlink(tmp)
    parsed.encoding, parsed.sha256, parsed.size, parsed.body_lines = "xlsx (utf-8)", digest.hexdigest(), size, None
    parsed.first_line = parsed.header_rows + 1  # a sheet's row, whatever line breaks its cells hold
    return parsed


def _parquet(f: BinaryIO, name: str, size: int, limit: int) -> Parsed:
    import duckdb

    digest = hashlib.sha256()
    fd, tmp = _staging_file(".parquet", size)
    with _removed_on_error(tmp):
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(f, limit, name, digest):
                out.write(chunk)
        con = duckdb.connect()
        try:
            cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{tmp}')").fetchall()]
            rows = con.execute(f"SELECT count(*) FROM read_parquet('{tmp}')").fetchone()[0]
        except duckdb.Error:
            raise IngestError(f"{name}: this is not a readable Parquet file") from None
        finally:
            con.close()
        if not rows:
            raise IngestError(f"{name}: the file has columns but no data rows")
    names = [_clean(c) for c in cols]
    return Parsed(name, digest.hexdigest(), size, Path(tmp), "parquet", names, names, "parquet", None, "plain", 1, [])
