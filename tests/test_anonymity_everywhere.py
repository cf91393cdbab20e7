"""A crafted attack on EX anonymity, through every way out of the app.

Unit A has 20 employees, unit B only 3 (all detractors). Whoever tries to
learn B's eNPS — by filtering on B, by taking "everyone" minus "A", in the
CLI, the overview's downloads or the board pack — gets "hidden" instead.
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest

from cx_metrics import boardpack, cli, db, overview
from cx_metrics.filters import Filters

PERIOD = ("--start", "2026-10-01", "--end", "2026-10-31")
OCT = Filters(datetime(2026, 10, 1).date(), datetime(2026, 10, 31).date())


@pytest.fixture
def crafted(tmp_path):
    path = tmp_path / "crafted.duckdb"
    con = db.connect(path)
    ex = [(f"A{i}", "A", 9 if i < 10 else 7) for i in range(20)] + [(f"B{i}", "B", 0) for i in range(3)]
    con.executemany(
        "INSERT INTO ex_responses (response_id, submitted_at, business_unit, respondent_id, enps, engagement)"
        " VALUES (?, ?, ?, ?, ?, 4)",
        [(f"X{i}", datetime(2026, 10, 5 + i % 20, 10), unit, rid, score) for i, (rid, unit, score) in enumerate(ex)],
    )
    con.executemany(  # some customers too, so the board pack has a period with data
        "INSERT INTO cx_responses (response_id, submitted_at, business_unit, nps) VALUES (?, ?, ?, 9)",
        [(f"C{i}", datetime(2026, 10, 2, 9), "A" if i % 2 else "B") for i in range(40)],
    )
    con.close()
    return path


def cli_enps(capsys, path, *units: str) -> dict:
    flags = [x for u in units for x in ("--business-unit", u)]
    assert cli.main(["kpis", "--db", str(path), *PERIOD, *flags]) == 0
    return json.loads(capsys.readouterr().out)["ex"]["enps"]


def test_everyone_is_shown_and_is_the_only_number(capsys, crafted):
    # 10 promoters and 3 detractors of 23: 100 * 7 / 23 = 30.43
    enps = cli_enps(capsys, crafted)
    assert (enps["value"], enps["n"], enps["suppressed"]) == (30.43, 23, False)


@pytest.mark.parametrize("units", [("B",), ("A",)], ids=["B-directly", "everyone-minus-A"])
def test_cli_hides_b_and_its_complement(capsys, crafted, units):
    enps = cli_enps(capsys, crafted, *units)
    assert {k: enps[k] for k in ("value", "n", "ci_low", "ci_high", "suppressed")} == {
        "value": None, "n": None, "ci_low": None, "ci_high": None, "suppressed": True}


@pytest.mark.parametrize("units", [("B",), ("A",)])
def test_downloads_and_board_pack_hide_them_too(crafted, units):
    con = db.connect(crafted)
    try:
        f = Filters(OCT.start, OCT.end, business_units=units)
        table = boardpack.scorecard_table(overview.overview(con, f))
        row = table[table["kpi"] == "enps"].iloc[0]
        assert row["suppressed"] and pd.isna(row["value"]) and pd.isna(row["n"]) and pd.isna(row["ci_low"])
        pack = boardpack.build(con, f, "previous", sections=())
        summary = pack.sections[0].table
        [enps_row] = [r for r in summary.rows if r[0] == "eNPS"]
        assert enps_row[1] == "Hidden" and "fewer than 5" in enps_row[2]
        assert "-100" not in " ".join(" ".join(r) for r in summary.rows)  # B's true eNPS
    finally:
        con.close()
