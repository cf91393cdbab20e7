"""The EX guard: one door to employee data, and reporting cells worked out by hand."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from cx_metrics import db, ex_guard, kpis
from cx_metrics.filters import Filters

ROOT = Path(__file__).resolve().parent.parent
#: Modules that may name the raw employee tables: the guard, the schema, the demo
#: generator and ingest (which writes and undoes uploads).
ALLOWED = {"cx_metrics/ex_guard.py", "cx_metrics/db.py", "cx_metrics/demo.py"}
ALLOWED_DIRS = ("cx_metrics/ingest/",)
RAW = re.compile(r"\b(ex_responses|attribute_ratings)\b")


def readers_of_raw_ex(files: dict[str, str]) -> list[str]:
    """Files (path -> text) outside the allowed set that name a raw employee table."""
    return sorted(path for path, text in files.items()
                  if RAW.search(text) and path not in ALLOWED and not path.startswith(ALLOWED_DIRS))


def product_files() -> dict[str, str]:
    paths = [*ROOT.glob("cx_metrics/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]
    return {p.relative_to(ROOT).as_posix(): p.read_text() for p in paths}


def test_no_module_but_the_guard_reads_the_raw_employee_tables():
    files = product_files()
    assert "cx_metrics/kpis.py" in files and "pages/internal.py" in files
    assert readers_of_raw_ex(files) == []


@pytest.mark.parametrize("sneak", [
    "SELECT avg(enps) FROM ex_responses WHERE business_unit = ?",
    "con.execute(f'SELECT * FROM {\"attribute_ratings\"}')",
])
def test_the_gate_test_catches_a_module_that_goes_around(sneak):
    files = product_files() | {"cx_metrics/sneaky.py": sneak, "pages/sneaky.py": sneak}
    assert readers_of_raw_ex(files) == ["cx_metrics/sneaky.py", "pages/sneaky.py"]


def _con(rows, comments=()):
    """An in-memory database with EX rows (respondent, month, unit, dept, tenure, enps)."""
    con = db.connect(":memory:")
    con.executemany(
        "INSERT INTO ex_responses (response_id, submitted_at, population, business_unit, department, tenure_band,"
        " respondent_id, enps, comment) VALUES (?, ?, 'employee', ?, ?, ?, ?, ?, ?)",
        [(f"X{i}", datetime(2026, m, 10), u, d, t, who, s, c)
         for i, ((who, m, u, d, t, s), c) in enumerate(zip(rows, [*comments, *[None] * len(rows)]))])
    ex_guard.ensure_fresh(con)
    return con


def _cells(con):
    return con.execute(
        "SELECT business_unit, department, tenure_band, count(*) FROM ex_reporting GROUP BY ALL ORDER BY ALL").fetchall()


def test_ladder_by_hand():
    # October, unit A: IT/<1y 6 people (a cell of its own); IT/1-2y 2 people and Ops/1-2y 2 people
    # (too small: tenure dropped; IT/* then has 2 < 5 and Ops/* 2 < 5: department dropped too,
    # A/*/* has 4 < 5: unit dropped); unit B: 3 people. Top: the 4 of A plus the 3 of B = 7 >= 5.
    rows = ([(f"a{i}", 10, "A", "IT", "<1y", 9) for i in range(6)]
            + [(f"b{i}", 10, "A", "IT", "1-2y", 0) for i in range(2)]
            + [(f"c{i}", 10, "A", "Ops", "1-2y", 0) for i in range(2)]
            + [(f"d{i}", 10, "B", "Lab", "1-2y", 5) for i in range(3)])
    con = _con(rows)
    assert _cells(con) == [("A", "IT", "<1y", 6), (None, None, None, 7)]
    oct_ = Filters(date(2026, 10, 1), date(2026, 10, 31))
    # Everyone: 6 promoters, 4 detractors (b, c) and the 3 of B answering 5 (detractors): 100 * (6 - 7) / 13
    assert round(kpis.enps(con, oct_).value, 2) == round(100 * (6 - 7) / 13, 2)
    # Unit A: only its own cell (6 promoters): 100. Unit B: nothing of its own, hidden.
    assert kpis.enps(con, Filters(oct_.start, oct_.end, business_units=("A",))).value == 100
    b = kpis.enps(con, Filters(oct_.start, oct_.end, business_units=("B",)))
    assert (b.value, b.n, b.suppressed, b.reason) == (None, None, True, "hidden")


def test_a_month_with_fewer_than_five_people_is_never_counted():
    con = _con([(f"a{i}", 9, "A", "IT", "<1y", 9) for i in range(4)]
               + [(f"b{i}", 10, "A", "IT", "<1y", 9) for i in range(5)])
    assert con.execute("SELECT DISTINCT month FROM ex_reporting").fetchall() == [(date(2026, 10, 1),)]
    sep = kpis.enps(con, Filters(date(2026, 9, 1), date(2026, 9, 30)))
    assert sep.reason == "hidden" and sep.suppressed
    assert kpis.enps(con, Filters(date(2026, 9, 1), date(2026, 10, 31))).n == 5


def test_a_score_fewer_than_five_answered_is_blank_for_its_cell():
    # 6 people in one cell, only 4 answered eNPS: the cell counts for nothing in eNPS.
    rows = [(f"a{i}", 10, "A", "IT", "<1y", 9 if i < 4 else None) for i in range(6)]
    con = _con(rows)
    assert kpis.enps(con, Filters(date(2026, 10, 1), date(2026, 10, 31))).reason == "hidden"


def test_same_person_twice_counts_once():
    con = _con([("a", 10, "A", "IT", "<1y", 9)] * 3 + [(f"b{i}", 10, "A", "IT", "<1y", 9) for i in range(3)])
    assert con.execute("SELECT count(*) FROM ex_reporting").fetchone()[0] == 0  # 4 people, not 6


def test_comment_cells_need_ten_commenters():
    rows = [(f"a{i}", 10, "A", "IT", "<1y", 9) for i in range(12)]
    con = _con(rows, comments=[f"note {i}" for i in range(9)])
    assert con.execute("SELECT count(*) FROM ex_reporting_comments").fetchone()[0] == 0
    con = _con(rows, comments=[f"note {i}" for i in range(10)])
    assert con.execute("SELECT count(*), count(business_unit) FROM ex_reporting_comments").fetchone() == (10, 10)


@pytest.mark.parametrize(("start", "end", "want"), [
    (date(2026, 10, 1), date(2026, 10, 31), (date(2026, 10, 1), date(2026, 10, 1))),
    (date(2026, 10, 2), date(2026, 10, 31), (None, None)),  # no first day inside
    (date(2026, 9, 30), date(2026, 11, 12), (date(2026, 10, 1), date(2026, 11, 1))),
    (date(2026, 12, 5), date(2027, 1, 1), (date(2027, 1, 1), date(2027, 1, 1))),
])
def test_covered_months_are_those_whose_first_day_lies_in_the_period(start, end, want):
    assert ex_guard.covered_months(Filters(start, end)) == want


def test_reasons_never_depend_on_the_filtered_group():
    con = _con([(f"a{i}", 10, "A", "IT", "<1y", 9) for i in range(6)])
    oct_ = (date(2026, 10, 1), date(2026, 10, 31))
    assert kpis.enps(con, Filters(*oct_, business_units=("nobody",))).reason == "hidden"
    assert kpis.enps(con, Filters(*oct_, regions=("North",))).reason == "filter"
    assert kpis.enps(con, Filters(date(2026, 10, 2), date(2026, 10, 30))).reason == "period"
    assert kpis.enps(con, Filters(date(2025, 1, 1), date(2025, 1, 31))).reason == "no_data"


def test_rows_written_behind_the_guard_are_published_when_a_connection_opens(tmp_path):
    path = tmp_path / "x.duckdb"
    con = db.connect(path)
    con.executemany("INSERT INTO ex_responses (response_id, submitted_at, respondent_id, enps) VALUES (?, ?, ?, 9)",
                    [(f"X{i}", datetime(2026, 10, 3), f"p{i}") for i in range(5)])
    assert con.execute("SELECT count(*) FROM ex_reporting").fetchone()[0] == 0
    con.close()
    con = db.connect(path)
    assert con.execute("SELECT count(*) FROM ex_reporting").fetchone()[0] == 5
    assert not ex_guard.ensure_fresh(con)  # nothing changed since


def test_the_demo_still_shows_employee_figures_for_every_unit_and_leaves_customers_alone():
    from cx_metrics import demo, units

    con = db.connect(":memory:")
    demo.build(con, cx_rows=40_000, ex_rows=12_000)
    f = Filters(date(2026, 8, 1), date(2026, 10, 31))
    league = units.league(con, f)
    ex = league[league["kpi"].isin(["enps", "engagement"])]
    assert len(ex) == 24 and ex["value"].notna().all() and not ex["suppressed"].any()
    # Customer figures are untouched: the tile equals NPS counted straight from the rows.
    p, d, n = con.execute("SELECT count_if(nps >= 9), count_if(nps <= 6), count(nps) FROM cx_responses"
                          " WHERE submitted_at >= '2026-08-01' AND submitted_at < '2026-11-01'").fetchone()
    assert kpis.nps(con, f).value == pytest.approx(100 * (p - d) / n)
    # 97% or more of the quarter's employee answers count in the total (the rest sit in months' leftovers).
    raw = con.execute("SELECT count(enps) FROM ex_responses WHERE submitted_at >= '2026-08-01'"
                      " AND submitted_at < '2026-11-01'").fetchone()[0]
    assert kpis.enps(con, f).n >= 0.97 * raw
