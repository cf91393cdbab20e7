"""Rollups: customer responses summed into additive cells, so a page reads cells, not millions of rows.

Three tables hold the same counts at different grains (the smallest that can answer is read):

* ``cx_rollup_month_small``: calendar month x business unit x region x journey stage: whole-month
  periods and monthly or quarterly trends, filtered or broken down by those three columns (the
  default views of the overview, units and journey pages).
* ``cx_rollup_day``: day x business unit x region x journey stage. It answers any period, any trend grain
  (week, month, quarter) and any filter or breakdown on those three columns.
* ``cx_rollup_month``: calendar month x all five dimensions (adds channel and segment). It answers
  whole-month periods with monthly or quarterly trends under any filter.
* ``ex_rollup``: the employee figures' reporting cells (month x population x unit x department x
  tenure band, as :mod:`cx_metrics.ex_guard` publishes them), summed. Every employee figure is a union
  of reporting cells, so it reads these sums and nothing finer.

Each cell holds, for every scale, the count of answers, the count of favourable answers (promoters for
NPS), detractors for NPS, and for CES the sum and sum of squares: :data:`MEASURES`, the same aggregates
:func:`cx_metrics.kpis._aggregates` computes from the rows (a test keeps the two equal). Every KPI,
interval and test is a function of these sums, so an answer from the cells equals the answer from the
rows exactly, not approximately (a test checks it over a grid of filters and periods).

**Kept in step.** :func:`add` adds a load's rows to the cells (and takes an undo's or a replace's rows
away) inside the transaction that changes the rows, so readers never see rows without their cells, and a
load costs what its own rows cost; :func:`refresh` rebuilds every cell (the demo build). A
connection that opens the database writable rebuilds them when ``cx_responses`` changed behind their
back (:func:`ensure_fresh`), and :func:`usable` lets a reader use them only while their row count still
equals the table's; otherwise :mod:`cx_metrics.kpis` falls back to the rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from . import ex_guard, taxonomy
from .sentiment import NEGATIVE
from .txn import transaction

DAY = "cx_rollup_day"
MONTH = "cx_rollup_month"
SMALL = "cx_rollup_month_small"
DAY_DIMS = ("business_unit", "region", "journey_stage")
MONTH_DIMS = ("business_unit", "region", "channel", "segment", "journey_stage")


class Cells:
    """One table of cells: its name, time grain (``day`` or ``month``) and dimensions."""

    def __init__(self, table: str, grain: str, dims: tuple[str, ...]):
        self.table, self.grain, self.dims = table, grain, dims
        self.time_expr = self.of_day("submitted_at")

    def of_day(self, day: str) -> str:
        """The cell's time (its grain) of the date or timestamp ``day``."""
        return f"{day}::DATE" if self.grain == "day" else f"date_trunc('month', {day})::DATE"


#: Every customer cell table, smallest first: the first that can answer a query answers it.
CELLS = (Cells(SMALL, "month", DAY_DIMS), Cells(DAY, "day", DAY_DIMS), Cells(MONTH, "month", MONTH_DIMS))
#: Cell column -> its aggregate over the rows. Names are kpis._aggregates' names.
MEASURES = {
    "nps__n": "count(nps)", "nps__k": "count_if(nps >= 9)", "nps__d": "count_if(nps <= 6)",
    "csat__n": "count(csat)", "csat__k": "count_if(csat >= 4)",
    "ces__n": "count(ces)", "ces__k": "count_if(ces >= 5)", "ces__s": "sum(ces)",
    "ces__ss": "sum(ces::DOUBLE * ces)",
}
_TYPES = {"ces__ss": "DOUBLE", "ces__s": "HUGEINT"}
#: The employee cells: :mod:`cx_metrics.ex_guard` builds them with its reporting cells (the names here are
#: the guard's, so the KPIs find them beside the customer cells).
EX, EX_DIMS, EX_MEASURES = ex_guard.ROLLUP, ex_guard.ROLLUP_DIMS, ex_guard.ROLLUP_MEASURES
#: Per cell, the responses with a comment: what a theme's share of comments is a share of.
COMMENTS = "count_if(comment IS NOT NULL AND trim(comment) <> '')"
#: Theme cells (one per cell table, with a ``theme`` column): over the customer comments of a cell that
#: mention a theme, the mentions, their sentiment (count, sum in millionths, negatives) and the NPS
#: answers of the responses that wrote them. Rows: the matches of :func:`_matched`.
THEME_MEASURES = {
    "mentions": "count(*)", "sentiment_n": "count(compound)",
    "sentiment_s": "sum(round(compound * 1000000)::BIGINT)", "negative": f"count_if(compound <= {NEGATIVE})",
    "nps__n": "count(nps)", "nps__k": "count_if(nps >= 9)", "nps__d": "count_if(nps <= 6)",
}
_THEME_TYPES = {m: "HUGEINT" if m == "sentiment_s" else "BIGINT" for m in THEME_MEASURES}
#: The customer ratings, each beside its response's day, dimensions and outcomes: what a driver analysis
#: reads (a filtered scan instead of a join of millions of responses with millions of ratings). Every
#: customer rating has a row; one whose response is missing has a NULL day, so no period holds it.
RATED = "cx_rated"


def rated_select(responses: str | None = None) -> str:
    """SQL for the rated table's rows: every customer rating, or the ratings of the responses in the
    relation ``responses`` (the rows of a load, say: source, response_id, submitted_at, the dimensions,
    nps and csat)."""
    ratings = ""
    if responses:
        ratings = f" AND (a.source, a.response_id) IN (SELECT source, response_id FROM {responses})"
    responses = responses or "cx_responses"
    return ("SELECT r.submitted_at::DATE AS day, r.business_unit, r.region, r.channel, r.segment,"
            " r.journey_stage, a.source, a.response_id, r.nps, r.csat, a.attribute,"
            " a.score"
            f" FROM {ex_guard.customer_ratings()} a LEFT JOIN {responses} r"
            " ON r.response_id = a.response_id AND r.source IS NOT DISTINCT FROM a.source"
            f" WHERE TRUE{ratings}")


#: Bumped when the cells' definition changes, so stored cells are rebuilt.
RULE_VERSION = 3
_META = "cx_rollup"


def _ddl(table: str, time_col: str, dims: tuple[str, ...]) -> str:
    cols = ", ".join([f"{time_col} DATE", *(f"{d} VARCHAR" for d in dims), "responses BIGINT",
                      *(f"{m} {_TYPES.get(m, 'BIGINT')}" for m in MEASURES)])
    return f"CREATE TABLE {table} ({cols});"


SCHEMA_SQL = ("\n".join(_ddl(c.table, c.grain, c.dims) for c in CELLS) + "\n"
              + f"CREATE TABLE {EX} (month DATE, {', '.join(f'{d} VARCHAR' for d in EX_DIMS)}, responses BIGINT, "
              + ", ".join(f"{m} BIGINT" for m in EX_MEASURES) + ");")


def themes_table(cells: Cells) -> str:
    """The theme cells beside ``cells``: the same time grain and dimensions, and a theme."""
    return f"{cells.table}_themes"


#: Migration 8: comment counts in the cells, the theme cells and the rated table (filled by
#: :func:`ensure_fresh`, as the rule version changed).
SCHEMA_V8_SQL = "\n".join(
    [f"ALTER TABLE {c.table} ADD COLUMN comments BIGINT;" for c in CELLS]
    + [f"CREATE TABLE {themes_table(c)} ({c.grain} DATE, {', '.join(f'{d} VARCHAR' for d in c.dims)},"
       f" theme VARCHAR, " + ", ".join(f"{m} {kind}" for m, kind in _THEME_TYPES.items()) + ");" for c in CELLS]
    + [f"CREATE TABLE {RATED} (day DATE, business_unit VARCHAR, region VARCHAR, channel VARCHAR,"
       " segment VARCHAR, journey_stage VARCHAR, source VARCHAR, response_id VARCHAR, nps TINYINT,"
       " csat TINYINT, attribute VARCHAR, score DOUBLE);"])


def _columns(cells: Cells) -> list[str]:
    return [cells.grain, *cells.dims, "responses", *MEASURES, "comments"]


def _sums(sign: int, relation: str = "cx_responses") -> str:
    """The select list of every cell measure over the rows of ``relation`` (times ``sign``)."""
    return (f"{sign} * count(*) AS responses, " + ", ".join(f"{sign} * {e} AS {m}" for m, e in MEASURES.items())
            + f", {sign} * {COMMENTS} AS comments FROM {relation}")


def _matched(con: duckdb.DuckDBPyConnection, relation: str = "cx_responses") -> None:
    """``_theme_rows``: the theme cell measures of the rows of ``relation``, by day, all five dimensions
    and theme (each distinct comment matched once against the taxonomy's patterns)."""
    patterns = taxonomy.theme_patterns(con, "cx")
    found, found_params = taxonomy.matches(patterns, "comments")
    keys = ", ".join(MONTH_DIMS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _theme_rows AS
            WITH rows AS (SELECT submitted_at::DATE AS day, {keys}, comment, nps FROM {relation}
                          WHERE comment IS NOT NULL AND trim(comment) <> ''),
                 comments AS (SELECT DISTINCT comment FROM rows),
                 hits AS (SELECT m.comment, m.theme, s.compound FROM ({found}) m
                          LEFT JOIN comment_sentiment s ON s.comment_hash = md5(m.comment))
            SELECT day, {keys}, theme, """ + ", ".join(f"{e} AS {m}" for m, e in THEME_MEASURES.items())
        + " FROM rows JOIN hits USING (comment) WHERE day IS NOT NULL GROUP BY ALL", found_params)


def _theme_cells(cells: Cells, sign: int) -> str:
    """The select list of ``cells``' theme cells from ``_theme_rows`` (times ``sign``)."""
    keys = ", ".join(cells.dims)
    return (f"SELECT {cells.of_day('day')} AS t, {keys}, theme, " + ", ".join(f"{sign} * sum({m}) AS {m}" for m in THEME_MEASURES)
            + f" FROM _theme_rows GROUP BY t, {keys}, theme")


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every cell, theme cell and the rated table from the rows (the demo build, and
    :func:`ensure_fresh`). Call it after the comments' sentiment is scored (``voc.score_missing``)."""
    for cells in CELLS:
        keys = ", ".join(cells.dims)
        con.execute(f"DELETE FROM {cells.table}")
        con.execute(f"INSERT INTO {cells.table} ({', '.join(_columns(cells))}) SELECT {cells.time_expr} AS t, "
                    f"{keys}, {_sums(1)} WHERE submitted_at IS NOT NULL GROUP BY t, {keys}")
    refresh_themes(con)
    con.execute(f"DELETE FROM {RATED}")
    con.execute(f"INSERT INTO {RATED} {rated_select()}")
    con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [_META, _fingerprint(con)])


def refresh_themes(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the theme cells: after the taxonomy changed, or comments got their sentiment late."""
    _matched(con)
    for cells in CELLS:
        con.execute(f"DELETE FROM {themes_table(cells)}")
        con.execute(f"INSERT INTO {themes_table(cells)} {_theme_cells(cells, 1)}")
    con.execute("DROP TABLE _theme_rows")


def _merge(con: duckdb.DuckDBPyConnection, table: str, time: str, keys: list[str], measures: dict[str, str]) -> None:
    """Add the cells of ``_delta`` (columns t, ``keys``, ``measures``) to ``table``: the touched days' or months'
    cells are summed with the delta's and written back; cells left with nothing go (the first measure is 0)."""
    names = ", ".join(keys)
    first = next(iter(measures))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _merged AS SELECT t, {names}, "
                + ", ".join(f"sum({m})::{kind} AS {m}" for m, kind in measures.items())
                + f" FROM (SELECT {time} AS t, {names}, {', '.join(measures)} FROM {table}"
                f" WHERE {time} IN (SELECT DISTINCT t FROM _delta)"
                f" UNION ALL SELECT t, {names}, {', '.join(measures)} FROM _delta)"
                f" GROUP BY t, {names} HAVING sum({first}) <> 0")
    con.execute(f"DELETE FROM {table} WHERE {time} IN (SELECT DISTINCT t FROM _delta)")
    con.execute(f"INSERT INTO {table} ({time}, {names}, {', '.join(measures)}) SELECT * FROM _merged")


def add(con: duckdb.DuckDBPyConnection, where: str, params: list, sign: int = 1) -> int:
    """Add (``sign`` 1) or take away (-1) the ``cx_responses`` rows matching ``where`` to every cell, theme
    cell and the rated table, and to the fingerprint; returns how many rows. Call it in the transaction that
    changes the rows: after inserting them (and their ratings, and scoring their comments), or before
    deleting them.

    The cells are sums, so a load costs what its own rows cost, whatever the database holds: the rows'
    sums are merged into the cells of the days they touch, and cells left with no response go.
    """
    if sign not in (1, -1):
        raise ValueError("sign is 1 or -1")
    # The rows, once: every step below reads them, not the table (a load's few rows in millions).
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rows AS SELECT source, response_id, submitted_at, "
                f"{', '.join(MONTH_DIMS)}, nps, csat, ces, comment FROM cx_responses WHERE {where}", params)
    try:
        return _add_rows(con, sign)
    finally:
        for table in ("_rows", "_fine", "_delta", "_merged", "_theme_rows"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _add_rows(con: duckdb.DuckDBPyConnection, sign: int) -> int:
    """:func:`add` of the rows in ``_rows``."""
    n, digest = con.execute(f"SELECT count(*), coalesce(sum({_ROW_HASH}), 0) FROM _rows").fetchone()
    if not n:
        return 0
    stored = _stored(con)
    if not (stored and stored.startswith(f"v{RULE_VERSION}:")):  # cells of an older rule: rebuild them all
        refresh(con)
        return n
    # Summed by day and all five dimensions once; each cell table's delta sums those.
    keys = ", ".join(MONTH_DIMS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _fine AS SELECT submitted_at::DATE AS day, {keys}, "
                f"{_sums(sign, '_rows')} WHERE submitted_at IS NOT NULL GROUP BY ALL")
    types = {"responses": "BIGINT", **{m: _TYPES.get(m, "BIGINT") for m in MEASURES}, "comments": "BIGINT"}
    for cells in CELLS:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _delta AS SELECT {cells.of_day('day')} AS t, {', '.join(cells.dims)}, "
                    + ", ".join(f"sum({m}) AS {m}" for m in types) + " FROM _fine GROUP BY ALL")
        _merge(con, cells.table, cells.grain, list(cells.dims), types)
    _matched(con, "_rows")
    for cells in CELLS:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _delta AS {_theme_cells(cells, sign)}")
        _merge(con, themes_table(cells), cells.grain, [*cells.dims, "theme"], _THEME_TYPES)
    before = con.execute(f"SELECT count(*) FROM {RATED}").fetchone()[0]
    if sign == 1:
        con.execute(f"INSERT INTO {RATED} {rated_select('_rows')}")
    else:
        con.execute(f"DELETE FROM {RATED} WHERE (source, response_id) IN (SELECT source, response_id FROM _rows)")
    rated = con.execute(f"SELECT count(*) FROM {RATED}").fetchone()[0] - before
    _, count, ratings, total = stored.split(":")
    fingerprint = f"v{RULE_VERSION}:{int(count) + sign * n}:{int(ratings) + rated}:{int(total) + sign * int(digest)}"
    con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [_META, fingerprint])
    return n


#: A row's hash over every column the cells read; the fingerprint sums it (so loads can add to it).
_ROW_HASH = "hash(submitted_at, business_unit, region, channel, segment, journey_stage, nps, csat, ces)"


#: The customer ratings the rated table holds (a rating without a score is not counted).
_RATINGS = f"SELECT count(*) FROM {ex_guard.customer_ratings()}"


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """The rule, the row and rating counts and the sum of the rows' hashes: what the cells were built from."""
    count, digest = con.execute(f"SELECT count(*), coalesce(sum({_ROW_HASH}), 0) FROM cx_responses").fetchone()
    ratings = con.execute(_RATINGS).fetchone()[0]
    return f"v{RULE_VERSION}:{count}:{ratings}:{digest}"


def _stored(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute(f"SELECT value FROM meta WHERE key = '{_META}'").fetchone()
    except duckdb.CatalogException:  # a database older than the rollups
        return None
    return row[0] if row else None


def usable(con: duckdb.DuckDBPyConnection, ratings: bool = False) -> bool:
    """Whether the cells may answer: built by this rule from as many rows as the table has now
    (``ratings``: and the rated table from as many customer ratings as there are now).

    Cheap (a row count), so every query can ask: rows inserted or deleted by hand behind :func:`refresh`
    change the count, and readers then fall back to the rows until a writable connection rebuilds the
    cells. (Scores *updated* by hand keep the count; :func:`ensure_fresh`'s hash catches those when a
    writable connection opens, as :func:`cx_metrics.ex_guard.ensure_fresh` does for employee rows.)
    Counting the ratings scans them, so only the driver analysis, which reads the rated table, asks.
    """
    counts = ", (SELECT count(*) FROM cx_responses)" + (f", ({_RATINGS})" if ratings else "")
    try:  # one statement: every query asks
        stored, *count = con.execute(f"SELECT (SELECT value FROM meta WHERE key = '{_META}'){counts}").fetchone()
    except duckdb.CatalogException:  # a database older than the rollups
        return False
    return bool(stored) and stored.startswith(":".join([f"v{RULE_VERSION}", *map(str, count)]) + ":")


def ensure_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild every cell (in a transaction) unless they were built from exactly the rows there now
    (same rule, count and hash); True when it rebuilt."""
    if _stored(con) == _fingerprint(con):
        return False
    with transaction(con):
        refresh(con)
    return True


def ex_usable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the employee cells exist (a database older than them has none until its guard rebuilds)."""
    try:
        return con.execute(f"SELECT EXISTS (SELECT 1 FROM {EX})").fetchone()[0]
    except duckdb.CatalogException:
        return False


def themes_built(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the theme cells hold anything (a database being built has none until :func:`refresh`)."""
    return con.execute(f"SELECT EXISTS (SELECT 1 FROM {themes_table(CELLS[0])})").fetchone()[0]


def theme_source(needed: Iterable[str], whole_months: bool) -> tuple[str, str, str] | None:
    """(cell table, its theme cells, their time column) of the smallest cells that can answer a theme
    query reading columns ``needed``, or None for the rows (as :func:`source`)."""
    found = source(needed, whole_months)
    if found is None:
        return None
    cells = next(c for c in CELLS if c.table == found[0])
    return cells.table, themes_table(cells), cells.grain


def source(needed: Iterable[str], whole_months: bool) -> tuple[str, str] | None:
    """(table, its time column) of the smallest cells that can answer a query reading columns ``needed``
    (filters and breakdowns), or None for the rows. ``whole_months``: every period is whole calendar
    months and any trend is monthly or coarser (so monthly cells can answer)."""
    needed = set(needed)
    for cells in CELLS:
        if needed <= set(cells.dims) and (cells.grain == "day" or whole_months):
            return cells.table, cells.grain
    return None
