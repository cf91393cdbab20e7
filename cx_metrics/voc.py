"""Voice of the customer (and of employees): themes, sentiment and verbatims.

* **Themes** come from an editable taxonomy in DuckDB (``themes``: kind,
  theme, keyword). A comment mentions a theme when a word of it starts with
  one of the theme's keywords (case-insensitive); matching is SQL, one
  regular expression per theme over the distinct comments, never a Python
  loop over comments. :data:`DEFAULT_THEMES` seeds it. Customer theme
  figures read the theme cells of :mod:`cx_metrics.rollup` (each comment
  matched once, when it is loaded or the taxonomy is saved) whenever they
  can answer, and the comments otherwise; both give the same counts.
* **Sentiment** is :mod:`cx_metrics.sentiment`'s score (-1..1): lexicons and
  rules for service language in English, German, French and Spanish, the
  language detected per comment, offline. It is computed once per distinct
  comment (``comment_sentiment``, keyed by the comment's MD5; the column keeps
  its old name ``compound``) by :func:`score_missing`, which demo building and
  ingest call. Positive means score >= 0.05, negative <= -0.05.
* **Verbatims** are searched, filtered and paged in SQL and always returned
  as plain text for the page to show as text.
* **EX comments** come from the comment cells of :mod:`cx_metrics.ex_guard`
  (``ex_reporting_comments``): whole months and groups of at least 10
  commenters, so two comment lists (or theme counts) never differ by the
  comments of 1-9 people. They carry the month only, never the person's
  scores, unit or department; an EX theme has no score column.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from . import audit, db, ex_guard, rollup, stats, taxonomy as tax
from .filters import TABLES as DATES, Filters, date_bounds
from .txn import transaction

TABLES = {"cx": "cx_responses", "ex": ex_guard.COMMENTS}
POSITIVE, NEGATIVE = 0.05, -0.05  # the same as cx_metrics.sentiment's label thresholds
PAGE_SIZE = 25
#: A comment mentions a keyword when a word starts with it ("deliver" finds "delivery", "app" not "happy").
MATCH = r"regexp_matches(lower(r.comment), '\b' || regexp_escape(t.keyword))"
NPS_GROUPS = {"promoter": ">= 9", "passive": "BETWEEN 7 AND 8", "detractor": "<= 6"}


def _check_kind(kind: str) -> str:
    if kind not in TABLES:
        raise ValueError("kind must be 'cx' or 'ex'")
    return kind


def taxonomy(con: duckdb.DuckDBPyConnection, kind: str) -> pd.DataFrame:
    """The taxonomy of ``kind``: one row per theme with its keywords joined by ", "."""
    return con.execute(
        "SELECT theme, string_agg(keyword, ', ' ORDER BY keyword) AS keywords FROM themes WHERE kind = ?"
        " GROUP BY theme ORDER BY theme", [_check_kind(kind)]).df()


def save_taxonomy(con: duckdb.DuckDBPyConnection, kind: str, table: pd.DataFrame, *, actor: str) -> int:
    """Replace ``kind``'s taxonomy with ``table`` (theme, keywords "a, b"); audited. Returns keywords saved."""
    rows = []
    for i, r in enumerate(table.itertuples(index=False), start=1):
        theme = str(r.theme or "").strip().lower()
        words = [w.strip().lower() for w in str(r.keywords or "").split(",") if w.strip()]
        if not theme or not words:
            raise ValueError(f"row {i}: a theme needs a name and at least one keyword")
        rows += [(kind, theme, w) for w in dict.fromkeys(words)]
    if len({(t, w) for _, t, w in rows}) != len(rows):
        raise ValueError("a keyword appears twice in one theme")
    with transaction(con):
        before = taxonomy(con, kind).to_dict("records")
        con.execute("DELETE FROM themes WHERE kind = ?", [_check_kind(kind)])
        con.executemany("INSERT INTO themes VALUES (?, ?, ?)", rows)
        if kind == "cx":
            rollup.refresh_themes(con)  # every comment matched again, in the save's transaction
        audit.record(con, actor, "themes_saved", f"themes:{kind}",
                     {"before": before, "after": taxonomy(con, kind).to_dict("records")}, rows=len(rows))
        db.bump_data_version(con)
    return len(rows)


def score_missing(con: duckdb.DuckDBPyConnection, upload_id: str | None = None) -> int:
    """Score every distinct comment that has no sentiment yet (customer comments of ``upload_id``,
    or of all data, and the employee comments the guard publishes); returns how many were scored.
    Call it after :func:`cx_metrics.ex_guard.refresh` and before :func:`cx_metrics.rollup.add` (or
    :func:`~cx_metrics.rollup.refresh`): the theme cells hold the sentiment of the comments they count.
    Without ``upload_id`` it rebuilds theme cells already built, when it scored a comment they count."""
    from . import sentiment

    scope = "upload_id = ?" if upload_id else "TRUE"
    params = [upload_id] if upload_id else []
    todo = con.execute(
        f"""SELECT DISTINCT comment FROM (SELECT comment FROM cx_responses WHERE {scope}
                                         UNION ALL SELECT comment FROM {ex_guard.COMMENTS})
            WHERE comment IS NOT NULL AND trim(comment) <> ''
              AND md5(comment) NOT IN (SELECT comment_hash FROM comment_sentiment)""", params
    ).fetchall()
    if not todo:
        return 0
    scored = pd.DataFrame({"comment": [c for (c,) in todo]})
    scored["compound"] = [s.score for s in sentiment.analyse_many(scored["comment"], "auto")]
    con.register("_scored", scored)
    try:
        con.execute("INSERT INTO comment_sentiment SELECT md5(comment), compound FROM _scored")
    finally:
        con.unregister("_scored")
    if upload_id is None and rollup.themes_built(con):
        rollup.refresh_themes(con)
    return len(scored)


def _scope(kind: str, filters: Filters, alias: str = "r") -> tuple[str, list]:
    table = TABLES[_check_kind(kind)]
    where, params = filters.where(table)
    cond, date_params = date_bounds(table, filters.start, filters.end, f"{alias}.{_date(kind)}")
    return f"{cond} AND {where} AND {alias}.comment IS NOT NULL AND trim({alias}.comment) <> ''", date_params + params


def _date(kind: str) -> str:
    """The date column of ``kind``'s comments: the day for customers, the month for employees."""
    return DATES[TABLES[kind]][0]


def theme_patterns(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, str]:
    """Theme -> one word-start regular expression of its keywords (:func:`cx_metrics.taxonomy.theme_patterns`)."""
    return tax.theme_patterns(con, _check_kind(kind))


def _mentions(con: duckdb.DuckDBPyConnection, kind: str, filters: Filters) -> tuple[str, list]:
    """SQL for (response_id, theme, nps, compound, submitted_at): each comment mentioning each theme.

    Themes are matched once per distinct comment (one regular expression per
    theme), then joined back to the responses, so repeated comments cost nothing.
    Employee comments have no score (it would tie a comment to a person's answer)
    and their date is the month.
    """
    cond, params = _scope(kind, filters)
    score = "r.nps" if kind == "cx" else "NULL::TINYINT"
    found, found_params = tax.matches(theme_patterns(con, kind), "comments")
    sql = (
        f"WITH scope AS (SELECT r.response_id, r.comment, {score} AS nps, r.{_date(kind)} AS submitted_at"
        f"                FROM {TABLES[kind]} r WHERE {cond}),"
        f" comments AS (SELECT DISTINCT comment FROM scope),"
        f" hits AS (SELECT m.comment, m.theme, s.compound FROM ({found}) m"
        f"          LEFT JOIN comment_sentiment s ON s.comment_hash = md5(m.comment))"
        f" SELECT scope.response_id, hits.theme, scope.nps, hits.compound, scope.submitted_at"
        f" FROM scope JOIN hits USING (comment)"
    )
    return sql, [*params, *found_params]


def _cells(con: duckdb.DuckDBPyConnection, kind: str, filters: Filters) -> tuple[str, str, str] | None:
    """(cell table, theme cells, time column) that answer ``kind``'s themes over ``filters`` (by month
    too), or None: employee comments, filters or days the cells lack, or stale cells."""
    if kind != "cx" or filters.unsupported("cx_responses"):
        return None
    found = rollup.theme_source(filters.active(), filters.calendar_months() is not None)
    return found if found and rollup.usable(con) else None


#: Per theme: the sums every theme figure is computed from (:data:`cx_metrics.rollup.THEME_MEASURES`).
_SUMS = ", ".join(f"sum({m})::DOUBLE AS {m}" for m in rollup.THEME_MEASURES)


def _in_cells(filters: Filters, time: str) -> tuple[str, list]:
    """The condition (and parameters) selecting the cells of ``filters``' days and values."""
    where, params = filters.where("cx_responses")
    cond, date_params = date_bounds("cx_responses", filters.start, filters.end, time)
    return f"{cond} AND {where}", [*date_params, *params]


def _theme_sums(con: duckdb.DuckDBPyConnection, kind: str, filters: Filters, by_month: bool = False
                ) -> pd.DataFrame:
    """Per theme (and month): :data:`cx_metrics.rollup.THEME_MEASURES` summed, from the theme cells
    when they can answer, else from the comments (the same counts)."""
    month = ", date_trunc('month', {t})::DATE AS period" if by_month else ""
    found = _cells(con, kind, filters)
    if found:
        _, themes_table, time = found
        cond, params = _in_cells(filters, time)
        return con.execute(f"SELECT theme{month.format(t=time)}, {_SUMS} FROM {themes_table} WHERE {cond}"
                           " GROUP BY ALL", params).df()
    sql, params = _mentions(con, kind, filters)
    measures = ", ".join(f"{e}::DOUBLE AS {m}" for m, e in rollup.THEME_MEASURES.items())
    return con.execute(f"SELECT theme{month.format(t='submitted_at')}, {measures} FROM ({sql}) GROUP BY ALL",
                       params).df()


def _comment_count(con: duckdb.DuckDBPyConnection, kind: str, filters: Filters) -> int:
    """How many comments ``filters`` hold (the cells' count when they can answer)."""
    found = _cells(con, kind, filters)
    if found:
        table, _, time = found
        cond, params = _in_cells(filters, time)
        return int(con.execute(f"SELECT coalesce(sum(comments), 0) FROM {table} WHERE {cond}", params).fetchone()[0])
    cond, params = _scope(kind, filters)
    return int(con.execute(f"SELECT count(*) FROM {TABLES[kind]} r WHERE {cond}", params).fetchone()[0])


def _figures(sums: pd.DataFrame) -> pd.DataFrame:
    """mentions, sentiment (mean score), negative_pct and score (NPS of the comments) from the sums."""
    out = sums.drop(columns=list(rollup.THEME_MEASURES))
    out["mentions"] = sums["mentions"].astype(int)
    out["sentiment"] = sums["sentiment_s"] / 1e6 / sums["sentiment_n"].where(sums["sentiment_n"] > 0)
    out["negative_pct"] = 100.0 * sums["negative"] / sums["mentions"]
    out["score"] = 100.0 * (sums["nps__k"] - sums["nps__d"]) / sums["nps__n"].where(sums["nps__n"] > 0)
    return out


THEME_COLUMNS = ["theme", "mentions", "share_pct", "sentiment", "negative_pct", "score", "previous_mentions",
                 "previous_share_pct", "change_pts", "rising"]


def themes(con: duckdb.DuckDBPyConnection, filters: Filters, kind: str = "cx", compare: str = "previous") -> pd.DataFrame:
    """Each theme's volume and mood for the period, against the comparison period.

    Columns: :data:`THEME_COLUMNS`. ``share_pct``: % of comments that mention
    the theme; ``sentiment``: mean sentiment score (-1..1); ``score``: the NPS (eNPS)
    of the comments mentioning it; ``rising``: share up by at least 2 points
    and significant (two-proportion z-test, p < 0.05). Employee themes come
    from the guard's comment cells, and their score is always null.
    """
    other = filters.comparison(compare)
    now = _figures(_theme_sums(con, kind, filters)).set_index("theme")
    before = _theme_sums(con, kind, other).set_index("theme")
    total, total_before = _comment_count(con, kind, filters), _comment_count(con, kind, other)
    out = []
    for theme in sorted(set(now.index)):
        m = int(now.loc[theme, "mentions"])
        pm = int(before.loc[theme, "mentions"]) if theme in before.index else 0
        share = 100 * m / total if total else None
        pshare = 100 * pm / total_before if total_before else None
        change = share - pshare if share is not None and pshare is not None else None
        p = stats.two_proportion_z_test(m, total, pm, total_before) if total and total_before else None
        out.append({
            "theme": theme, "mentions": m, "share_pct": share, "sentiment": now.loc[theme, "sentiment"],
            "negative_pct": now.loc[theme, "negative_pct"], "score": now.loc[theme, "score"],
            "previous_mentions": pm, "previous_share_pct": pshare, "change_pts": change,
            "rising": bool(change is not None and change >= 2 and p is not None and p < 0.05),
        })
    return pd.DataFrame(out, columns=THEME_COLUMNS).sort_values("mentions", ascending=False).reset_index(drop=True)


def theme_trend(con: duckdb.DuckDBPyConnection, filters: Filters, kind: str = "cx") -> pd.DataFrame:
    """Mentions and mean sentiment per theme and month: theme, period, mentions, sentiment."""
    trend = _figures(_theme_sums(con, kind, filters, by_month=True))
    return (trend[["theme", "period", "mentions", "sentiment"]].sort_values(["period", "theme"])
            .reset_index(drop=True))


@dataclass(frozen=True)
class Verbatims:
    """One page of comments and the total matching. ``rows``: for CX submitted_at,
    comment, score (the NPS answer), sentiment, business_unit, channel,
    journey_stage, themes; for EX only month, comment, sentiment, themes:
    a person's own eNPS or department beside their comment, or the day they
    wrote it, would single them out. ``hidden``: EX comments withheld for
    anonymity; ``reason``: why an EX list is empty (see ``ex_guard.REASONS``)."""

    rows: pd.DataFrame
    total: int
    hidden: bool = False
    reason: str | None = None


def verbatims(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    kind: str = "cx",
    search: str = "",
    theme: str | None = None,
    sentiment: str | None = None,
    nps_group: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Verbatims:
    """Comments matching the filters, newest first, one page at a time.

    ``search`` is a case-insensitive substring (bound as a parameter, with
    LIKE wildcards escaped); ``sentiment`` is positive / neutral / negative;
    ``nps_group`` promoter / passive / detractor (CX only, for the reason
    in :class:`Verbatims`).
    """
    if kind == "ex" and nps_group:
        raise ValueError("employee comments cannot be filtered by eNPS group (anonymity)")
    cond, params = _scope(kind, filters)
    extra = []
    if search:
        extra.append("r.comment ILIKE ? ESCAPE '\\'")
        params.append("%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    if theme:
        pattern = theme_patterns(con, kind).get(theme)
        extra.append("regexp_matches(lower(r.comment), ?)" if pattern else "FALSE")  # unknown: nothing
        params += [pattern] if pattern else []
    if sentiment:
        extra.append({"positive": f"s.compound >= {POSITIVE}", "negative": f"s.compound <= {NEGATIVE}",
                      "neutral": f"s.compound > {NEGATIVE} AND s.compound < {POSITIVE}"}[sentiment])
    if nps_group:
        extra.append(f"r.nps {NPS_GROUPS[nps_group]}")
    where = " AND ".join([cond, *extra])
    base = (f"FROM {TABLES[kind]} r LEFT JOIN comment_sentiment s ON s.comment_hash = md5(r.comment)"
            f" WHERE {where}")
    total = con.execute(f"SELECT count(*) {base}", params).fetchone()[0]
    if kind == "cx":
        shown = "r.submitted_at, r.nps AS score, s.compound AS sentiment, r.business_unit, r.channel, r.journey_stage"
        order = "{r}submitted_at DESC, {r}response_id"
    else:  # the month, and an order that says nothing about who wrote first
        shown, order = "r.month, s.compound AS sentiment", "{r}month DESC, md5({r}response_id)"
    # The page first, then its themes: matching the taxonomy's keywords is
    # then done for 25 comments, not for every comment in the period.
    rows = con.execute(
        f"""WITH page AS (SELECT r.response_id, r.comment, {shown} {base}
                          ORDER BY {order.format(r='r.')} LIMIT ? OFFSET ?)
            SELECT * EXCLUDE (response_id),
                   (SELECT string_agg(DISTINCT t.theme, ', ' ORDER BY t.theme) FROM themes t
                     WHERE t.kind = ? AND {MATCH}) AS themes
            FROM page r ORDER BY {order.format(r='r.')}""",
        [*params, int(page_size), int(max(page - 1, 0) * page_size), kind],
    ).df()
    first = ["submitted_at", "comment", "score"] if kind == "cx" else ["month", "comment"]
    rows = rows[first + [c for c in rows.columns if c not in first]]
    reason = None
    if kind == "ex" and not total and not (search or theme or sentiment):
        reason = ex_guard.reason(con, filters)
    return Verbatims(rows, int(total), hidden=reason == "hidden", reason=reason)
