"""The CX <-> EX page through AppTest: its numbers are cx_metrics.linkage's."""

from __future__ import annotations

from cx_metrics import linkage
from pagetools import default_filters, with_con

PAGE = "pages/cx_ex.py"


def open_page(make_app, path, **params):
    at = make_app(path, **params)
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def markdown(at) -> str:
    return "\n".join(m.value for m in at.main.markdown)


def test_lag_and_scatter_statements_match_linkage(make_app, demo_db):
    at = open_page(make_app, demo_db)
    assert at.title[0].value == "Customer and employee experience"
    assert "Correlation is not causation" in at.info[0].value
    f = default_filters(demo_db)
    panel = with_con(demo_db, linkage.unit_month_panel, linkage.panel_window(f))
    profile = linkage.lag_profile(panel)
    text = markdown(at)
    if profile.best_lag is None:
        assert "No lag shows a correlation clearly above zero." in text
    else:
        row = profile.table.set_index("lag").loc[profile.best_lag]
        assert f"eNPS leads NPS by **{profile.best_lag} month" in text
        assert f"r = **{row['r']:.2f}** (95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f}" in text
    sc = with_con(demo_db, linkage.unit_scatter, f)
    assert f"r = {sc.correlation.r:.2f} (95% CI {sc.correlation.ci_low:.2f}" in text
    assert len(at.main.get("plotly_chart")) == 5  # lag, scatter, forecast, small multiples, outcomes


def test_early_warning_table_is_linkage_early_warning(make_app, demo_db):
    at = open_page(make_app, demo_db)
    want = with_con(demo_db, linkage.early_warning, default_filters(demo_db))
    if want.empty:
        assert any("No unit's eNPS fell significantly" in s.value for s in at.success)
        return
    table = at.dataframe[0].value
    assert list(table["Unit"]) == list(want["business_unit"])
    assert list(table["eNPS change"].round(6)) == list(want["enps_delta"].round(6))


def test_a_unit_filter_narrows_the_analysis(make_app, demo_db):
    at = open_page(make_app, demo_db, bu=["Grocery", "Travel", "Banking", "Fashion"])
    f = default_filters(demo_db, business_units=("Banking", "Fashion", "Grocery", "Travel"))
    sc = with_con(demo_db, linkage.unit_scatter, f)
    assert sc.correlation.n == 4
    assert "4 units" in markdown(at)


def test_empty_database_says_so(make_app, empty_db):
    at = open_page(make_app, empty_db)
    assert "no responses yet" in at.info[0].value
