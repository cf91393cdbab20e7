"""An analyst uploads a file through the Data page, confirms the mapping, loads it,
and the overview's NPS n grows by exactly the rows loaded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cx_metrics import db, demo, kpis
from cx_metrics.filters import Filters
from cx_metrics.overview import default_period

pytestmark = pytest.mark.browser
MAIN = '[data-testid="stMain"]'
ROWS = 25


@pytest.fixture(scope="module")
def app(serve_app, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("data")
    path = tmp / "cx.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=3_000, ex_rows=1_000)
    start, end = default_period(kpis.data_range(con)[1], 3)
    n_before = kpis.nps(con, Filters(start, end)).n
    con.close()
    csv = tmp / "web-survey.csv"
    lines = ["Response ID,Date,How likely are you to recommend us to a friend or colleague?,Business unit"]
    lines += [f"UP{i},{end:%Y-%m}-{(i % 20) + 1:02d},{i % 11},Grocery" for i in range(ROWS)]
    csv.write_text("\n".join(lines) + "\n")
    with serve_app(path, tmp) as (url, _log):
        yield url, csv, n_before


def nps_n(page: Page) -> int:
    tile = page.locator(f"{MAIN} .st-key-tile_nps")
    text = tile.get_by_text(re.compile(r"^n = [\d,]+ responses")).first.inner_text()
    return int(re.search(r"n = ([\d,]+)", text).group(1).replace(",", ""))


def test_upload_through_the_data_page_changes_the_overview(browser, app, screenshots):
    url, csv, n_before = app
    context = browser.new_context(viewport={"width": 1280, "height": 2200})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(url)
        expect(page.locator(f"{MAIN} .st-key-tile_nps")).to_be_visible()
        assert nps_n(page) == n_before
        page.goto(f"{url}/data")
        expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
        page.locator("input[type=file]").set_input_files(str(csv))
        expect(page.get_by_text(re.compile(r"Read web-survey\.csv: plain layout"))).to_be_visible()
        expect(page.get_by_text("1. Confirm the mapping")).to_be_visible()
        expect(page.locator(f"{MAIN} [data-testid='stMetricValue']").first).to_have_text(f"{ROWS}")
        expect(page.get_by_role("button", name="Load into the dashboard")).to_be_enabled()
        expect(page.locator(f"{MAIN} [data-testid='stDataFrame']")).to_have_count(3)  # mapping, scales, preview
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
        page.wait_for_timeout(500)  # the grids draw on a canvas after they mount
        page.screenshot(path=screenshots / "data_mapping.png")
        page.get_by_role("button", name="Load into the dashboard").click()
        expect(page.get_by_text(re.compile(rf"Loaded {ROWS} rows"))).to_be_visible()
        expect(page.get_by_text("web-survey.csv").first).to_be_visible()
        page.get_by_text(re.compile(rf"Loaded {ROWS} rows")).scroll_into_view_if_needed()
        page.screenshot(path=screenshots / "data_loaded.png", full_page=True)
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("Overview")).click()
        expect(page.locator(f"{MAIN} .st-key-tile_nps")).to_be_visible()
        expect(page.locator(f"{MAIN} .st-key-tile_nps")).to_contain_text(f"n = {n_before + ROWS:,} responses")
        # the screenshot waits for the trend charts (the sparklines are drawn with them)
        page.wait_for_function(
            "main => document.querySelectorAll(main + ' .js-plotly-plot .main-svg').length >= 2", arg=MAIN)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
        page.wait_for_timeout(500)
        page.screenshot(path=screenshots / "overview_after_upload.png")
    finally:
        context.close()


def test_answer_rules_show_how_dates_and_codes_are_read(browser, app, screenshots, tmp_path):
    url, _, _ = app
    uk = tmp_path / "uk-survey.csv"
    uk.write_bytes(b"Response ID,Date,How likely are you to recommend us?,Wifi rating\r\n"
                   b"K1,25/10/2026 10:00,10,4\r\nK2,03/10/2026,6,0\r\nK3,13/10/2026,9,5\r\n")
    context = browser.new_context(viewport={"width": 1280, "height": 2000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{url}/data")
        page.locator("input[type=file]").first.set_input_files(str(uk))
        expect(page.get_by_text(re.compile(r"dates in 'Date' are read as day/month/year"))).to_be_visible()
        rules = page.locator(f"{MAIN} [data-testid='stExpander']").filter(has_text="Answer rules")
        # The upload reruns the page; decide on the expander only once that rerun is done,
        # or a click toggles an expander that the rerun is about to open.
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
        expect(rules).to_be_visible()
        if not rules.locator("[data-testid='stSelectbox']").is_visible():
            rules.get_by_text("Answer rules").click()
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
        expect(rules.get_by_label("Dates in the file are written")).to_have_value("day/month/year")
        codes = rules.get_by_role("textbox", name="Codes that mean “no answer”")
        codes.fill("0")
        codes.press("Enter")
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
        expect(codes).to_have_value("0")
        expect(page.locator(f"{MAIN} [data-testid='stMetricValue']").first).to_have_text("3")
        page.wait_for_timeout(500)  # the grids draw on a canvas after they mount
        page.screenshot(path=screenshots / "data_answer_rules.png")
    finally:
        context.close()


FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"  # ../shared/fixtures from the repo


@pytest.mark.skipif(not FIXTURES.exists(), reason="no ../shared/fixtures folder")
@pytest.mark.parametrize("rel, rows", [("surveymonkey/steak_risk.csv", 550), ("surveymonkey/starwars.csv", 1186)])
def test_surveymonkey_export_loads_with_a_date_for_every_response(browser, app, screenshots, rel, rows):
    """SurveyMonkey's exports have no date column: the analyst gives one date, checks and loads."""
    url, _, _ = app
    name = Path(rel).name
    context = browser.new_context(viewport={"width": 1280, "height": 2000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{url}/data")
        page.locator("input[type=file]").first.set_input_files(str(FIXTURES / rel))
        expect(page.get_by_text(re.compile(rf"Read {re.escape(name)}: surveymonkey layout"))).to_be_visible()
        label = "Date for every response (the file has no date column)"
        expect(page.get_by_role("group", name=label)).to_be_visible()
        expect(page.get_by_text("Pick the date for every response")).to_be_visible()
        expect(page.get_by_role("button", name="Load into the dashboard")).to_have_count(0)
        # The field is three segments (year, month, day), and typing moves from one to the next;
        # the calendar opens on the typed date, and picking the day there sets it.
        page.get_by_role("spinbutton", name=f"year, {label}").click()
        page.keyboard.type("20140515")
        page.get_by_role("button", name=re.compile(r"May 15, 2014")).click()
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
        expect(page.get_by_text("Rule: no date column: every response is dated 2014-05-15 00:00")).to_be_visible()
        expect(page.locator(f"{MAIN} [data-testid='stMetricValue']").first).to_have_text(f"{rows:,}")
        expect(page.locator(f"{MAIN} [data-testid='stMetricValue']").nth(2)).to_have_text("0")  # no problems
        page.get_by_text("2. Check").scroll_into_view_if_needed()
        page.wait_for_timeout(500)  # the grids draw on a canvas after they mount
        page.screenshot(path=screenshots / f"data_default_date_{Path(rel).stem}.png")
        page.get_by_role("button", name="Load into the dashboard").click()
        expect(page.get_by_text(re.compile(rf"Loaded {rows:,} rows"))).to_be_visible()
        page.get_by_text(re.compile(rf"Loaded {rows:,} rows")).scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=screenshots / f"data_default_date_{Path(rel).stem}_loaded.png")
    finally:
        context.close()
