"""Fixtures for the AppTest page tests: fixture databases, clean caches, an app.

Every test points the app at a fixture database through ``CX_DB`` and gets
empty Streamlit caches, because ``pages/shared.py`` keeps one DuckDB
connection per path (``st.cache_resource``) and caches every cx_metrics call
(``st.cache_data``). Expected values are computed straight from cx_metrics on
the same file, never copied from the page.

One AppTest quirk needs a workaround (see :func:`warm_navigation`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from cx_metrics import db, demo, ex_guard
from pagetools import APP, TIMEOUT_S

# --- Databases ----------------------------------------------------------------

@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The small demo database, built once. No app ever opens this file:
    tests get copies, so a test that saves targets cannot leak into another."""
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=40_000, ex_rows=12_000)
    con.close()
    return path


@pytest.fixture(scope="session")
def demo_db(demo_template, tmp_path_factory) -> Path:
    """A shared copy of the demo database for tests that only read."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def demo_db_copy(demo_template, tmp_path) -> Path:
    """A private copy of the demo database, for tests that write to it."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, path)
    return path


#: The hand-built database: 36 CX responses (Aug-Oct 2026) and 7 EX
#: responses from only 4 distinct respondents, so every EX figure is hidden:
#: Sep 2026 holds E1-E3 (3 people) and Oct 2026 E1-E4 (4 people), so neither
#: month reaches 5 people even merged up to the whole month (ex_guard's ladder)
#: and no reporting cell exists at all.
SMALL_CX = [  # nps, csat, ces: one cycle of 6, repeated 6 times
    (10, 5, 7), (9, 4, 6), (8, 3, 5), (7, 2, 4), (6, 1, 3), (3, 5, 2),
]
SMALL_EX = [  # respondent_id, submitted_at, enps, engagement
    ("E1", datetime(2026, 9, 2, 10), 10, 5),
    ("E1", datetime(2026, 10, 3, 10), 10, 5),
    ("E2", datetime(2026, 9, 4, 11), 10, 4),
    ("E2", datetime(2026, 10, 5, 11), 9, 4),
    ("E3", datetime(2026, 9, 6, 12), 8, 4),
    ("E3", datetime(2026, 10, 7, 12), 0, 2),
    ("E4", datetime(2026, 10, 8, 13), 0, 1),
]
# pagetools.SMALL_EX_SECRETS lists what this EX group would show unsuppressed.


@pytest.fixture(scope="session")
def small_ex_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    con = db.connect(path)
    con.executemany(
        "INSERT INTO cx_responses (response_id, submitted_at, business_unit, region, channel, "
        "journey_stage, segment, nps, csat, ces) VALUES (?, ?, 'Grocery', 'Nordics', 'web', 'buy', "
        "'consumer', ?, ?, ?)",
        [(f"R{i}", datetime(2026, 8 + i % 3, 1 + i // 3, 9), *SMALL_CX[i % 6]) for i in range(36)],
    )
    con.executemany(
        "INSERT INTO ex_responses (response_id, submitted_at, business_unit, region, respondent_id, "
        "enps, engagement) VALUES (?, ?, 'Grocery', 'Nordics', ?, ?, ?)",
        [(f"X{i}", ts, rid, e, g) for i, (rid, ts, e, g) in enumerate(SMALL_EX)],
    )
    ex_guard.ensure_fresh(con)  # publish the cells: raw inserts are invisible until then
    db.bump_data_version(con)
    con.close()
    return path


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory) -> Path:
    """Schema and default targets only: no responses at all."""
    path = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    db.connect(path).close()
    return path


# --- Streamlit state ----------------------------------------------------------

@pytest.fixture(autouse=True)
def clean_caches() -> Iterator[None]:
    """Empty Streamlit's process-wide caches before and after every test, so
    no test sees another's connection (and file lock) or cached results."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def warm_navigation(monkeypatch) -> None:
    """Make every AppTest run behave like a server that has already run app.py.

    The project has a ``pages/`` folder next to an ``st.navigation`` entry
    point. Streamlit then starts in its legacy "pages directory" mode until
    ``st.navigation`` runs once and sets ``PagesManager.uses_pages_directory``
    to False for the whole process. AppTest resets that flag before *every*
    run, so from the second run on it executes ``pages/overview.py`` on its
    own, without app.py: the sidebar filters vanish and the page reuses the
    previous run's filters. Keeping the flag False after AppTest's reset
    gives the behaviour of a warmed-up server. The cold-start case is
    tested on its own (test_overview_page.py::test_cold_start_deep_link_to_settings_runs_app_py).
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def make_app(monkeypatch, warm_navigation) -> Callable[..., AppTest]:
    """``make_app(db_path, **query_params)``: an AppTest of app.py on ``db_path``, not yet run."""

    def make(path: Path, **query_params) -> AppTest:
        monkeypatch.setenv("CX_DB", str(path))
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
        at.query_params.update(query_params)
        return at

    return make
