"""Forecast cones on the overview's trends and the CX <-> EX page, through AppTest.

Expected values come from cx_metrics.forecast on the same file (see pagetools.with_con).
"""

from __future__ import annotations

from datetime import date

import pytest

from cx_metrics import forecast
from cx_metrics.charts import forecast as cones
from cx_metrics.filters import Filters
from pagetools import default_filters, plotly_specs, trace, trace_values, with_con


def captions(at) -> list[str]:
    return [c.value for c in at.main.caption]


def cone_traces(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if t.get("name") == cones.LINE]


def assert_cone(spec: dict, fc: forecast.Forecast) -> None:
    """The dashed line starts on the last month fitted and then shows the forecast; the bands are its ranges."""
    line = trace(spec, cones.LINE)
    assert line["line"]["dash"] == "dash"
    assert line["x"][0].startswith(str(fc.history["month"].iloc[-1].to_timestamp().date()))
    assert [x[:10] for x in line["x"][1:]] == [m.isoformat() for m in fc.frame["month"]]
    assert trace_values(line["y"])[1:] == pytest.approx(fc.frame["value"].tolist())
    low95 = trace(spec, cones.BAND95)
    assert trace_values(low95["y"])[1:] == pytest.approx(fc.frame["lo95"].tolist())
    low80 = trace(spec, cones.BAND80)
    assert trace_values(low80["y"])[1:] == pytest.approx(fc.frame["lo80"].tolist())


def test_overview_trends_end_in_a_forecast_cone(make_app, demo_db):
    at = make_app(demo_db).run()
    assert not at.exception
    specs = plotly_specs(at)
    f = default_filters(demo_db)
    for key in ("nps", "enps"):
        want = with_con(demo_db, forecast.cone, f, key, "month")
        assert want.forecast is not None
        assert_cone(specs[f"trend_{key}"], want.forecast)
        assert want.note in captions(at)
    nps_note = with_con(demo_db, forecast.cone, f, "nps", "month").note
    assert nps_note.startswith("NPS forecast for Nov 2026 – Jan 2027 (dashed; shaded: 80% and 95% ranges): local level")
    assert ("Uses eNPS" in nps_note) or ("so it is not used" in nps_note)  # the caption says whether eNPS led


def test_overview_weekly_or_older_periods_say_why_there_is_no_cone(make_app, demo_db):
    at = make_app(demo_db).run()
    at.segmented_control(key="grain").set_value("week").run()
    assert not at.exception
    assert all(not cone_traces(spec) for spec in plotly_specs(at).values())
    assert captions(at).count("Forecasts are monthly: choose Month to see the next 3 months.") == 2

    at = make_app(demo_db, period="Custom", dates=["2026-03-01", "2026-05-31"]).run()
    assert not at.exception
    assert all(not cone_traces(spec) for spec in plotly_specs(at).values())
    assert "The forecast shows when the period reaches October 2026, the latest complete month." in captions(at)


def test_overview_cone_follows_a_unit_filter(make_app, demo_db):
    at = make_app(demo_db, bu=["Travel"]).run()
    assert not at.exception
    want = with_con(demo_db, forecast.cone, default_filters(demo_db, business_units=("Travel",)), "nps", "month")
    assert_cone(plotly_specs(at)["trend_nps"], want.forecast)
    assert want.note in captions(at)


def test_cx_ex_page_shows_nps_and_enps_heading_forward(make_app, demo_db):
    at = make_app(demo_db)
    at.switch_page("pages/cx_ex.py").run()
    assert not at.exception
    assert any(s.value == "Where NPS and eNPS are heading" for s in at.subheader)
    spec = plotly_specs(at)["forecast_chart"]
    f = default_filters(demo_db)
    nps, enps = (with_con(demo_db, forecast.cone, f, k) for k in ("nps", "enps"))
    lines = cone_traces(spec)
    assert len(lines) == 2
    for line, fc in zip(lines, (nps.forecast, enps.forecast)):
        assert trace_values(line["y"])[1:] == pytest.approx(fc.frame["value"].tolist())
    history = trace(spec, "NPS")
    assert trace_values(history["y"]) == pytest.approx(nps.forecast.history["value"].tolist(), nan_ok=True)
    assert nps.note in captions(at) and enps.note in captions(at)


def test_cx_ex_page_without_a_recent_period_says_so(make_app, demo_db):
    at = make_app(demo_db, period="Custom", dates=["2025-01-01", "2025-03-31"])
    at.switch_page("pages/cx_ex.py").run()
    assert not at.exception
    assert "forecast_chart" not in plotly_specs(at)
    note = "The forecast shows when the period reaches October 2026, the latest complete month."
    assert captions(at).count(note) == 2
    assert with_con(demo_db, forecast.cone, Filters(date(2025, 1, 1), date(2025, 3, 31)), "nps").note == note
