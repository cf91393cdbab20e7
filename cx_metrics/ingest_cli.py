"""The ``ingest``, ``uploads`` and ``undo`` commands (see README "Uploading survey files").

``ingest`` prints ``{"upload_id", "rows_loaded", "rows_skipped", "problems": [...], ...}`` and exits 0
when rows were loaded, or when nothing was loaded because the file or its rows were loaded
before; it exits 1 with a readable problem list on stderr when the file is rejected (the
database is unchanged) and 2 when the file cannot be read at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import audit, db, ingest

SHOWN = 50  # problems listed on stderr


def _problems_text(problems: list[dict], total: int) -> str:
    lines = [f"  line {p['line']}, {p['column']}: {p['reason']}" + ("" if p["value"] is None else f" ({p['value']!r})")
             for p in problems[:SHOWN]]
    if total > len(lines):
        lines.append(f"  ... and {total - len(lines)} more")
    return "\n".join(lines)


def run(args: argparse.Namespace, path) -> int:
    try:
        if args.command == "uploads":
            table = ingest.uploads(db.connect(path))
            if args.format == "json":
                print(table.to_json(orient="records", date_format="iso"))
            else:
                print(table.to_string(index=False))
            return 0
        if args.command == "undo":
            removed = ingest.undo(db.connect(path), args.upload_id, actor=audit.cli_actor())
            print(json.dumps({"upload_id": args.upload_id, "removed": removed}))
            return 0
        file = Path(args.file)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise ingest.IngestError(f"{file}: cannot read the file ({exc.strerror})") from None
        parsed = ingest.read_file(data, file.name)
        con = db.connect(path)
        mapping = ingest.Mapping.load(args.mapping) if args.mapping else ingest.suggest(parsed, args.kind, con)
        if mapping.kind != args.kind:
            raise ingest.IngestError(f"the mapping is for {mapping.kind} files, not {args.kind}")
        result = ingest.load(con, parsed, mapping, on_error=args.on_error, actor=audit.cli_actor(),
                             dry_run=args.dry_run, replace=args.replace)
    except ingest.IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = result.as_json()
    out["detected"] = parsed.describe()
    out["mapping"] = mapping.to_json()
    if result.rejected:
        print(f"error: {result.message}\n{_problems_text(result.problems, result.problem_count)}", file=sys.stderr)
        print(json.dumps(out, default=str))
        return 1
    print(json.dumps(out, default=str))
    print(result.message, file=sys.stderr)
    return 0
