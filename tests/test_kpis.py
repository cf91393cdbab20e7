"""cx_metrics.kpis on tiny in-memory databases.

Every case inserts a handful of rows naming only the contract columns of
migration 1 and compares the result with a value worked by hand in the
comment beside it.
"""

import json
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from cx_metrics import audit, db, ex_guard, kpis
from cx_metrics.filters import Filters
from cx_metrics.kpis import Score

TOL = 1e-9
JAN = Filters(date(2026, 1, 1), date(2026, 1, 31))


def approx(x):
    return pytest.approx(x, abs=TOL)


@pytest.fixture
def con():
    c = db.connect(":memory:")
    yield c
    c.close()


def add_cx(con, when, *, nps=None, csat=None, ces=None, unit="A", region="North", channel="web",
           stage="buy", segment="consumer"):
    rid = "R%d" % con.execute("SELECT count(*) FROM cx_responses").fetchone()[0]
    con.execute(
        """INSERT INTO cx_responses (response_id, submitted_at, business_unit, region, channel,
               journey_stage, segment, nps, csat, ces) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [rid, when, unit, region, channel, stage, segment, nps, csat, ces],
    )


def add_ex(con, when, respondent, *, enps=None, engagement=None, unit="A", region="North"):
    rid = "X%d" % con.execute("SELECT count(*) FROM ex_responses").fetchone()[0]
    con.execute(
        """INSERT INTO ex_responses (response_id, submitted_at, business_unit, region, respondent_id,
               enps, engagement) VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [rid, when, unit, region, respondent, enps, engagement],
    )
    # The product reads EX only through the guard's reporting cells: rebuild them.
    ex_guard.ensure_fresh(con)


def add_outcome(con, month, unit, active, retained):
    con.executemany(
        "INSERT INTO business_outcomes (month, business_unit, metric, value) VALUES (?, ?, ?, ?)",
        [(month, unit, "active_customers", active), (month, unit, "retained_customers", retained),
         (month, unit, "revenue", 123456.0)],  # another metric, which retention must ignore
    )


def noon(day: int, month: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, day, 12)


# Ten January responses. NULLs are blanks and must not count in n.
CX_NPS = [10, 10, 9, 9, 9, 8, 7, 7, 6, 0]  # 5 promoters, 3 passives, 2 detractors
CX_CSAT = [5, 5, 4, 4, 4, 4, 3, 2, 1, None]  # n = 9, 6 favourable (4-5)
CX_CES = [7, 6, 5, 5, 4, 3, 2, 1, None, None]  # n = 8, sum 33, sum sq 165, 4 in 5-7
EX_ENPS = [10, 10, 9, 9, 8, 7, 6, 5, 3, None]  # n = 9, 4 promoters, 3 detractors
EX_ENG = [5, 4, 4, 4, 3, 2, 1, 5, 4, None]  # n = 9, 6 favourable (4-5)


@pytest.fixture
def january(con):
    for i in range(10):
        add_cx(con, noon(i + 1), nps=CX_NPS[i], csat=CX_CSAT[i], ces=CX_CES[i])
        add_ex(con, noon(i + 1), f"e{i}", enps=EX_ENPS[i], engagement=EX_ENG[i])
    add_outcome(con, date(2026, 1, 1), "A", 1000, 900)
    add_outcome(con, date(2026, 1, 1), "B", 500, 400)
    add_outcome(con, date(2025, 12, 1), "A", 1000, 100)  # outside January
    add_outcome(con, date(2026, 2, 1), "A", 1000, 100)  # outside January
    return con


# --- values, n and intervals ----------------------------------------------------------

@pytest.mark.parametrize(
    ("kpi", "value", "n", "ci_low", "ci_high"),
    [
        # p=.5, d=.2: 30; SE = 100*sqrt(((.7)-(.3)^2)/10) = 24.698178; 30 -/+ 1.959964 * SE
        ("nps", 30.0, 10, -18.40753950185257, 78.40753950185257),
        # 6/9 = 66.67%; Wilson(6, 9) = (.354202, .879416)
        ("csat", 66.66666666666667, 9, 35.420213558039634, 87.9416181613089),
        # mean 33/8 = 4.125; sd = sqrt((165 - 8*4.125^2)/7) = 2.031010;
        # t(.975, 7) = 2.364624; 4.125 -/+ 2.364624 * 2.031010 / sqrt(8)
        ("ces", 4.125, 8, 2.4270334814002688, 5.822966518599731),
        # p=4/9, d=3/9: 11.11; SE = 100*sqrt((7/9 - 1/81)/9) = 29.162992
        ("enps", 11.11111111111111, 9, -46.04730313721461, 68.26952535943684),
        ("engagement", 66.66666666666667, 9, 35.420213558039634, 87.9416181613089),
        # (900 + 400) / (1000 + 500) = 86.67%; Wilson(1300, 1500); n = active customers
        ("retention", 86.66666666666667, 1500, 84.85237662771262, 88.29363178614075),
    ],
)
def test_kpi_values(january, kpi, value, n, ci_low, ci_high):
    s = getattr(kpis, kpi)(january, JAN)
    assert (s.kpi, s.value, s.n) == (kpi, approx(value), n)
    assert (s.ci_low, s.ci_high) == (approx(ci_low), approx(ci_high))
    assert s.suppressed is False
    assert s.previous is s.delta is s.p_value is s.significant is None


def test_ces_top_box(january):
    # 4 of the 8 answers are 5-7
    assert kpis.ces(january, JAN).top_box == 50.0
    assert kpis.csat(january, JAN).top_box is None


def test_scorecard_matches_the_single_kpi_functions(january):
    card = kpis.scorecard(january, JAN)
    assert list(card) == list(kpis.KPIS)
    for key, score in card.items():
        assert score == getattr(kpis, key)(january, JAN)


@pytest.mark.parametrize("kpi", ["nps", "csat", "ces"])
def test_blank_scores_are_not_counted(con, kpi):
    # Three answers and three blanks (each blank row answers another question).
    other = {"nps": "csat", "csat": "ces", "ces": "nps"}[kpi]
    for v in (5, 5, 5):
        add_cx(con, noon(3), **{kpi: v})
    for _ in range(3):
        add_cx(con, noon(3), **{other: 5})
    assert getattr(kpis, kpi)(con, JAN).n == 3


@pytest.mark.parametrize("kpi", ["nps", "csat", "ces", "retention"])
def test_empty_cx_and_retention(con, kpi):
    s = getattr(kpis, kpi)(con, JAN)
    assert (s.value, s.n, s.ci_low, s.ci_high, s.top_box) == (None, 0, None, None, None)
    assert s.shown is False


@pytest.mark.parametrize(
    ("kpi", "score", "value", "ci_low", "ci_high"),
    [
        # one response: NPS 100 with SE 0; Wilson(1, 1); CES has no interval (n < 2)
        ("nps", 10, 100.0, 100.0, 100.0),
        ("nps", 0, -100.0, -100.0, -100.0),
        ("csat", 5, 100.0, 20.654931437723745, 100.0),
        ("ces", 6, 6.0, None, None),
    ],
)
def test_one_response(con, kpi, score, value, ci_low, ci_high):
    add_cx(con, noon(5), **{kpi: score})
    s = getattr(kpis, kpi)(con, JAN)
    assert (s.value, s.n, s.low_base) == (value, 1, True)
    assert s.ci_low == (None if ci_low is None else approx(ci_low))
    assert s.ci_high == (None if ci_high is None else approx(ci_high))


# --- dates ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("start", "end", "n"),
    [
        # rows: 31 Dec 23:59:59, 1 Jan 00:00:00, 31 Jan 23:59:59, 1 Feb 00:00:00
        (date(2026, 1, 1), date(2026, 1, 31), 2),  # both January rows, both ends inclusive
        (date(2026, 1, 31), date(2026, 1, 31), 1),  # a one-day period
        (date(2026, 2, 1), date(2026, 2, 28), 1),  # midnight belongs to the new day
        (date(2025, 12, 31), date(2026, 2, 1), 4),
        (date(2026, 1, 2), date(2026, 1, 30), 0),
    ],
)
def test_date_range_is_inclusive_calendar_days(con, start, end, n):
    for ts in (datetime(2025, 12, 31, 23, 59, 59), datetime(2026, 1, 1, 0, 0, 0),
               datetime(2026, 1, 31, 23, 59, 59), datetime(2026, 2, 1, 0, 0, 0)):
        add_cx(con, ts, csat=5)
    assert kpis.csat(con, Filters(start, end)).n == n


@pytest.mark.parametrize(
    ("start", "end", "value", "n"),
    [
        # Months: Dec 300/1000, Jan 900/1000, Feb 600/1000. A month counts when its
        # 15th day lies in the period.
        (date(2026, 1, 1), date(2026, 1, 31), 90.0, 1000),
        (date(2026, 1, 15), date(2026, 1, 31), 90.0, 1000),  # holds 15 Jan
        (date(2026, 1, 16), date(2026, 1, 31), None, 0),  # holds no month's 15th
        (date(2026, 1, 15), date(2026, 2, 10), 90.0, 1000),  # 15 Feb is outside
        (date(2026, 1, 10), date(2026, 2, 15), 75.0, 2000),  # (900 + 600) / 2000
        (date(2025, 12, 2), date(2026, 2, 28), 60.0, 3000),  # (300 + 900 + 600) / 3000
    ],
)
def test_retention_months(con, start, end, value, n):
    for month, retained in ((date(2025, 12, 1), 300), (date(2026, 1, 1), 900), (date(2026, 2, 1), 600)):
        add_outcome(con, month, "A", 1000, retained)
    s = kpis.retention(con, Filters(start, end))
    assert (s.value, s.n) == (approx(value), n)


# --- filters --------------------------------------------------------------------------

# unit, region, channel, journey stage, segment
FILTER_ROWS = [
    ("A", "North", "web", "buy", "consumer"),
    ("A", "North", "app", "buy", "consumer"),
    ("A", "South", "store", "use", "enterprise"),
    ("B", "South", "web", "get help", "consumer"),
    ("B", "North", "web", "use", "enterprise"),
    ("B", "South", "app", "buy", "consumer"),
    ("A", "North", "store", "get help", "consumer"),
    ("B", "South", "web", "buy", "enterprise"),
]


@pytest.mark.parametrize(
    ("filters", "n"),
    [
        ({}, 8),
        ({"business_units": ("A",)}, 4),  # rows 1, 2, 3, 7
        ({"business_units": ("A", "B")}, 8),  # values within a filter are OR-ed
        ({"regions": ("North",)}, 4),  # 1, 2, 5, 7
        ({"regions": ("South",)}, 4),
        ({"channels": ("web",)}, 4),  # 1, 4, 5, 8
        ({"channels": ("app", "store")}, 4),  # 2, 6 + 3, 7
        ({"journey_stages": ("buy",)}, 4),  # 1, 2, 6, 8
        ({"journey_stages": ("get help",)}, 2),  # 4, 7
        ({"segments": ("enterprise",)}, 3),  # 3, 5, 8
        ({"segments": ("consumer",)}, 5),
        ({"business_units": ("A",), "channels": ("web",)}, 1),  # filters are AND-ed: row 1
        ({"business_units": ("B",), "regions": ("South",)}, 3),  # 4, 6, 8
        ({"business_units": ("Z",)}, 0),  # an unknown value: nothing
    ],
)
def test_cx_filters(con, filters, n):
    for i, (unit, region, channel, stage, segment) in enumerate(FILTER_ROWS):
        add_cx(con, noon(i + 1), nps=10, unit=unit, region=region, channel=channel, stage=stage,
               segment=segment)
    f = Filters(JAN.start, JAN.end, **filters)
    assert kpis.nps(con, f).n == n


@pytest.fixture
def two_units(con):
    # Five respondents in unit A (North), five in unit B (South); one month of outcomes each.
    for i in range(5):
        add_ex(con, noon(i + 1), f"a{i}", enps=10, engagement=5, unit="A", region="North")
        add_ex(con, noon(i + 1), f"b{i}", enps=0, engagement=1, unit="B", region="South")
    add_outcome(con, date(2026, 1, 1), "A", 100, 90)
    add_outcome(con, date(2026, 1, 1), "B", 100, 70)
    return con


@pytest.mark.parametrize(
    ("filters", "enps", "n"),
    [
        ({}, 0.0, 10),  # 5 promoters, 5 detractors
        ({"business_units": ("A",)}, 100.0, 5),  # each unit is a reporting cell of 5 people
        ({"business_units": ("B",)}, -100.0, 5),
        ({"business_units": ("A", "B")}, 0.0, 10),
    ],
)
def test_ex_filters(two_units, filters, enps, n):
    s = kpis.enps(two_units, Filters(JAN.start, JAN.end, **filters))
    assert (s.value, s.n, s.suppressed, s.reason) == (enps, n, False, None)


@pytest.mark.parametrize(
    ("filters", "value", "n"),
    [({}, 80.0, 200), ({"business_units": ("B",)}, 70.0, 100)],  # (90 + 70) / 200; 70 / 100
)
def test_retention_unit_filter(two_units, filters, value, n):
    s = kpis.retention(two_units, Filters(JAN.start, JAN.end, **filters))
    assert (s.value, s.n) == (approx(value), n)


@pytest.mark.parametrize(
    "filters",
    [{"channels": ("web",)}, {"segments": ("consumer",)}, {"journey_stages": ("buy",)},
     {"business_units": ("A",), "channels": ("web",)},
     {"regions": ("South",)}],  # region is not an EX reporting dimension (nor a retention column)
)
def test_filter_on_a_missing_column_empties_ex_and_retention(two_units, filters):
    card = kpis.scorecard(two_units, Filters(JAN.start, JAN.end, **filters))
    for key in ("enps", "engagement"):
        # empty for the filter, not hidden for anonymity: the reason says which
        assert (card[key].value, card[key].n, card[key].suppressed, card[key].reason) == (None, None, False, "filter")
    assert (card["retention"].value, card["retention"].n) == (None, 0)


def test_region_filter_empties_retention(two_units):
    # business_outcomes has no region column
    s = kpis.retention(two_units, Filters(JAN.start, JAN.end, regions=("North",)))
    assert (s.value, s.n) == (None, 0)


def test_retention_more_retained_than_active_does_not_crash(con):
    add_outcome(con, date(2026, 1, 1), "A", 100, 110)
    assert kpis.retention(con, JAN).value == approx(110.0)


# --- CX low base, EX anonymity --------------------------------------------------------

@pytest.mark.parametrize(("n", "low_base"), [(1, True), (29, True), (30, False), (31, False)])
def test_cx_low_base(con, n, low_base):
    for i in range(n):
        add_cx(con, noon(i % 28 + 1), nps=10)
    s = kpis.nps(con, JAN)
    assert (s.n, s.value, s.low_base, s.suppressed) == (n, 100.0, low_base, False)


@pytest.mark.parametrize(
    ("respondents", "shown"),
    [
        (["a", "b", "c", "d"], False),  # 4 respondents
        (["a", "b", "c", "d", "e"], True),  # 5 respondents
        (["a", "a", "b", "c", "d", "d"], False),  # 6 responses, 4 distinct respondents
        (["a", "a", "b", "c", "d", "e"], True),  # 6 responses, 5 respondents
        ([None] * 5, True),  # no respondent_id: each response counts as one
        ([None] * 4, False),
        (["a", "b", "c", "d", None], True),  # 4 known + 1 anonymous response
    ],
)
def test_ex_anonymity(con, respondents, shown):
    for i, who in enumerate(respondents):
        add_ex(con, noon(i + 1), who, enps=10, engagement=5)
    for s in (kpis.enps(con, JAN), kpis.engagement(con, JAN)):
        if shown:
            assert (s.value, s.n, s.suppressed) == (100.0, len(respondents), False)
        else:  # the month's only cell is too small: never counted, hidden
            assert (s.value, s.n, s.ci_low, s.ci_high, s.suppressed, s.reason) == (
                None, None, None, None, True, "hidden")
        assert s.low_base is False


def test_ex_respondents_counted_per_question(con):
    # Five respondents answer engagement, but one leaves eNPS blank: eNPS has 4,
    # so the cell's eNPS is blanked for all five (hidden) while its engagement shows.
    for i in range(5):
        add_ex(con, noon(i + 1), f"e{i}", enps=None if i == 0 else 9, engagement=4)
    s = kpis.enps(con, JAN)
    assert (s.value, s.n, s.suppressed, s.reason) == (None, None, True, "hidden")
    assert (kpis.engagement(con, JAN).value, kpis.engagement(con, JAN).n) == (100.0, 5)


# --- comparison -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("start", "end", "compare", "c_start", "c_end"),
    [
        (date(2026, 1, 8), date(2026, 1, 14), "previous", date(2026, 1, 1), date(2026, 1, 7)),
        (date(2026, 1, 8), date(2026, 1, 8), "previous", date(2026, 1, 7), date(2026, 1, 7)),
        # whole calendar months: the same number of calendar months just before
        (date(2026, 3, 1), date(2026, 3, 31), "previous", date(2026, 2, 1), date(2026, 2, 28)),  # March -> Feb
        (date(2026, 9, 1), date(2026, 9, 30), "previous", date(2026, 8, 1), date(2026, 8, 31)),  # Sep -> Aug
        (date(2026, 1, 1), date(2026, 3, 31), "previous", date(2025, 10, 1), date(2025, 12, 31)),  # Q1 -> Q4
        (date(2026, 7, 1), date(2026, 9, 30), "previous", date(2026, 4, 1), date(2026, 6, 30)),  # Q3 -> Q2
        (date(2026, 1, 1), date(2026, 12, 31), "previous", date(2025, 1, 1), date(2025, 12, 31)),  # year
        (date(2026, 8, 1), date(2026, 10, 31), "previous", date(2026, 5, 1), date(2026, 7, 31)),  # 3 months
        # anything else: the same number of days just before (31 days before 2 March: 30 Jan - 1 Mar)
        (date(2026, 3, 2), date(2026, 4, 1), "previous", date(2026, 1, 30), date(2026, 3, 1)),
        (date(2026, 1, 2), date(2026, 3, 31), "previous", date(2025, 10, 5), date(2026, 1, 1)),  # 89 days
        (date(2026, 10, 1), date(2026, 10, 31), "year", date(2025, 10, 1), date(2025, 10, 31)),
        (date(2024, 2, 29), date(2024, 2, 29), "year", date(2023, 2, 28), date(2023, 2, 28)),
        (date(2024, 2, 1), date(2024, 2, 29), "year", date(2023, 2, 1), date(2023, 2, 28)),
        (date(2025, 2, 28), date(2025, 2, 28), "year", date(2024, 2, 28), date(2024, 2, 28)),
    ],
)
def test_comparison_period(start, end, compare, c_start, c_end):
    other = Filters(start, end, regions=("North",)).comparison(compare)
    assert (other.start, other.end, other.regions) == (c_start, c_end, ("North",))


@pytest.mark.parametrize(
    ("start", "end", "compare", "rule"),
    [
        (date(2026, 7, 1), date(2026, 9, 30), "previous", "previous calendar quarter"),
        (date(2026, 9, 1), date(2026, 9, 30), "previous", "previous calendar month"),
        (date(2026, 1, 1), date(2026, 12, 31), "previous", "previous calendar year"),
        (date(2026, 8, 1), date(2026, 10, 31), "previous", "previous 3 calendar months"),
        (date(2026, 8, 2), date(2026, 10, 31), "previous", "previous 91 days"),
        (date(2026, 9, 1), date(2026, 9, 30), "year", "same period last year"),
    ],
)
def test_comparison_rule_in_words(start, end, compare, rule):
    assert Filters(start, end).comparison_rule(compare) == rule


def test_calendar_comparison_over_every_month_span():
    """Invariant: for any whole-month period, the comparison is whole months too, as many, ending the day before."""
    for first in range(24):
        for months in range(1, 25):
            start = date(2025 + first // 12, first % 12 + 1, 1)
            last = date(start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1, 1)
            f = Filters(start, last - timedelta(days=1))
            other = f.comparison("previous")
            assert other.end == start - timedelta(days=1)
            assert other.calendar_months() == f.calendar_months() == months


def test_comparison_unknown_mode():
    with pytest.raises(ValueError, match="unknown comparison"):
        JAN.comparison("week")


def test_filters_reject_end_before_start():
    with pytest.raises(ValueError, match="before start"):
        Filters(date(2026, 1, 31), date(2026, 1, 1))


CUR_NPS = [10, 10, 9, 9, 9, 8, 7, 7, 6, 0]  # NPS 30
PREV_NPS = [10, 9, 8, 8, 7, 6, 5, 3, 1, 0]  # 2 promoters, 5 detractors: NPS -30
CUR_CSAT = [5, 5, 5, 4, 4, 4, 4, 4, 4, 1]  # 9/10 = 90%
PREV_CSAT = [5, 4, 3, 3, 3, 2, 2, 1, 1, 1]  # 2/10 = 20%
CUR_CES = [7, 6, 5, 5, 4, 3, 2, 1, None, None]  # mean 4.125, sd 2.031010, n 8
PREV_CES = [1, 2, 3, 4, 5, None, None, None, None, None]  # mean 3, sd 1.581139, n 5
WEEK2 = Filters(date(2026, 1, 8), date(2026, 1, 14))  # previous: 1-7 January


@pytest.fixture
def two_weeks(con):
    for i in range(10):
        add_cx(con, noon(8 + i % 7), nps=CUR_NPS[i], csat=CUR_CSAT[i], ces=CUR_CES[i])
        add_cx(con, noon(1 + i % 7), nps=PREV_NPS[i], csat=PREV_CSAT[i], ces=PREV_CES[i])
    # just outside both periods: would change every figure if counted
    add_cx(con, datetime(2025, 12, 31, 23, 59, 59), nps=0, csat=1, ces=1)
    add_cx(con, datetime(2026, 1, 15), nps=0, csat=1, ces=1)
    # EX (whole months): 5 respondents in January, only 4 in December 2025
    for i in range(5):
        add_ex(con, noon(9), f"e{i}", enps=10, engagement=5)
    for i in range(4):
        add_ex(con, noon(2, 12, 2025), f"e{i}", enps=0, engagement=1)
    return con


@pytest.mark.parametrize(
    ("kpi", "value", "previous", "delta", "p_value", "significant"),
    [
        # delta 60; z = 60 / hypot(24.698178, 24.698178) = 1.717799 -> p = .0858
        ("nps", 30.0, -30.0, 60.0, 0.08583401331843711, False),
        # pooled .55; z = .7 / sqrt(.55 * .45 * .2) = 3.146266 -> p = .0017
        ("csat", 90.0, 20.0, 70.0, 0.0016536951637003425, True),
        # Welch: t = 1.125 / sqrt(4.125/8 + 2.5/5) = 1.116313, df 10.27 -> p = .2897
        ("ces", 4.125, 3.0, 1.125, 0.2897361493364019, False),
    ],
)
def test_compare_previous(two_weeks, kpi, value, previous, delta, p_value, significant):
    s = getattr(kpis, kpi)(two_weeks, WEEK2, compare="previous")
    assert (s.value, s.previous, s.delta) == (approx(value), approx(previous), approx(delta))
    assert s.p_value == approx(p_value)
    assert s.significant is significant


def test_compare_previous_ex_suppressed_gives_no_delta(two_weeks):
    # January vs December: December's 4 people are never counted, so no previous value
    card = kpis.scorecard(two_weeks, JAN, ("enps", "engagement"), compare="previous")
    for s in card.values():
        assert (s.value, s.n, s.reason) == (100.0, 5, None)
        assert (s.previous, s.delta, s.p_value, s.significant) == (None, None, None, None)
    # 8-14 January holds no month's first day: EX shows nothing, and says it is the period.
    # A figure not shown carries no comparison either (January's 100 would sit beside "not shown").
    s = kpis.enps(two_weeks, WEEK2, compare="previous")
    assert (s.value, s.n, s.suppressed, s.reason) == (None, None, False, "period")
    assert (s.previous, s.delta, s.p_value) == (None, None, None)


def test_compare_with_empty_period_gives_no_delta(two_weeks):
    # nothing a year earlier
    s = kpis.nps(two_weeks, WEEK2, compare="year")
    assert (s.value, s.previous, s.delta, s.p_value, s.significant) == (30.0, None, None, None, None)


def test_compare_year_from_29_february(con):
    add_cx(con, datetime(2024, 2, 29, 9), csat=5)
    add_cx(con, datetime(2024, 2, 29, 18), csat=4)
    for v in (5, 5, 4, 4, 1):  # 28 Feb 2023: 4/5 = 80%
        add_cx(con, datetime(2023, 2, 28, 12), csat=v)
    for _ in range(5):  # 1 Mar 2023 is not 29 Feb: would make it 4/10 = 40%
        add_cx(con, datetime(2023, 3, 1, 0, 0), csat=1)
    s = kpis.csat(con, Filters(date(2024, 2, 29), date(2024, 2, 29)), compare="year")
    # 2/2 vs 4/5: pooled 6/7, z = .2 / sqrt(6/7 * 1/7 * (1/2 + 1/5)) = .683130
    assert (s.value, s.previous, s.delta) == (100.0, approx(80.0), approx(20.0))
    assert (s.p_value, s.significant) == (approx(0.4945246678838708), False)


def test_compare_ces_one_response_has_delta_but_no_p(con):
    add_cx(con, noon(20), ces=6)
    add_cx(con, noon(19), ces=4)
    s = kpis.ces(con, Filters(date(2026, 1, 20), date(2026, 1, 20)), compare="previous")
    # Welch needs two answers per period: a delta of 2, but no p and no verdict
    assert (s.value, s.previous, s.delta, s.p_value, s.significant) == (6.0, 4.0, 2.0, None, None)


def test_compare_year_retention(con):
    add_outcome(con, date(2026, 10, 1), "A", 1000, 900)
    add_outcome(con, date(2025, 10, 1), "A", 1000, 850)
    s = kpis.retention(con, Filters(date(2026, 10, 1), date(2026, 10, 31)), compare="year")
    # 90% vs 85%: pooled .875, z = .05 / sqrt(.875 * .125 * .002) = 3.380617
    assert (s.value, s.previous, s.delta) == (approx(90.0), approx(85.0), approx(5.0))
    assert s.p_value == approx(0.0007232327164301857) and s.significant is True


def test_compare_previous_retention_one_month(con):
    add_outcome(con, date(2026, 8, 1), "A", 100, 50)
    add_outcome(con, date(2026, 9, 1), "A", 100, 80)
    add_outcome(con, date(2026, 10, 1), "A", 100, 90)
    s = kpis.retention(con, Filters(date(2026, 10, 1), date(2026, 10, 31)), compare="previous")
    # expected: October 90% vs September 80%; actual previous is (50 + 80) / 200 = 65%
    assert (s.value, s.previous, s.delta) == (approx(90.0), approx(80.0), approx(10.0))


# --- trend ----------------------------------------------------------------------------

H1 = Filters(date(2026, 1, 1), date(2026, 6, 30))


@pytest.fixture
def spread(con):
    for ts, v in [
        (datetime(2026, 1, 4, 12), 5),  # Sunday: week of Monday 29 Dec 2025
        (datetime(2026, 1, 5, 0, 0), 5),  # Monday: a new week
        (datetime(2026, 1, 11, 23, 59, 59), 1),  # Sunday night: still that week
        (datetime(2026, 1, 12, 9), 4),  # Monday
        (datetime(2026, 2, 20, 12), 2),  # Friday, week of 16 Feb
        (datetime(2026, 4, 2, 12), 5),  # Thursday, week of 30 March, Q2
        (datetime(2026, 7, 1, 12), 1),  # outside the period
    ]:
        add_cx(con, ts, csat=v)
    return con


@pytest.mark.parametrize(
    ("grain", "expected"),
    [
        ("week", [(date(2025, 12, 29), 100.0, 1), (date(2026, 1, 5), 50.0, 2), (date(2026, 1, 12), 100.0, 1),
                  (date(2026, 2, 16), 0.0, 1), (date(2026, 3, 30), 100.0, 1)]),
        # January 3/4 favourable; February 0/1; April 1/1 (no March row: no data)
        ("month", [(date(2026, 1, 1), 75.0, 4), (date(2026, 2, 1), 0.0, 1), (date(2026, 4, 1), 100.0, 1)]),
        # Q1 3/5; Q2 1/1
        ("quarter", [(date(2026, 1, 1), 60.0, 5), (date(2026, 4, 1), 100.0, 1)]),
    ],
)
def test_trend_buckets(spread, grain, expected):
    t = kpis.trend(spread, H1, ["csat"], grain)
    assert list(t.columns) == ["kpi", "period", "value", "n", "ci_low", "ci_high", "low_base", "suppressed"]
    assert list(zip(t["period"], t["value"], t["n"])) == expected
    assert set(t["kpi"]) == {"csat"}
    assert t["low_base"].all() and not t["suppressed"].any()


def test_trend_bucket_equals_scorecard_for_that_period(spread):
    t = kpis.trend(spread, H1, ["csat"], "month")
    january = t[t["period"] == date(2026, 1, 1)].iloc[0]
    s = kpis.csat(spread, JAN)
    got = (january["value"], january["n"], january["ci_low"], january["ci_high"])
    assert got == (s.value, s.n, s.ci_low, s.ci_high)


def test_trend_ex_bucket_under_five_is_suppressed(con):
    for i in range(5):
        add_ex(con, noon(i + 1, 1), f"e{i}", enps=10)  # January: 5 respondents
    for i in range(4):
        add_ex(con, noon(i + 1, 2), f"e{i}", enps=10)  # February: 4 respondents
    # February's 4 people are never counted: the month is a gap, not a hidden point.
    # EX trends are monthly even by week.
    for grain in ("month", "week"):
        t = kpis.trend(con, H1, ["enps"], grain)
        assert list(t["period"]) == [date(2026, 1, 1)]
        [jan] = t.to_dict("records")
        assert (jan["value"], jan["n"], jan["suppressed"]) == (100.0, 5, False)


def test_trend_outcomes_are_monthly_even_by_week(con):
    add_outcome(con, date(2026, 1, 1), "A", 100, 90)
    add_outcome(con, date(2026, 2, 1), "A", 100, 80)
    t = kpis.trend(con, H1, ["retention"], "week")
    assert list(zip(t["period"], t["value"], t["n"])) == [
        (date(2026, 1, 1), 90.0, 100), (date(2026, 2, 1), 80.0, 100)
    ]


def test_trend_empty_and_bad_grain(con):
    assert kpis.trend(con, H1, ["nps", "enps", "retention"], "month").empty
    with pytest.raises(ValueError, match="grain"):
        kpis.trend(con, H1, ["nps"], "day")


# --- targets --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("units", "kpi", "target"),
    [
        ((), "nps", 30.0),  # the seeded 'all' target
        (("Grocery",), "nps", 40.0),  # exactly one unit with its own target
        (("Fashion",), "nps", 30.0),  # one unit without its own target: 'all'
        (("Grocery", "Fashion"), "nps", 30.0),  # two units: 'all'
        (("Grocery",), "csat", 80.0),
        (("Grocery",), "no such kpi", None),
    ],
)
def test_target_for(con, units, kpi, target):
    con.execute("INSERT INTO targets (kpi, business_unit, value) VALUES ('nps', 'Grocery', 40)")
    assert kpis.target_for(con, kpi, Filters(JAN.start, JAN.end, business_units=units)) == target


@pytest.mark.parametrize(
    ("value", "ci_high", "target", "status"),
    [
        (35.0, 50.0, 30.0, "on track"),
        (30.0, 45.0, 30.0, "on track"),  # exactly on target
        (25.0, 40.0, 30.0, "at risk"),  # below, but the target is inside the interval
        (25.0, 30.0, 30.0, "at risk"),  # the interval just reaches the target
        (25.0, 29.9, 30.0, "off track"),
        (4.0, None, 5.0, "off track"),  # CES from one answer: no interval
        (None, None, 30.0, None),  # suppressed or empty
        (35.0, 50.0, None, None),  # no target
    ],
)
def test_target_status(value, ci_high, target, status):
    s = Score("nps", value=value, n=None if value is None else 40, ci_high=ci_high)
    assert kpis.target_status(s, target) == status


def _targets(con):
    return sorted(map(tuple, kpis.targets(con).itertuples(index=False)))


def test_save_targets_replaces_all_and_bumps_data_version(con):
    table = pd.DataFrame(
        {"kpi": ["nps", "nps", "csat"], "business_unit": ["all", " Grocery ", None], "value": [25, 45.5, 70]}
    )
    assert kpis.save_targets(con, table, actor="tester") == 3
    # unit names are stripped; a missing unit means 'all'; the seeded targets are gone
    assert _targets(con) == [("csat", "all", 70.0), ("nps", "Grocery", 45.5), ("nps", "all", 25.0)]
    assert db.data_version(con) == 1
    # ... and the audit log says who did it, with the targets before and after.
    [event] = audit.events(con).to_dict("records")
    assert (event["actor"], event["action"], event["rows"]) == ("tester", "targets_saved", 3)
    details = json.loads(event["details"])
    assert ["nps", "all", 30.0] in details["before"] and ["nps", "Grocery", 45.5] in details["after"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("nps", "all", 25), ("loyalty", "all", 3)], "row 2: unknown KPI 'loyalty'"),
        ([("nps", "all", 25), ("csat", "all", None)], "row 2: target value is missing"),
        ([("nps", "all", 25), ("nps", None, 30)], "one target per business unit"),  # None means 'all'
        ([("nps", "A", 25), ("nps", " A", 30)], "one target per business unit"),
    ],
)
def test_save_targets_rejects_bad_tables_and_changes_nothing(con, rows, message):
    before = _targets(con)
    table = pd.DataFrame(rows, columns=["kpi", "business_unit", "value"])
    with pytest.raises(ValueError, match=message):
        kpis.save_targets(con, table, actor="tester")
    assert _targets(con) == before
    assert db.data_version(con) == 0


def test_save_targets_blank_unit_means_all(con):
    table = pd.DataFrame({"kpi": ["nps"], "business_unit": ["   "], "value": [25.0]})
    kpis.save_targets(con, table, actor="tester")
    assert _targets(con) == [("nps", "all", 25.0)]  # actual: [("nps", "", 25.0)]


def test_save_targets_rolls_back_when_the_write_fails(con, monkeypatch):
    before = _targets(con)

    def fail(_con):
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(kpis.db, "bump_data_version", fail)
    with pytest.raises(duckdb.IOException):
        kpis.save_targets(con, pd.DataFrame({"kpi": ["nps"], "business_unit": ["all"], "value": [1.0]}), actor="tester")
    assert _targets(con) == before


# --- Score.as_json --------------------------------------------------------------------

def test_as_json_rounds_to_two_decimals_and_p_to_four():
    s = Score("nps", value=30.004999, n=10, ci_low=-18.40753950185257, ci_high=78.40753950185257,
              low_base=True, previous=-29.995, delta=60.0, p_value=0.08583401331843711, significant=False)
    assert s.as_json() == {
        "value": 30.0, "n": 10, "ci_low": -18.41, "ci_high": 78.41, "low_base": True,
        "previous": -30.0, "delta": 60.0, "p_value": 0.0858, "significant": False,
    }


def test_as_json_nan_becomes_none():
    s = Score("ces", value=6.0, n=1, ci_low=float("nan"), top_box=100.0)
    d = s.as_json()
    assert d["ci_low"] is None and d["top_box"] == 100.0


@pytest.mark.parametrize(
    ("kpi", "keys"),
    [
        ("nps", {"low_base"}),
        ("csat", {"low_base"}),
        ("ces", {"low_base", "top_box"}),
        ("enps", {"suppressed", "reason"}),
        ("engagement", {"suppressed", "reason"}),
        ("retention", set()),
    ],
)
def test_as_json_flags_per_group(january, kpi, keys):
    d = kpis.scorecard(january, JAN, (kpi,))[kpi].as_json()
    common = {"value", "n", "ci_low", "ci_high", "previous", "delta", "p_value", "significant"}
    assert set(d) == common | keys


def test_as_json_values_from_a_real_scorecard(january):
    card = kpis.scorecard(january, JAN, ("nps", "ces", "enps"))
    assert card["nps"].as_json() == {
        "value": 30.0, "n": 10, "ci_low": -18.41, "ci_high": 78.41, "low_base": True,
        "previous": None, "delta": None, "p_value": None, "significant": None,
    }
    assert card["ces"].as_json()["top_box"] == 50.0
    assert card["enps"].as_json() == {
        "value": 11.11, "n": 9, "ci_low": -46.05, "ci_high": 68.27, "suppressed": False, "reason": None,
        "previous": None, "delta": None, "p_value": None, "significant": None,
    }


# --- sidebar helpers ------------------------------------------------------------------

def test_dimension_values_and_data_range(con):
    for stage in ("renew", "buy", "zzz", "discover"):
        add_cx(con, noon(3), nps=9, stage=stage, channel="app", unit="B")
    add_ex(con, datetime(2026, 2, 7, 8), "e1", enps=9, unit="C", region="East")
    values = kpis.dimension_values(con)
    assert values["journey_stages"] == ["discover", "buy", "renew", "zzz"]  # journey order, unknown last
    assert values["business_units"] == ["B", "C"]  # from both tables
    assert values["regions"] == ["East", "North"]
    assert values["channels"] == ["app"]
    # CX's first day; EX publishes months only, so its last date is 1 February, not the 7th
    assert kpis.data_range(con) == (date(2026, 1, 3), date(2026, 2, 1))


# --- measure: tiles and trend in one scan ---------------------------------------------

@pytest.fixture(scope="module")
def small_demo():
    from cx_metrics import demo

    c = db.connect(":memory:")
    demo.build(c, cx_rows=20_000, ex_rows=6_000, seed=7)
    yield c
    c.close()


def _reference(con, kpi_key: str, start: date, end: date, unit: str | None) -> tuple:
    """(n, value) straight from the rows, counted in pandas: an independent
    check of measure()'s day-by-day sums (no SQL aggregation involved).

    CX counts the responses whose day lies in the period; EX counts the guard's
    reporting rows (``ex_reporting``) whose month's first day lies in it and whose
    cell is labelled with the unit (a merged cell has no unit label)."""
    kpi = kpis.KPIS[kpi_key]
    rows = con.execute(f"SELECT * FROM {kpi.table}").df()
    day = (rows["month"] if kpi.group == "ex" else rows["submitted_at"]).dt.normalize()
    keep = (day >= pd.Timestamp(start)) & (day <= pd.Timestamp(end)) & rows[kpi.column].notna()
    if unit:
        keep &= rows["business_unit"] == unit
    x = rows.loc[keep, kpi.column].astype(float)
    if kpi.group == "ex" and x.empty:
        return None, None  # nothing to show: value and n None (with a reason)
    if kpi.method == "nps":
        value = 100 * ((x >= 9).mean() - (x <= 6).mean())
    elif kpi.method == "share":
        value = 100 * (x >= kpi.threshold).mean()
    else:
        value = x.mean()
    return len(x), value


@pytest.mark.parametrize(
    ("start", "end", "compare", "grain", "unit"),
    [
        (date(2026, 8, 1), date(2026, 10, 31), "previous", "month", None),  # the overview's default
        (date(2026, 3, 17), date(2026, 5, 9), "previous", "week", "Grocery"),  # days, not months
        (date(2025, 1, 10), date(2026, 3, 20), "year", "quarter", None),  # overlaps its comparison
    ],
)
def test_measure_matches_rows_counted_one_by_one(small_demo, start, end, compare, grain, unit):
    f = Filters(start, end, business_units=(unit,) if unit else ())
    window = f.with_dates(date(2025, 11, 1), end)
    keys = ("nps", "csat", "ces", "enps", "engagement")
    scores, points = kpis.measure(small_demo, f, keys, compare, window, grain)
    other = f.comparison(compare)
    for key in keys:
        s = scores[key]
        n, value = _reference(small_demo, key, start, end, unit)
        assert (s.n, s.value) == (n, approx(value)), key
        _, before = _reference(small_demo, key, other.start, other.end, unit)
        assert s.previous == approx(before), key
    # Every trend point is that bucket's own scorecard.
    assert len(points) > 0
    for p in points.sample(8, random_state=1).to_dict("records"):
        bucket = "month" if (grain == "week" and p["kpi"] in kpis.EX_KPIS) else grain  # EX is monthly
        bucket_end = (pd.Timestamp(p["period"]) + pd.tseries.frequencies.to_offset(
            {"week": "7D", "month": "MS", "quarter": "QS"}[bucket]) - pd.Timedelta(days=1)).date()
        b_start, b_end = max(p["period"], window.start), min(bucket_end, window.end)
        n, value = _reference(small_demo, p["kpi"], b_start, b_end, unit)
        assert (p["n"], p["value"]) == (n, approx(value)), p


# --- EX anonymity against differencing ---------------------------------------------

@pytest.fixture
def three_in_b(con):
    """Unit A: 20 employees (10 promoters, 10 passives); unit B: 3 employees, all detractors."""
    for i in range(20):
        add_ex(con, noon(5), f"a{i}", enps=9 if i < 10 else 7, unit="A")
    for i in range(3):
        add_ex(con, noon(6), f"b{i}", enps=0, unit="B")
    return con


def test_a_group_of_three_is_counted_nowhere(three_in_b):
    # January's cells: A (20 people) is a cell; B's 3 are too few at every rung of the
    # ladder (the month's unplaced people are just those 3), so they are never counted.
    # eNPS = 100 * (10 promoters - 0 detractors) / 20 = 50
    s = kpis.enps(three_in_b, JAN)
    assert (s.n, s.value) == (20, approx(50.0))


@pytest.mark.parametrize(
    ("units", "n", "value"),
    [
        (("B",), None, None),  # 3 people: no cell carries B's label, hidden
        (("A",), 20, 50.0),  # A's cell; "all" minus "A" is 0 people: nothing to recover
        (("A", "B"), 20, 50.0),  # the same cells as "A" alone
    ],
)
def test_a_group_of_three_cannot_be_recovered_by_subtraction(three_in_b, units, n, value):
    s = kpis.enps(three_in_b, Filters(JAN.start, JAN.end, business_units=units))
    assert (s.n, s.value) == (n, None if value is None else approx(value))
    assert s.suppressed is (n is None) and s.reason == (None if n else "hidden")


def test_two_small_units_count_only_together(three_in_b):
    # C: 3 more people, all promoters. B (3) and C (3) are both too small, but the month's
    # unplaced people together are 6: one merged cell with no unit label.
    for i in range(3):
        add_ex(three_in_b, noon(8), f"c{i}", enps=10, unit="C")
    # everyone: 26 people, 10 + 3 promoters, 3 detractors: 100 * 10 / 26 = 38.46
    s = kpis.enps(three_in_b, JAN)
    assert (s.n, s.value) == (26, approx(100 * 10 / 26))
    # no unit filter reaches the merged cell: B, C and B + C are hidden; "all" minus "A" is 6 people
    for units in (("B",), ("C",), ("B", "C")):
        s = kpis.enps(three_in_b, Filters(JAN.start, JAN.end, business_units=units))
        assert (s.n, s.suppressed, s.reason) == (None, True, "hidden"), units
    assert kpis.enps(three_in_b, Filters(JAN.start, JAN.end, business_units=("A",))).n == 20


def test_leaving_out_five_or_more_is_fine(three_in_b):
    for i in range(2):  # B grows to 5: its own cell
        add_ex(three_in_b, noon(7), f"b{i + 3}", enps=0, unit="B")
    s = kpis.enps(three_in_b, Filters(JAN.start, JAN.end, business_units=("A",)))
    assert (s.n, s.value) == (20, approx(50.0))
    s = kpis.enps(three_in_b, Filters(JAN.start, JAN.end, business_units=("B",)))
    assert (s.n, s.value) == (5, approx(-100.0))  # 5 detractors
    s = kpis.enps(three_in_b, JAN)
    assert (s.n, s.value) == (25, approx(20.0))  # 100 * (10 - 5) / 25


def test_the_trend_applies_the_same_rule_per_bucket(three_in_b):
    # A's month is its cell; B's month has no cell carrying B: a gap, not a point
    t = kpis.trend(three_in_b, Filters(JAN.start, JAN.end, business_units=("A",)), ["enps"], "month")
    assert list(zip(t["period"], t["n"], t["value"])) == [(date(2026, 1, 1), 20, approx(50.0))]
    assert kpis.trend(three_in_b, Filters(JAN.start, JAN.end, business_units=("B",)), ["enps"], "month").empty


# --- by_group ---------------------------------------------------------------------------

@pytest.mark.parametrize(("by", "keys"), [
    ("business_unit", ("nps", "csat", "ces", "enps", "engagement", "retention")),
    ("journey_stage", ("nps", "ces")),
    ("department", ("enps", "engagement")),
])
def test_by_group_equals_the_scorecard_of_each_group(small_demo, by, keys):
    f = Filters(date(2026, 5, 1), date(2026, 10, 31))
    table = kpis.by_group(small_demo, f, keys, by, "previous")
    groups = sorted(table["group"].unique())
    assert len(groups) > 2
    field = {"business_unit": "business_units", "journey_stage": "journey_stages"}.get(by)
    for g in groups:
        rows = table[table["group"] == g].set_index("kpi")
        if field is None:  # no filter on this column: compare with hand SQL counts of the cells instead
            n = small_demo.execute(
                f"SELECT count(enps) FROM ex_reporting WHERE {by} = ? AND month BETWEEN ? AND ?",
                [g, f.start, f.end]).fetchone()[0]
            enps = rows.loc["enps"]
            if n:
                assert (enps["n"], bool(enps["suppressed"])) == (n, False), g
            else:  # a name no cell in the period carries: a hidden row
                assert (pd.isna(enps["value"]), bool(enps["suppressed"]), enps["reason"]) == (True, True, "hidden"), g
            continue
        want = kpis.scorecard(small_demo, Filters(f.start, f.end, **{field: (g,)}), keys, "previous")
        for key in keys:
            got = rows.loc[key]
            if want[key].suppressed:  # the filtered scorecard also hides what "all but g" would reveal
                continue
            got_values = tuple(None if pd.isna(got[c]) else got[c] for c in ("value", "n", "delta", "p_value"))
            assert got_values == (
                approx(want[key].value), want[key].n, approx(want[key].delta), approx(want[key].p_value)), (g, key)


def test_by_group_skips_tables_without_the_column(con):
    add_cx(con, noon(5), nps=10, stage="buy")
    t = kpis.by_group(con, JAN, ["nps", "enps", "retention"], "journey_stage")
    assert list(t["kpi"]) == ["nps"] and list(t["group"]) == ["buy"] and list(t["value"]) == [100.0]


def test_by_group_by_month_equals_each_units_trend(small_demo):
    f = Filters(date(2026, 1, 1), date(2026, 10, 31))
    table = kpis.by_group(small_demo, f, ["nps", "enps"], "business_unit", grain="month")
    for unit in ("Grocery", "Travel"):
        want = kpis.trend(small_demo, Filters(f.start, f.end, business_units=(unit,)), ["nps", "enps"], "month")
        got = table[table["group"] == unit]
        merged = got.merge(want, on=["kpi", "period"], suffixes=("", "_want"))
        assert len(merged) == len(want) == len(got)
        # NPS has all 10 months; an EX month with no cell carrying the unit is a gap in both
        assert (got["kpi"] == "nps").sum() == 10 and 0 < (got["kpi"] == "enps").sum() <= 10
        assert not merged["suppressed"].astype(bool).any() and not merged["suppressed_want"].astype(bool).any()
        assert (merged["value"] - merged["value_want"]).abs().max() < 1e-9
        assert (merged["n"] == merged["n_want"]).all()
    with pytest.raises(ValueError, match="grain"):
        kpis.by_group(small_demo, f, ["nps"], "business_unit", compare="previous", grain="month")


def test_ex_satisfaction_and_respondents(con):
    # 6 employees answer satisfaction 5, 4, 4, 3, 2, 1 -> 3 of 6 favourable = 50%; one of them twice
    # 5 people: one cell, shown. Score no longer carries a respondent count.
    for i, score in enumerate([5, 4, 4, 3, 2, 1]):
        con.execute("INSERT INTO ex_responses (response_id, submitted_at, respondent_id, satisfaction)"
                    " VALUES (?, ?, ?, ?)", [f"S{i}", noon(3 + i), f"e{min(i, 4)}", score])
    ex_guard.ensure_fresh(con)
    s = kpis.satisfaction(con, JAN)
    assert (s.value, s.n, s.suppressed, s.reason) == (50.0, 6, False, None)
    assert not hasattr(s, "respondents") and "respondents" not in s.as_json()
    # Without e4 (both of their answers) only 4 people remain: the month is never counted.
    con.execute("DELETE FROM ex_responses WHERE respondent_id = 'e4'")
    ex_guard.ensure_fresh(con)
    s = kpis.satisfaction(con, JAN)
    assert (s.value, s.n, s.suppressed, s.reason) == (None, None, True, "hidden")


def test_a_change_is_a_rise_or_fall_only_when_real_and_big_enough():
    """Invariant over a grid: rise/fall iff significant and |delta| >= the minimum; else 'same'."""
    for minimum in (0.0, 1.0, 2.0):
        for delta in (-5.0, -2.0, -1.99, -0.1, 0.1, 1.0, 2.0, 7.5):
            for significant in (True, False):
                got = kpis.verdict("nps", {"delta": delta, "significant": significant}, minimum)
                if significant and abs(delta) >= minimum:
                    assert got == ("rise" if delta > 0 else "fall")
                else:
                    assert got == "same"
    assert kpis.verdict("nps", {"delta": None}, 2.0) is None


DATA = (date(2024, 11, 1), date(2026, 10, 31))  # the data's first and last day


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (date(2025, 3, 1), date(2025, 5, 31), (date(2025, 3, 1), date(2025, 5, 31))),  # inside: unchanged
        (date(2010, 1, 1), date(2010, 2, 1), (date(2024, 11, 1), date(2024, 12, 2))),  # before: same 32 days
        (date(2030, 1, 1), date(2030, 1, 10), (date(2026, 10, 22), date(2026, 10, 31))),  # after: same 10 days
        (date(2024, 1, 1), date(2025, 1, 31), (date(2024, 11, 1), date(2025, 1, 31))),  # overlap: cut
        (date(2026, 9, 1), date(2027, 3, 1), (date(2026, 9, 1), date(2026, 10, 31))),
        (date(2000, 1, 1), date(2001, 1, 1), (date(2024, 11, 1), date(2025, 11, 2))),  # 366 days
        (date(1990, 1, 1), date(2000, 1, 1), DATA),  # wholly before: at most the data's length
        (date(1990, 1, 1), date(2040, 1, 1), DATA),  # around the data
        (date(2010, 2, 1), date(2010, 1, 1), (date(2024, 11, 1), date(2024, 12, 2))),  # reversed
    ],
)
def test_clamp_period_into_the_data(start, end, shown):
    from cx_metrics.filters import clamp_period

    assert clamp_period(start, end, *DATA) == shown
