"""A deterministic, realistic demo database, generated inside DuckDB.

The story it tells (the dashboard should find it):

* 12 business units, 5 regions, 6 channels, 6 journey stages, 3 segments,
  36 months up to :data:`AS_OF`, with seasonality in volume and in scores.
* Each unit-month has a latent employee-experience level ``ex``; the unit's
  customer experience follows it two months later (:data:`LAG_MONTHS`).
  The within-unit correlation of monthly eNPS with NPS two months later is
  about 0.3, as Harter, Schmidt & Hayes (2002) report for engagement and
  customer loyalty (~.33).
* Two units (:data:`DECLINING_UNITS`) see EX fall over the last year; their
  CX follows two months later.
* Suppliers and vendors answer the partner survey alongside employees.
* Attribute ratings drive the scores with known weights (:data:`CX_WEIGHTS`),
  and comments come from themed templates whose sentiment matches the score.

Only the 432 unit-month latent values are drawn in Python (numpy, seeded);
every response row is made by one SQL statement from a counter and a hash,
so ten million rows take seconds and the same seed gives the same rows.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from . import db, ex_guard, rollup, voc
from .filters import JOURNEY_STAGES

AS_OF = date(2026, 10, 31)
MONTHS = 36
LAG_MONTHS = 2
DEFAULT_CX_ROWS = 300_000
DEFAULT_EX_ROWS = 80_000

#: unit: (relative size, CX level, EX level)
UNITS: dict[str, tuple[float, float, float]] = {
    "Grocery": (1.6, 8.45, 7.90),
    "Fashion": (1.1, 8.35, 8.10),
    "Electronics": (1.2, 8.55, 8.15),
    "Home & Garden": (0.9, 8.30, 7.80),
    "Pharmacy": (0.7, 8.70, 8.25),
    "Online Marketplace": (1.4, 8.20, 8.00),
    "Mobile": (1.0, 8.05, 7.65),
    "Broadband": (0.9, 7.80, 7.50),
    "Insurance": (0.6, 8.15, 7.95),
    "Travel": (0.8, 8.60, 8.20),
    "Banking": (0.8, 8.10, 7.85),
    "Logistics": (0.6, 7.95, 7.45),
}
DECLINING_UNITS = ("Electronics", "Travel")
DECLINE_START = 24  # month index (Nov 2025) where their EX starts to fall
DECLINE_PER_MONTH = 0.14  # points of mean eNPS answer lost per month

REGIONS = {"UK & Ireland": 0.28, "DACH": 0.24, "France & Benelux": 0.2, "Nordics": 0.12, "Southern Europe": 0.16}
#: channel: (share, score effect)
CHANNELS = {
    "store": (0.30, 0.15), "web": (0.24, 0.0), "app": (0.18, 0.25),
    "call centre": (0.16, -0.35), "social media": (0.07, -0.6), "forum": (0.05, -0.4),
}
STAGES = dict(zip(JOURNEY_STAGES, [(0.12, 0.20), (0.24, 0.25), (0.18, -0.15), (0.20, 0.10), (0.16, -0.90), (0.10, -0.20)]))
SEGMENTS = {"consumer": (0.70, 0.0), "small business": (0.20, -0.15), "enterprise": (0.10, -0.25)}
#: Attribute -> weight in the CX latent score (the true driver weights).
CX_WEIGHTS = {"staff": 0.55, "waiting_time": 0.45, "delivery": 0.35, "price": 0.30, "app": 0.20, "cleanliness": 0.10}
EX_WEIGHTS = {"manager": 0.55, "growth": 0.40, "recognition": 0.35, "workload": 0.30, "pay": 0.25, "tools": 0.15}
DEPARTMENTS = {
    "Customer Service": 0.22, "Sales": 0.18, "Operations": 0.2, "Logistics": 0.12,
    "IT": 0.1, "Marketing": 0.07, "Finance": 0.06, "HR": 0.05,
}
TENURE = {"<1 year": (0.18, 0.3), "1-2 years": (0.22, 0.0), "3-5 years": (0.27, -0.2), "6-10 years": (0.2, -0.1), "10+ years": (0.13, 0.1)}
POPULATIONS = {"employee": 0.85, "supplier": 0.10, "vendor": 0.05}

THEME_OF = {
    "staff": "staff", "waiting_time": "waiting time", "delivery": "delivery",
    "price": "price", "app": "app", "cleanliness": "cleanliness",
}
TEMPLATES = {
    "staff": {
        "pos": ["The staff were friendly and really helpful.", "Great service from the team, they knew their stuff.",
                "The assistant went out of her way to help me.", "Polite, patient staff. Thank you!"],
        "neg": ["Staff were rude and didn't seem to care.", "Nobody could answer a simple question.",
                "The agent was dismissive and unhelpful.", "Staff ignored me for ten minutes."],
    },
    "waiting time": {
        "pos": ["No queue at all, in and out in minutes.", "Got through to someone straight away.",
                "Quick response, much faster than expected.", "Fast service, no waiting around."],
        "neg": ["Waited 45 minutes on hold before anyone answered.", "The queue was far too long.",
                "Took three days to get a reply to my email.", "Waiting time was ridiculous."],
    },
    "delivery": {
        "pos": ["Delivery arrived a day early and well packed.", "Tracking was accurate and the courier was on time.",
                "Parcel arrived on time, perfect condition.", "Delivery was quick and easy."],
        "neg": ["My delivery was late and nobody told me why.", "The parcel arrived damaged.",
                "Delivery slot missed twice, very frustrating.", "Order still not delivered after a week."],
    },
    "price": {
        "pos": ["Good value for money.", "Prices are fair and the offers are genuine.",
                "Cheaper than the competition for the same quality.", "Happy with the price I paid."],
        "neg": ["Far too expensive for what you get.", "Prices keep going up every month.",
                "Hidden fees at checkout, felt misled.", "Not worth the money any more."],
    },
    "app": {
        "pos": ["The app is simple and works well.", "Love the new app, checkout takes seconds.",
                "Easy to find everything in the app.", "App is fast and reliable."],
        "neg": ["The app keeps crashing at checkout.", "Couldn't log in to the app for days.",
                "The app is slow and confusing.", "App update broke my saved details."],
    },
    "cleanliness": {
        "pos": ["Store was clean and tidy.", "Spotless and well organised.",
                "Clean, bright and easy to shop.", "Everything was neat and well kept."],
        "neg": ["The store was dirty and messy.", "Shelves were a mess and the floor was filthy.",
                "Toilets were disgusting.", "Untidy store, rubbish everywhere."],
    },
}
EX_TEMPLATES = {
    "manager": (["My manager supports me and listens.", "Great team lead, always fair."],
                ["My manager never gives feedback.", "Leadership does not listen to the front line."]),
    "growth": (["I have real opportunities to grow here.", "Good training and a clear path."],
               ["No career progression in sight.", "Training has been cut again."]),
    "recognition": (["Good work gets noticed.", "I feel valued by the team."],
                    ["Nobody says thank you.", "Hard work goes unnoticed."]),
    "workload": (["Workload is manageable.", "Good work-life balance."],
                 ["We are badly understaffed.", "Constant overtime, people are burning out."]),
    "pay": (["Pay is fair for the role.", "Benefits are good."],
            ["Pay has not kept up with costs.", "Underpaid compared to the market."]),
    "tools": (["Systems work well and help me do my job.", "Good equipment."],
              ["The systems are slow and outdated.", "Tools break all the time."]),
}


def month_starts() -> pd.DatetimeIndex:
    last = pd.Timestamp(AS_OF).to_period("M")
    return pd.period_range(last - (MONTHS - 1), last, freq="M").to_timestamp()


def unit_months(cx_rows: int, ex_rows: int, seed: int) -> pd.DataFrame:
    """The latent state: one row per unit and month (small; drawn with numpy).

    Columns: unit_idx, unit, t, month, days, cx_level, ex_level, n_cx, n_ex,
    cx_offset, ex_offset.
    """
    rng = np.random.default_rng(seed)
    months = month_starts()
    names = list(UNITS)
    size = np.array([UNITS[u][0] for u in names])
    moy = months.month.to_numpy()
    # Seasonality: CX dips in the December rush and in August; EX dips in January.
    cx_season = np.where(moy == 12, -0.25, 0.0) + np.where(moy == 8, -0.1, 0.0)
    ex_season = np.where(moy == 1, -0.25, 0.0) + np.where(moy == 7, 0.1, 0.0)
    volume = 1 + 0.35 * (moy == 12) + 0.15 * (moy == 11) - 0.1 * (moy == 2)
    # EX: unit level + seasonality + AR(1) noise (+ planted decline).
    shock = np.zeros((len(names), MONTHS + LAG_MONTHS))
    noise = rng.normal(0, 0.32, shock.shape)
    for t in range(1, shock.shape[1]):  # 38 steps over a 12-vector, not rows
        shock[:, t] = 0.25 * shock[:, t - 1] + noise[:, t]
    decline = np.zeros((len(names), MONTHS + LAG_MONTHS))
    steps = np.clip(np.arange(-LAG_MONTHS, MONTHS) - DECLINE_START + 1, 0, None) * DECLINE_PER_MONTH
    for u in DECLINING_UNITS:
        decline[names.index(u)] = steps
    ex_dev = shock - decline  # deviation from the unit's level, months -2..35
    ex_level = np.array([UNITS[u][2] for u in names])[:, None] + ex_dev[:, LAG_MONTHS:] + ex_season
    # CX follows EX LAG_MONTHS later, plus its own noise.
    cx_own = rng.normal(0, 0.16, (len(names), MONTHS))
    cx_level = (
        np.array([UNITS[u][1] for u in names])[:, None]
        + 0.35 * ex_dev[:, :MONTHS]
        + cx_own
        + cx_season
    )
    weights = (size[:, None] * volume[None, :]).ravel()
    n_cx = rng.multinomial(cx_rows, weights / weights.sum())
    n_ex = rng.multinomial(ex_rows, weights / weights.sum())
    frame = pd.DataFrame(
        {
            "unit_idx": np.repeat(np.arange(len(names)), MONTHS),
            "unit": np.repeat(names, MONTHS),
            "t": np.tile(np.arange(MONTHS), len(names)),
            "month": np.tile(months.date, len(names)),
            "days": np.tile(months.days_in_month.to_numpy(), len(names)),
            "cx_level": cx_level.ravel(),
            "ex_level": ex_level.ravel(),
            "n_cx": n_cx,
            "n_ex": n_ex,
        }
    )
    frame["cx_offset"] = frame["n_cx"].cumsum() - frame["n_cx"]
    frame["ex_offset"] = frame["n_ex"].cumsum() - frame["n_ex"]
    return frame


def _pick(u: str, choices: dict) -> str:
    """SQL CASE picking a key of ``choices`` by cumulative share, from uniform ``u``."""
    total = sum(v[0] if isinstance(v, tuple) else v for v in choices.values())
    acc, parts = 0.0, []
    keys = list(choices)
    for key in keys[:-1]:
        v = choices[key]
        acc += (v[0] if isinstance(v, tuple) else v) / total
        parts.append(f"WHEN {u} < {acc:.6f} THEN {_lit(key)}")
    return f"CASE {' '.join(parts)} ELSE {_lit(keys[-1])} END"


def _effect(col: str, choices: dict) -> str:
    """SQL CASE giving the score effect of ``col``'s value."""
    parts = " ".join(f"WHEN {_lit(k)} THEN {v[1]}" for k, v in choices.items())
    return f"(CASE {col} {parts} ELSE 0 END)"


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _macros(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    # Uniform (0,1) and standard normal from a hash of (row id, draw number):
    # the same row gets the same draws whatever the thread count.
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO uni(i, k) AS "
        f"(((hash(i, k, {int(seed)}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO gauss(i, k) AS "
        "(sqrt(-2 * ln(uni(i, k))) * cos(2 * pi() * uni(i, k + 500)))"
    )
    con.execute("CREATE OR REPLACE TEMP MACRO clamp(x, lo, hi) AS least(greatest(x, lo), hi)")


def _templates(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        (theme, pol, i, text)
        for theme, by_pol in TEMPLATES.items()
        for pol, texts in by_pol.items()
        for i, text in enumerate(texts)
    ]
    rows += [
        (theme, pol, i, text)
        for theme, (pos, neg) in EX_TEMPLATES.items()
        for pol, texts in (("pos", pos), ("neg", neg))
        for i, text in enumerate(texts)
    ]
    con.execute("CREATE OR REPLACE TEMP TABLE demo_templates (theme VARCHAR, pol VARCHAR, i INTEGER, text VARCHAR)")
    con.executemany("INSERT INTO demo_templates VALUES (?, ?, ?, ?)", rows)


def _cx_sql() -> str:
    attrs = list(CX_WEIGHTS)
    # z_a = 0.5 * halo + 0.866 * own: attributes correlate as they do in real surveys.
    zs = ",\n".join(f"0.5 * gauss(id, 1) + 0.866 * gauss(id, {10 + i}) AS z_{a}" for i, a in enumerate(attrs))
    drive = " + ".join(f"{w} * z_{a}" for a, w in CX_WEIGHTS.items())
    zlist = "[" + ", ".join(f"z_{a}" for a in attrs) + "]"
    themes = "[" + ", ".join(_lit(THEME_OF[a]) for a in attrs) + "]"
    return f"""
    CREATE OR REPLACE TEMP TABLE demo_cx AS
    WITH rows AS (
        SELECT um.*, unnest(range(um.n_cx)) AS j FROM demo_um um
    ), drawn AS (
        SELECT *, cx_offset + j AS id,
            month + CAST(floor(uni(cx_offset + j, 2) * days) AS INTEGER)
                + to_seconds(CAST(floor(uni(cx_offset + j, 3) * 50400) AS BIGINT) + 25200) AS ts
        FROM rows
    ), cats AS (
        SELECT *,
            {_pick('uni(id, 4)', REGIONS)} AS region,
            {_pick('uni(id, 5)', CHANNELS)} AS channel,
            {_pick('uni(id, 6)', STAGES)} AS journey_stage,
            {_pick('uni(id, 7)', SEGMENTS)} AS segment,
            {zs}
        FROM drawn
    ), scored AS (
        SELECT *,
            cx_level + {_effect('channel', CHANNELS)} + {_effect('journey_stage', STAGES)}
                + {_effect('segment', SEGMENTS)} + {drive} + 1.55 * gauss(id, 30) AS x
        FROM cats
    )
    SELECT id, unit, ts, region, channel, journey_stage, segment, x,
        {', '.join(f'z_{a}' for a in attrs)},
        'C' || lpad(CAST(hash(id % 400000, 77) % 900000 + 100000 AS VARCHAR), 6, '0') AS customer_id,
        CASE WHEN uni(id, 40) < 0.03 THEN NULL ELSE clamp(round(x), 0, 10) END AS nps,
        CASE WHEN uni(id, 41) < 0.10 THEN NULL
             ELSE clamp(round(4.1 + 0.45 * (x - 7.8) + 0.55 * gauss(id, 31)), 1, 5) END AS csat,
        CASE WHEN journey_stage IN ('discover', 'use') OR uni(id, 42) < 0.2 THEN NULL
             ELSE clamp(round(5.1 + 0.5 * (x - 7.8) + 0.3 * z_waiting_time + 0.8 * gauss(id, 32)), 1, 7) END AS ces,
        CASE WHEN uni(id, 43) < (CASE WHEN channel IN ('social media', 'forum') THEN 0.9 ELSE 0.22 END)
             THEN {themes}[list_position({zlist},
                  CASE WHEN x >= 8 THEN list_max({zlist}) ELSE list_min({zlist}) END)] END AS theme,
        CASE WHEN x >= 8 THEN 'pos' ELSE 'neg' END AS pol
    FROM scored
    """


def _ex_sql() -> str:
    attrs = list(EX_WEIGHTS)
    zs = ",\n".join(f"0.5 * gauss(id, 101) + 0.866 * gauss(id, {110 + i}) AS z_{a}" for i, a in enumerate(attrs))
    drive = " + ".join(f"{w} * z_{a}" for a, w in EX_WEIGHTS.items())
    zlist = "[" + ", ".join(f"z_{a}" for a in attrs) + "]"
    names = "[" + ", ".join(_lit(a) for a in attrs) + "]"
    dept_effect = "(CASE department WHEN 'Customer Service' THEN -0.2 WHEN 'IT' THEN 0.15 ELSE 0 END)"
    return f"""
    CREATE OR REPLACE TEMP TABLE demo_ex AS
    WITH rows AS (
        SELECT um.*, unnest(range(um.n_ex)) AS j FROM demo_um um
    ), drawn AS (
        SELECT *, ex_offset + j + 1000000000 AS id,
            month + CAST(floor(uni(ex_offset + j + 1000000000, 2) * days) AS INTEGER)
                + to_seconds(CAST(floor(uni(ex_offset + j + 1000000000, 3) * 36000) AS BIGINT) + 28800) AS ts
        FROM rows
    ), cats AS (
        SELECT *,
            {_pick('uni(id, 4)', REGIONS)} AS region,
            {_pick('uni(id, 5)', POPULATIONS)} AS population,
            {_pick('uni(id, 6)', DEPARTMENTS)} AS dept_pick,
            {_pick('uni(id, 7)', TENURE)} AS tenure_band,
            {zs}
        FROM drawn
    ), shaped AS (
        SELECT *,
            CASE WHEN population = 'employee' THEN dept_pick ELSE 'Procurement' END AS department,
            ex_level + {_effect('tenure_band', TENURE)} + {drive} + 1.6 * gauss(id, 130) AS x0
        FROM cats
    ), scored AS (
        SELECT *, x0 + {dept_effect} + CASE WHEN population = 'employee' THEN 0 ELSE 0.35 END AS x
        FROM shaped
    )
    SELECT id, unit, unit_idx, ts, region, population, department, tenure_band, x,
        {', '.join(f'z_{a}' for a in attrs)},
        upper(left(population, 1)) || unit_idx || '-'
            || CAST(hash(id, 140, unit_idx) % CAST(120 + 60 * (unit_idx % 4) AS UBIGINT) AS VARCHAR) AS respondent_id,
        CASE WHEN uni(id, 40) < 0.02 THEN NULL ELSE clamp(round(x), 0, 10) END AS enps,
        CASE WHEN uni(id, 41) < 0.04 THEN NULL
             ELSE clamp(round(3.85 + 0.45 * (x - 7.4) + 0.5 * gauss(id, 131)), 1, 5) END AS engagement,
        CASE WHEN uni(id, 42) < 0.05 THEN NULL
             ELSE clamp(round(3.6 + 0.4 * (x - 7.4) + 0.6 * gauss(id, 132)), 1, 5) END AS satisfaction,
        CASE WHEN uni(id, 43) < 0.2 THEN {names}[list_position({zlist},
             CASE WHEN x >= 8 THEN list_max({zlist}) ELSE list_min({zlist}) END)] END AS theme,
        CASE WHEN x >= 8 THEN 'pos' ELSE 'neg' END AS pol
    FROM scored
    """


def _rating_sql(kind: str, table: str, attrs: list[str], share: float, prefix: str) -> str:
    """Long-format 1-5 attribute ratings for a ``share`` of responses."""
    unpivot = " UNION ALL ".join(
        f"SELECT {prefix} || id AS response_id, {_lit(a)} AS attribute, "
        f"clamp(round(3.45 + 0.95 * z_{a}), 1, 5) AS score FROM {table} WHERE uni(id, 60) < {share}"
        for a in attrs
    )
    return (
        "INSERT INTO attribute_ratings (response_id, kind, attribute, score, scale_max, source) "
        f"SELECT response_id, {_lit(kind)}, attribute, score, 5, 'demo' FROM ({unpivot})"
    )


def _outcomes(um: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Monthly business outcomes per unit, related to NPS one month earlier."""
    rng = np.random.default_rng(seed + 1)
    um = um.sort_values(["unit_idx", "t"]).copy()
    lagged = um.groupby("unit_idx")["cx_level"].shift(1).fillna(um["cx_level"])  # 432 rows, not responses
    active = np.round(18000 * np.array([UNITS[u][0] for u in um["unit"]]) * (1 + 0.004 * um["t"]))
    retention = np.clip(0.905 + 0.04 * (lagged - 7.8) + rng.normal(0, 0.003, len(um)), 0.6, 0.995)
    retained = np.round(active * retention)
    arpu = 40 + 12 * um["unit_idx"] % 5
    month_of_year = pd.to_datetime(um["month"]).dt.month
    revenue = active * arpu * (1 + 0.3 * (month_of_year == 12)) * (1 + rng.normal(0, 0.02, len(um)))
    complaints = np.round(active * np.clip(0.004 - 0.0015 * (lagged - 7.8), 0.0005, None))
    metrics = {
        "active_customers": active,
        "retained_customers": retained,
        "retention_rate": retained / active,
        "churn_rate": 1 - retained / active,
        "revenue": np.round(revenue, 2),
        "complaints": complaints,
    }
    return pd.concat(
        [pd.DataFrame({"month": um["month"], "business_unit": um["unit"], "metric": m, "value": v}) for m, v in metrics.items()],
        ignore_index=True,
    )


def build(
    con: duckdb.DuckDBPyConnection,
    cx_rows: int = DEFAULT_CX_ROWS,
    ex_rows: int = DEFAULT_EX_ROWS,
    seed: int = 42,
    attribute_share: float = 0.25,
) -> dict[str, int]:
    """Replace every response, rating and outcome in ``con`` with demo data.

    Runs in one transaction; returns the row counts per table.
    """
    um = unit_months(cx_rows, ex_rows, seed)
    outcomes = _outcomes(um, seed)
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("cx_responses", "ex_responses", "attribute_ratings", "business_outcomes"):
            con.execute(f"DELETE FROM {table}")
        _macros(con, seed)
        _templates(con)
        con.register("demo_um_df", um)
        con.execute("CREATE OR REPLACE TEMP TABLE demo_um AS SELECT * FROM demo_um_df")
        con.unregister("demo_um_df")
        con.execute(_cx_sql())
        con.execute(_ex_sql())
        con.execute("""
            INSERT INTO cx_responses (response_id, source, submitted_at, business_unit, region, channel,
                journey_stage, segment, customer_id, nps, csat, ces, comment)
            SELECT 'R' || id, 'demo', ts, unit, region, channel, journey_stage, segment, customer_id,
                nps, csat, ces, t.text
            FROM demo_cx c LEFT JOIN demo_templates t
              ON t.theme = c.theme AND t.pol = c.pol AND t.i = hash(c.id, 44) % 4
            ORDER BY ts""")
        con.execute("""
            INSERT INTO ex_responses (response_id, source, submitted_at, population, business_unit, region,
                department, tenure_band, respondent_id, enps, engagement, satisfaction, comment)
            SELECT 'X' || id, 'demo', ts, population, unit, region, department, tenure_band, respondent_id,
                enps, engagement, satisfaction, t.text
            FROM demo_ex e LEFT JOIN demo_templates t
              ON t.theme = e.theme AND t.pol = e.pol AND t.i = hash(e.id, 44) % 2
            ORDER BY ts""")
        con.execute(_rating_sql("cx", "demo_cx", list(CX_WEIGHTS), attribute_share, "'R'"))
        con.execute(_rating_sql("ex", "demo_ex", list(EX_WEIGHTS), attribute_share, "'X'"))
        con.register("demo_outcomes_df", outcomes)
        con.execute("INSERT INTO business_outcomes (month, business_unit, metric, value) SELECT * FROM demo_outcomes_df")
        con.unregister("demo_outcomes_df")
        for t in ("demo_cx", "demo_ex", "demo_um", "demo_templates"):
            con.execute(f"DROP TABLE {t}")
        ex_guard.refresh(con)  # the employee reporting cells every figure reads
        voc.score_missing(con)  # sentiment of each distinct comment, once
        rollup.refresh(con)  # the customer cells the KPIs, themes and drivers read (after the sentiment)
        db.set_meta(con, "demo_seed", str(seed))
        db.set_meta(con, "as_of", AS_OF.isoformat())
        db.bump_data_version(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("cx_responses", "ex_responses", "attribute_ratings", "business_outcomes")
    }
