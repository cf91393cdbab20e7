"""Figure builders and number formatting: what a reader sees."""

from datetime import date

import pandas as pd
import pytest

from cx_metrics import charts, fmt
from cx_metrics.kpis import Score


@pytest.mark.parametrize(
    ("kpi", "x", "text"),
    [
        ("nps", 16.636, "16.6"),
        ("nps", -3.25, "-3.2"),  # Python rounds half to even: -3.25 -> -3.2
        ("csat", 73.5, "73.5%"),
        ("ces", 5.0741, "5.07"),
        ("enps", None, "—"),
        ("retention", 91.93, "91.9%"),
    ],
)
def test_value(kpi, x, text):
    assert fmt.value(kpi, x) == text


@pytest.mark.parametrize(
    ("kpi", "d", "text"),
    [("nps", -1.21, "-1.2 pts"), ("csat", 0.04, "+0.0 pts"), ("ces", 0.031, "+0.03"), ("nps", None, None)],
)
def test_delta(kpi, d, text):
    assert fmt.delta(kpi, d) == text


@pytest.mark.parametrize(
    ("p", "sig", "text"),
    [
        (0.0004, True, "significant change (p < 0.001)"),
        (0.0213, True, "significant change (p = 0.021)"),
        (0.0944, False, "not significant (p = 0.094)"),
        (None, None, "no comparison"),
    ],
)
def test_significance(p, sig, text):
    assert fmt.significance(Score("nps", 1.0, 10, p_value=p, significant=sig)) == text


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (date(2026, 8, 1), date(2026, 10, 31), "1 Aug – 31 Oct 2026"),
        (date(2025, 11, 1), date(2026, 1, 31), "1 Nov 2025 – 31 Jan 2026"),
        (date(2026, 3, 5), date(2026, 3, 5), "5 Mar 2026"),
    ],
)
def test_period(start, end, text):
    assert fmt.period(start, end) == text


def _rows():
    return pd.DataFrame(
        {
            "kpi": ["enps", "enps", "enps", "nps"],
            "period": [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 1, 1)],
            "value": [10.0, None, 14.0, 30.0],
            "n": [40, None, 50, 300],
            "ci_low": [2.0, None, 6.0, 25.0],
            "ci_high": [18.0, None, 22.0, 35.0],
            "low_base": [False, False, False, False],
            "suppressed": [False, True, False, False],
        }
    )


def test_trend_figure_band_line_target_and_shared_axis():
    fig = charts.trend(_rows(), "enps", (date(2025, 11, 1), date(2026, 3, 31)), target=20)
    upper, lower, line, target = fig.data
    assert line.y[0] == 10.0 and pd.isna(line.y[1]) and line.y[2] == 14.0  # a gap, not a zero
    assert upper.y[0] == 18.0 and pd.isna(upper.y[1]) and lower.fill == "tonexty"
    assert "hidden: fewer than 5 people" in line.text[1]
    assert "n = 40" in line.text[0]
    assert fig.layout.shapes[0].y0 == 20  # the target line, named in the legend
    assert target.name == "Target 20" and target.line.dash == "dash"
    assert not fig.layout.annotations
    # 150 days shown; 3% of them (4.5 days) of room before the first point
    lo, hi = fig.layout.xaxis.range
    assert (pd.Timestamp(lo), pd.Timestamp(hi)) == (pd.Timestamp("2025-10-27 12:00"), pd.Timestamp("2026-03-31"))
    assert fig.layout.yaxis.title.text == "eNPS"


def test_trend_figure_highlights_selected_period():
    fig = charts.trend(_rows(), "nps", (date(2025, 11, 1), date(2026, 3, 31)), highlight=(date(2026, 1, 1), date(2026, 3, 31)))
    (rect,) = [s for s in fig.layout.shapes if s.type == "rect"]
    assert pd.Timestamp(rect.x0) == pd.Timestamp("2026-01-01")
    assert len(fig.data[2].y) == 1  # only the NPS row


def test_name_reads_keys_as_words_and_leaves_written_names_alone():
    from cx_metrics import fmt

    assert fmt.name("waiting_time") == "waiting time" and fmt.name("staff") == "staff"
    assert fmt.name("Online Boarding") == "Online Boarding" and fmt.name("Leg_Room") == "Leg_Room"
