"""A crafted attack on EX anonymity, through every way out of the app.

Unit A has 20 employees, unit B only 3 (all detractors), in one month.
The reporting cells (cx_metrics.ex_guard): A's 20 are a cell of their own;
B's 3 go up the ladder to the whole month, where only B's 3 are left
unplaced, so they are never counted. Whoever tries to learn B's eNPS — by
filtering on B, by taking "everyone" minus "A", in the CLI, the overview's
downloads or the board pack — gets "hidden" for B, and "everyone" is exactly
A, so the difference is nobody.
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
    # everyone = A's cell only (B's 3 are never counted): 10 promoters (9) and 10 passives (7)
    # of 20: 100 * 10 / 20 = 50
    enps = cli_enps(capsys, crafted)
    assert (enps["value"], enps["n"], enps["suppressed"], enps["reason"]) == (50.0, 20, False, None)


def test_cli_hides_b(capsys, crafted):
    enps = cli_enps(capsys, crafted, "B")
    assert {k: enps[k] for k in ("value", "n", "ci_low", "ci_high", "suppressed", "reason")} == {
        "value": None, "n": None, "ci_low": None, "ci_high": None, "suppressed": True, "reason": "hidden"}


def test_cli_everyone_minus_a_is_nobody(capsys, crafted):
    # "A" is A's cell, 20 people, the same cell as "everyone": every field agrees, so
    # everyone minus A is 0 people and says nothing about B
    everyone, a = cli_enps(capsys, crafted), cli_enps(capsys, crafted, "A")
    assert a == everyone and (a["value"], a["n"]) == (50.0, 20)


@pytest.mark.parametrize("units", [("B",), ("A",)])
def test_downloads_and_board_pack_hide_them_too(crafted, units):
    con = db.connect(crafted)
    try:
        f = Filters(OCT.start, OCT.end, business_units=units)
        table = boardpack.scorecard_table(overview.overview(con, f))
        row = table[table["kpi"] == "enps"].iloc[0]
        pack = boardpack.build(con, f, "previous", sections=())
        summary = pack.sections[0].table
        [enps_row] = [r for r in summary.rows if r[0] == "eNPS"]
        if units == ("B",):
            assert row["suppressed"] and pd.isna(row["value"]) and pd.isna(row["n"]) and pd.isna(row["ci_low"])
            assert enps_row[1] == "Hidden" and "fewer than 5" in enps_row[2]
        else:  # A: its 20 people, the same figure as everyone (see above)
            assert not row["suppressed"] and (row["value"], row["n"]) == (50.0, 20)
            assert (enps_row[1], enps_row[3]) == ("50.0", "20")
        assert "-100" not in " ".join(" ".join(r) for r in summary.rows)  # B's true eNPS
    finally:
        con.close()
