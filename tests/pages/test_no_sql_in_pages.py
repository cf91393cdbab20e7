"""Layering rules, checked statically (STYLE.md "Our layout"):

* app.py and pages/ hold no SQL, no database access and no statistics: they
  read widgets, call cx_metrics and render.
* cx_metrics/ never imports streamlit, so the CLI, exports and benchmarks
  can use it without a UI.

The detectors run on the parsed source (``ast``): SQL is looked for in string
literals (f-strings included), database calls in attribute calls, libraries
in import statements. Prose such as "Select a unit from the list" or
"saved to DuckDB" is not SQL. Self-checks below prove each detector fires.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pagetools import ROOT

#: SQL in a string: keywords followed by SQL-like tokens. SELECT/FROM/GROUP
#: BY must be upper case (as in all of cx_metrics' SQL) so that English
#: sentences in captions do not match; the rest never occur in prose.
SQL_PATTERNS = [
    re.compile(r"\bSELECT\s+(\*|DISTINCT\b|\d|[A-Za-z_][\w.]*\s*(\(|,|\bAS\b|\bFROM\b))"),
    re.compile(r"\bFROM\s+[A-Za-z_][\w.]*(\s+\w+)?\s+(WHERE|GROUP|ORDER|LIMIT|JOIN|USING)\b"),
    re.compile(r"\bGROUP\s+BY\s+[\w(]"),
    re.compile(r"\bINSERT\s+(OR\s+\w+\s+)?INTO\s+\w", re.IGNORECASE),
    re.compile(r"\bUPDATE\s+\w+\s+SET\s+\w+\s*=", re.IGNORECASE),
    re.compile(r"\bDELETE\s+FROM\s+\w", re.IGNORECASE),
    re.compile(r"\bCREATE\s+(OR\s+REPLACE\s+)?(TEMP(ORARY)?\s+)?(TABLE|VIEW|INDEX|MACRO|SCHEMA|SEQUENCE)\b",
               re.IGNORECASE),
]
#: Methods that run SQL on a DuckDB (or DB-API) connection or relation.
SQL_CALLS = {"execute", "executemany", "sql", "query", "fetchone", "fetchall", "fetchdf", "df"}
#: Database drivers and statistics libraries: pages get both through cx_metrics.
FORBIDDEN_IN_PAGES = {"duckdb", "sqlite3", "sqlalchemy", "scipy", "statsmodels", "numpy", "statistics"}
#: Statistics computed in a page (pandas / numpy reductions) belong in cx_metrics.stats.
STAT_CALLS = {"mean", "median", "std", "var", "sem", "quantile", "corr", "cov"}


def _imported_roots(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal; an f-string is joined with ``_f_`` for its fields."""
    out = []
    in_fstring = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "_f_" for v in node.values]
            out.append((node.lineno, "".join(map(str, parts))))
            in_fstring.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstring:
            out.append((node.lineno, node.value))
    return out


def layering_violations(source: str) -> list[str]:
    """SQL, database access and statistics in a page or app.py, as 'line N: what'."""
    tree = ast.parse(source)
    problems = []
    for line, text in _strings(tree):
        for pattern in SQL_PATTERNS:
            if m := pattern.search(text):
                problems.append(f"line {line}: SQL in a string: {m.group(0)!r}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SQL_CALLS:
                problems.append(f"line {node.lineno}: database call .{node.func.attr}()")
            if node.func.attr in STAT_CALLS:
                problems.append(f"line {node.lineno}: statistics call .{node.func.attr}()")
        if isinstance(node, ast.Name) and node.id == "duckdb":
            problems.append(f"line {node.lineno}: uses duckdb")
    for line, module in _imported_roots(tree):
        if module.split(".")[0] in FORBIDDEN_IN_PAGES:
            problems.append(f"line {line}: imports {module}")
    return problems


def streamlit_imports(source: str) -> list[str]:
    """Imports of streamlit (or a streamlit_* add-on), anywhere in the module."""
    return [
        f"line {line}: imports {module}"
        for line, module in _imported_roots(ast.parse(source))
        if (root := module.split(".")[0]) == "streamlit" or root.startswith("streamlit_")
    ]


PAGE_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
CORE_FILES = sorted((ROOT / "cx_metrics").rglob("*.py"))
#: Page scripts: everything in pages/ but the shared glue.
PAGE_SCRIPTS = [p for p in PAGE_FILES if p.parent.name == "pages" and p.name != "shared.py"]


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


def test_the_rules_cover_the_real_files():
    assert {"app.py", "pages/overview.py", "pages/settings.py", "pages/shared.py"} <= set(_ids(PAGE_FILES))
    assert {"cx_metrics/kpis.py", "cx_metrics/db.py", "cx_metrics/overview.py"} <= set(_ids(CORE_FILES))


@pytest.mark.parametrize("path", PAGE_FILES, ids=_ids(PAGE_FILES))
def test_pages_hold_no_sql_and_no_statistics(path):
    assert layering_violations(path.read_text()) == []


@pytest.mark.parametrize("path", CORE_FILES, ids=_ids(CORE_FILES))
def test_cx_metrics_does_not_import_streamlit(path):
    assert streamlit_imports(path.read_text()) == []


def first_require(source: str) -> str | None:
    """The permission a page script checks before anything else it draws:
    the argument of ``require(...)`` in its first statement after imports."""
    body = [n for n in ast.parse(source).body
            if not isinstance(n, (ast.Import, ast.ImportFrom)) and not _is_docstring(n)]
    if not body:
        return None
    node = body[0]
    call = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
    if (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "require"
            and call.args and isinstance(call.args[0], ast.Constant)):
        return call.args[0].value
    return None


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


@pytest.mark.parametrize("path", PAGE_SCRIPTS, ids=_ids(PAGE_SCRIPTS))
def test_every_page_checks_its_permission_first(path):
    """Roles are enforced in the page, not only by hiding it from navigation."""
    from cx_metrics.access import PERMISSIONS

    assert first_require(path.read_text()) in PERMISSIONS


def unsafe_html(source: str) -> list[int]:
    """Lines passing ``unsafe_allow_html=True`` (or anything not literally False)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg == "unsafe_allow_html" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False)
    ]


@pytest.mark.parametrize("path", PAGE_FILES + CORE_FILES, ids=_ids(PAGE_FILES + CORE_FILES))
def test_no_unsafe_html(path):
    """Comments, unit names and file names come from uploads: no raw HTML anywhere."""
    assert unsafe_html(path.read_text()) == []


@pytest.mark.parametrize(
    ("source", "want"),
    [
        ('"""Doc."""\nimport x\nuser = require("upload")\nst.title("x")', "upload"),
        ('require("view")', "view"),
        ('st.title("x")\nrequire("view")', None),  # too late: something was drawn first
        ("", None),
    ],
)
def test_first_require_detector(source, want):
    assert first_require(source) == want


def test_unsafe_html_detector():
    assert unsafe_html('st.markdown(x, unsafe_allow_html=True)\nst.markdown(y)\nst.html(z, unsafe_allow_html=flag)') == [1, 3]
    assert unsafe_html("st.markdown(x, unsafe_allow_html=False)") == []


# --- The detectors can fail -------------------------------------------------------

@pytest.mark.parametrize(
    "source",
    [
        'con.execute("SELECT 1")',
        'cur.executemany("INSERT INTO targets VALUES (?, ?, ?)", rows)',
        'q = "SELECT kpi, value FROM targets"',
        'con.execute("select count(*) from cx_responses")',
        'q = "SELECT count(*) FROM cx_responses"',
        'q = f"SELECT {cols} FROM {table} WHERE {where}"',
        'q = "SELECT * FROM t"',
        'q = "... FROM cx_responses WHERE nps >= 9"',
        'q = "SELECT 1 GROUP BY unit"',
        'q = "delete from targets"',
        'q = "UPDATE targets SET value = 3"',
        'q = "CREATE OR REPLACE TEMP TABLE x AS SELECT 1"',
        "df = duckdb.sql('SELECT 42').df()",
        "import duckdb",
        "from scipy import stats",
        "import statsmodels.api as sm",
        "import numpy as np",
        "from statistics import mean",
        'avg = frame["nps"].mean()',
        "def f():\n    import duckdb\n    return duckdb",
    ],
)
def test_layering_detector_flags(source):
    assert layering_violations(source), source


@pytest.mark.parametrize(
    "source",
    [
        '"""Settings: KPI targets (saved to DuckDB)."""',
        'st.write("Select a business unit from the sidebar.")',
        'st.caption("Select units, then compare them with last year.")',
        'st.caption("Trends grouped by quarter, from the selected period.")',
        'st.button("Update targets")',
        'st.info("Create a target for each KPI.")',
        'st.caption(f"n = {s.n:,} responses from {unit}")',
        "from cx_metrics import kpis\nload(kpis.targets)",
        "import pandas as pd\npd.DataFrame(edited)",
    ],
)
def test_layering_detector_passes_ordinary_page_code(source):
    assert layering_violations(source) == []


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("import streamlit as st", True),
        ("from streamlit import cache_data", True),
        ("import streamlit.components.v1 as components", True),
        ("from streamlit.testing.v1 import AppTest", True),
        ("import streamlit_extras", True),
        ("def ui():\n    import streamlit as st\n    st.write(1)", True),
        ('"""Used by the streamlit pages."""', False),
        ("import plotly.graph_objects as go", False),
        ("from . import kpis", False),
    ],
)
def test_streamlit_detector(source, flagged):
    assert bool(streamlit_imports(source)) is flagged


@pytest.mark.parametrize("name", ["kpis.py", "db.py", "demo.py"])
def test_layering_detector_flags_the_real_sql_in_cx_metrics(name):
    """Where SQL belongs, the detector finds it: proof it reads real code."""
    assert any("SQL in a string" in p for p in layering_violations((ROOT / "cx_metrics" / name).read_text()))
