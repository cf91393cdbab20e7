"""The CX <-> EX page in Chromium: the four charts draw and the early warning lists units."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
MAIN = '[data-testid="stMain"]'


def test_cx_ex_page(page: Page, server, screenshots):
    page.set_viewport_size({"width": 1280, "height": 2900})
    page.goto(f"{server.url}/cx_ex")
    expect(page.get_by_role("heading", name="Customer and employee experience")).to_be_visible()
    expect(page.locator(f"{MAIN} .js-plotly-plot .main-svg").first).to_be_visible()
    page.wait_for_function(
        "main => document.querySelectorAll(main + ' .js-plotly-plot .main-svg').length >= 4"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        arg=MAIN,
    )
    expect(page.get_by_text("Correlation is not causation")).to_be_visible()
    # The lag finding comes first; the forecast caption below may name the same lead.
    expect(page.get_by_text(re.compile(r"eNPS leads NPS by \*?\*?\d|No lag shows")).first).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.screenshot(path=screenshots / "cx_ex.png")
