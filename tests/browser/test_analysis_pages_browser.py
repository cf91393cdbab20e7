"""Units, Customer journey and Employees and partners in Chromium: charts draw, no errors; screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
MAIN = '[data-testid="stMain"]'


@pytest.mark.parametrize(
    ("path", "heading", "charts"),
    [("units", "Units compared", 5), ("journey", "Customer journey", 3), ("internal", "Employees and partners", 1),
     ("drivers", "Key drivers", 2), ("voc", "Voice of the customer", 2)],
)
def test_analysis_page(page: Page, server, screenshots, path, heading, charts):
    page.set_viewport_size({"width": 1280, "height": 2600})
    page.goto(f"{server.url}/{path}")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.wait_for_function(
        "([main, n]) => document.querySelectorAll(main + ' .js-plotly-plot .main-svg').length >= n"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        arg=[MAIN, charts],
    )
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.screenshot(path=screenshots / f"{path}.png")
