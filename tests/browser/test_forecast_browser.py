"""Forecast cones in Chromium: the overview's trends end in a cone with its caption, and the CX <-> EX
page draws where NPS and eNPS are heading. With UPDATE_SCREENSHOTS=1 the overview's trends are
copied to docs/forecast_cone.png for the README."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
MAIN = '[data-testid="stMain"]'


def wait_for_plots(page: Page, count: int) -> None:
    page.wait_for_function(
        "([main, n]) => document.querySelectorAll(main + ' .js-plotly-plot .main-svg').length >= n"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        arg=[MAIN, count],
    )
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_overview_trends_end_in_a_cone(page: Page, server, screenshots):
    page.goto(server.url)
    wait_for_plots(page, 2)
    for key, label in (("trend_nps", "NPS"), ("trend_enps", "eNPS")):
        chart = page.locator(f"{MAIN} .st-key-{key}")
        # Plotly writes legend entries as SVG text; the ranges are named in the caption instead.
        expect(chart.locator("g.legend text.legendtext", has_text=re.compile("^forecast$"))).to_have_count(1)
        expect(chart.locator("g.legend text.legendtext", has_text="forecast range")).to_have_count(0)
        caption = page.locator(f"{MAIN} [data-testid='stCaptionContainer']").filter(
            has_text=re.compile(f"^{label} forecast for Nov 2026 – Jan 2027"))
        expect(caption).to_have_count(1)
        expect(caption).to_contain_text("local level model")
    trends = page.locator(f"{MAIN} [data-testid='stHorizontalBlock']").filter(
        has=page.locator(".st-key-trend_nps"))
    page.mouse.move(5, 5)  # no hover label over the charts
    shot = screenshots / "forecast_cone.png"
    trends.screenshot(path=shot)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, ROOT / "docs" / "forecast_cone.png")


def test_cx_ex_page_shows_where_nps_and_enps_are_heading(page: Page, server, screenshots):
    page.set_viewport_size({"width": 1280, "height": 3300})
    page.goto(f"{server.url}/cx_ex")
    wait_for_plots(page, 5)
    expect(page.get_by_role("heading", name="Where NPS and eNPS are heading")).to_be_visible()
    chart = page.locator(f"{MAIN} .st-key-forecast_chart")
    expect(chart.locator("g.legend text.legendtext", has_text=re.compile("^forecast$"))).to_have_count(1)
    for label in ("NPS", "eNPS"):
        expect(page.locator(f"{MAIN} [data-testid='stCaptionContainer']").filter(
            has_text=re.compile(f"^{label} forecast for Nov 2026 – Jan 2027"))).to_have_count(1)
    chart.screenshot(path=screenshots / "cx_ex_forecast.png")
