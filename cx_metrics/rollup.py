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
        self.time_expr = "submitted_at::DATE" if grain == "day" else "date_trunc('month', submitted_at)::DATE"


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
#: The employee cells: one row per anonymity reporting cell and month (ex_guard's ``ex_reporting`` summed).
EX = "ex_rollup"
EX_DIMS = ("population", "business_unit", "department", "tenure_band")
EX_MEASURES = {
    "enps__n": "count(enps)", "enps__k": "count_if(enps >= 9)", "enps__d": "count_if(enps <= 6)",
    "engagement__n": "count(engagement)", "engagement__k": "count_if(engagement >= 4)",
    "satisfaction__n": "count(satisfaction)", "satisfaction__k": "count_if(satisfaction >= 4)",
}
#: Bumped when the cells' definition changes, so stored cells are rebuilt.
RULE_VERSION = 2
_META = "cx_rollup"


def _ddl(table: str, time_col: str, dims: tuple[str, ...]) -> str:
    cols = ", ".join([f"{time_col} DATE", *(f"{d} VARCHAR" for d in dims), "responses BIGINT",
                      *(f"{m} {_TYPES.get(m, 'BIGINT')}" for m in MEASURES)])
    return f"CREATE TABLE {table} ({cols});"


SCHEMA_SQL = ("\n".join(_ddl(c.table, c.grain, c.dims) for c in CELLS) + "\n"
              + f"CREATE TABLE {EX} (month DATE, {', '.join(f'{d} VARCHAR' for d in EX_DIMS)}, responses BIGINT, "
              + ", ".join(f"{m} BIGINT" for m in EX_MEASURES) + ");")


def refresh_ex(con: duckdb.DuckDBPyConnection, reporting: str) -> None:
    """Rebuild the employee cells from the anonymity guard's ``reporting`` table (each response labelled
    by its reporting cell). Called by :func:`cx_metrics.ex_guard.refresh` in the same transaction, so the
    cells sum exactly the responses every employee figure may count."""
    keys = ", ".join(EX_DIMS)
    con.execute(f"DELETE FROM {EX}")
    con.execute(f"INSERT INTO {EX} SELECT month, {keys}, count(*) AS responses, "
                + ", ".join(f"{e} AS {n}" for n, e in EX_MEASURES.items())
                + f" FROM {reporting} GROUP BY month, {keys}")


def _insert(table: str, time_expr: str, dims: tuple[str, ...], where: str) -> str:
    aggs = ", ".join(f"{e} AS {n}" for n, e in MEASURES.items())
    keys = ", ".join(dims)
    return (f"INSERT INTO {table} SELECT {time_expr} AS t, {keys}, count(*) AS responses, {aggs}"
            f" FROM cx_responses WHERE {where} GROUP BY t, {keys}")


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every cell from ``cx_responses`` (the demo build, and :func:`ensure_fresh`)."""
    for cells in CELLS:
        con.execute(f"DELETE FROM {cells.table}")
        con.execute(_insert(cells.table, cells.time_expr, cells.dims, "submitted_at IS NOT NULL"))
    con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [_META, _fingerprint(con)])


def add(con: duckdb.DuckDBPyConnection, where: str, params: list, sign: int = 1) -> int:
    """Add (``sign`` 1) or take away (-1) the ``cx_responses`` rows matching ``where`` to every cell, and
    to the fingerprint; returns how many rows. Call it in the transaction that changes the rows: after
    inserting them, or before deleting them.

    The cells are sums, so a load costs what its own rows cost, whatever the database holds: the rows'
    sums are merged into the cells of the days they touch, and cells left with no response go.
    """
    if sign not in (1, -1):
        raise ValueError("sign is 1 or -1")
    n, digest = con.execute(f"SELECT count(*), coalesce(sum({_ROW_HASH}), 0) FROM cx_responses WHERE {where}",
                            params).fetchone()
    if not n:
        return 0
    measures = ["responses", *MEASURES]
    for cells in CELLS:
        keys = ", ".join(cells.dims)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_delta AS SELECT {cells.time_expr} AS t, {keys}, "
                    f"{sign} * count(*) AS responses, "
                    + ", ".join(f"{sign} * {e} AS {m}" for m, e in MEASURES.items())
                    + f" FROM cx_responses WHERE {where} GROUP BY t, {keys}", params)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_merged AS SELECT t, {keys}, "
                    + ", ".join(f"sum({m})::{_TYPES.get(m, 'BIGINT')} AS {m}" for m in measures)
                    + f" FROM (SELECT {cells.grain} AS t, {keys}, {', '.join(measures)} FROM {cells.table}"
                    f" WHERE {cells.grain} IN (SELECT DISTINCT t FROM _rollup_delta)"
                    f" UNION ALL SELECT * FROM _rollup_delta) GROUP BY t, {keys} HAVING sum(responses) <> 0")
        con.execute(f"DELETE FROM {cells.table} WHERE {cells.grain} IN (SELECT DISTINCT t FROM _rollup_delta)")
        con.execute(f"INSERT INTO {cells.table} SELECT * FROM _rollup_merged")
    con.execute("DROP TABLE _rollup_delta")
    con.execute("DROP TABLE _rollup_merged")
    stored = _stored(con)
    if stored and stored.startswith(f"v{RULE_VERSION}:"):
        _, count, total = stored.split(":")
        fingerprint = f"v{RULE_VERSION}:{int(count) + sign * n}:{int(total) + sign * int(digest)}"
    else:  # cells of an older rule: rebuild them all
        refresh(con)
        return n
    con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [_META, fingerprint])
    return n


def _count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM cx_responses").fetchone()[0]


#: A row's hash over every column the cells read; the fingerprint sums it (so loads can add to it).
_ROW_HASH = "hash(submitted_at, business_unit, region, channel, segment, journey_stage, nps, csat, ces)"


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """The rule, the row count and the sum of the rows' hashes: what the cells were built from."""
    count, digest = con.execute(f"SELECT count(*), coalesce(sum({_ROW_HASH}), 0) FROM cx_responses").fetchone()
    return f"v{RULE_VERSION}:{count}:{digest}"


def _stored(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute(f"SELECT value FROM meta WHERE key = '{_META}'").fetchone()
    except duckdb.CatalogException:  # a database older than the rollups
        return None
    return row[0] if row else None


def usable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the cells may answer: built by this rule from as many rows as the table has now.

    Cheap (a row count), so every query can ask: rows inserted or deleted by hand behind :func:`refresh`
    change the count, and readers then fall back to the rows until a writable connection rebuilds the
    cells. (Scores *updated* by hand keep the count; :func:`ensure_fresh`'s hash catches those when a
    writable connection opens, as :func:`cx_metrics.ex_guard.ensure_fresh` does for employee rows.)
    """
    try:  # one statement: every query asks
        stored, count = con.execute(f"SELECT (SELECT value FROM meta WHERE key = '{_META}'),"
                                    " (SELECT count(*) FROM cx_responses)").fetchone()
    except duckdb.CatalogException:  # a database older than the rollups
        return False
    return bool(stored) and stored.startswith(f"v{RULE_VERSION}:{count}:")


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


def source(needed: Iterable[str], whole_months: bool) -> tuple[str, str] | None:
    """(table, its time column) of the smallest cells that can answer a query reading columns ``needed``
    (filters and breakdowns), or None for the rows. ``whole_months``: every period is whole calendar
    months and any trend is monthly or coarser (so monthly cells can answer)."""
    needed = set(needed)
    for cells in CELLS:
        if needed <= set(cells.dims) and (cells.grain == "day" or whole_months):
            return cells.table, cells.grain
    return None
