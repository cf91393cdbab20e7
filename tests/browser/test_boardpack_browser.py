"""The board pack in a real browser: preview values, then every download button clicked.

The server runs on a database of its own whose expected figures are computed
before the server opens (and locks) the file.
"""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import Page, expect
from pptx import Presentation
from pypdf import PdfReader

from cx_metrics import db, demo, fmt
from cx_metrics.cli import kpis_json
from cx_metrics.filters import Filters

pytestmark = pytest.mark.browser
MAIN = '[data-testid="stMain"]'
#: The page's default: the last complete quarter of the demo data (to 31 Oct 2026), Q3.
PERIOD = Filters(date(2026, 7, 1), date(2026, 9, 30))


@pytest.fixture(scope="module")
def bp_server(tmp_path_factory, serve_app):
    tmp = tmp_path_factory.mktemp("bp_browser")
    path = tmp / "cx.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=30_000, ex_rows=9_000)
    want = kpis_json(con, PERIOD, "previous")
    con.close()
    with serve_app(path, tmp) as (url, _log):
        yield url, want


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 2400}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def download(page: Page, key: str) -> tuple[bytes, str]:
    """Click the download button with widget key ``key``; the file's bytes and suggested name."""
    with page.expect_download() as info:
        page.locator(f"{MAIN} .st-key-{key} button").click()
    return open(info.value.path(), "rb").read(), info.value.suggested_filename


def test_preview_and_downloads(tab: Page, bp_server, screenshots):
    url, want = bp_server
    tab.goto(f"{url}/boardpack")
    expect(tab.get_by_role("heading", name="Board pack", exact=True)).to_be_visible()
    tab.locator(f"{MAIN} .js-plotly-plot .main-svg").first.wait_for()
    # 2 overview trends + CX-EX, journey, drivers and voc; units, headline, quotes and actions are tables
    expect(tab.locator(f"{MAIN} .js-plotly-plot")).to_have_count(6)
    expect(tab.locator('[data-testid="stException"]')).to_have_count(0)
    nps = fmt.value("nps", want["cx"]["nps"]["value"])
    overview = tab.locator(f"{MAIN} .st-key-bp_slide_overview")
    nps_metric = overview.locator('[data-testid="stMetric"]').filter(
        has=tab.locator('[data-testid="stMetricLabel"]').get_by_text("NPS", exact=True))
    expect(nps_metric.get_by_test_id("stMetricValue")).to_have_text(nps)
    tab.mouse.move(1000, 2300)
    tab.screenshot(path=screenshots / "boardpack.png")

    pptx, name = download(tab, "bp_download_pptx")
    assert name == "board-pack-2026-07-01-to-2026-09-30.pptx"
    prs = Presentation(io.BytesIO(pptx))
    assert len(prs.slides) == 11  # title, headline, summary, overview, 5 analysis sections, quotes, actions
    (table,) = [s.table for s in prs.slides[2].shapes if s.has_table]
    assert table.cell(1, 0).text == "NPS" and table.cell(1, 1).text == nps

    pdf, name = download(tab, "bp_download_pdf")
    assert name.endswith(".pdf") and len(PdfReader(io.BytesIO(pdf)).pages) > 11  # the slides, then the notes

    csv, name = download(tab, "bp_summary_csv")
    assert name == "board-pack-2026-07-01-to-2026-09-30-kpis.csv"
    lines = csv.decode("utf-8-sig").splitlines()
    assert lines[0].startswith('"kpi","label","value","n"')
    assert lines[1].startswith(f'"nps","NPS",{want["cx"]["nps"]["value"]},{want["cx"]["nps"]["n"]},')
    xlsx, _ = download(tab, "bp_summary_xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert (ws["A2"].value, ws["C2"].value) == ("nps", want["cx"]["nps"]["value"])

    png, name = download(tab, "bp_chart_overview_0_png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and name.endswith("-overview-1.png")
