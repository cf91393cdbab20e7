"""Alerts and actions in a real browser: the overview's alerts panel, acknowledging an alert, turning it
into an owned action, and the action on the Actions page, against cx_metrics' own figures.

Screenshots land in tests/browser/screenshots/; with UPDATE_SCREENSHOTS=1 they are also copied to docs/.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cx_metrics import actions, alerts, db, demo, kpis
from cx_metrics.filters import Filters

ROOT = Path(__file__).resolve().parents[2]
MAIN = '[data-testid="stMain"]'

pytestmark = pytest.mark.browser


def planted(path: Path) -> None:
    """The small demo with 150 detractors planted in Grocery's last complete month (an NPS alert), spread
    over the journey stages and regions as Grocery's own answers are."""
    con = db.connect(path)
    demo.build(con, cx_rows=40_000, ex_rows=12_000)
    first, _ = alerts.latest_complete_month(kpis.data_range(con)[1])
    con.execute("""INSERT INTO cx_responses (response_id, submitted_at, business_unit, region, channel, segment,
                       journey_stage, nps, comment)
                   SELECT 'planted-' || i, ?::TIMESTAMP + INTERVAL (i % 28) DAY, 'Grocery', region, channel,
                          segment, journey_stage, 0, 'The parcel arrived late'
                   FROM range(150) t(i) JOIN (SELECT row_number() OVER () - 1 AS j, region, channel, segment,
                                                     journey_stage FROM cx_responses
                                              WHERE business_unit = 'Grocery' LIMIT 150) ON j = i""", [first])
    db.bump_data_version(con)
    con.close()


@pytest.fixture(scope="module")
def follow_up(tmp_path_factory, serve_app):
    tmp = tmp_path_factory.mktemp("follow_up")
    path = tmp / "cx.duckdb"
    planted(path)
    con = db.connect(path)
    found = alerts.alerts(con, None, Filters(date(2000, 1, 1), date(2000, 1, 1)))
    con.close()
    with serve_app(path, tmp) as (url, _log):
        yield url, path, found


def key_class(key: str) -> str:
    """Streamlit's class for an element key: ``st-key-`` and the key with other characters as ``-``."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def settle(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def keep(page: Page, screenshots: Path, name: str) -> None:
    page.screenshot(path=screenshots / name)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        shutil.copy(screenshots / name, ROOT / "docs" / name)


def test_alerts_panel_acknowledge_and_create_action(browser, follow_up, screenshots):
    url, path, found = follow_up
    grocery = found[(found["kpi"] == "nps") & (found["group"] == "Grocery")]
    assert len(grocery) == 1, "the planted drop must be an alert"
    alert = grocery.iloc[0]
    context = browser.new_context(viewport={"width": 1280, "height": 1500})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        # The overview's panel lists the same alerts.
        page.goto(url)
        panel = page.locator(f"{MAIN} [data-testid='stExpander']").filter(has_text="Alerts for")
        expect(panel).to_contain_text(f"{len(found)} of {found.attrs['tested']} group comparisons")
        panel.locator("summary").click()
        expect(panel).to_contain_text(alert["sentence"])
        settle(page)
        panel.scroll_into_view_if_needed()
        keep(page, screenshots, "alerts_panel.png")

        # The Alerts page: acknowledge one, then turn the Grocery drop into an action.
        page.goto(f"{url}/alerts")
        box = page.locator(f"{MAIN} .{key_class('alert_' + alert['key'])}")
        expect(box).to_contain_text(alert["sentence"])
        expect(box).to_contain_text(f"n = {int(alert['previous_n']):,}")
        open_tile = page.locator(f"{MAIN} [data-testid='stMetric']").filter(has_text="Open")
        expect(open_tile).to_contain_text(str(len(found)))
        settle(page)
        keep(page, screenshots, "alerts_page.png")
        other = found[found["key"] != alert["key"]].iloc[0]
        page.locator(f"{MAIN} .{key_class('ack_' + other['key'])} button").click()
        expect(open_tile).to_contain_text(str(len(found) - 1))
        box.get_by_role("button", name="Create action").click()
        expect(page).to_have_url(f"{url}/actions")
        title = page.get_by_label("Title")
        expect(title).to_have_value("Respond to the NPS fall in Grocery")
        page.get_by_label("Owner", exact=True).fill("Robin Lee")
        page.get_by_role("button", name="Create action").click()
        expect(page.locator(MAIN)).to_contain_text("Action 1 created: Respond to the NPS fall in Grocery.")
        settle(page)
        grid = page.locator(f"{MAIN} [data-testid='stDataFrame']").first
        expect(grid).to_be_visible()
        keep(page, screenshots, "actions_page.png")
    finally:
        context.close()
    con = db.connect(path, read_only=True)
    try:
        stored = actions.listing(con)
        acks = alerts.acknowledged(con)
    finally:
        con.close()
    assert list(stored["title"]) == ["Respond to the NPS fall in Grocery"]
    assert list(stored["owner"]) == ["Robin Lee"] and list(stored["addresses"]) == ["Grocery"]
    assert set(acks) == {other["key"]}
