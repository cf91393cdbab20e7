"""The service design end to end: a CLI load, kpis and a board pack beside a
serving dashboard that keeps answering, then shows the new data without a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from cx_metrics import demo, kpis, service

ROOT = Path(__file__).resolve().parents[2]

MAIN = '[data-testid="stMain"]'
ROWS = 200_000


def cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cx_metrics", *args], cwd=ROOT, env=os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_load_kpis_and_boardpack_beside_a_serving_app(browser, serve_app, tmp_path):
    path = tmp_path / "served.duckdb"
    with service.writer(path) as con:
        demo.build(con, cx_rows=3_000, ex_rows=1_000)
        as_of = kpis.data_range(con)[1]
    new_as_of = as_of + timedelta(days=20)
    feed = tmp_path / "feed.csv"
    with feed.open("w") as out:  # 200,000 later responses: the as-of date moves 20 days on
        out.write("Response ID,Date,How likely are you to recommend us to a friend?\n")
        for i in range(ROWS):
            out.write(f"F{i},{as_of + timedelta(days=1 + i % 20)},{i % 11}\n")

    with serve_app(path, tmp_path) as (url, log):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        try:
            page.goto(url)
            expect(page.get_by_role("heading", name="Executive overview")).to_be_visible(timeout=60_000)

            load = cli("ingest", str(feed), "--kind", "cx", "--db", str(path))
            start, end = (as_of - timedelta(days=89)).isoformat(), as_of.isoformat()
            readers = [cli("kpis", "--db", str(path), "--start", start, "--end", end, "--format", "json"),
                       cli("boardpack", "--db", str(path), "--start", start, "--end", end,
                           "--sections", "overview", "--out", str(tmp_path / "pack.pptx"))]
            during = 0
            for i in range(50):  # page loads while the load and the readers run
                during += load.poll() is None
                page.goto(url if i % 2 else f"{url}/units")
                expect(page.get_by_role("heading", name="Executive overview" if i % 2 else "Units compared",
                                       exact=True)).to_be_visible(timeout=30_000)
                expect(page.locator('[data-testid="stException"]')).to_have_count(0)
                expect(page.get_by_text("encountered an error")).to_have_count(0)
            out, err = load.communicate(timeout=300)
            assert load.returncode == 0, err
            assert json.loads(out)["rows_loaded"] == ROWS
            assert during >= 1, "the load ended before the first page load"
            for reader in readers:
                out, err = reader.communicate(timeout=300)
                assert reader.returncode == 0, err

            fresh = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            deadline = time.monotonic() + 60
            fresh.goto(url)
            caption = fresh.locator(f"{MAIN} [data-testid='stCaptionContainer']").filter(has_text="Data as of")
            expect(caption.first).to_contain_text(f"Data as of {new_as_of:%d %b %Y}", timeout=60_000)
            assert time.monotonic() < deadline
            fresh.context.close()
        finally:
            context.close()
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, text[-3000:]
