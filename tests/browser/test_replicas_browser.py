"""Horizontal serving: two app processes (replicas, as behind a proxy) on one database.

Both open the one published snapshot (docs/service.md), so both must show the
same overview; a load through the writer while both run must show on both
after a rerun (a page load), with no restart. The README's "Several app
replicas behind a proxy" describes the set-up this stands in for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from cx_metrics import demo, fmt, kpis, service
from cx_metrics.filters import Filters
from cx_metrics.overview import TILE_KPIS, default_period, overview

ROOT = Path(__file__).resolve().parents[2]
MAIN = '[data-testid="stMain"]'
FEED_ROWS = 3_000


def _wait_for_overview(page: Page) -> None:
    """Until the run has finished and both trends are drawn."""
    page.wait_for_function(
        """main => {
            const plots = document.querySelectorAll(main + ' .js-plotly-plot');
            return plots.length === 2 && [...plots].every(p => p.querySelector('.main-svg'))
                && !document.querySelector('[data-testid="stStatusWidget"]');
        }""",
        arg=MAIN, timeout=90_000,
    )
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def _tiles(page: Page) -> dict[str, str]:
    """Each overview tile's value and its "n = … · 95% range …" line, by tile key."""
    out = {}
    for key in TILE_KPIS:
        tile = page.locator(f"{MAIN} .st-key-tile_{key}")
        value = tile.get_by_test_id("stMetricValue").inner_text()
        captions = tile.get_by_test_id("stCaptionContainer").all_inner_texts()
        out[key] = " | ".join([value, *(c for c in captions if c.startswith("n = "))])
    return out


def _expected_nps(path: Path) -> tuple[str, str]:
    """The NPS tile's value and n line for the sidebar's default period, from cx_metrics itself."""
    con = service.read(path)
    as_of = kpis.data_range(con)[1]
    start, end = default_period(as_of, 3)
    s = overview(con, Filters(start, end), "previous", "month").tiles["nps"].score
    return fmt.value("nps", s.value), f"n = {s.n:,} responses · {fmt.interval('nps', s)}"


def _load(page: Page, url: str) -> dict[str, str]:
    page.goto(url)
    _wait_for_overview(page)
    return _tiles(page)


def test_two_replicas_serve_the_same_overview_and_both_see_a_load(browser, serve_app, tmp_path):
    path = tmp_path / "cx.duckdb"
    with service.writer(path) as con:
        demo.build(con, cx_rows=6_000, ex_rows=2_000)
        as_of = kpis.data_range(con)[1]
    feed = tmp_path / "feed.csv"
    with feed.open("w") as out:  # later responses, all promoters: the as-of date and the NPS move
        out.write("Response ID,Date,How likely are you to recommend us to a friend?\n")
        for i in range(FEED_ROWS):
            out.write(f"F{i},{as_of + timedelta(days=1 + i % 10)},10\n")
    new_as_of = as_of + timedelta(days=10)

    with serve_app(path, tmp_path) as (url_a, log_a), serve_app(path, tmp_path) as (url_b, log_b):
        assert url_a != url_b
        context = browser.new_context(viewport={"width": 1280, "height": 1800})
        a, b = context.new_page(), context.new_page()
        try:
            before = _load(a, url_a)
            assert _load(b, url_b) == before
            value, n_line = _expected_nps(path)
            assert before["nps"] == f"{value} | {n_line}"

            load = subprocess.run([sys.executable, "-m", "cx_metrics", "ingest", str(feed), "--kind", "cx",
                                   "--db", str(path)], cwd=ROOT, env=os.environ.copy(), capture_output=True,
                                  text=True, timeout=300)
            assert load.returncode == 0, load.stderr
            assert json.loads(load.stdout)["rows_loaded"] == FEED_ROWS

            value, n_line = _expected_nps(path)
            after = {}
            for page, url in ((a, url_a), (b, url_b)):
                page.reload()  # a rerun of the app in each replica, no restart
                _wait_for_overview(page)
                caption = page.locator(f"{MAIN} [data-testid='stCaptionContainer']").filter(has_text="Data as of")
                expect(caption.first).to_contain_text(f"Data as of {new_as_of:%d %b %Y}", timeout=60_000)
                after[url] = _tiles(page)
            assert after[url_a] == after[url_b] != before
            assert after[url_a]["nps"] == f"{value} | {n_line}"
        finally:
            context.close()
    for log in (log_a, log_b):
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, text[-3000:]
