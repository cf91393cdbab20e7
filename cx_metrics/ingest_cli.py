"""The ``ingest``, ``uploads`` and ``undo`` commands (see README "Uploading survey files").

``ingest`` prints ``{"upload_id", "rows_loaded", "rows_skipped", "problems": [...], ...}`` and exits 0
when rows were loaded, or when nothing was loaded because the file or its rows were loaded
before; it exits 1 with a readable problem list on stderr when the file is rejected (the
database is unchanged) and 2, with one line on stderr, when the file cannot be read at all.

The file is read and staged before the database is opened for writing (through
:func:`service.writer`, so a load waits for another writer and is published to readers when it
commits). It is streamed from disk, its size checked first; DuckDB's memory is capped at
:data:`MEMORY_LIMIT` (it spills to disk beyond); progress goes to stderr only when stderr is a
terminal. The staged copy is removed however the command ends: an error, Ctrl-C or SIGTERM
(after the statement running then); one left by a process killed with SIGKILL is removed by the
next run.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from . import audit, ingest, service
from .cli import terminal_progress

SHOWN = 50  # problems listed on stderr
#: DuckDB's memory for an ingest (it spills beyond). Reading a 1,000-column file takes ~200 MB.
MEMORY_LIMIT = "256MB"


def _problems_text(problems: list[dict], total: int) -> str:
    lines = [f"  line {p['line']}, {p['column']}: {p['reason']}" + ("" if p["value"] is None else f" ({_short(p['value'])!r})")
             for p in problems[:SHOWN]]
    if total > len(lines):
        lines.append(f"  ... and {total - len(lines)} more")
    return "\n".join(lines)


def _short(value: str, most: int = 200) -> str:
    return value if len(value) <= most else value[:most] + f"… ({len(value):,} characters)"


@contextmanager
def _sigterm_exits():
    """SIGTERM ends the command like Ctrl-C does: through every ``finally``, so the staged copy and
    the open transaction are cleaned up (the default action would kill the process on the spot)."""
    def stop(signum, frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (a test runner's worker): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace, path) -> int:
    ingest.sweep_staging()  # staging files of an ingest that was killed outright
    try:
        if args.command == "uploads":
            table = ingest.uploads(service.read(path))
            if args.format == "json":
                print(table.to_json(orient="records", date_format="iso"))
            else:
                print(table.to_string(index=False))
            return 0
        if args.command == "undo":
            with service.writer(path) as con:
                removed = ingest.undo(con, args.upload_id, actor=audit.cli_actor())
            print(json.dumps({"upload_id": args.upload_id, "removed": removed}))
            return 0
        with _sigterm_exits():
            return _ingest(args, path)
    except ingest.IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing was loaded", file=sys.stderr)
        return 130


def _ingest(args: argparse.Namespace, path) -> int:
    progress = terminal_progress("row")
    try:
        parsed = ingest.read_file(Path(args.file), progress=progress)
        mapping = ingest.Mapping.load(args.mapping) if args.mapping else None
        with service.writer(path) as con:
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
            mapping = mapping or ingest.suggest(parsed, args.kind, con)
            if mapping.kind != args.kind:
                raise ingest.IngestError(f"the mapping is for {mapping.kind} files, not {args.kind}")
            result = ingest.load(con, parsed, mapping, on_error=args.on_error, actor=audit.cli_actor(),
                                 dry_run=args.dry_run, replace=args.replace, progress=progress)
    except BaseException:
        if progress:
            sys.stderr.write("\r\033[K")  # the error starts its own line
        raise
    out = result.as_json()
    out["detected"] = parsed.describe()
    out["mapping"] = mapping.to_json()
    for warning in result.warnings:  # implausible data: reported, never blocking
        print(f"warning: {warning}", file=sys.stderr)
    if result.rejected:
        print(f"error: {result.message}\n{_problems_text(result.problems, result.problem_count)}", file=sys.stderr)
        print(json.dumps(out, default=str))
        return 1
    print(json.dumps(out, default=str))
    print(result.message, file=sys.stderr)
    return 0
