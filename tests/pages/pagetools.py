"""Helpers for the page tests: expected values from cx_metrics, and readers
for what AppTest rendered. (Fixtures live in conftest.py.)"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from cx_metrics import db, kpis
from cx_metrics.filters import Filters
from cx_metrics.overview import Overview, default_period, overview

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
OVERVIEW_PAGE = "pages/overview.py"
SETTINGS_PAGE = "pages/settings.py"
TIMEOUT_S = 60
#: [auth] secrets as st.login would read them, for sign-in tests (AppTest never contacts the provider).
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "http://localhost:1/.well-known/openid-configuration",
}

#: What conftest's small EX group (7 responses, 4 respondents) would show if it
#: were not suppressed, by hand: eNPS = (4 promoters - 2 detractors) / 7 * 100
#: = 28.571...; engagement = 5 of 7 answer 4-5 = 71.43%; n = 7.
SMALL_EX_SECRETS = ("28.6", "28.57", "71.4", "71.43", "n = 7 ")

# --- Expected values, straight from cx_metrics ------------------------------

def with_con(path: Path, fn, *args, **kwargs):
    """``fn(con, *args)`` on a connection of our own (DuckDB shares the open
    database with the app's cached connection in this process)."""
    con = db.connect(path)
    try:
        return fn(con, *args, **kwargs)
    finally:
        con.close()


def as_of(path: Path) -> date:
    return with_con(path, kpis.data_range)[1]


def default_filters(path: Path, **values) -> Filters:
    """The page's default filters: the last 3 months up to the data's as-of date."""
    return Filters(*default_period(as_of(path), 3), **values)


def expected(path: Path, filters: Filters, compare: str = "previous", grain: str = "month") -> Overview:
    return with_con(path, overview, filters, compare, grain)


# --- Reading the rendered page --------------------------------------------------

def tile(at: AppTest, key: str):
    """The bordered container of one KPI tile (``key="tile_<kpi>"``)."""
    return at.get_by_key(f"tile_{key}")


def tile_metric(at: AppTest, key: str):
    (metric,) = tile(at, key).metric
    return metric


def tile_captions(at: AppTest, key: str) -> list[str]:
    return [c.value for c in tile(at, key).caption]


def tile_badge(at: AppTest, key: str) -> str | None:
    """st.badge renders as markdown ``:colour-badge[:icon: text]``; return the text."""
    texts = [m.value for m in tile(at, key).markdown if "-badge[" in m.value]
    assert len(texts) <= 1, texts
    return texts[0] if texts else None


def header_caption(at: AppTest) -> str:
    """The caption above the tiles: period, comparison, filters, as-of date."""
    return at.main.caption[0].value


def plotly_specs(at: AppTest) -> dict[str, dict]:
    """Plotly figures by element key. AppTest has no typed plotly element: they
    are UnknownElement nodes of type ``plotly_chart`` holding the JSON spec."""
    return {chart.key: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")}


def rendered_text(at: AppTest) -> str:
    """Every piece of text the page shows, one per line (titles, markdown,
    captions, alerts, metric labels, values, deltas and help)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [e.value for e in at.get(kind)]
    for m in at.metric:
        parts += [m.label, m.value, m.delta, m.help]
    return "\n".join(str(p) for p in parts)


def trace_values(values) -> list:
    """A plotly trace's x or y: a plain list, or a typed array that plotly
    encodes as ``{"dtype": "f8", "bdata": <base64>}``."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def trace(spec: dict, name: str) -> dict:
    """The trace called ``name`` (the KPI label for the line itself)."""
    (found,) = [t for t in spec["data"] if t.get("name") == name]
    return found
