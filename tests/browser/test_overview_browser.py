"""The dashboard in a real browser: `streamlit run` + headless Chromium.

The expected figures come from cx_metrics directly (see conftest.py), so
these tests check what a reader sees against the same maths the page calls.
Screenshots land in tests/browser/screenshots/ (git-ignored); with
UPDATE_SCREENSHOTS=1 the overview one is also copied to docs/overview.png
for the README.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Locator, Page, expect

from cx_metrics import db, demo, fmt
from cx_metrics.overview import Overview

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser

MAIN = '[data-testid="stMain"]'


def wait_for_overview(page: Page) -> None:
    """Until the run has finished and both Plotly trends are drawn."""
    page.locator(f"{MAIN} .js-plotly-plot .main-svg").first.wait_for()
    page.wait_for_function(
        """main => {
            const plots = document.querySelectorAll(main + ' .js-plotly-plot');
            return plots.length === 2 && [...plots].every(p => p.querySelector('.main-svg'))
                && !document.querySelector('[data-testid="stStatusWidget"]');
        }""",
        arg=MAIN,
    )
    expect(page.locator(f"{MAIN} .js-plotly-plot")).to_have_count(2)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def metric(page: Page, label: str) -> Locator:
    """The st.metric whose label reads exactly ``label``."""
    name = page.locator('[data-testid="stMetricLabel"]').get_by_text(label, exact=True)
    tile = page.locator(f'{MAIN} [data-testid="stMetric"]').filter(has=name)
    expect(tile).to_have_count(1)
    return tile


def check_nps_tile(page: Page, expected: Overview) -> None:
    s = expected.tiles["nps"].score
    assert s.shown and s.n and s.delta is not None, "the demo data should give an NPS and a change"
    tile = metric(page, "NPS")
    expect(tile.get_by_test_id("stMetricValue")).to_have_text(fmt.value("nps", s.value))
    expect(tile.get_by_test_id("stMetricDelta")).to_contain_text(fmt.delta("nps", s.delta).lstrip("+"))
    n_caption = f"n = {s.n:,} responses · {fmt.interval('nps', s)}"
    captions = page.locator(f"{MAIN} .st-key-tile_nps").get_by_test_id("stCaptionContainer")
    expect(captions.filter(has_text=re.compile(r"^n = "))).to_have_text(n_caption)


def header_caption(page: Page) -> Locator:
    return page.locator(f"{MAIN} [data-testid='stCaptionContainer']").filter(has_text="compared with").first


def test_overview_loads(page: Page, server, screenshots):
    page.goto(server.url)
    wait_for_overview(page)
    expect(page.get_by_role("heading", name="Executive overview")).to_be_visible()
    exp = server.expected.all_data
    check_nps_tile(page, exp)
    expect(header_caption(page)).to_contain_text(
        f"{fmt.period(exp.filters.start, exp.filters.end)} compared with the {exp.filters.comparison_rule('previous')} "
        f"({fmt.period(exp.comparison.start, exp.comparison.end)}) · Filters: all data · "
        f"Data as of {server.expected.as_of:%d %b %Y}"
    )
    shot = screenshots / "overview.png"
    page.screenshot(path=shot)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, ROOT / "docs" / "overview.png")


def test_filter_in_url(page: Page, server, screenshots):
    page.goto(f"{server.url}/?bu=Grocery")
    wait_for_overview(page)
    grocery, everyone = server.expected.grocery, server.expected.all_data
    assert grocery.tiles["nps"].score.value != everyone.tiles["nps"].score.value, "filter would be invisible"
    check_nps_tile(page, grocery)
    expect(header_caption(page)).to_contain_text("Filters: business unit: Grocery ·")
    # The sidebar widget shows the value the address set.
    expect(page.get_by_test_id("stSidebar").get_by_text("Grocery", exact=True)).to_be_visible()
    page.screenshot(path=screenshots / "overview_grocery.png")


def test_settings_page(page: Page, server, screenshots):
    page.goto(server.url)
    wait_for_overview(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("Settings")).click()
    expect(page).to_have_url(re.compile(r"/settings"))
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    editor = page.locator(f"{MAIN} [data-testid='stDataFrame']")
    expect(editor).to_be_visible()
    # The grid draws on a canvas; Glide keeps an off-screen accessible table in step with it.
    expect(editor.locator("th[role=columnheader]")).to_have_text(["KPI", "Business unit", "Target"])
    targets = server.expected.targets
    assert targets, "the demo database should come with targets"
    # The accessible copy of the grid holds the stored keys; the canvas draws the labels.
    expect(editor.locator("td[aria-colindex='1']")).to_have_text([k for k, _ in targets])
    expect(editor.locator("td[aria-colindex='2']")).to_have_text([u for _, u in targets])
    expect(page.get_by_role("button", name="Save targets")).to_be_visible()
    expect(page.get_by_test_id("stTable")).to_contain_text(str(server.db_path))
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.mouse.move(1000, 1700)  # off the sidebar, so its hover-only collapse button stays hidden
    page.screenshot(path=screenshots / "settings.png")


def test_cold_start_deep_link_runs_the_app(browser, serve_app, tmp_path):
    """A shared link to /units, opened as a fresh server's very first request,
    still gets app.py: page config, navigation and the sidebar filters (with the link's unit)."""
    path = tmp_path / "cold.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=3_000, ex_rows=1_000)
    con.close()
    with serve_app(path, tmp_path) as (url, _log):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.goto(f"{url}/units?bu=Grocery")
            expect(page.get_by_role("heading", name="Units compared", exact=True)).to_be_visible()
            expect(page).to_have_title(re.compile("Experience dashboard"))
            nav = page.get_by_test_id("stSidebarNav")
            expect(nav.get_by_role("link", name=re.compile("Overview"))).to_be_visible()
            expect(nav.get_by_role("link", name=re.compile("shared"))).to_have_count(0)  # no legacy page list
            expect(page.get_by_test_id("stSidebar").get_by_text("Grocery", exact=True)).to_be_visible()
        finally:
            context.close()


def test_first_visits_in_three_tabs_at_once_all_go_through_the_app(browser, serve_app, tmp_path):
    """A fresh server's first three visitors, on three pages at the same moment:
    each gets its page through app.py (navigation, no legacy page list; the sidebar
    filters only on Units, the one of them that uses filters), and the server logs
    no error. Each tab starts its session while the server is still in Streamlit's
    legacy pages mode, which the page scripts must leave."""
    path = tmp_path / "three.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=3_000, ex_rows=1_000)
    con.close()
    wanted = {"data": "Data", "units": "Units compared", "admin": "Admin"}
    with serve_app(path, tmp_path) as (url, log):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            tabs = {slug: context.new_page() for slug in wanted}
            for slug, tab in tabs.items():  # no waiting between them: the sessions start together
                tab.goto(f"{url}/{slug}", wait_until="commit")
            for slug, tab in tabs.items():
                expect(tab.get_by_role("heading", name=wanted[slug], exact=True)).to_be_visible(timeout=60_000)
                nav = tab.get_by_test_id("stSidebarNav")
                expect(nav.get_by_role("link", name=re.compile("Overview"))).to_be_visible()
                expect(nav.get_by_role("link", name=re.compile("shared"))).to_have_count(0)
                period = tab.get_by_test_id("stSidebar").get_by_role("combobox", name="Period")
                if slug == "units":
                    expect(period).to_be_visible()
                else:  # Data and Admin use no filters, so they show none
                    expect(tab.get_by_test_id("stSidebar").get_by_text("Local mode")).to_be_visible()
                    expect(period).to_have_count(0)
                expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
                expect(tab.get_by_text("This app has encountered an error")).to_have_count(0)
        finally:
            context.close()
        text = log.read_text(errors="replace")
        assert "Traceback" not in text and "Error" not in text, text[-2000:]


def test_a_page_load_asks_nothing_of_any_other_host(page: Page, server, screenshots):
    """The favicon is our own file (assets/favicon.png), not a ":material/...:" icon that the
    browser would fetch from fonts.gstatic.com: every request of a page load goes to this server."""
    hosts = []
    page.on("request", lambda r: hosts.append(urlparse(r.url).hostname))
    page.goto(server.url)
    wait_for_overview(page)
    icon = page.locator("link[rel~='icon']").first
    expect(icon).to_have_attribute("href", re.compile(r"^(/|http://127\.0\.0\.1:\d+/)media/.*\.png$"))
    href = icon.get_attribute("href")
    page.goto(server.url.rstrip("/") + "/journey")  # a second page, with its own charts
    expect(page.get_by_role("heading", name="Customer journey")).to_be_visible()
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
    assert hosts and set(hosts) <= {"127.0.0.1", "localhost"}, sorted(set(hosts))
    response = page.request.get(href if href.startswith("http") else server.url + href)
    assert response.ok and response.headers["content-type"] == "image/png"


def test_channel_filter_shows_a_note_instead_of_the_enps_trend(page: Page, server, screenshots):
    page.goto(f"{server.url}/?channel=web")
    main = page.locator(MAIN)
    expect(main.get_by_text("Employee figures have no channel: clear the channel filter to see eNPS.")).to_be_visible()
    page.wait_for_function(
        """main => [...document.querySelectorAll(main + ' .js-plotly-plot')].some(p => p.querySelector('.main-svg'))
            && !document.querySelector('[data-testid="stStatusWidget"]')""",
        arg=MAIN,
    )
    expect(page.locator(f"{MAIN} .js-plotly-plot")).to_have_count(1)  # the NPS trend only
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.get_by_text("Employee figures have no channel").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "overview_channel_filter.png")


def test_link_dates_outside_the_data_are_clamped_visibly(page: Page, server, screenshots):
    page.goto(f"{server.url}/?period=Custom&dates=2010-01-01&dates=2010-02-01")
    notice = page.locator(MAIN).get_by_text(re.compile(r"^The link's dates 1 Jan – 1 Feb 2010 are outside the data"))
    expect(notice).to_be_visible()
    wait_for_overview(page)
    dates = page.get_by_test_id("stSidebar").get_by_test_id("stDateInput").locator("input[type=date]")
    expect(dates).to_have_count(2)
    for i in range(2):
        expect(dates.nth(i)).not_to_have_value(re.compile("2010"))
    expect(page).not_to_have_url(re.compile("2010"))  # the address now holds the dates shown
    page.screenshot(path=screenshots / "overview_link_dates_clamped.png")
