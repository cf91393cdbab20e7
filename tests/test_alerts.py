"""Alerts: Benjamini-Hochberg against statsmodels, the month windows, pure noise, a planted drop, the CLI."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from cx_metrics import alerts, cli, db, kpis, service, stats
from cx_metrics.filters import Filters

UNITS = [f"Unit {i:02d}" for i in range(40)]
MONTHS = [date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]  # 3 months before, then one


def test_benjamini_hochberg_equals_statsmodels_over_random_p_values():
    rng = random.Random(11)
    for _ in range(300):
        p = [rng.random() ** rng.choice([1, 3, 6]) for _ in range(rng.randint(1, 60))]
        want = multipletests(p, method="fdr_bh")[1]
        assert stats.benjamini_hochberg(p) == pytest.approx(list(want))


def test_the_latest_complete_month_over_every_day_of_two_years():
    for offset in range(731):
        as_of = date(2025, 1, 1) + timedelta(days=offset)
        first, last = alerts.latest_complete_month(as_of)
        assert first.day == 1 and (last + timedelta(days=1)).day == 1  # a whole calendar month
        assert last <= as_of < last + timedelta(days=32)  # complete, and the latest such
        assert (as_of == last) == ((as_of + timedelta(days=1)).day == 1)
    now, before = alerts.windows(date(2026, 10, 15))
    assert (now.start, now.end, before.start, before.end) == (
        date(2026, 9, 1), date(2026, 9, 30), date(2026, 6, 1), date(2026, 8, 31))


def survey(path, drop_unit: str | None = None):
    """40 units, 4 months, 150 answers each, every unit alike (pure noise) except ``drop_unit``,
    whose promoters become detractors in the last month."""
    rng = np.random.default_rng(20261202)
    rows = []
    for month in MONTHS:
        for unit in UNITS:
            nps = rng.choice(11, size=150, p=[0.04] * 7 + [0.11, 0.11, 0.25, 0.25])
            if unit == drop_unit and month == MONTHS[-1]:
                nps = np.where(nps >= 9, rng.integers(0, 5, size=150), nps)
            csat = rng.integers(1, 6, size=150)
            for i, (n, c) in enumerate(zip(nps, csat)):
                rows.append((f"{unit}-{month}-{i}", month + timedelta(days=i % 28), unit, int(n), int(c), 1 + i % 7))
    frame = pd.DataFrame(rows, columns=["response_id", "submitted_at", "business_unit", "nps", "csat", "ces"])
    con = db.connect(path)
    con.register("survey_rows", frame)
    con.execute("INSERT INTO cx_responses (response_id, submitted_at, business_unit, nps, csat, ces) "
                "SELECT response_id, submitted_at, business_unit, nps, csat, ces FROM survey_rows")
    con.unregister("survey_rows")
    db.bump_data_version(con)
    return con


def test_pure_noise_raises_almost_nothing_though_plain_p_values_would(tmp_path):
    con = survey(tmp_path / "noise.duckdb")
    found = alerts.alerts(con, date(2026, 9, 30))
    now, before = alerts.windows(date(2026, 9, 30))
    rows = alerts.tested(con, now, before)
    assert len(rows) == 3 * len(UNITS)  # NPS, CSAT and CES per unit; no employee data, no other groups
    assert (rows["p_value"].astype(float) < 0.05).sum() >= 1  # 120 tests at p < 0.05 would raise false alarms
    assert len(found) == 0 and found.attrs["tested"] == 120


def test_a_planted_drop_is_found_with_its_numbers(tmp_path):
    con = survey(tmp_path / "drop.duckdb", drop_unit="Unit 07")
    found = alerts.alerts(con, date(2026, 9, 30))
    nps = found[found["kpi"] == "nps"]
    assert list(nps["group"]) == ["Unit 07"] and list(nps["direction"]) == ["fall"]
    row = nps.iloc[0]
    f = alerts.windows(date(2026, 9, 30))[0]
    month = kpis.scorecard(con, Filters(f.start, f.end, business_units=("Unit 07",)), ("nps",))["nps"]
    assert (row["value"], row["n"]) == (pytest.approx(month.value), month.n)
    assert row["q_value"] <= alerts.FDR and row["p_value"] <= row["q_value"]
    assert row["sentence"].startswith(f"NPS fell {abs(row['delta']):.1f} pts to {row['value']:.1f} in Unit 07 "
                                      "in September 2026, against ")
    # Materiality: with 100 points needed for NPS, the same drop is no longer an alert.
    kpis.save_materiality(con, {"nps": 100}, actor="tester")
    assert "nps" not in set(alerts.alerts(con, date(2026, 9, 30))["kpi"])


def test_the_cli_prints_json_and_a_table_and_reads_beside_a_writer(tmp_path, capsys):
    path = tmp_path / "cli.duckdb"
    survey(path, drop_unit="Unit 07").close()
    service.publish_if_stale(path)
    assert cli.main(["alerts", "--db", str(path), "--as-of", "2026-09-30"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["month"] == ["2026-09-01", "2026-09-30"] and out["compared_with"] == ["2026-06-01", "2026-08-31"]
    assert out["tested"] == 120 and out["fdr"] == 0.1
    assert [(a["kpi"], a["group"]) for a in out["alerts"] if a["kpi"] == "nps"] == [("nps", "Unit 07")]
    assert cli.main(["alerts", "--db", str(path), "--as-of", "2026-09-30", "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("Alerts for 2026-09-01 to 2026-09-30 against 2026-06-01 to 2026-08-31:")
    assert "- NPS fell" in table
    assert cli.main(["alerts", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert capsys.readouterr().err.startswith("error: database")
