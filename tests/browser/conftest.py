"""Fixtures for the browser tests: a demo database, `streamlit run` on a free
port, and a headless Chromium driven by Playwright.

Playwright cannot download its own browsers here, so the tests drive the
machine's Chrome/Chromium (:func:`cx_metrics.chromium.find`; `make test` installs
Debian's when it can). Every test in this folder carries the ``browser`` marker
(see :func:`pytest_collection_modifyitems`) and, without a browser, skips saying
so; every other failure to start is an error, never a skip.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from cx_metrics import chromium, db, demo, kpis
from cx_metrics.filters import Filters
from cx_metrics.overview import Overview, default_period, overview

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
NO_BROWSER = "browser test: no Chrome/Chromium here (`make chromium` says how to get one)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Without these Chromium keeps opening connections the sandbox refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT_S = 60


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``browser`` (so ``-m "not browser"`` leaves them
    all out) and, on a machine without Chrome/Chromium, skip them with the reason.

    pytest hands this hook the whole session's items, so only those under here are touched.
    """
    skip = pytest.mark.skip(reason=NO_BROWSER) if chromium.find() is None else None
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if skip:
                item.add_marker(skip)


@dataclass(frozen=True)
class Expected:
    """What the overview must show, computed straight from cx_metrics."""

    as_of: date
    all_data: Overview
    grocery: Overview
    #: (kpi, business unit) of every saved target, in the Settings table's order.
    targets: list[tuple[str, str]]


@dataclass(frozen=True)
class Server:
    url: str
    db_path: Path
    log: Path
    expected: Expected


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with code {proc.returncode} before answering:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"streamlit did not answer {url}/_stcore/health within {STARTUP_TIMEOUT_S} s:\n{_tail(log)}")


def _expected(path: Path) -> Expected:
    """The figures the page must show, computed before the server opens the
    file: the server holds DuckDB's write lock, so the test cannot read it later."""
    con = db.connect(path)
    try:
        as_of = kpis.data_range(con)[1]
        start, end = default_period(as_of, 3)  # the sidebar's default "Last 3 months"
        return Expected(
            as_of=as_of,
            all_data=overview(con, Filters(start, end), "previous", "month"),
            grocery=overview(con, Filters(start, end, business_units=("Grocery",)), "previous", "month"),
            targets=list(kpis.targets(con)[["kpi", "business_unit"]].itertuples(index=False, name=None)),
        )
    finally:
        con.close()


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = chromium.find()
    if path is None:  # the marker skips first; this guards a fixture used from elsewhere
        pytest.skip(NO_BROWSER)
    return path


@pytest.fixture(scope="session")
def server(tmp_path_factory, chromium_executable) -> Iterator[Server]:
    """A small demo database and `streamlit run app.py` serving it."""
    tmp = tmp_path_factory.mktemp("browser")
    path = tmp / "cx.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=40_000, ex_rows=12_000)
    con.close()
    expected = _expected(path)

    with serve(path, tmp) as (url, log):
        yield Server(url, path, log, expected)


@contextmanager
def serve(
    path: Path, tmp: Path, *, port: int | None = None, env: dict | None = None, args: tuple[str, ...] = (),
    host: str = "127.0.0.1",
) -> Iterator[tuple[str, Path]]:
    """`streamlit run app.py` on ``path`` and a free port: yields (url, log).

    ``env`` and ``args`` add environment variables and streamlit options;
    ``host`` is the name the URL uses (sign-in cookies need "localhost").
    """
    port = port or free_port()
    url = f"http://{host}:{port}"
    log = tmp / f"streamlit-{port}.log"
    # No file watcher: other files changing during a test run must not put a
    # "source changed" banner into the screenshots.
    env = {**os.environ, "CX_DB": str(path), "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", **(env or {})}
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false", *args,
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(url, proc, log)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def pick_port():
    """:func:`free_port`, for tests that must know the port before the server starts."""
    return free_port


@pytest.fixture(scope="session")
def serve_app(chromium_executable):
    """:func:`serve`, for tests that need a server of their own (a cold start)."""
    return serve


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import expect, sync_playwright

    # The first page view fills Streamlit's caches; give slow CI machines room.
    expect.set_options(timeout=15_000)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser tab, tall enough that the whole overview fits: the main
    area scrolls inside its own container, so a full-page screenshot would not help."""
    context = browser.new_context(viewport={"width": 1280, "height": 1800})
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
