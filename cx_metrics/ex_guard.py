"""The EX guard: the one door to employee, supplier and vendor data.

No other module reads ``ex_responses`` or ``attribute_ratings`` (ingest,
undo, the schema and the demo generator write them; a test checks this).
Everything the product shows about employees and partners is computed from
the tables this module publishes:

* ``ex_reporting``: one row per response in a *reporting cell*, with its
  scores, labelled by the cell (month, population, business unit,
  department, tenure band; a label is NULL where the cell spans all values);
* ``ex_reporting_ratings``: the attribute ratings of those responses, for
  key drivers;
* ``ex_reporting_comments``: comments in *comment cells*, labelled the same
  way, with the month but no day and no scores;
* ``ex_months`` and ``ex_names``: which months have responses, and the
  names in each column (for "hidden" versus "no data", and for choices).

**The rule.** Any two figures the product can show, however filtered,
differ by the responses of 0 or at least 5 people (comments: 10). It holds
by construction:

1. Responses are partitioned into reporting cells, each a whole calendar
   month of one population x unit x department x tenure band. A cell with
   fewer than :func:`threshold` distinct respondents is merged upward by a
   fixed ladder: tenure band dropped first, then department, then unit, then
   population. Whatever is still too small at the top (a month with fewer
   than 5 people in all) is never counted. Within a cell, a score that
   fewer than 5 people answered is blanked for the whole cell.
2. A figure counts exactly the cells whose labels lie inside its filters and
   whose month's first day lies in its period. So every figure is a union of
   cells, and the difference of two figures is a union of cells too: empty,
   or at least 5 people.

So there is no per-figure check to forget: tiles, trends, breakdowns,
scatters, early warnings, drivers, theme counts, comments, downloads, the
board pack and the CLI all read the same cells. Region is not a reporting
dimension (a region filter leaves employee figures empty, and says why),
and employee trends are monthly.

The tables are rebuilt by :func:`refresh` in the transaction of every load,
undo and demo build, and by :func:`ensure_fresh` whenever a writable
connection opens and finds ``ex_responses`` changed behind its back.
"""

from __future__ import annotations

from datetime import date

import duckdb

from . import config
from .filters import Filters
from .txn import transaction

RELATION = "ex_reporting"
COMMENTS = "ex_reporting_comments"
RATINGS = "ex_reporting_ratings"

#: The cell's columns, coarsest first: the ladder drops them from the end.
DIMENSIONS = ("population", "business_unit", "department", "tenure_band")
MEASURES = ("enps", "engagement", "satisfaction")
#: Bumped when the partition rule or what is published changes, so stored cells are rebuilt.
RULE_VERSION = 2

SCHEMA_SQL = """
CREATE TABLE ex_reporting (
    rid BIGINT, response_id VARCHAR, month DATE,
    population VARCHAR, business_unit VARCHAR, department VARCHAR, tenure_band VARCHAR,
    enps TINYINT, engagement TINYINT, satisfaction TINYINT);
CREATE TABLE ex_reporting_ratings (
    rid BIGINT, month DATE,
    population VARCHAR, business_unit VARCHAR, department VARCHAR, tenure_band VARCHAR,
    enps TINYINT, engagement TINYINT, attribute VARCHAR, score DOUBLE);
CREATE TABLE ex_reporting_comments (
    response_id VARCHAR, month DATE,
    population VARCHAR, business_unit VARCHAR, department VARCHAR, tenure_band VARCHAR, comment VARCHAR);
CREATE TABLE ex_months (month DATE PRIMARY KEY);
CREATE TABLE ex_names (dimension VARCHAR, value VARCHAR);
"""

HIDDEN_TEXT = "hidden: fewer than 5 people, or it would reveal a smaller group"
REASONS = {
    "hidden": HIDDEN_TEXT,
    "filter": "not shown for this filter: employee surveys have no channel, segment or journey stage, "
              "and employee figures are not broken down by region",
    "period": "employee figures cover whole months, and this period holds no month's first day",
    "no_data": "no employee or partner responses in these months",
}


def threshold() -> int:
    """Distinct people a reporting cell needs (5)."""
    return config.EX_MIN_RESPONDENTS


def comment_threshold() -> int:
    """Distinct commenters a comment cell needs (10)."""
    return config.EX_MIN_COMMENT_RESPONDENTS


def rule_text() -> str:
    """The anonymity rule in one sentence, for captions."""
    return (f"Employee and partner figures cover whole months and groups of at least {threshold()} people "
            f"(comments {comment_threshold()}); smaller groups count only in a larger group that contains "
            "them, so no figure can be subtracted from another to reveal them.")


def months_text(filters: Filters) -> str:
    """Which whole months the employee figures of ``filters`` cover: "Aug 2026 – Oct 2026"."""
    first, last = covered_months(filters)
    if first is None:
        return "no whole month"
    return f"{first:%b %Y}" if first == last else f"{first:%b %Y} – {last:%b %Y}"


def covered_months(filters: Filters) -> tuple[date | None, date | None]:
    """The first and last month (first days) whose first day lies in the period; (None, None) if none."""
    first = filters.start if filters.start.day == 1 else _next_month(filters.start)
    if first > filters.end:
        return None, None
    return first, filters.end.replace(day=1)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


# --- Building the cells -----------------------------------------------------------------

def _labels() -> str:
    """SQL: each dimension's label, NULL above the cell's level of the ladder."""
    n = len(DIMENSIONS)
    return ", ".join(f"CASE WHEN lvl < {n - j} THEN {d} END AS {d}" for j, d in enumerate(DIMENSIONS))


def _counted(measures: tuple[str, ...], k: int) -> str:
    """SQL: each measure, blanked for its whole cell (window ``cell``) when fewer than ``k`` people answered it."""
    return ", ".join(
        f"CASE WHEN count(DISTINCT CASE WHEN {m} IS NOT NULL THEN who END) OVER cell >= {k:d} THEN {m} END AS {m}"
        for m in measures)


def _ladder(con: duckdb.DuckDBPyConnection, flag: str, k: int, where: str) -> None:
    """Give every row of ``_exg`` meeting ``where`` the lowest ladder level (in column ``flag``) at
    which its group of still-unplaced rows has ``k`` distinct people; rows never placed stay NULL."""
    for level in range(len(DIMENSIONS) + 1):
        keys = ["month", *DIMENSIONS[: len(DIMENSIONS) - level]]
        same = " AND ".join(f"r.{c} IS NOT DISTINCT FROM g.{c}" for c in keys)
        con.execute(
            f"""UPDATE _exg AS r SET {flag} = {level}
                FROM (SELECT {', '.join(keys)}, count(DISTINCT who) AS people FROM _exg
                      WHERE {flag} IS NULL AND {where} GROUP BY ALL) g
                WHERE r.{flag} IS NULL AND {where} AND g.people >= ? AND {same}""",
            [k])


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every published EX table from ``ex_responses`` (inside the caller's transaction)."""
    k, kc = threshold(), comment_threshold()
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _exg AS
           SELECT row_number() OVER (ORDER BY response_id, source) AS rid, response_id, source,
                  coalesce(respondent_id, response_id) AS who, date_trunc('month', submitted_at)::DATE AS month,
                  population, business_unit, department, tenure_band, region, enps, engagement, satisfaction,
                  CASE WHEN trim(comment) <> '' THEN comment END AS comment,
                  response_id IN (SELECT response_id FROM attribute_ratings WHERE kind = 'ex' AND score IS NOT NULL)
                      AS rated,
                  NULL::INTEGER AS lvl, NULL::INTEGER AS clvl, NULL::INTEGER AS rlvl
           FROM ex_responses""")
    _ladder(con, "lvl", k, "TRUE")
    _ladder(con, "clvl", kc, "comment IS NOT NULL")
    _ladder(con, "rlvl", k, "rated")
    for table in (RELATION, RATINGS, COMMENTS, "ex_months", "ex_names"):
        con.execute(f"DELETE FROM {table}")
    cell = "PARTITION BY month, lvl, " + ", ".join(DIMENSIONS)
    con.execute(
        f"""INSERT INTO {RELATION}
            SELECT rid, response_id, month, {', '.join(DIMENSIONS)}, {_counted(MEASURES, k)}
            FROM (SELECT rid, response_id, who, month, lvl, {_labels()}, {', '.join(MEASURES)}
                  FROM _exg WHERE lvl IS NOT NULL)
            WINDOW cell AS ({cell})""")
    # Key drivers: cells of the responses that rated attributes; a rating counts where at least
    # k people of its cell rated that attribute, an outcome where at least k of them answered it.
    rated = (f"SELECT e.rid, e.who, e.month, e.lvl, {_labels()}, e.enps, e.engagement, a.attribute,"
             f" a.score / nullif(a.scale_max, 0) AS score"
             f" FROM attribute_ratings a JOIN (SELECT * EXCLUDE (lvl), rlvl AS lvl FROM _exg) e"
             f" ON a.kind = 'ex' AND a.response_id = e.response_id"
             f" AND (a.source IS NULL OR a.source IS NOT DISTINCT FROM e.source)"
             f" WHERE e.lvl IS NOT NULL AND a.score IS NOT NULL")
    con.execute(
        f"""INSERT INTO {RATINGS}
            SELECT rid, month, {', '.join(DIMENSIONS)}, enps, engagement, attribute, score FROM (
                SELECT *, count(DISTINCT who) OVER ({cell}, attribute) AS raters FROM (
                    SELECT * EXCLUDE (enps, engagement), {_counted(("enps", "engagement"), k)} FROM ({rated}) WINDOW cell AS ({cell})))
            WHERE raters >= {k:d}""")
    con.execute(
        f"""INSERT INTO {COMMENTS}
            SELECT response_id, month, {_labels()}, comment
            FROM (SELECT response_id, month, clvl AS lvl, comment, {', '.join(DIMENSIONS)}
                  FROM _exg WHERE clvl IS NOT NULL)""")
    _refresh_rollup(con)  # the same cells, summed: what the KPIs read
    con.execute("INSERT INTO ex_months SELECT DISTINCT month FROM _exg")
    con.execute("INSERT INTO ex_names " + " UNION ".join(
        f"SELECT DISTINCT '{d}', {d} FROM _exg WHERE {d} IS NOT NULL" for d in (*DIMENSIONS, "region")))
    con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('ex_guard', ?)", [_fingerprint(con)])
    con.execute("DROP TABLE _exg")  # a failed refresh is rolled back with its transaction


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the published tables were built from: the rule, the thresholds and a hash of the EX rows."""
    rows = con.execute(
        """SELECT (SELECT count(*) || ':' || coalesce(sum(hash(response_id, source, submitted_at, population,
                          business_unit, department, tenure_band, respondent_id, enps, engagement, satisfaction,
                          comment)), 0) FROM ex_responses),
                  (SELECT count(*) || ':' || coalesce(sum(hash(response_id, source, attribute, score, scale_max)), 0)
                   FROM attribute_ratings WHERE kind = 'ex')""").fetchone()
    return f"v{RULE_VERSION}:{threshold()}:{comment_threshold()}:{rows[0]}:{rows[1]}"


def ensure_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild the published tables (in a transaction) when ``ex_responses`` changed since the last
    build, e.g. rows written by hand; True when it rebuilt."""
    stored = con.execute("SELECT value FROM meta WHERE key = 'ex_guard'").fetchone()
    if stored and stored[0] == _fingerprint(con):
        return False
    with transaction(con):
        refresh(con)
    return True


# --- Reading --------------------------------------------------------------------------------

def reason(con: duckdb.DuckDBPyConnection, filters: Filters) -> str:
    """Why an employee figure for ``filters`` has nothing to show: a key of :data:`REASONS`.

    Only the whole organisation's months are consulted, never the filtered group,
    so the answer says nothing about a small group (not even whether it answered).
    """
    if filters.unsupported(RELATION):
        return "filter"
    first, last = covered_months(filters)
    if first is None:
        return "period"
    any_month = con.execute("SELECT count(*) FROM ex_months WHERE month BETWEEN ? AND ?", [first, last]).fetchone()[0]
    return "hidden" if any_month else "no_data"


def names(con: duckdb.DuckDBPyConnection, dimension: str) -> list[str]:
    """Every value ``dimension`` (population, business_unit, department, tenure_band, region) has
    anywhere in the employee data, sorted: names only, for choices and for rows shown as hidden."""
    return [v for (v,) in con.execute(
        "SELECT value FROM ex_names WHERE dimension = ? ORDER BY value", [dimension]).fetchall()]


def month_range(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """The first and last month (first days) with employee responses."""
    return con.execute("SELECT min(month), max(month) FROM ex_months").fetchone()


def customer_ratings() -> str:
    """SQL for the customers' attribute ratings: source, response_id, attribute, score (divided by its
    scale's top). Employee ratings are published in ``ex_reporting_ratings`` instead."""
    return ("(SELECT source, response_id, attribute, score / nullif(scale_max, 0) AS score FROM attribute_ratings"
            " WHERE kind = 'cx' AND score IS NOT NULL)")


#: The employee figures' cells, summed (:mod:`cx_metrics.rollup` creates the table, the KPIs read it):
#: one row per reporting cell and month of :data:`RELATION`.
ROLLUP = "ex_rollup"
ROLLUP_DIMS = ("population", "business_unit", "department", "tenure_band")
ROLLUP_MEASURES = {
    "enps__n": "count(enps)", "enps__k": "count_if(enps >= 9)", "enps__d": "count_if(enps <= 6)",
    "engagement__n": "count(engagement)", "engagement__k": "count_if(engagement >= 4)",
    "satisfaction__n": "count(satisfaction)", "satisfaction__k": "count_if(satisfaction >= 4)",
}


def _refresh_rollup(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild :data:`ROLLUP` from :data:`RELATION` (each response labelled by its reporting cell), in
    :func:`refresh`'s transaction, so the cells sum exactly the responses every employee figure may count."""
    keys = ", ".join(ROLLUP_DIMS)
    con.execute(f"DELETE FROM {ROLLUP}")
    con.execute(f"INSERT INTO {ROLLUP} SELECT month, {keys}, count(*) AS responses, "
                + ", ".join(f"{e} AS {n}" for n, e in ROLLUP_MEASURES.items())
                + f" FROM {RELATION} GROUP BY month, {keys}")
