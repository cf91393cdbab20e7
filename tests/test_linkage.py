"""The CX-EX link on hand data and on the demo, whose planted story it must find."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from cx_metrics import db, demo, ex_guard, linkage, overview
from cx_metrics.filters import Filters


@pytest.fixture(scope="module")
def demo_con():
    """The default demo (the size `make run` builds), built once for this module."""
    con = db.connect(":memory:")
    demo.build(con)
    yield con
    con.close()


@pytest.fixture(scope="module")
def period():
    return Filters(*overview.default_period(demo.AS_OF))


def test_the_lag_chart_peaks_at_the_planted_lag(demo_con, period):
    panel = linkage.unit_month_panel(demo_con, linkage.panel_window(period))
    assert len(panel) == 12 * 36
    profile = linkage.lag_profile(panel)
    assert profile.best_lag == demo.LAG_MONTHS == 2
    r = profile.table.set_index("lag")["r"]
    assert r.idxmax() == 2 and 0.25 < r[2] < 0.5  # near the ~0.3 the generator aims for


def test_both_planted_units_are_in_the_early_warning(demo_con, period):
    warning = linkage.early_warning(demo_con, period)
    assert set(demo.DECLINING_UNITS) <= set(warning["business_unit"])
    assert (warning["enps_delta"] < 0).all() and (warning["p_value"] < 0.05).all()
    assert list(warning["enps_delta"]) == sorted(warning["enps_delta"])  # worst first


def test_unit_scatter_line_and_r(demo_con, period):
    sc = linkage.unit_scatter(demo_con, period)
    assert len(sc.units) == 12
    slope, intercept = np.polyfit(sc.units["enps"], sc.units["nps"], 1)
    assert (sc.slope, sc.intercept) == (pytest.approx(slope), pytest.approx(intercept))
    assert sc.correlation.n == 12 and -1 <= sc.correlation.r <= 1


# --- hand-made data ---------------------------------------------------------------------

def _add(con, unit: str, month: int, enps: list[int], nps: list[int]) -> None:
    for i, score in enumerate(enps):
        con.execute("INSERT INTO ex_responses (response_id, submitted_at, business_unit, respondent_id, enps)"
                    " VALUES (?, ?, ?, ?, ?)", [f"E{unit}{month}{i}", datetime(2026, month, 10), unit, f"{unit}{i}", score])
    for i, score in enumerate(nps):
        con.execute("INSERT INTO cx_responses (response_id, submitted_at, business_unit, nps) VALUES (?, ?, ?, ?)",
                    [f"C{unit}{month}{i}", datetime(2026, month, 12), unit, score])


def test_panel_by_hand_with_a_hidden_month():
    con = db.connect(":memory:")
    _add(con, "A", 1, [10, 10, 10, 0, 7], [10, 0])  # eNPS (3 - 1) / 5 = 40; NPS (1 - 1) / 2 = 0
    _add(con, "A", 2, [10, 10, 0, 0], [10])  # 4 respondents: eNPS hidden; NPS 100
    # February's cell (A, 4 people) goes up to the whole month, which has only those 4 -> never counted
    ex_guard.ensure_fresh(con)  # rows written by hand: publish the reporting cells
    panel = linkage.unit_month_panel(con, Filters(date(2026, 1, 1), date(2026, 3, 31)))
    assert list(panel["month"]) == [date(2026, 1, 1), date(2026, 2, 1)]
    assert list(panel["t"]) == [0, 1]
    assert panel["enps"].iloc[0] == pytest.approx(40.0) and np.isnan(panel["enps"].iloc[1])
    assert list(panel["nps"]) == [0.0, 100.0] and list(panel["nps_n"]) == [2, 1]


def test_early_warning_by_hand():
    con = db.connect(":memory:")
    # Unit A: eNPS 100 in Jul-Sep (10 promoters), -100 in Oct-Dec (10 detractors): a significant fall.
    # Unit B: 60 both times: no change.
    _add(con, "A", 8, [10] * 10, [9] * 5)
    _add(con, "A", 11, [0] * 10, [9] * 5)
    _add(con, "B", 8, [10] * 8 + [0] * 2, [9] * 5)
    _add(con, "B", 11, [10] * 8 + [0] * 2, [9] * 5)
    ex_guard.ensure_fresh(con)  # rows written by hand: publish the reporting cells (each unit-month: 10 people)
    w = linkage.early_warning(con, Filters(date(2026, 10, 1), date(2026, 12, 31)))
    assert list(w["business_unit"]) == ["A"]
    assert (w["enps"].iloc[0], w["enps_previous"].iloc[0], w["enps_delta"].iloc[0]) == (-100.0, 100.0, -200.0)
    assert w["nps"].iloc[0] == 100.0 and w["nps_delta"].iloc[0] == 0.0
