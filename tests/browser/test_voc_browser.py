"""Hostile comments in a real browser: <script> and <b> show as literal text, nothing runs,
and the CSV download of the comments keeps =1+2 as text."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from cx_metrics import db, demo, voc

pytestmark = pytest.mark.browser
MAIN = '[data-testid="stMain"]'
HOSTILE = ["<script>window.pwned = 1</script> great staff", "<b>bold claim</b> about delivery", "=1+2"]


@pytest.fixture(scope="module")
def app(serve_app, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("voc")
    path = tmp / "cx.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=2_000, ex_rows=500)
    for i, text in enumerate(HOSTILE):
        con.execute("INSERT INTO cx_responses (response_id, submitted_at, business_unit, nps, comment)"
                    " VALUES (?, ?, 'Grocery', 9, ?)", [f"H{i}", datetime(2026, 10, 31, 23, 0, i), text])
    voc.score_missing(con)
    con.close()
    with serve_app(path, tmp) as (url, _log):
        yield url


def test_hostile_comments_stay_text(browser, app, screenshots):
    context = browser.new_context(viewport={"width": 1280, "height": 2200}, accept_downloads=True)
    page: Page = context.new_page()
    page.set_default_timeout(30_000)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{app}/voc")
        expect(page.get_by_role("heading", name="Voice of the customer")).to_be_visible()
        grid = page.locator(f"{MAIN} [data-testid='stDataFrame']").filter(
            has=page.locator("th", has_text="Comment"))
        # The grid is drawn on a canvas; its accessible copy holds the cell text, verbatim.
        for text in HOSTILE:
            expect(grid.locator("td").filter(has_text=text).first).to_have_text(text)
        assert page.evaluate("() => window.pwned") is None and not dialogs
        expect(page.locator(f"{MAIN} b", has_text="bold claim")).to_have_count(0)  # never rendered as HTML
        page.screenshot(path=screenshots / "voc.png")
        with page.expect_download() as info:
            page.get_by_role("button", name="CSV").last.click()
        rows = list(csv.DictReader(io.StringIO(info.value.path().read_text(encoding="utf-8-sig"))))
        formula = [r["comment"] for r in rows if "1+2" in r["comment"]]
        assert formula == ["'=1+2"]  # neutralised: a spreadsheet shows it as text
    finally:
        context.close()
