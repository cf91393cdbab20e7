"""Key drivers and employee comments in Chromium.

* Key drivers: the NPS analysis draws both charts; switching the outcome to
  eNPS and to complete cases redraws them with cx_metrics' numbers.
* Employee comments: a unit where 9 people commented shows "hidden to protect
  anonymity" and none of their words, whether it is picked on its own or left
  out of an otherwise large selection; a big group's comments show as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, expect

from cx_metrics import db, demo, drivers, ex_guard, kpis, voc
from cx_metrics.filters import Filters
from cx_metrics.overview import default_period

pytestmark = pytest.mark.browser
MAIN = '[data-testid="stMain"]'
SECRET = "Atelier secret: my manager shouts"
SMALL_UNIT = "Atelier"


@pytest.fixture(scope="module")
def app(serve_app, tmp_path_factory):
    """A small demo plus a unit where exactly 9 employees commented; the figures the pages must show."""
    tmp = tmp_path_factory.mktemp("drivers_voc")
    path = tmp / "cx.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=20_000, ex_rows=8_000)
    for i in range(9):
        con.execute("INSERT INTO ex_responses (response_id, submitted_at, business_unit, respondent_id, enps, comment)"
                    " VALUES (?, '2026-10-20', ?, ?, 3, ?)", [f"AT{i}", SMALL_UNIT, f"at-{i}", f"{SECRET} ({i})"])
    ex_guard.ensure_fresh(con)  # publish the 9 to the guard's cells, as the app does when it opens the file
    voc.score_missing(con)
    f = Filters(*default_period(kpis.data_range(con)[1], 3))  # the sidebar's default period
    units = ex_guard.names(con, "business_unit")
    want = {
        "nps": drivers.drivers(con, f, "nps", "pairwise"),
        "enps": drivers.drivers(con, f, "enps", "complete"),
        "others": [u for u in units if u != SMALL_UNIT],
        "ex": voc.verbatims(con, f, "ex"),
    }
    con.close()
    with serve_app(path, tmp) as (url, _log):
        yield url, want


def wait_for_charts(page: Page, n: int) -> None:
    page.wait_for_function(
        "([main, n]) => document.querySelectorAll(main + ' .js-plotly-plot .main-svg').length >= n"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')", arg=[MAIN, n])


@contextmanager
def tab(browser, height: int) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def table_cells(page: Page, header: str):
    grid = page.locator(f"{MAIN} [data-testid='stDataFrame']").filter(has=page.locator("th", has_text=header))
    return grid.locator("td")


def test_drivers_page_in_the_browser(browser, app, screenshots):
    url, want = app
    with tab(browser, 1500) as page:
        page.goto(f"{url}/drivers")
        expect(page.get_by_role("heading", name="Key drivers")).to_be_visible()
        wait_for_charts(page, 2)
        top = want["nps"].table.iloc[0]
        expect(page.locator(MAIN).get_by_text(f"{top['attribute']} matters most", exact=False)).to_be_visible()
        expect(table_cells(page, "attribute").first).to_have_text(top["attribute"])
        page.screenshot(path=screenshots / "drivers.png")

        page.locator(MAIN).get_by_role("radio", name="eNPS", exact=True).click()
        page.locator(MAIN).get_by_text("Complete cases", exact=True).click()
        top = want["enps"].table.iloc[0]
        expect(page.locator(MAIN).get_by_text(f"Complete cases: {want['enps'].n:,} responses")).to_be_visible()
        expect(page.locator(MAIN).get_by_text(f"{top['attribute']} matters most", exact=False)).to_be_visible()
        wait_for_charts(page, 2)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        page.screenshot(path=screenshots / "drivers_enps.png")


def test_employee_comments_of_a_group_of_nine_never_show(browser, app, screenshots):
    url, want = app
    with tab(browser, 1800) as page:
        others = "&".join(f"bu={u.replace('&', '%26').replace(' ', '+')}" for u in want["others"])
        # The 9 alone: hidden, with the reason. Everyone but the 9: only comment cells labelled with
        # those units (10 or more people each; in this small demo a unit's month has fewer, so its
        # comments count only organisation-wide), never one of the 9's comments.
        for query in (f"bu={SMALL_UNIT}", others):
            page.goto(f"{url}/voc?{query}")
            expect(page.get_by_role("heading", name="Voice of the customer")).to_be_visible()
            page.locator(MAIN).get_by_role("radio", name="Employees and partners").click()
            if query != others:
                expect(page.locator(MAIN).get_by_text("hidden: fewer than 5 people, or it would reveal a smaller "
                                                      "group", exact=False)).to_be_visible()
                expect(page.locator(f"{MAIN} [data-testid='stDataFrame']")).to_have_count(0)
                page.screenshot(path=screenshots / "voc_ex_hidden.png")
            expect(page.locator(MAIN).get_by_text("Atelier secret", exact=False)).to_have_count(0)

        page.goto(f"{url}/voc")  # everyone: far more than 10 people, comments shown as text, no scores
        expect(page.get_by_role("heading", name="Voice of the customer")).to_be_visible()
        page.locator(MAIN).get_by_role("radio", name="Employees and partners").click()
        expect(page.locator(MAIN).get_by_text(f"{want['ex'].total:,} comments · page 1 of", exact=False)).to_be_visible()
        newest = want["ex"].rows["comment"].iloc[0]
        expect(table_cells(page, "Comment").filter(has_text=newest).first).to_have_text(newest)
        expect(page.locator(f"{MAIN} th", has_text="eNPS")).to_have_count(0)
        wait_for_charts(page, 3)
        page.screenshot(path=screenshots / "voc_ex.png")
