"""Validation and loading, all in DuckDB SQL, in one transaction; upload history and undo.

The staged file (:class:`~cx_metrics.ingest.read.Parsed`) is read once into a temporary
table ``_ingest_stage``: one row per record, with its number in the file (``_row``), the file
line it starts on (``_line``), and its fields' raw text and parsed values.

Attribute ratings are not staged: :func:`_ratings_sql` reads them from the file, unpivoted to
one row per non-blank rating (``_row``, attribute, value), each time they are needed (their
check, their insert). A file with a thousand rating columns costs one small expression per
rule and memory per row, not a statement with a thousand columns of expressions (that took
20 s to plan and 1 GB for 5,000 rows) nor a table of every cell.

Problems (line, column, value, reason) are found by set-based queries; loading is one
``INSERT ... SELECT`` per target table, in batches of rows so progress can be shown.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import pandas as pd

from .. import audit, db, ex_guard, pseudonym, rollup, voc
from . import pii, rules
from . import schema as F
from .errors import IngestError
from .mapping import Mapping, check_identifiers
from .read import MAX_CELL_BYTES, Parsed, Progress, cell_too_long

#: Problems listed in a Report/Result (all are counted).
MAX_LISTED = 10_000
PREVIEW_ROWS = 20
#: Warnings (:func:`_warnings`): all dated responses on one day is suspicious from this many rows on;
#: straight-lining is a respondent giving one answer to every one of at least STRAIGHT_LINING_ITEMS
#: ratings, warned about when at least STRAIGHT_LINING_SHARE of the rows do.
ONE_DAY_MIN_ROWS = 10
STRAIGHT_LINING_ITEMS = 5
STRAIGHT_LINING_SHARE = 0.05
#: Qualtrics' Status codes and texts of responses that are not real (Survey Preview 1, Survey Test 2,
#: Spam 8, Survey Preview Spam 9, Imported Spam 12, Offline Survey Preview 17), and DistributionChannel's.
TEST_STATUS = ("1", "2", "8", "9", "12", "17", "survey preview", "survey test", "spam", "preview spam",
               "survey preview spam", "imported spam", "offline survey preview", "test", "preview")
TEST_CHANNEL = ("preview", "test")
#: Rows inserted per statement, so that progress can be reported between them.
BATCH_ROWS = 250_000


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
    #: Implausible data that does not stop a load (:func:`_warnings`).
    warnings: list[str] = field(default_factory=list)

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
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"upload_id": self.upload_id, "rows_loaded": self.rows_loaded, "rows_skipped": self.rows_skipped,
                "problems": self.problems, "problem_count": self.problem_count, "dry_run": self.dry_run,
                "rejected": self.rejected, "message": self.message, "notices": self.notices,
                "warnings": self.warnings}


# --- staging -----------------------------------------------------------------------------------


@dataclass
class _Attribute:
    """One ``attribute:NAME`` target: its number ``a`` (0, 1, ...; see :func:`_ratings_sql`), the file's column
    and scale, and the rule group (same labels and missing codes) its answers are read with."""

    a: int
    target: str
    header: str
    name: str  # as stored (masked)
    scale: tuple[float, float]
    to: tuple[float, float] | None
    group: int


@dataclass
class _Plan:
    kind: str
    table: str
    columns: list[str]  # stage columns inserted into the response table, in order
    attributes: list[_Attribute]
    checks: list[str]  # SELECT line, column, value, reason FROM _ingest_stage ...
    check_params: list
    rules: list[str]
    person: str | None
    rows: int  # records staged (blank ones left out)
    notices: list[str] = field(default_factory=list)
    ratings: str = ""  # SQL: the file's ratings, with "{first_rows}" and "{cells}" slots (see _ratings_sql)
    ratings_params: list = field(default_factory=list)


def _default_source(parsed: Parsed) -> str:
    return {"plain": "upload"}.get(parsed.layout, parsed.layout)


def _stage(con: duckdb.DuckDBPyConnection, parsed: Parsed, mapping: Mapping) -> _Plan:
    """Create ``_ingest_stage`` from the file; return how to check and insert it and its ratings.

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
    person = F.PERSON_ID[kind] if F.PERSON_ID[kind] in targets else None

    def header(t):
        return cp(targets[t])

    # ids and source
    if "response_id" in targets:
        sel.append(f"{rules.raw(index[targets['response_id']])} AS response_id")
        checks.append(f"SELECT _line, {header('response_id')}, NULL, 'missing id' FROM _ingest_stage "
                      "WHERE response_id IS NULL")
    else:
        sel.append(f"{_content_id(targets, index, person)} AS response_id")
        rule_lines.append("no id column: each response's id is a hash of its mapped answers (blank ones left "
                          "out), so the same response in a later export is recognised as already loaded, "
                          "even when columns were added to the file")
    insert_cols.append("response_id")
    if "source" in targets:
        sel.append(f"coalesce({rules.raw(index[targets['source']])}, {p(_default_source(parsed))}) AS source")
    else:
        sel.append(f"{p(str(mapping.defaults.get('source') or _default_source(parsed)))}::VARCHAR AS source")
    insert_cols.append("source")
    sel.append(f"{_test_rows(parsed, index, p)} AS _test")

    # date
    if "submitted_at" in targets:
        col = index[targets["submitted_at"]]
        formats = _date_order(con, parsed, col, rules.date_formats(mapping), shaped=not mapping.date_format)
        sel.append(f"{rules.raw(col)} AS submitted_at_raw, {rules.date(col, mapping, p, formats)} AS submitted_at")
        implausible = (f"submitted_at < TIMESTAMP '{F.EARLIEST_DATE}' "
                       "OR submitted_at > current_date + INTERVAL 1 DAY")
        keep["submitted_at_raw"] = f"submitted_at IS NULL OR {implausible}"
        checks.append(f"SELECT _line, {header('submitted_at')}, NULL, 'missing date' FROM _ingest_stage "
                      "WHERE submitted_at IS NULL AND submitted_at_raw IS NULL")
        checks.append(f"SELECT _line, {header('submitted_at')}, submitted_at_raw, 'unparseable date' "
                      "FROM _ingest_stage WHERE submitted_at_raw IS NOT NULL AND submitted_at IS NULL")
        checks.append(f"SELECT _line, {header('submitted_at')}, submitted_at_raw, 'date out of range (before "
                      f"{F.EARLIEST_DATE[:4]} or in the future)' FROM _ingest_stage WHERE {implausible}")
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

    if person:
        sel.append(f"{rules.raw(index[targets[person]])} AS {person}_raw")

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

    for target in F.SCORES[kind]:
        if target not in targets:
            continue
        col = index[targets[target]]
        (a, b), _ = rules.scale_of(mapping, kind, target)
        sel.append(f"{rules.raw(col)} AS {target}_raw, "
                   f"{rules.number(rules.raw(col), mapping, target, p)} AS {target}_v0")
        out_of_range = f"{target}_v0 < {float(a)!r} OR {target}_v0 > {float(b)!r} OR {target}_v0 <> round({target}_v0)"
        keep[f"{target}_raw"] = f"{target}_v0 IS NULL OR {out_of_range}"
        checks.append(f"SELECT _line, {header(target)}, {target}_raw, 'not a number or a known answer' "
                      f"FROM _ingest_stage WHERE {target}_v0 IS NULL AND {target}_raw IS NOT NULL AND NOT "
                      f"{rules.in_list(f'lower({target}_raw)', rules.missing_for(mapping, target), cp)}")
        checks.append(f"SELECT _line, {header(target)}, {target}_raw, 'score out of range {a:g}–{b:g}' "
                      f"FROM _ingest_stage WHERE {out_of_range}")
    attributes = _attributes(con, mapping, targets)
    for t in [*F.SCORES[kind], *(x.target for x in attributes)]:
        text = rules.rule_text(mapping, kind, t) if t in targets else None
        if text:
            rule_lines.append(text)

    missing = rules.missing_for(mapping, "*")
    if mapping.missing:
        rule_lines.append("treated as no answer: blank, " + ", ".join(repr(m) for m in missing))

    con.execute("DROP TABLE IF EXISTS _ingest_stage")
    # row_number() over the reader's output is the record's number in the file: DuckDB keeps
    # the reader's order for a window with an empty OVER (), even with the parallel reader.
    # (The table's rowid is not: the CASE expressions' list lookups are planned as joins,
    # which reorder rows, so rowids were wrong past ~120,000 rows and differed run to run.)
    trimmed = ", ".join(f"CASE WHEN {cond} THEN {col} END AS {col}" for col, cond in keep.items())
    outer = f"* REPLACE ({trimmed})" if keep else "*"
    widest = ", ".join([f"strlen(c{i})" for i in range(len(parsed.headers))] + ["strlen(c_extra)"])
    inner = (f"SELECT _row, _row + {int(parsed.first_line) - 1} AS _line, "
             f"{', '.join(sel + _row_shape(parsed, targets, index))}, greatest({widest}) AS _widest "
             f"FROM (SELECT row_number() OVER () AS _row, * FROM {{source}})")
    try:
        parsed.execute(con, f"CREATE TEMP TABLE _ingest_stage AS SELECT {outer} FROM ({inner})", p.values,
                       extra=True)
        records = con.execute("SELECT count(*) FROM _ingest_stage").fetchone()[0]
        if parsed.body_lines is not None and records != parsed.body_lines:
            _count_line_breaks(con, parsed)
    except duckdb.Error as exc:
        raise parsed.read_error(exc) from None
    long = con.execute(f"SELECT _line, _widest FROM _ingest_stage WHERE _widest > {MAX_CELL_BYTES} "
                       "ORDER BY _line LIMIT 1").fetchone()
    if long:
        raise IngestError(cell_too_long(parsed.name, long[0], long[1]))
    # Rows with every cell blank (Excel's trailing ",,,," lines, empty lines) are not responses.
    blank = con.execute("DELETE FROM _ingest_stage WHERE _blank").fetchone()[0]
    notices = [f"{blank:,} blank row(s) ignored"] if blank else []
    checks.append(f"SELECT _line, {cp('(whole row)')}, _extra, 'more cells than the header has columns (a "
                  "delimiter in an unquoted cell?)' FROM _ingest_stage WHERE _extra IS NOT NULL")
    ratings, ratings_params = _ratings_sql(parsed, mapping, attributes, index) if attributes else ("", [])
    return _Plan(kind, F.TABLES[kind], insert_cols, attributes, checks, cp.values, rule_lines, person,
                 int(records) - int(blank), notices, ratings, ratings_params)


def _test_rows(parsed: Parsed, index: dict[str, int], p: rules.Params) -> str:
    """SQL: the row is a preview, test or spam response (Qualtrics' Status, mapped or not, in a
    Qualtrics layout; DistributionChannel "preview"/"test" in any layout)."""
    norm = {re.sub(r"[^0-9a-z]", "", h.lower()): h for h in reversed(parsed.headers)}
    tests = []
    if parsed.layout.startswith("qualtrics") and "status" in norm:
        tests.append(rules.in_list(f"lower({rules.raw(index[norm['status']])})", list(TEST_STATUS), p))
    if "distributionchannel" in norm:
        tests.append(rules.in_list(f"lower({rules.raw(index[norm['distributionchannel']])})", list(TEST_CHANNEL), p))
    return " OR ".join(tests) or "FALSE"


def _warnings(con: duckdb.DuckDBPyConnection, parsed: Parsed, plan: _Plan, mapping: Mapping, today: date) -> list[str]:
    """Implausible data in the staged rows, as sentences; they do not stop a load.

    All dated responses on one day (from ONE_DAY_MIN_ROWS rows; not for a date given for every
    response), dates after ``today``, preview/test/spam responses (:func:`_test_rows`), and
    straight-lining: the share of rows giving one answer to every one of at least
    STRAIGHT_LINING_ITEMS attribute ratings, from STRAIGHT_LINING_SHARE on. Counted in SQL.
    """
    out = []
    rows, dated, days, first, future, last, tests = con.execute(
        "SELECT count(*), count(submitted_at), count(DISTINCT submitted_at::DATE), min(submitted_at)::DATE, "
        "count(*) FILTER (WHERE submitted_at::DATE > ?), max(submitted_at)::DATE, count(*) FILTER (WHERE _test) "
        "FROM _ingest_stage", [today]).fetchone()
    if "submitted_at" in mapping.targets() and dated >= ONE_DAY_MIN_ROWS and days == 1:
        out.append(f"all {dated:,} dated responses are on one day ({first:%Y-%m-%d}): if that is a placeholder "
                   "(an anonymised export), leave the date column unmapped and give a date for every response")
    if future:
        out.append(f"{future:,} of {rows:,} responses are dated after today (latest {last:%Y-%m-%d})")
    if tests:
        out.append(f"{tests:,} of {rows:,} responses are survey previews, tests or spam (Status or "
                   "DistributionChannel): they would count as real responses")
    if rows and len(plan.attributes) >= STRAIGHT_LINING_ITEMS:
        ratings = plan.ratings.format(first_rows="", cells="TRUE")
        straight = _read_ratings(
            con, parsed, f"SELECT count(*) FROM (SELECT _row FROM {ratings} WHERE v0 IS NOT NULL GROUP BY _row "
            f"HAVING count(*) >= {STRAIGHT_LINING_ITEMS} AND min(v0) = max(v0))", plan.ratings_params).fetchone()[0]
        if straight and straight >= STRAIGHT_LINING_SHARE * rows:
            out.append(f"{straight:,} of {rows:,} responses ({straight / rows:.0%}) give the same answer to every "
                       f"rating (at least {STRAIGHT_LINING_ITEMS}): straight-lining, often inattentive answers")
    return out


def _content_id(targets: dict[str, str], index: dict[str, int], person: str | None) -> str:
    """SQL: the id of a response in a file without an id column.

    A hash of the mapped fields' cells (trimmed), each tagged with its field, in field order;
    blank cells are left out, so a later export of the same responses with columns added (or
    reordered, or a new question blank for the old rows) gives the same ids, and its rows are
    found already loaded. The person id enters as its pseudonym: the stored id must not let
    anyone test guesses of a raw customer id against it.
    """
    key = pseudonym.load_key() if person else None
    parts = []
    for target, header in sorted(targets.items()):
        cell = rules.raw(index[header])
        if target == person:
            cell = pseudonym.sql(cell, key)
        tag = hashlib.md5(target.encode("utf-8")).hexdigest()[:12]  # hex only: safe to inline
        parts.append(f"CASE WHEN {cell} IS NOT NULL THEN '{tag}=' || {cell} END")
    return f"'h_' || left(md5(concat_ws(chr(31), {', '.join(parts) or 'NULL'})), 24)"


def _count_line_breaks(con: duckdb.DuckDBPyConnection, parsed: Parsed) -> None:
    """Correct ``_line`` when records hold quoted line breaks (the file has more lines than records):
    a record's line is the first line plus the line breaks of every record before it."""
    cells = ", ".join([f"c{i}" for i in range(len(parsed.headers))] + ["c_extra"])
    breaks = f"strlen(concat({cells})) - strlen(replace(concat({cells}), chr(10), ''))"
    parsed.execute(con, f"""
        CREATE OR REPLACE TEMP TABLE _ingest_lines AS
        SELECT _row, _row + {int(parsed.first_line) - 1}
               + coalesce(sum(breaks) OVER (ORDER BY _row ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               AS line
        FROM (SELECT row_number() OVER () AS _row, {breaks} AS breaks FROM {{source}})""", extra=True)
    con.execute("UPDATE _ingest_stage SET _line = l.line FROM _ingest_lines l WHERE l._row = _ingest_stage._row")
    con.execute("DROP TABLE _ingest_lines")


def _attributes(con: duckdb.DuckDBPyConnection, mapping: Mapping, targets: dict[str, str]) -> list[_Attribute]:
    """The mapping's attribute targets in name order, each with its rule group: attributes read with
    the same labels and missing codes share one SQL expression, however many there are."""
    rated = sorted(t for t in targets if t.startswith(F.ATTRIBUTE))
    groups: dict[tuple, int] = {}
    out = []
    for a, (t, name) in enumerate(zip(rated, _attribute_names(con, rated))):
        rule = (tuple(sorted(rules.labels_for(mapping, t).items())), tuple(rules.missing_for(mapping, t)))
        scale, to = rules.scale_of(mapping, mapping.kind, t)
        out.append(_Attribute(a, t, targets[t], name, tuple(map(float, scale)),
                              tuple(map(float, to)) if to and tuple(to) != tuple(scale) else None,
                              groups.setdefault(rule, len(groups))))
    return out


def _ratings_sql(parsed: Parsed, mapping: Mapping, attributes: list[_Attribute],
                 index: dict[str, int]) -> tuple[str, list]:
    """(SQL, its parameters): every non-blank rating of the staged rows as a row ``_row, _line,
    response_id, source, a, raw, v0, lo, hi``: ``a`` is the attribute's number, ``v0`` the answer on
    the file's scale (NULL when it cannot be read), ``lo``-``hi`` the file's scale. Answers that
    mean "no answer" are left out. Two slots in the SQL: ``{first_rows}``, a LIMIT clause (the
    preview) or ""; ``{cells}``, a condition on ``raw``, ``lo`` and ``hi`` that picks the cells
    worth reading (the check reads only those that are not plain numbers on the scale) or "TRUE".

    The file is read, joined to ``_ingest_stage`` row by row (rows left out of it drop out) and
    unpivoted as the statement runs: nothing per cell is stored. Attributes read with the same
    labels and missing codes share one expression; their scales are looked up by ``a`` in lists.
    """
    p = rules.Params()
    first: dict[int, str] = {}  # rule group -> a target read with its rules
    for x in attributes:
        first.setdefault(x.group, x.target)
    if len(first) == 1:
        number = rules.number("raw", mapping, attributes[0].target, p)
        missing = rules.in_list("lower(raw)", rules.missing_for(mapping, attributes[0].target), p)
    else:
        group = _per_attribute([x.group for x in attributes], "INTEGER")
        number = f"CASE {group} " + " ".join(f"WHEN {g} THEN {rules.number('raw', mapping, t, p)}"
                                             for g, t in first.items()) + " END"
        missing = f"CASE {group} " + " ".join(
            f"WHEN {g} THEN {rules.in_list('lower(raw)', rules.missing_for(mapping, t), p)}"
            for g, t in first.items()) + " END"
    columns = ", ".join(f'c{index[x.header]} AS "{x.a}"' for x in attributes)
    source = parsed.source_sql().replace("{", "{{").replace("}", "}}")
    lo = _per_attribute([x.scale[0] for x in attributes])
    hi = _per_attribute([x.scale[1] for x in attributes])
    sql = f"""
        (SELECT * FROM (
            SELECT *, {number} AS v0 FROM (
                SELECT _row, _line, response_id, source, a, raw, {lo} AS lo, {hi} AS hi
                FROM (SELECT _row, _line, response_id, source, a::INTEGER AS a, nullif(trim(cell), '') AS raw
                      FROM (UNPIVOT (SELECT s._row, s._line, s.response_id, s.source, f.* EXCLUDE (_row)
                                     FROM (SELECT row_number() OVER () AS _row, {columns} FROM {source}
                                           {{first_rows}}) f
                                     JOIN _ingest_stage s USING (_row))
                            ON COLUMNS(* EXCLUDE (_row, _line, response_id, source)) INTO NAME a VALUE cell))
                WHERE raw IS NOT NULL)
            WHERE {{cells}})
         WHERE v0 IS NOT NULL OR NOT {missing})"""
    return sql, p.values


#: SQL: a rating that is not a plain number on its scale (only those can be problems; the check
#: reads the rest no further, which halves its time).
_NOT_PLAIN = "NOT coalesce(TRY_CAST(raw AS DOUBLE) BETWEEN lo AND hi, FALSE)"


def _per_attribute(values: list, kind: str = "DOUBLE") -> str:
    """SQL: the value for rating row ``a`` from a literal list of numbers, one per attribute
    (a constant when they are all the same: most files rate everything on one scale)."""
    if len(set(values)) == 1 and values[0] is not None:
        return f"{float(values[0])!r}::{kind}" if kind == "DOUBLE" else f"{int(values[0])}"
    listed = ", ".join("NULL" if v is None else repr(float(v)) if kind == "DOUBLE" else str(int(v)) for v in values)
    return f"([{listed}]::{kind}[])[a + 1]"


def _converted(attributes: list[_Attribute]) -> str:
    """SQL: rating ``v0`` on its stored scale (an attribute keeps its value unless a ``to`` scale is set)."""
    if not any(x.to for x in attributes):
        return "v0"
    to_lo = _per_attribute([x.to[0] if x.to else None for x in attributes])
    to_hi = _per_attribute([x.to[1] if x.to else None for x in attributes])
    return f"coalesce({to_lo} + (v0 - lo) * ({to_hi} - {to_lo}) / (hi - lo), v0)"


def _texts(attributes: list[_Attribute], what: str) -> list[str]:
    """One text per attribute (its header, stored name or range problem), bound as a VARCHAR[] and
    looked up with ``(?::VARCHAR[])[a + 1]``."""
    if what == "header":
        return [x.header for x in attributes]
    if what == "name":
        return [x.name for x in attributes]
    return [f"score out of range {x.scale[0]:g}–{x.scale[1]:g}" for x in attributes]


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


def _read_ratings(con: duckdb.DuckDBPyConnection, parsed: Parsed, sql: str, params: list):
    """Run a statement that reads the file's ratings (:func:`_ratings_sql`). A refusal of DuckDB's
    parallel reader switches the file to the serial one and is raised for :func:`_serial_retry`;
    any other reading error becomes an IngestError."""
    try:
        return con.execute(sql, params)
    except duckdb.Error as exc:
        if not parsed.serial and "parallel=false" in str(exc):
            parsed.serial = True
            raise
        raise parsed.read_error(exc) from None


def _find_problems(con: duckdb.DuckDBPyConnection, parsed: Parsed, plan: _Plan, mapping: Mapping,
                   replace: bool) -> None:
    """Fill ``_ingest_problems`` (line, column, value, reason)."""
    checks = list(plan.checks)
    params = list(plan.check_params)
    h = mapping.targets().get("response_id", "(row id)")
    checks.append(
        "SELECT s._line, ?, s.response_id, 'duplicate id in this file (first on line ' || d.first || ')' "
        "FROM _ingest_stage s "
        "JOIN (SELECT source, response_id, min(_line) AS first FROM _ingest_stage "
        "WHERE response_id IS NOT NULL GROUP BY ALL HAVING count(*) > 1) d USING (source, response_id) "
        "WHERE s._line > d.first")
    params.append(h)
    if not replace:
        checks.append(
            # Join first, then group only the matches (not every loaded response on each upload).
            "SELECT s._line, ?, s.response_id, 'already loaded (upload ' || coalesce(min(t.upload_id), 'none') "
            f"|| ')' FROM _ingest_stage s JOIN {plan.table} t USING (source, response_id) "
            "GROUP BY s._line, s.response_id")
        params.append(h)
    con.execute("DROP TABLE IF EXISTS _ingest_problems")
    con.execute("CREATE TEMP TABLE _ingest_problems (line BIGINT, \"column\" VARCHAR, value VARCHAR, reason VARCHAR)")
    con.execute("INSERT INTO _ingest_problems " + " UNION ALL ".join(checks), params)
    if plan.attributes:
        ratings = plan.ratings.format(first_rows="", cells=_NOT_PLAIN)
        _read_ratings(con, parsed,
                      "INSERT INTO _ingest_problems SELECT _line, (?::VARCHAR[])[a + 1], raw, CASE WHEN v0 IS NULL "
                      "THEN 'not a number or a known answer' ELSE (?::VARCHAR[])[a + 1] END "
                      f"FROM {ratings} WHERE v0 IS NULL OR v0 < lo OR v0 > hi",
                      [_texts(plan.attributes, "header"), _texts(plan.attributes, "reason"), *plan.ratings_params])


def _problem_list(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], int, int, dict[str, int]]:
    count, lines = con.execute("SELECT count(*), count(DISTINCT line) FROM _ingest_problems").fetchone()
    rows = con.execute(f"SELECT line, \"column\", value, reason FROM _ingest_problems "
                       f"ORDER BY line, \"column\", reason LIMIT {MAX_LISTED}").fetchall()
    reasons = con.execute("SELECT regexp_replace(reason, ' \\(.*\\)$', '') AS r, count(*) FROM _ingest_problems "
                          "GROUP BY r ORDER BY 2 DESC").fetchall()
    problems = [{"line": int(a), "column": b, "value": c, "reason": d} for a, b, c, d in rows]
    return problems, int(count), int(lines), {r: int(n) for r, n in reasons}


def _all_loaded_before(problems: list[dict], by_reason: dict[str, int], bad_lines: int, total: int) -> str | None:
    """The message when every row of the file was loaded before (a re-export), else None."""
    if not total or bad_lines != total or set(by_reason) != {"already loaded"}:
        return None
    uploads = sorted({p["reason"][len("already loaded ("):-1] for p in problems})
    listed = ", ".join(uploads[:3]) + (f" and {len(uploads) - 3} more" if len(uploads) > 3 else "")
    return f"nothing loaded: all {total:,} rows were already loaded ({listed})"


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


def _preview(con: duckdb.DuckDBPyConnection, plan: _Plan, mapping: Mapping, key: bytes | None) -> pd.DataFrame:
    """The first PREVIEW_ROWS staged rows as they would be stored, one column per attribute."""
    preview = con.execute(f"SELECT _line AS line, _row, {', '.join(_select_final(plan, mapping, key))} "
                          f"FROM _ingest_stage ORDER BY _line LIMIT {PREVIEW_ROWS}").df()
    if plan.attributes and len(preview):
        first = plan.ratings.format(first_rows=f"LIMIT {int(preview['_row'].max())}", cells="TRUE")
        ratings = con.execute(f"SELECT _row, a, {_converted(plan.attributes)} AS score FROM {first} "
                              "WHERE v0 IS NOT NULL", plan.ratings_params).df()
        wide = ratings.pivot(index="_row", columns="a", values="score") if len(ratings) else pd.DataFrame()
        wide = wide.reindex(columns=[x.a for x in plan.attributes])
        wide.columns = [f"attribute: {x.name}" for x in plan.attributes]
        preview = preview.join(wide, on="_row")
    return preview.drop(columns="_row")


def _people(con: duckdb.DuckDBPyConnection, plan: _Plan, key: bytes) -> None:
    """Pseudonyms of the file's distinct person ids, hashed once each (people answer repeatedly)."""
    con.execute("DROP TABLE IF EXISTS _ingest_people")
    con.execute(f"CREATE TEMP TABLE _ingest_people AS SELECT raw, {pseudonym.sql('raw', key)} AS p FROM "
                f"(SELECT DISTINCT {plan.person}_raw AS raw FROM _ingest_stage WHERE {plan.person}_raw IS NOT NULL)")


def _target_columns(plan: _Plan, mapping: Mapping) -> list[str]:
    cols = list(plan.columns) + [t for t in F.SCORES[plan.kind] if t in mapping.targets()]
    return cols + ([plan.person] if plan.person else [])


def _insert(con: duckdb.DuckDBPyConnection, parsed: Parsed, plan: _Plan, mapping: Mapping, upload_id: str,
            progress: Progress | None) -> int:
    """Insert the staged rows in batches of BATCH_ROWS records, then their ratings; rows inserted.
    ``progress`` hears the file's rows done (of ``plan.rows``) after each batch."""
    cols = _target_columns(plan, mapping)
    last = int(con.execute("SELECT coalesce(max(_row), 0) FROM _ingest_stage").fetchone()[0])
    loaded = 0
    for start in range(0, last, BATCH_ROWS):
        loaded += con.execute(
            f"INSERT INTO {plan.table} ({', '.join(cols)}, upload_id) "
            f"SELECT {', '.join(_select_final(plan, mapping, None))}, ? FROM _ingest_stage "
            f"WHERE _row > {start} AND _row <= {start + BATCH_ROWS}", [upload_id]).fetchone()[0]
        if progress:  # _row counts blank rows too
            progress(plan.rows * min(start + BATCH_ROWS, last) // last, plan.rows, "loading")
    if plan.attributes:  # one pass over the file: each pass reads and unpivots every rating
        scale_max = _per_attribute([(x.to or x.scale)[1] for x in plan.attributes])
        _read_ratings(con, parsed,
                      "INSERT INTO attribute_ratings (response_id, kind, attribute, score, scale_max, source, upload_id) "
                      f"SELECT response_id, ?, (?::VARCHAR[])[a + 1], {_converted(plan.attributes)}, {scale_max}, "
                      f"source, ? FROM {plan.ratings.format(first_rows='', cells='TRUE')} WHERE v0 IS NOT NULL",
                      [plan.kind, _texts(plan.attributes, "name"), upload_id, *plan.ratings_params])
    return loaded


def _drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    """The staged rows hold raw person ids: they do not outlive the load in the session."""
    for table in ("_ingest_people", "_ingest_stage", "_ingest_problems"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


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
def validate(con: duckdb.DuckDBPyConnection, parsed: Parsed, mapping: Mapping, *, replace: bool = False,
             progress: Progress | None = None) -> Report:
    """Check every row against ``mapping`` without loading anything.

    Returns the row count, problems (line, column, value, reason), counts per reason, a
    preview of the first mapped rows (person ids already pseudonymised), the scale rules
    applied and notices (e.g. the same file was loaded before: ``duplicate_of``).
    ``progress(rows_done, total, stage)`` is called as it goes, last with done == total.
    """
    if progress:
        progress(0, None, "reading")
    con.execute("BEGIN TRANSACTION")
    try:
        plan = _stage(con, parsed, mapping)
        if progress:
            progress(0, plan.rows, "checking")
        _find_problems(con, parsed, plan, mapping, replace)
        problems, count, lines, reasons = _problem_list(con)
        warnings = _warnings(con, parsed, plan, mapping, date.today())
        key = pseudonym.load_key() if plan.person else None
        preview = _preview(con, plan, mapping, key)
        dup = _already(con, parsed.sha256)
    finally:
        con.execute("ROLLBACK")
    notices = [*parsed.notices, *mapping.notices, *plan.notices]
    if dup:
        notices.append(f"this exact file was already loaded as upload {dup[0]} on {dup[1]:%Y-%m-%d %H:%M}")
    elif again := _all_loaded_before(problems, reasons, lines, plan.rows):
        notices.append(again.replace("nothing loaded: all", "every one of the", 1)
                       .replace(" rows were", " rows was", 1) + ": loading it adds nothing")
    if progress:
        progress(plan.rows, plan.rows, "checked")
    return Report(plan.rows, problems, count, lines, reasons, preview, plan.rules, notices,
                  dup[0] if dup else None, warnings)


@_serial_retry
def load(con: duckdb.DuckDBPyConnection, parsed: Parsed, mapping: Mapping, *, on_error: str = "reject",
         actor: str, dry_run: bool = False, replace: bool = False, progress: Progress | None = None) -> Result:
    """Validate and load ``parsed`` in one transaction.

    ``on_error="reject"`` loads nothing when any problem is found; ``"skip"`` loads the other
    rows and reports the skipped ones. Rows whose (source, response_id) is already loaded are
    problems ("already loaded"), unless ``replace`` deletes the earlier rows first; when every
    row was loaded before (a re-export), nothing is loaded and the message says so. The same
    file (sha256) twice loads nothing. ``dry_run`` does everything and rolls back.
    ``progress(rows_done, total, stage)`` is called as it goes, last with done == total.
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
    if progress:
        progress(0, None, "reading")
    con.execute("BEGIN TRANSACTION")
    try:
        plan = _stage(con, parsed, mapping)
        total = plan.rows
        if progress:
            progress(0, total, "checking")
        _find_problems(con, parsed, plan, mapping, replace)
        problems, count, bad_lines, reasons = _problem_list(con)
        notices = [*parsed.notices, *mapping.notices, *plan.notices, *plan.rules]
        warnings = _warnings(con, parsed, plan, mapping, date.today())
        again = _all_loaded_before(problems, reasons, bad_lines, total)
        if again or (count and on_error == "reject"):
            con.execute("ROLLBACK")
            if progress:
                progress(total, total, "checked")
            if again:
                return Result(None, 0, total, problems, count, dry_run, False, again, notices, warnings)
            return Result(None, 0, 0, problems, count, dry_run, True,
                          f"rejected: {count} problem(s) on {bad_lines} of {total} rows; nothing loaded "
                          "(fix them, or load with on_error=skip to leave those rows out)", notices, warnings)
        key = pseudonym.load_key() if plan.person else None
        if count:  # skip: leave the problem lines out
            con.execute("DELETE FROM _ingest_stage WHERE _line IN (SELECT line FROM _ingest_problems)")
        if replace and plan.kind == "cx":  # the replaced rows leave the rollup cells with them
            rollup.add(con, "(source, response_id) IN (SELECT source, response_id FROM _ingest_stage)", [], -1)
        if replace:
            con.execute("DELETE FROM attribute_ratings WHERE kind = ? AND (source, response_id) IN "
                        "(SELECT source, response_id FROM _ingest_stage)", [plan.kind])
            con.execute(f"DELETE FROM {plan.table} WHERE (source, response_id) IN "
                        "(SELECT source, response_id FROM _ingest_stage)")
        if plan.person:
            _people(con, plan, key)
        loaded = _insert(con, parsed, plan, mapping, upload_id, progress)
        if plan.kind == "ex":
            ex_guard.refresh(con)  # the published reporting cells, in the load's transaction
        voc.score_missing(con, upload_id)  # sentiment of the new comments, once each
        if plan.kind == "cx":  # the loaded rows join the rollup cells (with their sentiment), in the transaction
            rollup.add(con, "upload_id = ?", [upload_id])
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
        _drop_staging(con)
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
    if progress:
        progress(total, total, "loaded")
    message = (f"dry run: {loaded} rows would be loaded, {skipped} skipped; nothing was written" if dry_run
               else f"loaded {loaded} rows as upload {upload_id}" + (f", skipped {skipped}" if skipped else ""))
    return Result(None if dry_run else upload_id, int(loaded), skipped, problems, count, dry_run, False,
                  message, notices, warnings)


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
        rollup.add(con, "upload_id = ?", [upload_id], -1)  # the rows leave the rollup cells with them
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
