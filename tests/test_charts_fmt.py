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


# --- Employee charts under a filter employee data does not have -----------------------

D = (date(2026, 8, 1), date(2026, 10, 31))


@pytest.mark.parametrize(
    ("values", "note"),
    [
        ({}, None),
        ({"business_units": ("Grocery",)}, None),  # employee figures have a business unit
        ({"channels": ("web",)}, "Employee figures have no channel: clear the channel filter to see eNPS."),
        ({"regions": ("Nordics",)}, "Employee figures have no region: clear the region filter to see eNPS."),
        ({"journey_stages": ("buy",), "segments": ("consumer",)},
         "Employee figures have no segment or journey stage: clear those filters to see eNPS."),
        ({"regions": ("N",), "channels": ("web",), "segments": ("b2b",)},
         "Employee figures have no region, channel or segment: clear those filters to see eNPS."),
    ],
)
def test_ex_filter_note(values, note):
    from cx_metrics.filters import Filters

    assert fmt.ex_filter_note(Filters(*D, **values)) == note


# --- CX <-> EX figures ------------------------------------------------------------------

def _panel(units: int, months: int = 3) -> pd.DataFrame:
    rows = [{"business_unit": f"U{u:02d}", "month": pd.Timestamp(2026, m + 1, 1), "nps": 10.0 * u, "enps": -5.0 * u}
            for u in range(units) for m in range(months)]
    return pd.DataFrame(rows)


def test_small_multiples_share_one_x_and_one_y_axis_across_rows():
    """12 units in 3 rows of 4: every panel's axes follow the first panel's, so a unit in row 3
    is drawn on the same scale as one in row 1."""
    from cx_metrics.charts import linkage as figures

    fig = figures.small_multiples(_panel(12)).to_dict()["layout"]
    ys = sorted(k for k in fig if k.startswith("yaxis"))
    xs = sorted(k for k in fig if k.startswith("xaxis"))
    assert len(ys) == len(xs) == 12
    for letter, axes in (("y", ys), ("x", xs)):
        # one axis leads (no "matches"); every other one matches it
        (lead,) = [k for k in axes if not fig[k].get("matches")]
        assert {fig[k]["matches"] for k in axes if k != lead} == {lead.replace(f"{letter}axis", letter)}


def test_scatter_labels_only_the_extremes_and_names_every_unit_on_hover():
    """Twelve units crowd together: only the units with the highest and lowest NPS and eNPS are
    labelled, each on the side facing away from the others; hover names every unit."""
    from cx_metrics.charts import linkage as figures

    units = pd.DataFrame({
        "business_unit": [f"Unit {i}" for i in range(12)],
        # NPS 20..31; eNPS 5..16 but unit 3 has the lowest eNPS (0) and unit 7 the highest (40)
        "nps": [20.0 + i for i in range(12)],
        "enps": [0.0 if i == 3 else 40.0 if i == 7 else 5.0 + i for i in range(12)],
        "nps_n": [100] * 12, "enps_n": [30] * 12,
    })
    # highest NPS (11) above, lowest (0) below; lowest eNPS (3, NPS below the median) below,
    # highest eNPS (7, NPS above the median) above: each away from the middle of the cloud
    assert figures.extreme_labels(units["enps"], units["nps"]) == {
        11: "top center", 0: "bottom center", 3: "bottom center", 7: "top center"}
    (trace, *_) = figures.scatter(units, None, None, "r").data
    assert list(trace.text) == ["Unit 0", "", "", "Unit 3", "", "", "", "Unit 7", "", "", "", "Unit 11"]
    assert [row[0] for row in trace.customdata] == list(units["business_unit"])
    assert "%{customdata[0]}" in trace.hovertemplate
    assert trace.cliponaxis is False
    assert figures.extreme_labels(units["enps"][:0], units["nps"][:0]) == {}
    (outcomes,) = figures.outcomes_scatter(units.assign(retention=units["enps"] / 10 + 88)).data
    assert sum(1 for t in outcomes.text if t) == 4 and list(outcomes.customdata) == list(units["business_unit"])
