"""The Board pack page through AppTest: the preview shows cx_metrics' numbers.

Expected values come from ``python -m cx_metrics kpis``'s own function
(:func:`cx_metrics.cli.kpis_json`) on the same fixture database, so the
preview, the deck and the CLI are checked against one source.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from cx_metrics import boardpack, chromium, fmt, kpis
from cx_metrics.cli import kpis_json
from cx_metrics.filters import Filters
from pagetools import plotly_specs, rendered_text, trace_values, with_con

PAGE = "pages/boardpack.py"


def board_pack(make_app, path, **widgets):
    at = make_app(path).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    for key, value in widgets.items():
        widget = at.get_by_key(key)
        widget.set_value(value).run()
        assert not at.exception, at.exception
    assert at.title[0].value == "Board pack"
    return at


def summary_table(at) -> pd.DataFrame:
    (table,) = at.get_by_key("bp_slide_summary").dataframe
    return table.value


def test_default_is_the_last_complete_quarter_against_the_previous_one(make_app, demo_db):
    at = board_pack(make_app, demo_db)
    # Demo data ends on 31 Oct 2026: Q4 has only begun, so the last complete quarter is Q3, against Q2.
    assert at.segmented_control(key="bp_kind").value == "Quarter"
    assert at.selectbox(key="bp_quarter").value == "Q3 2026 (Jul–Sep)"
    assert at.radio(key="bp_compare").value == "previous"
    want = with_con(demo_db, kpis_json, Filters(date(2026, 7, 1), date(2026, 9, 30)), "previous")
    assert want["compare"]["start"] == "2026-04-01" and want["compare"]["rule"] == "previous calendar quarter"
    table = summary_table(at)
    assert list(table.columns) == list(boardpack.SUMMARY_COLUMNS)
    nps = table[table["KPI"] == "NPS"].iloc[0]
    j = want["cx"]["nps"]
    assert nps["Value"] == fmt.value("nps", j["value"])
    assert nps["95% range"] == f"{fmt.value('nps', j['ci_low'])} to {fmt.value('nps', j['ci_high'])}"
    assert nps["n"] == f"{j['n']:,}"
    assert nps["Change"] == fmt.delta("nps", j["delta"])


def test_quarter_preview_values_equal_the_cli(make_app, demo_db):
    at = board_pack(make_app, demo_db, bp_quarter="Q3 2026 (Jul–Sep)", bp_compare="year")
    f = Filters(date(2026, 7, 1), date(2026, 9, 30))
    want = with_con(demo_db, kpis_json, f, "year")
    table = summary_table(at)
    for group in ("cx", "ex"):
        for key, j in want[group].items():
            row = table[table["KPI"] == kpis.KPIS[key].label].iloc[0]
            assert row["Value"] == fmt.value(key, j["value"]), key
            assert row["Change"] == fmt.delta(key, j["delta"]), key
    # Key numbers on the overview slide: st.metric label and value.
    metrics = {m.label: m.value for m in at.get_by_key("bp_slide_overview").metric}
    assert metrics["NPS"] == fmt.value("nps", want["cx"]["nps"]["value"])
    assert metrics["eNPS"] == fmt.value("enps", want["ex"]["enps"]["value"])
    text = rendered_text(at)
    assert "1 Jul – 30 Sep 2026" in text
    assert "Compared with the same period last year (1 Jul – 30 Sep 2025)" in text


def test_trend_chart_points_equal_monthly_cli_values(make_app, demo_db):
    at = board_pack(make_app, demo_db, bp_kind="Month")
    assert at.selectbox(key="bp_month").value == "October 2026"
    f = Filters(date(2026, 10, 1), date(2026, 10, 31))
    spec = plotly_specs(at)["bp_chart_overview_0"]
    nps = next(t for t in spec["data"] if t["name"] == "NPS")
    months = pd.period_range("2025-11", "2026-10", freq="M")
    assert list(nps["x"]) == [f"{m:%b %y}" for m in months]
    got = trace_values(nps["y"])
    for month, value in zip(months, got):
        bounds = f.with_dates(month.start_time.date(), month.end_time.date())
        assert value == with_con(demo_db, kpis_json, bounds, None)["cx"]["nps"]["value"], month


def test_custom_period_filters_and_sections(make_app, demo_db):
    at = make_app(demo_db, bu="Grocery").run()
    at.switch_page(PAGE).run()
    at.segmented_control(key="bp_kind").set_value("Custom").run()
    at.date_input(key="bp_dates").set_value((date(2026, 9, 5), date(2026, 10, 20))).run()
    at.multiselect(key="bp_sections").set_value([]).run()
    assert not at.exception
    f = Filters(date(2026, 9, 5), date(2026, 10, 20), business_units=("Grocery",))
    want = with_con(demo_db, kpis_json, f, "previous")
    assert summary_table(at).iloc[0]["Value"] == fmt.value("nps", want["cx"]["nps"]["value"])
    assert "Filters from the sidebar: business unit: Grocery." in rendered_text(at)
    # No sections chosen: title and executive summary only.
    assert at.get_by_key("bp_slide_summary") is not None
    assert not [e for e in at.get("plotly_chart")]


def test_organisation_name_reaches_the_title_slide(make_app, demo_db):
    at = board_pack(make_app, demo_db, bp_org="Acme Holdings")
    assert "**1 · Acme Holdings**" in rendered_text(at)


def test_download_buttons_are_there(make_app, demo_db):
    at = board_pack(make_app, demo_db)
    keys = {b.key for b in at.get("download_button")}
    assert {"bp_download_pptx", "bp_download_pdf", "bp_summary_csv", "bp_summary_xlsx",
            "bp_chart_overview_0_png", "bp_chart_overview_1_png"} <= keys


def test_without_chromium_the_image_downloads_say_why(make_app, demo_db, monkeypatch):
    monkeypatch.setenv("CX_CHROMIUM", "none")  # what a machine without Chrome/Chromium sees
    at = board_pack(make_app, demo_db)
    (warning,) = at.warning
    assert warning.value == chromium.NEEDED
    buttons = {b.key: b.proto for b in at.get("download_button")}
    # Every chart in the deck is native, so PowerPoint needs no Chromium; the PDF draws chart images.
    assert not buttons["bp_download_pptx"].disabled and buttons["bp_download_pdf"].disabled
    assert buttons["bp_chart_overview_0_png"].disabled
    assert buttons["bp_chart_overview_0_png"].help == chromium.NEEDED
    assert not buttons["bp_summary_csv"].disabled


def test_period_without_data_says_so(make_app, demo_db):
    at = make_app(demo_db, region="Nordics", channel="forum").run()
    at.switch_page(PAGE).run()
    # A channel filter leaves employee data empty; pick a unit-region-channel mix with no rows.
    at.multiselect(key="bu").set_value(["Grocery"]).run()
    at.multiselect(key="segment").set_value(["enterprise"]).run()
    at.multiselect(key="stage").set_value(["renew"]).run()
    at.segmented_control(key="bp_kind").set_value("Custom").run()
    at.date_input(key="bp_dates").set_value((date(2026, 10, 30), date(2026, 10, 30))).run()
    counts = with_con(demo_db, boardpack.responses, Filters(
        date(2026, 10, 30), date(2026, 10, 30), ("Grocery",), ("Nordics",), ("forum",), ("enterprise",), ("renew",)))
    assert counts == {"cx_responses": 0, "ex_reporting": 0}  # employees: the guard's published cells
    assert not at.exception
    (warning,) = at.warning
    assert warning.value.startswith("Nothing to report: no responses between 2026-10-30 and 2026-10-30")
    assert not at.get("download_button")


def test_empty_database(make_app, empty_db):
    at = make_app(empty_db).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "nothing to report" in at.info[0].value


def test_overview_and_settings_offer_downloads(make_app, demo_db):
    at = make_app(demo_db).run()
    keys = {b.key for b in at.get("download_button")}
    assert {"overview_kpis_csv", "overview_kpis_xlsx", "trend_nps_png", "trend_enps_png"} <= keys
    at.switch_page("pages/settings.py").run()
    assert {"targets_csv", "targets_xlsx"} <= {b.key for b in at.get("download_button")}
