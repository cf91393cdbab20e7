"""cx_metrics.demo: the deterministic demo database tells the story it promises.

The demo is built once per module, small (60k customer and 20k employee
responses, well under a second), and every check reads it with SQL.
"""

from datetime import date

import pytest

from cx_metrics import db, demo, kpis
from cx_metrics.filters import JOURNEY_STAGES, Filters

CX_ROWS, EX_ROWS = 60_000, 20_000

CHECKSUMS = {
    "cx_responses": "hash(response_id, submitted_at, business_unit, region, channel, journey_stage, segment,"
                    " customer_id, nps, csat, ces, comment)",
    "ex_responses": "hash(response_id, submitted_at, population, business_unit, region, department,"
                    " tenure_band, respondent_id, enps, engagement, satisfaction, comment)",
    "attribute_ratings": "hash(response_id, kind, attribute, score, scale_max)",
    "business_outcomes": "hash(month, business_unit, metric, value)",
}


def checksums(con) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent sum of row hashes, per table."""
    return {t: con.execute(f"SELECT count(*), sum({e}) FROM {t}").fetchone() for t, e in CHECKSUMS.items()}


@pytest.fixture(scope="module")
def built():
    con = db.connect(":memory:")
    counts = demo.build(con, CX_ROWS, EX_ROWS, seed=42)
    yield con, counts
    con.close()


@pytest.fixture
def con(built):
    return built[0]


def values(con, sql):
    return [r[0] for r in con.execute(sql).fetchall()]


# --- determinism ----------------------------------------------------------------------

def test_same_seed_same_rows_and_rebuild_replaces(built):
    con, _ = built
    expected = checksums(con)
    other = db.connect(":memory:")
    demo.build(other, CX_ROWS, EX_ROWS, seed=43)
    different = checksums(other)
    demo.build(other, CX_ROWS, EX_ROWS, seed=42)  # a rebuild replaces the seed-43 rows
    assert checksums(other) == expected
    other.close()
    for table in CHECKSUMS:
        assert different[table][1] != expected[table][1], table
    # Same row counts for another seed: the sizes are the caller's.
    assert different["cx_responses"][0] == CX_ROWS and different["ex_responses"][0] == EX_ROWS


def test_counts_and_meta(built):
    con, counts = built
    assert counts == {t: n for t, (n, _) in checksums(con).items()}
    assert (counts["cx_responses"], counts["ex_responses"]) == (CX_ROWS, EX_ROWS)
    assert counts["business_outcomes"] == 12 * 36 * 6  # units x months x metrics
    assert db.get_meta(con, "demo_seed") == "42"
    assert db.get_meta(con, "as_of") == demo.AS_OF.isoformat() == "2026-10-31"
    assert db.data_version(con) == 1
    tables = values(con, "SELECT table_name FROM information_schema.tables")
    assert not [t for t in tables if t.startswith("demo_")]  # scratch tables dropped


# --- shape ----------------------------------------------------------------------------

MONTHS = [date(2023 + (10 + i) // 12, (10 + i) % 12 + 1, 1) for i in range(36)]  # Nov 2023 .. Oct 2026


@pytest.mark.parametrize(
    ("table", "col"),
    [("cx_responses", "submitted_at"), ("ex_responses", "submitted_at"), ("business_outcomes", "month")],
)
def test_36_months_ending_at_as_of(con, table, col):
    assert MONTHS[0] == date(2023, 11, 1) and MONTHS[-1] == date(2026, 10, 1)
    months = values(con, f"SELECT DISTINCT date_trunc('month', {col})::DATE AS m FROM {table} ORDER BY m")
    assert months == MONTHS
    assert values(con, f"SELECT max({col})::DATE FROM {table}")[0] <= demo.AS_OF


@pytest.mark.parametrize(
    ("table", "col", "expected"),
    [
        ("cx_responses", "business_unit", set(demo.UNITS)),
        ("ex_responses", "business_unit", set(demo.UNITS)),
        ("business_outcomes", "business_unit", set(demo.UNITS)),
        ("cx_responses", "region", set(demo.REGIONS)),
        ("ex_responses", "region", set(demo.REGIONS)),
        ("cx_responses", "channel", {"store", "web", "app", "call centre", "social media", "forum"}),
        ("cx_responses", "journey_stage", set(JOURNEY_STAGES)),
        ("cx_responses", "segment", {"consumer", "small business", "enterprise"}),
        ("ex_responses", "population", {"employee", "supplier", "vendor"}),
    ],
)
def test_dimension_values(con, table, col, expected):
    assert set(values(con, f"SELECT DISTINCT {col} FROM {table}")) == expected


@pytest.mark.parametrize(
    ("col", "count"),
    [("business_unit", 12), ("region", 5), ("channel", 6), ("journey_stage", 6), ("segment", 3)],
)
def test_dimension_counts(con, col, count):
    assert values(con, f"SELECT count(DISTINCT {col}) FROM cx_responses")[0] == count


def test_suppliers_and_vendors(con):
    shares = dict(con.execute(
        "SELECT population, count(*) / sum(count(*)) OVER () FROM ex_responses GROUP BY 1").fetchall())
    assert shares["employee"] == pytest.approx(0.85, abs=0.02)
    assert shares["supplier"] == pytest.approx(0.10, abs=0.02)
    assert shares["vendor"] == pytest.approx(0.05, abs=0.02)
    # partners answer for the procurement relationship, not an internal department
    sql = "SELECT DISTINCT department FROM ex_responses WHERE population <> 'employee'"
    partner_departments = values(con, sql)
    assert partner_departments == ["Procurement"]


@pytest.mark.parametrize(("kind", "attributes"), [("cx", set(demo.CX_WEIGHTS)), ("ex", set(demo.EX_WEIGHTS))])
def test_attribute_ratings(con, kind, attributes):
    got = values(con, f"SELECT DISTINCT attribute FROM attribute_ratings WHERE kind = '{kind}'")
    assert set(got) == attributes
    lo, hi, scale, per_attribute = con.execute(
        f"SELECT min(score), max(score), max(scale_max), count(*) / count(DISTINCT attribute)"
        f" FROM attribute_ratings WHERE kind = '{kind}'").fetchone()
    assert (lo, hi, scale) == (1.0, 5.0, 5.0)
    # about a quarter of the responses are rated
    table = "cx_responses" if kind == "cx" else "ex_responses"
    assert per_attribute / (CX_ROWS if kind == "cx" else EX_ROWS) == pytest.approx(0.25, abs=0.02)
    # every rating belongs to a response
    orphans = con.execute(
        f"SELECT count(*) FROM attribute_ratings a ANTI JOIN {table} r USING (response_id)"
        f" WHERE a.kind = '{kind}'"
    ).fetchone()[0]
    assert orphans == 0


def test_business_outcomes(con):
    metrics = {"active_customers", "retained_customers", "retention_rate", "churn_rate", "revenue",
               "complaints"}
    assert set(values(con, "SELECT DISTINCT metric FROM business_outcomes")) == metrics
    wide = con.execute("""
        PIVOT business_outcomes ON metric USING first(value) GROUP BY month, business_unit""").df()
    assert len(wide) == 12 * 36
    assert (wide["retained_customers"] <= wide["active_customers"]).all()
    rate = wide["retained_customers"] / wide["active_customers"]
    assert (wide["retention_rate"] - rate).abs().max() < 1e-12
    assert (wide["retention_rate"] + wide["churn_rate"] - 1).abs().max() < 1e-12
    assert (wide["revenue"] > 0).all() and (wide["complaints"] >= 0).all()


@pytest.mark.parametrize(
    ("table", "col", "lo", "hi"),
    [
        ("cx_responses", "nps", 0, 10), ("cx_responses", "csat", 1, 5), ("cx_responses", "ces", 1, 7),
        ("ex_responses", "enps", 0, 10), ("ex_responses", "engagement", 1, 5),
        ("ex_responses", "satisfaction", 1, 5),
    ],
)
def test_score_ranges_use_the_whole_scale(con, table, col, lo, hi):
    got_lo, got_hi, blanks = con.execute(
        f"SELECT min({col}), max({col}), count(*) - count({col}) FROM {table}"
    ).fetchone()
    assert (got_lo, got_hi) == (lo, hi)
    assert blanks > 0  # some blanks, as in a real survey


# --- comments -------------------------------------------------------------------------

CX_POS = {t for by in demo.TEMPLATES.values() for t in by["pos"]}
CX_NEG = {t for by in demo.TEMPLATES.values() for t in by["neg"]}
EX_POS = {t for pos, _ in demo.EX_TEMPLATES.values() for t in pos}
EX_NEG = {t for _, neg in demo.EX_TEMPLATES.values() for t in neg}


@pytest.mark.parametrize(
    ("table", "score", "pos", "neg"),
    [("cx_responses", "nps", CX_POS, CX_NEG), ("ex_responses", "enps", EX_POS, EX_NEG)],
)
def test_comments_match_sentiment(con, table, score, pos, neg):
    comments = con.execute(f"SELECT {score}, comment FROM {table} WHERE comment IS NOT NULL").fetchall()
    assert len(comments) > 1000
    assert {c for _, c in comments} <= pos | neg  # every comment is a template
    promoters = [c for s, c in comments if s is not None and s >= 9]
    detractors = [c for s, c in comments if s is not None and s <= 6]
    assert len(promoters) > 100 and len(detractors) > 100
    assert sum(c in pos for c in promoters) / len(promoters) >= 0.95
    assert sum(c in neg for c in detractors) / len(detractors) >= 0.95


def test_social_channels_comment_more(con):
    rate = dict(con.execute(
        "SELECT channel, avg((comment IS NOT NULL)::INT) FROM cx_responses GROUP BY 1").fetchall())
    assert rate["social media"] > 0.8 and rate["forum"] > 0.8
    assert 0.1 < rate["store"] < 0.3


# --- the planted decline --------------------------------------------------------------

LAST_3_MONTHS = Filters(date(2026, 8, 1), date(2026, 10, 31))


def test_declining_units_enps_falls_over_the_year(con):
    assert demo.DECLINING_UNITS == ("Electronics", "Travel")
    deltas = {}
    for unit in demo.UNITS:
        f = Filters(LAST_3_MONTHS.start, LAST_3_MONTHS.end, business_units=(unit,))
        s = kpis.enps(con, f, compare="year")
        deltas[unit] = s.delta
        if unit in demo.DECLINING_UNITS:
            assert s.value < s.previous - 30, unit  # clearly below a year before
            assert s.significant is True, unit
    # and the two planted units are the two biggest fallers
    assert sorted(deltas, key=deltas.get)[:2] == sorted(demo.DECLINING_UNITS, key=deltas.get)
