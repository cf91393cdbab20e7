"""The Overview page through AppTest: the numbers on screen are cx_metrics' numbers.

Each test drives the sidebar widgets by key and compares the rendered tiles
with :func:`cx_metrics.overview.overview` called directly on the same
fixture database with the same filters.
"""

from __future__ import annotations

import sys
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from cx_metrics import ex_guard, fmt, kpis
from cx_metrics.filters import Filters
from cx_metrics.overview import TILE_KPIS
from pagetools import (
    APP,
    OVERVIEW_PAGE,
    SETTINGS_PAGE,
    SMALL_EX_SECRETS,
    TIMEOUT_S,
    default_filters,
    expected,
    header_caption,
    plotly_specs,
    rendered_text,
    tile_captions,
    tile_metric,
    trace,
    trace_values,
    with_con,
)


def assert_tiles(at: AppTest, want, keys=TILE_KPIS) -> None:
    """Label, value and delta of each tile equal the fmt of ``want``'s scores."""
    for key in keys:
        score, metric = want.tiles[key].score, tile_metric(at, key)
        assert metric.label == kpis.KPIS[key].label
        assert metric.value == fmt.value(key, score.value), key
        assert metric.delta == (fmt.delta(key, score.delta) or ""), key


# --- Defaults -------------------------------------------------------------------

def test_default_view_shows_cx_metrics_scores(make_app, demo_db):
    at = make_app(demo_db).run()
    assert not at.exception
    f = default_filters(demo_db)
    assert (f.start, f.end) == (date(2026, 8, 1), date(2026, 10, 31))  # demo.AS_OF, last 3 months
    want = expected(demo_db, f, "previous", "month")

    assert at.selectbox(key="period").value == "Last 3 months"
    assert at.radio(key="compare").value == "previous"
    assert at.segmented_control(key="grain").value == "month"
    assert_tiles(at, want)
    for key in TILE_KPIS:
        score = want.tiles[key].score
        assert score.shown and score.delta is not None  # the demo data fills every tile
        assert tile_metric(at, key).proto.delta_description == "vs previous period"
        assert tile_captions(at, key)[0].startswith(f"n = {score.n:,} "), key
    # Thousands separators are really exercised: retention counts customer-months.
    assert want.tiles["retention"].score.n >= 1000
    assert "," in tile_captions(at, "retention")[0].split(" ")[2]

    caption = header_caption(at)
    cmp = f.comparison("previous")
    assert f"**{fmt.period(f.start, f.end)}** compared with the {f.comparison_rule('previous')} ({fmt.period(cmp.start, cmp.end)})" in caption
    assert "Filters: all data" in caption
    assert "Data as of 31 Oct 2026" in caption
    assert set(plotly_specs(at)) == {"trend_nps", "trend_enps"}


def test_rerun_keeps_the_sidebar_and_the_numbers(make_app, demo_db):
    """A second run (what every widget change does) still runs app.py's filters."""
    at = make_app(demo_db).run()
    first = [m.value for m in at.metric]
    at.run()
    assert not at.exception
    assert at.selectbox(key="period").value == "Last 3 months"
    assert [m.value for m in at.metric] == first


# --- Sidebar filters ------------------------------------------------------------------

def test_business_unit_filter_changes_nps(make_app, demo_db):
    at = make_app(demo_db).run()
    units = with_con(demo_db, kpis.dimension_values)["business_units"]
    assert at.multiselect(key="bu").options == units
    all_data = expected(demo_db, default_filters(demo_db))

    at.multiselect(key="bu").set_value(["Pharmacy"]).run()
    assert not at.exception
    want = expected(demo_db, default_filters(demo_db, business_units=("Pharmacy",)))
    assert want.tiles["nps"].score.value != pytest.approx(all_data.tiles["nps"].score.value, abs=0.05)
    assert tile_metric(at, "nps").value == fmt.value("nps", want.tiles["nps"].score.value)
    assert_tiles(at, want)
    assert "Filters: business unit: Pharmacy" in header_caption(at)


def test_channel_filter_hides_employee_tiles(make_app, demo_db):
    at = make_app(demo_db).run()
    at.multiselect(key="channel").set_value(["web"]).run()
    assert not at.exception
    want = expected(demo_db, default_filters(demo_db, channels=("web",)))

    assert_tiles(at, want, ("nps", "csat", "ces"))
    for key in ("enps", "engagement", "retention"):  # tables without a channel column
        assert tile_metric(at, key).value == "—"
    # Retention (business outcomes) lacks the column; employee figures say why with the guard's reason.
    assert any(c.startswith("Not available with a channel filter") for c in tile_captions(at, "retention"))
    why = ex_guard.REASONS["filter"]
    for key in ("enps", "engagement"):
        score = want.tiles[key].score
        assert (score.value, score.n, score.reason, score.suppressed) == (None, None, "filter", False), key
        assert tile_captions(at, key) == [why[:1].upper() + why[1:]], key


def test_compare_with_same_period_last_year(make_app, demo_db):
    at = make_app(demo_db).run()
    at.radio(key="compare").set_value("year").run()
    assert not at.exception
    f = default_filters(demo_db)
    want = expected(demo_db, f, "year")
    previous = expected(demo_db, f, "previous")
    assert want.tiles["nps"].score.delta != previous.tiles["nps"].score.delta

    assert_tiles(at, want)
    assert tile_metric(at, "nps").proto.delta_description == "vs same period last year"
    assert "compared with the same period last year (1 Aug – 31 Oct 2025)" in header_caption(at)


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("Last month", date(2026, 10, 1), date(2026, 10, 31)),
        ("Last 3 months", date(2026, 8, 1), date(2026, 10, 31)),
        ("Last 6 months", date(2026, 5, 1), date(2026, 10, 31)),
        ("Last 12 months", date(2025, 11, 1), date(2026, 10, 31)),
        ("Year to date", date(2026, 1, 1), date(2026, 10, 31)),
    ],
)
def test_period_presets(make_app, demo_db, preset, start, end):
    at = make_app(demo_db).run()
    at.selectbox(key="period").set_value(preset).run()
    assert not at.exception
    assert header_caption(at).startswith(f"**{fmt.period(start, end)}** compared with")
    assert_tiles(at, expected(demo_db, Filters(start, end)), ("nps", "enps"))


def test_custom_dates(make_app, demo_db):
    at = make_app(demo_db).run()
    assert len(at.date_input) == 0
    at.selectbox(key="period").set_value("Custom").run()
    dates = at.date_input(key="dates")
    first, last = with_con(demo_db, kpis.data_range)
    assert (dates.min, dates.max) == (first, last)
    assert dates.value == (date(2026, 8, 1), date(2026, 10, 31))  # starts from the last 3 months

    dates.set_value((date(2026, 3, 1), date(2026, 5, 31))).run()
    assert not at.exception
    want = expected(demo_db, Filters(date(2026, 3, 1), date(2026, 5, 31)))
    assert tile_metric(at, "nps").value == fmt.value("nps", want.tiles["nps"].score.value)
    assert_tiles(at, want)
    assert header_caption(at).startswith("**1 Mar – 31 May 2026** compared with the previous 3 calendar months "
                                         "(1 Dec 2025 – 28 Feb 2026)")


def test_custom_range_half_picked_uses_the_one_day(make_app, demo_db):
    """While a range is being picked the widget holds one date: show that day."""
    at = make_app(demo_db).run()
    at.selectbox(key="period").set_value("Custom").run()
    at.date_input(key="dates").set_value((date(2026, 9, 15),)).run()
    assert not at.exception
    want = expected(demo_db, Filters(date(2026, 9, 15), date(2026, 9, 15)))
    assert_tiles(at, want, ("nps",))
    assert header_caption(at).startswith("**15 Sep 2026** compared with the previous day (14 Sep 2026)")


def test_quarterly_grain_redraws_both_trends(make_app, demo_db):
    at = make_app(demo_db).run()
    at.segmented_control(key="grain").set_value("quarter").run()
    assert not at.exception
    specs = plotly_specs(at)
    assert len(at.get("plotly_chart")) == 2 and set(specs) == {"trend_nps", "trend_enps"}

    want = expected(demo_db, default_filters(demo_db), "previous", "quarter").trend
    for key, label in (("nps", "NPS"), ("enps", "eNPS")):
        line = trace(specs[f"trend_{key}"], label)
        rows = want[want["kpi"] == key].sort_values("period")
        assert line["x"] == [d.isoformat() for d in rows["period"]]
        assert all(date.fromisoformat(x).month in (1, 4, 7, 10) and x.endswith("-01") for x in line["x"])
        assert trace_values(line["y"]) == pytest.approx(rows["value"].tolist())
    assert "by quarter" in at.main.caption[-1].value
    # The tiles do not depend on the grain.
    assert_tiles(at, expected(demo_db, default_filters(demo_db)), ("nps",))


# --- Small and empty databases ----------------------------------------------------------

def test_small_employee_group_is_suppressed_everywhere(make_app, small_ex_db):
    f = default_filters(small_ex_db)
    for key in ("enps", "engagement"):  # 7 responses but only 4 respondents
        score = with_con(small_ex_db, kpis.scorecard, f, (key,))[key]
        assert score.suppressed and (score.value, score.n, score.reason) == (None, None, "hidden")

    at = make_app(small_ex_db).run()
    assert not at.exception
    assert_tiles(at, expected(small_ex_db, f), ("nps", "csat", "ces"))
    assert tile_metric(at, "nps").value == "0.0"  # 12 promoters, 12 detractors of 36
    for key in ("enps", "engagement"):
        metric = tile_metric(at, key)
        assert metric.value == "—" and metric.delta == ""
        assert list(metric.proto.chart_data) == []  # no sparkline either
        assert tile_captions(at, key) == [fmt.SUPPRESSED_TEXT]

    text = rendered_text(at)
    enps_chart = str(plotly_specs(at)["trend_enps"])
    for secret in SMALL_EX_SECRETS:
        assert secret not in text, secret
        assert secret.strip() not in enps_chart, secret
    # Sep 2026 has 3 people and Oct 2026 4: neither month has a reporting cell, so the trend
    # has no eNPS bucket at all (a gap, not a hidden point) and the line draws nothing.
    assert with_con(small_ex_db, kpis.trend, f, ("enps", "engagement")).empty
    line = trace(plotly_specs(at)["trend_enps"], "eNPS")
    assert trace_values(line["y"]) == [] and list(line["text"]) == []


def test_empty_database_shows_how_to_get_data(make_app, empty_db):
    at = make_app(empty_db).run()
    assert not at.exception
    assert at.title[0].value == "Executive overview"
    (info,) = at.info
    assert "no responses yet" in info.value
    assert len(at.metric) == 0 and len(at.get("plotly_chart")) == 0
    assert len(at.selectbox) == 0  # no filters without data


# --- Query parameters (shareable links) ------------------------------------------------

@pytest.mark.parametrize("units", [["Grocery"], ["Grocery", "Travel"]])
def test_query_params_initialise_business_units(make_app, demo_db, units):
    at = make_app(demo_db, bu=units).run()
    assert not at.exception
    assert at.multiselect(key="bu").value == units
    want = expected(demo_db, default_filters(demo_db, business_units=tuple(units)))
    assert tile_metric(at, "nps").value == fmt.value("nps", want.tiles["nps"].score.value)
    assert_tiles(at, want)


def test_query_params_use_the_option_labels(make_app, demo_db):
    """Radio and segmented control put their *labels* in the URL
    (format_func output), so a shared link reads ?compare=Same+period+last+year."""
    at = make_app(demo_db, compare="Same period last year", grain="Quarter", period="Last month").run()
    assert not at.exception
    assert at.radio(key="compare").value == "year"
    assert at.segmented_control(key="grain").value == "quarter"
    assert at.selectbox(key="period").value == "Last month"
    assert_tiles(at, expected(demo_db, Filters(date(2026, 10, 1), date(2026, 10, 31)), "year"))


def test_query_params_custom_dates(make_app, demo_db):
    at = make_app(demo_db, period="Custom", dates=["2026-03-01", "2026-05-31"]).run()
    assert not at.exception
    assert at.date_input(key="dates").value == (date(2026, 3, 1), date(2026, 5, 31))
    assert_tiles(at, expected(demo_db, Filters(date(2026, 3, 1), date(2026, 5, 31))), ("nps",))


def test_invalid_query_param_values_are_ignored(make_app, demo_db):
    at = make_app(demo_db, bu=["No such unit", "Grocery"], period="Last decade").run()
    assert not at.exception
    assert at.multiselect(key="bu").value == ["Grocery"]
    assert at.selectbox(key="period").value == "Last 3 months"


# --- Navigation ------------------------------------------------------------------

def sidebar_keys(at: AppTest) -> list[str]:
    return [w.key for kind in ("selectbox", "radio", "multiselect", "date_input") for w in at.sidebar.get(kind)]


def test_switching_pages_keeps_the_filters(make_app, demo_db):
    """Settings uses no filter and shows none; back on a dashboard page the link's filters are
    still set, in the sidebar and in the address."""
    at = make_app(demo_db, bu=["Grocery"], channel=["web"]).run()
    at.switch_page(SETTINGS_PAGE).run()
    assert at.title[0].value == "Settings"
    assert sidebar_keys(at) == []
    at.switch_page("pages/internal.py").run()  # employee figures: period, comparison and unit only
    assert sidebar_keys(at) == ["period", "compare", "bu"] and at.multiselect(key="bu").value == ["Grocery"]
    assert "Filters: business unit: Grocery ·" in at.main.caption[0].value  # the channel is not applied here
    at.switch_page(OVERVIEW_PAGE).run()
    assert not at.exception
    assert at.multiselect(key="channel").value == ["web"]
    want = expected(demo_db, default_filters(demo_db, business_units=("Grocery",), channels=("web",)))
    assert_tiles(at, want, ("nps",))
    assert at.query_params["bu"] == "Grocery" and at.query_params["channel"] == "web"  # back in the address


@pytest.mark.parametrize(("page", "keys"), [
    (OVERVIEW_PAGE, ["period", "compare", "bu", "region", "channel", "segment", "stage"]),
    ("pages/units.py", ["period", "compare", "bu", "region", "channel", "segment", "stage"]),
    ("pages/journey.py", ["period", "bu", "region", "channel", "segment", "stage"]),
    ("pages/cx_ex.py", ["period", "bu"]),
    ("pages/internal.py", ["period", "compare", "bu"]),
    ("pages/drivers.py", ["period", "bu", "region", "channel", "segment", "stage"]),
    ("pages/voc.py", ["period", "compare", "bu", "region", "channel", "segment", "stage"]),
    ("pages/boardpack.py", ["bu", "region", "channel", "segment", "stage"]),
    ("pages/data.py", []),
    (SETTINGS_PAGE, []),
    ("pages/admin.py", []),
])
def test_each_page_shows_only_the_filters_it_uses(make_app, demo_db, page, keys):
    at = make_app(demo_db)
    at.switch_page(page).run()
    assert not at.exception
    assert sidebar_keys(at) == keys
    assert bool(at.sidebar.header) == bool(keys)  # no empty "Filters" heading


def test_cold_start_deep_link_to_settings_runs_app_py(monkeypatch, demo_db):
    """A fresh AppTest run is a fresh server process; switch_page before the
    first run is a deep link. (No warm_navigation fixture here on purpose.)"""
    monkeypatch.setenv("CX_DB", str(demo_db))
    for module in [m for m in sys.modules if m == "pages" or m.startswith("pages.")]:
        monkeypatch.delitem(sys.modules, module)  # a fresh process has imported none of them
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.switch_page(SETTINGS_PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Settings"
    assert "Local mode" in at.sidebar.caption[0].value  # app.py's sidebar (Settings uses no filters)



def test_a_plain_summary_tops_the_overview_from_the_board_headline_rules(make_app, demo_db):
    from cx_metrics import boardpack_story

    at = make_app(demo_db).run()
    assert not at.exception
    f = default_filters(demo_db)
    want = with_con(demo_db, boardpack_story.plain_summary, f, "previous")
    assert at.info[0].value == want
    assert want.startswith("No headline figure moved by enough to matter") or " rose " in want or " fell " in want
    for jargon in ("p = ", "CI", "Wilson", "significan"):
        assert jargon not in want
    (how,) = [e for e in at.expander if e.label == "How we calculate"]
    assert "Wilson" in how.markdown[0].value  # method names live here, not in the headline views


# --- Employee charts under a filter employee data lacks -------------------------------

@pytest.mark.parametrize("param", [{"channel": ["web"]}, {"segment": ["consumer"]}, {"stage": ["buy"]},
                                   {"region": ["Nordics"]}])
def test_a_filter_employees_lack_gives_a_note_not_an_empty_enps_chart(make_app, demo_db, param):
    at = make_app(demo_db, **param).run()
    assert not at.exception
    assert set(plotly_specs(at)) == {"trend_nps"}
    (field,) = param
    name = {"channel": "channel", "segment": "segment", "stage": "journey stage", "region": "region"}[field]
    assert f"Employee figures have no {name}: clear the {name} filter to see eNPS." in [i.value for i in at.info]


# --- A shared link whose dates lie outside the data ----------------------------------------

def test_link_dates_outside_the_data_are_clamped_with_a_notice(make_app, demo_db):
    first, last = with_con(demo_db, kpis.data_range)
    at = make_app(demo_db, period="Custom", dates=["2010-01-01", "2010-02-01"]).run()
    assert not at.exception
    shown = (first, first + (date(2010, 2, 1) - date(2010, 1, 1)))  # the link's 32 days, from the data's start
    assert at.date_input(key="dates").value == shown
    notice = (f"The link's dates 1 Jan – 1 Feb 2010 are outside the data ({fmt.period(first, last)}); "
              f"showing {fmt.period(*shown)}.")
    assert notice in [i.value for i in at.info]
    assert f"**{fmt.period(*shown)}**" in header_caption(at)
    assert_tiles(at, expected(demo_db, Filters(*shown)), ("nps",))
    at.run()  # still there on the next run, until other dates are picked
    assert notice in [i.value for i in at.info]
    at.date_input(key="dates").set_value((date(2026, 9, 1), date(2026, 9, 30))).run()
    assert notice not in [i.value for i in at.info]


def test_link_dates_partly_outside_the_data_are_cut(make_app, demo_db):
    first, last = with_con(demo_db, kpis.data_range)
    at = make_app(demo_db, period="Custom", dates=["2026-09-01", "2027-03-01"]).run()
    assert at.date_input(key="dates").value == (date(2026, 9, 1), last)
    assert any(i.value.startswith("The link's dates 1 Sep 2026 – 1 Mar 2027 are partly outside the data")
               for i in at.info)


def test_the_alerts_panel_lists_what_the_alerts_command_finds(make_app, demo_db):
    from cx_metrics import alerts

    at = make_app(demo_db).run()
    assert not at.exception
    want = with_con(demo_db, alerts.alerts, None, default_filters(demo_db))
    (panel,) = [e for e in at.expander if e.label.startswith("Alerts for ")]
    month = want.attrs["month"][0]
    assert panel.label == f"Alerts for {month:%B %Y}: {len(want)} of {want.attrs['tested']} group comparisons"
    shown = [m.value for m in panel.markdown]
    expected = [f"- {r.sentence}" + (f" *{r.likely_reason}*" if r.likely_reason else "") for r in want.itertuples()]
    assert shown == (expected or ["No group moved by enough to matter."])
