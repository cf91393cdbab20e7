"""Validation and loading, all in DuckDB SQL, in one transaction; upload history and undo.

The staged file (:class:`~cx_metrics.ingest.read.Parsed`) is read once into a temporary
table ``_ingest_stage`` holding each row's file line, its raw cells and their parsed
values. Problems (line, column, value, reason) are found by set-based queries over that
table; loading is one ``INSERT ... SELECT`` per target table.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from .. import audit, db, ex_guard, pseudonym, voc
from . import pii, rules
from . import schema as F
from .errors import IngestError
from .mapping import Mapping, check_identifiers
from .read import Parsed

#: Problems listed in a Report/Result (all are counted).
MAX_LISTED = 10_000
PREVIEW_ROWS = 20


@dataclass
class Report:
    """What validation found. ``problems``: dicts line, column, value, reason (first MAX_LISTED)."""

    rows: int
    problems: list[dict]
    problem_count: int
    bad_lines: int
    by_reason: dict[str, int]
    preview: pd.DataFrame
    rules: list[str]
    notices: list[str]
    duplicate_of: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problem_count and self.duplicate_of is None


@dataclass
class Result:
    """What :func:`load` did. ``upload_id`` is None when nothing was loaded."""

    upload_id: str | None
    rows_loaded: int
    rows_skipped: int
    problems: list[dict]
    problem_count: int = 0
    dry_run: bool = False
    rejected: bool = False
    message: str = ""
    notices: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"upload_id": self.upload_id, "rows_loaded": self.rows_loaded, "rows_skipped": self.rows_skipped,
                "problems": self.problems, "problem_count": self.problem_count, "dry_run": self.dry_run,
                "rejected": self.rejected, "message": self.message, "notices": self.notices}


# --- staging -----------------------------------------------------------------------------------


@dataclass
class _Plan:
    kind: str
    table: str
    columns: list[str]  # stage columns inserted into the response table, in order
    attributes: list[tuple[str, str, float]]  # (stage column, attribute name, scale_max)
    checks: list[str]  # SELECT _line, column, value, reason FROM _ingest_stage ...
    check_params: list
    rules: list[str]
    person: str | None
    line: str  # SQL giving a staged row's file line
    notices: list[str] = field(default_factory=list)


def _default_source(parsed: Parsed) -> str:
    return {"plain": "upload"}.get(parsed.layout, parsed.layout)


def _stage(con: duckdb.DuckDBPyConnection, parsed: Parsed, mapping: Mapping) -> _Plan:
    """Create ``_ingest_stage`` from the file and return how to check and insert it.

    Comments are staged with their personal data masked (:mod:`.pii`), so it is never stored.
    """
    kind = F.check_kind(mapping.kind)
    mapping.check(parsed.headers)
    check_identifiers(parsed, mapping)
    index = {h: i for i, h in enumerate(parsed.headers)}
    targets = mapping.targets()
    p = rules.Params()
    sel: list[str] = []  # stage expressions
    checks: list[str] = []
    cp = rules.Params()
    insert_cols: list[str] = []
    rule_lines: list[str] = []
    # Raw text is kept only where a problem could be reported (a value that failed to parse or is
    # out of range): {raw column: condition}. A million copies of "7" would cost ~0.1 s each column.
    keep: dict[str, str] = {}

    def header(t):
        return cp(targets[t])

    # ids and source
    if "response_id" in targets:
        sel.append(f"{rules.raw(index[targets['response_id']])} AS response_id")
        checks.append(f"SELECT _line, {header('response_id')}, NULL, 'missing id' FROM _ingest_stage "
                      "WHERE response_id IS NULL")
    else:
        every = ", ".join(f"coalesce(c{i}, '')" for i in range(len(parsed.headers)))
        sel.append(f"'h_' || left(md5(concat_ws(chr(31), {every})), 24) AS response_id")
        rule_lines.append("no id column: each response's id is a hash of its row, so the same row "
                          "in a later file is recognised as already loaded")
    insert_cols.append("response_id")
    if "source" in targets:
        sel.append(f"coalesce({rules.raw(index[targets['source']])}, {p(_default_source(parsed))}) AS source")
    else:
        sel.append(f"{p(str(mapping.defaults.get('source') or _default_source(parsed)))}::VARCHAR AS source")
    insert_cols.append("source")

    # date
    if "submitted_at" in targets:
        col = index[targets["submitted_at"]]
        formats = _date_order(con, parsed, col, rules.date_formats(mapping), shaped=not mapping.date_format)
        sel.append(f"{rules.raw(col)} AS submitted_at_raw, {rules.date(col, mapping, p, formats)} AS submitted_at")
        implausible = (f"submitted_at < TIMESTAMP '{F.EARLIEST_DATE}' "
                       "OR submitted_at > current_date + INTERVAL 1 DAY")
        keep["submitted_at_raw"] = f"submitted_at IS NULL OR {implausible}"
        h = header("submitted_at")
        checks.append(f"SELECT _line, {h}, NULL, 'missing date' FROM _ingest_stage "
                      "WHERE submitted_at IS NULL AND submitted_at_raw IS NULL")
        h = cp(targets["submitted_at"])
        checks.append(f"SELECT _line, {h}, submitted_at_raw, 'unparseable date' FROM _ingest_stage "
                      "WHERE submitted_at_raw IS NOT NULL AND submitted_at IS NULL")
        h = cp(targets["submitted_at"])
        checks.append(f"SELECT _line, {h}, submitted_at_raw, 'date out of range (before {F.EARLIEST_DATE[:4]} "
                      f"or in the future)' FROM _ingest_stage WHERE {implausible}")
    elif mapping.defaults.get("submitted_at"):
        try:
            when = datetime.fromisoformat(str(mapping.defaults["submitted_at"]))
        except ValueError:
            raise IngestError(f"defaults.submitted_at must be a date like 2024-01-31, not "
                              f"{mapping.defaults['submitted_at']!r}") from None
        sel.append(f"{p(when)}::TIMESTAMP AS submitted_at")
        rule_lines.append(f"no date column: every response is dated {when:%Y-%m-%d %H:%M}")
    else:
        raise IngestError("no column is mapped to submitted_at (the response date); map one, or give "
                          'the mapping a "defaults": {"submitted_at": "YYYY-MM-DD"}')
    insert_cols.append("submitted_at")

    for t in F.TEXT[kind]:
        if t in targets:
            c = f"c{index[targets[t]]}"
            expr = f"CASE WHEN trim({c}) = '' THEN NULL ELSE {pii.sql(c)} END" if t == "comment" \
                else rules.raw(index[targets[t]])
            sel.append(f"{expr} AS {t}")
            insert_cols.append(t)

    person = F.PERSON_ID[kind]
    if person in targets:
        sel.append(f"{rules.raw(index[targets[person]])} AS {person}_raw")
    else:
        person = None

    if kind == "ex":
        if "population" in targets:
            sel.append(f"coalesce(lower({rules.raw(index[targets['population']])}), "
                       f"{p(mapping.defaults.get('population', 'employee'))}) AS population")
        else:
            sel.append(f"{p(str(mapping.defaults.get('population', 'employee')).lower())}::VARCHAR AS population")
        allowed = ", ".join(f"'{x}'" for x in F.POPULATIONS)
        h = cp(targets.get("population", "population"))
        checks.append(f"SELECT _line, {h}, population, 'population must be employee, supplier or vendor' "
                      f"FROM _ingest_stage WHERE population NOT IN ({allowed})")
        insert_cols.append("population")

    def score(target: str, slot: str) -> None:
        col = index[targets[target]]
        (a, b), to = rules.scale_of(mapping, kind, target)
        sel.append(f"{rules.raw(col)} AS {slot}_raw, {rules.number(col, mapping, target, p)} AS {slot}_v0")
        whole = "" if target.startswith(F.ATTRIBUTE) else f" OR {slot}_v0 <> round({slot}_v0)"
        out_of_range = f"{slot}_v0 < {float(a)!r} OR {slot}_v0 > {float(b)!r}{whole}"
        keep[f"{slot}_raw"] = f"{slot}_v0 IS NULL OR {out_of_range}"
        h = cp(targets[target])
        checks.append(f"SELECT _line, {h}, {slot}_raw, 'not a number or a known answer' FROM _ingest_stage "
                      f"WHERE {slot}_v0 IS NULL AND {slot}_raw IS NOT NULL AND NOT "
                      f"{rules.in_list(f'lower({slot}_raw)', rules.missing_for(mapping, target), cp)}")
        h = cp(targets[target])
        checks.append(f"SELECT _line, {h}, {slot}_raw, 'score out of range {a:g}–{b:g}' FROM _ingest_stage "
                      f"WHERE {out_of_range}")
        text = rules.rule_text(mapping, kind, target)
        if text:
            rule_lines.append(text)

    for t in F.SCORES[kind]:
        if t in targets:
            score(t, t)
    attributes = []
    rated = sorted(x for x in targets if x.startswith(F.ATTRIBUTE))
    for j, (t, name) in enumerate(zip(rated, _attribute_names(con, rated))):
        score(t, f"a{j}")
        (a, b), to = rules.scale_of(mapping, kind, t)
        attributes.append((f"a{j}", name, float((to or (a, b))[1])))

    missing = rules.missing_for(mapping, "*")
    if mapping.missing:
        rule_lines.append("treated as no answer: blank, " + ", ".join(repr(m) for m in missing))

    con.execute("DROP TABLE IF EXISTS _ingest_stage")
    try:
        trimmed = ", ".join(f"CASE WHEN {cond} THEN {col} END AS {col}" for col, cond in keep.items())
        outer = f"* REPLACE ({trimmed})" if keep else "*"
        parsed.execute(con, f"CREATE TEMP TABLE _ingest_stage AS SELECT {outer} FROM "
                            f"(SELECT {', '.join(sel + _row_shape(parsed, targets, index))} FROM {{source}})",
                       p.values, extra=True)
    except duckdb.Error as exc:
        raise IngestError(f"{parsed.name}: cannot read the rows: {_first_line(exc)}") from None
    # File order is kept (preserve_insertion_order), so a row's position in the staged table
    # gives its line: cheaper than row_number() over a million rows. Tests check it across row groups.
    base = con.execute("SELECT min(rowid) FROM _ingest_stage").fetchone()[0] or 0
    # Rows with every cell blank (Excel's trailing ",,,," lines, empty lines) are not responses.
    # Deleting keeps the other rows' rowids, so line numbers stay right.
    blank = con.execute("DELETE FROM _ingest_stage WHERE _blank").fetchone()[0]
    notices = [f"{blank:,} blank row(s) ignored"] if blank else []
    line = f"(rowid - {int(base)} + {int(parsed.header_rows) + 1})"
    h = cp("(whole row)")
    checks.append(f"SELECT _line, {h}, _extra, 'more cells than the header has columns (a delimiter in an "
                  f"unquoted cell?)' FROM _ingest_stage WHERE _extra IS NOT NULL")
    checks = [c.replace("_line", line) for c in checks]
    return _Plan(kind, F.TABLES[kind], insert_cols, attributes, checks, cp.values, rule_lines, person, line, notices)


def _attribute_names(con: duckdb.DuckDBPyConnection, targets: list[str]) -> list[str]:
    """The names stored for ``attribute:NAME`` targets, masked as comments are (a name is often a
    header, and a header may hold an email address). IngestError when two read the same."""
    names = pii.mask(con, [t[len(F.ATTRIBUTE):].strip() for t in targets])
    same = next((n for n in names if names.count(n) > 1), None)
    if same is not None:
        raise IngestError(f"two attributes would both be stored as {same!r} (names are trimmed and personal "
                          "data in them masked); rename one")
    return names


def _row_shape(parsed: Parsed, targets: dict[str, str], index: dict[str, int]) -> list[str]:
    """Stage columns ``_extra`` (the first cell beyond the header's columns) and ``_blank``
    (every cell empty). Only rows without an id or a date can be blank, so the other rows
    skip the test of every cell."""
    every = ", ".join([rules.raw(i) for i in range(len(parsed.headers))] + ["nullif(trim(c_extra), '')"])
    blank = f"coalesce({every}) IS NULL"
    guards = [f"{rules.raw(index[targets[t]])} IS NULL" for t in ("response_id", "submitted_at") if t in targets]
    if guards:
        blank = f"CASE WHEN {' OR '.join(guards)} THEN {blank} ELSE FALSE END"
    return ["nullif(trim(c_extra), '') AS _extra", f"{blank} AS _blank"]


def _date_order(con: duckdb.DuckDBPyConnection, parsed: Parsed, col: int, formats: list[str], *,
                shaped: bool = True, sample: int = 2000) -> list[str]:
    """``formats`` with those that read none of the column's first rows moved to the end.

    strptime tries formats in order and each failure costs about as much as a success: a million
    "10/5/2026 9:01:02" dates behind three two-digit-year formats would cost three extra parses each.
    Formats seen in the sample keep their order, so those rows read exactly as before; a later row
    that only an unseen format reads (a two-digit year among four-digit ones) is read by the first
    that fits, and a year read as 0026 is reported as out of range. ``shaped``: only date-shaped
    text is parsed, as in the load with the default formats (ISO dates are cast, not parsed).
    """
    if len(formats) < 2:
        return formats
    r = rules.raw(col)
    cell = F.date_shaped(r) if shaped else r
    counts = ", ".join("count(try_strptime(d, ?))" for _ in formats)
    try:
        hits = parsed.execute(con, f"SELECT {counts} FROM (SELECT {cell} AS d FROM "
                                   f"(SELECT * FROM {{source}} LIMIT {int(sample)}))", list(formats)).fetchone()
    except duckdb.Error:
        return formats
    return [f for f, h in zip(formats, hits) if h] + [f for f, h in zip(formats, hits) if not h]


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.replace("Invalid Input Error: ", "").replace("Conversion Error: ", "")[:300]


def _find_problems(con: duckdb.DuckDBPyConnection, plan: _Plan, mapping: Mapping, replace: bool) -> None:
    """Fill ``_ingest_problems`` (line, column, value, reason)."""
    checks = list(plan.checks)
    params = list(plan.check_params)
    h = mapping.targets().get("response_id", "(row id)")
    line = plan.line
    checks.append(
        f"SELECT s.line, ?, s.response_id, 'duplicate id in this file (first on line ' || d.first || ')' "
        f"FROM (SELECT {line} AS line, source, response_id FROM _ingest_stage) s "
        f"JOIN (SELECT source, response_id, min({line}) AS first FROM _ingest_stage "
        f"WHERE response_id IS NOT NULL GROUP BY ALL HAVING count(*) > 1) d USING (source, response_id) "
        f"WHERE s.line > d.first")
    params.append(h)
    if not replace:
        checks.append(
            # Join first, then group only the matches (not every loaded response on each upload).
            f"SELECT s.line, ?, s.response_id, 'already loaded (upload ' || coalesce(min(t.upload_id), 'none') "
            f"|| ')' FROM (SELECT {line} AS line, source, response_id FROM _ingest_stage) s "
            f"JOIN {plan.table} t USING (source, response_id) GROUP BY s.line, s.response_id")
        params.append(h)
    con.execute("DROP TABLE IF EXISTS _ingest_problems")
    con.execute("CREATE TEMP TABLE _ingest_problems (line BIGINT, \"column\" VARCHAR, value VARCHAR, reason VARCHAR)")
    con.execute("INSERT INTO _ingest_problems " + " UNION ALL ".join(checks), params)


def _problem_list(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], int, int, dict[str, int]]:
    count, lines = con.execute("SELECT count(*), count(DISTINCT line) FROM _ingest_problems").fetchone()
    rows = con.execute(f"SELECT line, \"column\", value, reason FROM _ingest_problems "
                       f"ORDER BY line, \"column\", reason LIMIT {MAX_LISTED}").fetchall()
    reasons = con.execute("SELECT regexp_replace(reason, ' \\(.*\\)$', '') AS r, count(*) FROM _ingest_problems "
                          "GROUP BY r ORDER BY 2 DESC").fetchall()
    problems = [{"line": int(a), "column": b, "value": c, "reason": d} for a, b, c, d in rows]
    return problems, int(count), int(lines), {r: int(n) for r, n in reasons}


def _select_final(plan: _Plan, mapping: Mapping, key: bytes | None) -> list[str]:
    """Expressions for the response table's columns, in plan.columns + scores + person id order."""
    out = list(plan.columns)
    for t in F.SCORES[plan.kind]:
        if t in mapping.targets():
            out.append(f"{rules.converted(t + '_v0', mapping, plan.kind, t)} AS {t}")
    if plan.person:
        out.append(f"{pseudonym.sql(plan.person + '_raw', key)} AS {plan.person}" if key is not None
                   else f"(SELECT p FROM _ingest_people WHERE raw = {plan.person}_raw) AS {plan.person}")
    return out


def _people(con: duckdb.DuckDBPyConnection, plan: _Plan, key: bytes) -> None:
    """Pseudonyms of the file's distinct person ids, hashed once each (people answer repeatedly)."""
    con.execute("DROP TABLE IF EXISTS _ingest_people")
    con.execute(f"CREATE TEMP TABLE _ingest_people AS SELECT raw, {pseudonym.sql('raw', key)} AS p FROM "
                f"(SELECT DISTINCT {plan.person}_raw AS raw FROM _ingest_stage WHERE {plan.person}_raw IS NOT NULL)")


def _target_columns(plan: _Plan, mapping: Mapping) -> list[str]:
    cols = list(plan.columns) + [t for t in F.SCORES[plan.kind] if t in mapping.targets()]
    return cols + ([plan.person] if plan.person else [])


def _already(con: duckdb.DuckDBPyConnection, sha: str) -> tuple[str, datetime] | None:
    return con.execute("SELECT upload_id, loaded_at FROM uploads WHERE sha256 = ? AND undone_at IS NULL "
                       "ORDER BY loaded_at DESC LIMIT 1", [sha]).fetchone()


# --- public API ----------------------------------------------------------------------------------


def _serial_retry(run):
    """``run`` (a function of (con, parsed, ...) that opens and ends its own transaction), run once
    more if DuckDB's parallel CSV reader refused the file inside it.

    The parallel reader refuses quoted line breaks (with short rows padded) only when it meets
    one; :meth:`Parsed.execute` then switches the file to the serial reader, but a statement that
    failed has already aborted the transaction, so the whole transaction starts again.
    """
    @functools.wraps(run)
    def wrapper(con, parsed, *args, **kwargs):
        serial = parsed.serial
        try:
            return run(con, parsed, *args, **kwargs)
        except (duckdb.Error, IngestError):
            if serial or not parsed.serial:
                raise
        return run(con, parsed, *args, **kwargs)
    return wrapper


@_serial_retry
def validate(con: duckdb.DuckDBPyConnection, parsed: Parsed, mapping: Mapping, *, replace: bool = False) -> Report:
    """Check every row against ``mapping`` without loading anything.

    Returns the row count, problems (line, column, value, reason), counts per reason, a
    preview of the first mapped rows (person ids already pseudonymised), the scale rules
    applied and notices (e.g. the same file was loaded before: ``duplicate_of``).
    """
    con.execute("BEGIN TRANSACTION")
    try:
        plan = _stage(con, parsed, mapping)
        _find_problems(con, plan, mapping, replace)
        problems, count, lines, reasons = _problem_list(con)
        rows = con.execute("SELECT count(*) FROM _ingest_stage").fetchone()[0]
        key = pseudonym.load_key() if plan.person else None
        attrs = [f"{rules.converted(slot + '_v0', mapping, plan.kind, F.ATTRIBUTE + name)} AS \"{i}\""
                 for i, (slot, name, _) in enumerate(plan.attributes)]
        preview = con.execute(f"SELECT {plan.line} AS line, {', '.join(_select_final(plan, mapping, key) + attrs)} "
                              f"FROM _ingest_stage ORDER BY line LIMIT {PREVIEW_ROWS}").df()
        preview = preview.rename(columns={str(i): f"attribute: {name}" for i, (_, name, _) in enumerate(plan.attributes)})
        dup = _already(con, parsed.sha256)
    finally:
        con.execute("ROLLBACK")
    notices = [*parsed.notices, *mapping.notices, *plan.notices]
    if dup:
        notices.append(f"this exact file was already loaded as upload {dup[0]} on {dup[1]:%Y-%m-%d %H:%M}")
    return Report(int(rows), problems, count, lines, reasons, preview, plan.rules, notices,
                  dup[0] if dup else None)


@_serial_retry
def load(con: duckdb.DuckDBPyConnection, parsed: Parsed, mapping: Mapping, *, on_error: str = "reject",
         actor: str, dry_run: bool = False, replace: bool = False) -> Result:
    """Validate and load ``parsed`` in one transaction.

    ``on_error="reject"`` loads nothing when any problem is found; ``"skip"`` loads the other
    rows and reports the skipped ones. Rows whose (source, response_id) is already loaded are
    problems ("already loaded"), unless ``replace`` deletes the earlier rows first. The same
    file (sha256) twice loads nothing. ``dry_run`` does everything and rolls back.
    """
    if on_error not in ("reject", "skip"):
        raise ValueError("on_error must be 'reject' or 'skip'")
    if not actor:
        raise ValueError("load needs an actor")
    dup = _already(con, parsed.sha256)
    if dup:
        return Result(None, 0, 0, [], message=f"nothing loaded: this exact file was already loaded as upload "
                      f"{dup[0]} on {dup[1]:%Y-%m-%d %H:%M}", dry_run=dry_run)
    upload_id = f"u{datetime.now():%Y%m%d%H%M%S}_{secrets.token_hex(3)}"
    con.execute("BEGIN TRANSACTION")
    try:
        plan = _stage(con, parsed, mapping)
        _find_problems(con, plan, mapping, replace)
        problems, count, bad_lines, _ = _problem_list(con)
        total = con.execute("SELECT count(*) FROM _ingest_stage").fetchone()[0]
        notices = [*parsed.notices, *mapping.notices, *plan.notices, *plan.rules]
        if count and on_error == "reject":
            con.execute("ROLLBACK")
            return Result(None, 0, 0, problems, count, dry_run, True,
                          f"rejected: {count} problem(s) on {bad_lines} of {total} rows; nothing loaded "
                          "(fix them, or load with on_error=skip to leave those rows out)", notices)
        key = pseudonym.load_key() if plan.person else None
        if count:  # skip: leave the problem lines out
            con.execute(f"DELETE FROM _ingest_stage WHERE {plan.line} IN (SELECT line FROM _ingest_problems)")
        if replace:
            con.execute(f"DELETE FROM attribute_ratings WHERE kind = ? AND (source, response_id) IN "
                        f"(SELECT source, response_id FROM _ingest_stage)", [plan.kind])
            con.execute(f"DELETE FROM {plan.table} WHERE (source, response_id) IN "
                        f"(SELECT source, response_id FROM _ingest_stage)")
        cols = _target_columns(plan, mapping)
        if plan.person:
            _people(con, plan, key)
        loaded = con.execute(
            f"INSERT INTO {plan.table} ({', '.join(cols)}, upload_id) "
            f"SELECT {', '.join(_select_final(plan, mapping, None))}, ? FROM _ingest_stage", [upload_id]
        ).fetchone()[0]
        for slot, name, scale_max in plan.attributes:
            t = F.ATTRIBUTE + name
            con.execute(
                f"INSERT INTO attribute_ratings (response_id, kind, attribute, score, scale_max, source, upload_id) "
                f"SELECT response_id, ?, ?, {rules.converted(slot + '_v0', mapping, plan.kind, t)}, ?, source, ? "
                f"FROM _ingest_stage WHERE {slot}_v0 IS NOT NULL", [plan.kind, name, scale_max, upload_id])
        if plan.kind == "ex":
            ex_guard.refresh(con)  # the published reporting cells, in the load's transaction
        voc.score_missing(con, upload_id)  # sentiment of the new comments, once each
        skipped = int(total) - int(loaded)
        source = con.execute("SELECT any_value(source) FROM _ingest_stage").fetchone()[0]
        con.execute("INSERT INTO uploads (upload_id, file_name, sha256, kind, rows_loaded, rows_skipped, loaded_by, "
                    "source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [upload_id, parsed.name, parsed.sha256, plan.kind, loaded, skipped, actor, source])
        audit.record(con, actor, "upload", upload_id,
                     {"file": parsed.name, "kind": plan.kind, "skipped": skipped, "layout": parsed.layout,
                      "problems": count, "replace": replace},
                     sha256=parsed.sha256, rows=int(loaded))
        db.bump_data_version(con)
        # The staged rows hold raw person ids: they do not outlive the load in the session.
        con.execute("DROP TABLE IF EXISTS _ingest_people; DROP TABLE _ingest_stage; DROP TABLE _ingest_problems")
        if dry_run:
            con.execute("ROLLBACK")
        else:
            con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise
    message = (f"dry run: {loaded} rows would be loaded, {skipped} skipped; nothing was written" if dry_run
               else f"loaded {loaded} rows as upload {upload_id}" + (f", skipped {skipped}" if skipped else ""))
    return Result(None if dry_run else upload_id, int(loaded), skipped, problems, count, dry_run, False,
                  message, notices)


UPLOAD_COLUMNS = ["upload_id", "file_name", "kind", "source", "rows_loaded", "rows_skipped", "loaded_at",
                  "loaded_by", "sha256", "undone_at", "undone_by"]


def uploads(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Upload history, newest first. Columns: :data:`UPLOAD_COLUMNS` (undone_at null while active)."""
    return con.execute(f"SELECT {', '.join(UPLOAD_COLUMNS)} FROM uploads ORDER BY loaded_at DESC, upload_id DESC").df()


#: Every table whose rows carry an upload_id.
DATA_TABLES = ("cx_responses", "ex_responses", "attribute_ratings", "business_outcomes")


def undo(con: duckdb.DuckDBPyConnection, upload_id: str, *, actor: str) -> dict[str, int]:
    """Remove exactly the rows of ``upload_id`` from every table (audited); rows removed per table.

    The uploads row stays, marked undone, so the history shows it. IngestError when the
    upload does not exist or was already undone.
    """
    row = con.execute("SELECT undone_at FROM uploads WHERE upload_id = ?", [upload_id]).fetchone()
    if row is None:
        raise IngestError(f"no upload {upload_id!r}")
    if row[0] is not None:
        raise IngestError(f"upload {upload_id} was already undone on {row[0]:%Y-%m-%d %H:%M}")
    removed = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for table in DATA_TABLES:
            removed[table] = int(con.execute(f"DELETE FROM {table} WHERE upload_id = ?", [upload_id]).fetchone()[0])
        con.execute("UPDATE uploads SET undone_at = current_timestamp, undone_by = ? WHERE upload_id = ?",
                    [actor, upload_id])
        ex_guard.refresh(con)
        audit.record(con, actor, "undo", upload_id, removed, rows=sum(removed.values()))
        db.bump_data_version(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return removed
