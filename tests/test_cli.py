"""The command line: `python -m cx_metrics init | demo | kpis`.

Most cases call ``cli.main([...])`` in-process (fast, output via capsys);
a few run the real ``python -m cx_metrics`` in a subprocess from the repo root.
"""

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from cx_metrics import cli, db, ex_guard

ROOT = Path(__file__).resolve().parents[1]

CX_NPS = [10, 10, 9, 9, 9, 8, 7, 7, 6, 0]  # 5 promoters, 2 detractors: NPS 30
CX_CSAT = [5, 5, 4, 4, 4, 4, 3, 2, 1, None]  # 6/9 favourable
CX_CES = [7, 6, 5, 5, 4, 3, 2, 1, None, None]  # mean 4.125, sd 2.031010, 4/8 top box
# EX reporting cells (January): unit A (rows 0-4) and unit B (rows 5-9) are 5 people each.
# In B only 4 answer each question, so B's eNPS and engagement are blanked for its whole cell:
# every EX figure is unit A's: eNPS 4 promoters of 5 = 80, engagement 4/5 = 80%.
EX_ENPS = [10, 10, 9, 9, 8, 7, 6, 5, 3, None]
EX_ENG = [5, 4, 4, 4, 3, 2, 1, 5, 4, None]
# December 2025, the "previous" period of January 2026
DEC_NPS = [10, 9, 8, 8, 7, 6, 5, 3, 1, 0]  # NPS -30
DEC_CSAT = [5, 4, 3, 3, 3, 2, 2, 1, 1, 1]  # 2/10
DEC_CES = [1, 2, 3, 4, 5, None, None, None, None, None]  # mean 3, sd 1.581139


def _cx(con, rid, when, unit, nps, csat, ces):
    con.execute(
        "INSERT INTO cx_responses (response_id, submitted_at, business_unit, region, channel, journey_stage,"
        " segment, nps, csat, ces) VALUES (?, ?, ?, 'North', 'web', 'buy', 'consumer', ?, ?, ?)",
        [rid, when, unit, nps, csat, ces],
    )


def _ex(con, rid, when, unit, respondent, enps, engagement):
    con.execute(
        "INSERT INTO ex_responses (response_id, submitted_at, business_unit, region, respondent_id,"
        " enps, engagement) VALUES (?, ?, ?, 'North', ?, ?, ?)",
        [rid, when, unit, respondent, enps, engagement],
    )


@pytest.fixture
def fixture_db(tmp_path):
    """January 2026: the ten hand-worked rows, units A (rows 0-4) and B (5-9),
    plus three unit-C rows that only an unfiltered run sees. December 2025:
    ten CX rows for A/B and only four EX respondents (a month never counted)."""
    path = tmp_path / "fixture.duckdb"
    con = db.connect(path)
    for i in range(10):
        unit = "A" if i < 5 else "B"
        _cx(con, f"R{i}", datetime(2026, 1, i + 1, 12), unit, CX_NPS[i], CX_CSAT[i], CX_CES[i])
        _cx(con, f"P{i}", datetime(2025, 12, i + 1, 12), unit, DEC_NPS[i], DEC_CSAT[i], DEC_CES[i])
        _ex(con, f"X{i}", datetime(2026, 1, i + 1, 12), unit, f"e{i}", EX_ENPS[i], EX_ENG[i])
    for i in range(3):
        _cx(con, f"C{i}", datetime(2026, 1, 20, 12), "C", 0, 1, 1)
    for i in range(4):
        _ex(con, f"Y{i}", datetime(2025, 12, 5, 12), "A", f"e{i}", 10, 5)
    ex_guard.ensure_fresh(con)  # publish the reporting cells of the rows written above
    con.close()  # a subprocess must be able to open it
    return path


def run_main(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_module(*args):
    return subprocess.run(
        [sys.executable, "-m", "cx_metrics", *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


JAN = ("--start", "2026-01-01", "--end", "2026-01-31")
AB = ("--business-unit", "A", "--business-unit", "B")

NPS = {"value": 30.0, "n": 10, "ci_low": -18.41, "ci_high": 78.41, "low_base": True}  # 30 -/+ 1.96 * 24.698
CSAT = {"value": 66.67, "n": 9, "ci_low": 35.42, "ci_high": 87.94, "low_base": True}  # Wilson(6, 9)
# 4.125 rounds half-even to 4.12
CES = {"value": 4.12, "n": 8, "ci_low": 2.43, "ci_high": 5.82, "low_base": True, "top_box": 50.0}
# p = .8, d = 0: SE = 100 * sqrt((.8 - .64) / 5) = 17.888544; 80 -/+ 1.959964 * SE (not clipped at 100)
ENPS = {"value": 80.0, "n": 5, "ci_low": 44.94, "ci_high": 115.06, "suppressed": False, "reason": None}
# Wilson(4, 5) = (.375510, .963769)
ENGAGEMENT = {"value": 80.0, "n": 5, "ci_low": 37.55, "ci_high": 96.38, "suppressed": False, "reason": None}
NO_COMPARE = {"previous": None, "delta": None, "p_value": None, "significant": None}


def test_kpis_json_contract(fixture_db, capsys):
    code, out, err = run_main(capsys, "kpis", "--db", fixture_db, *JAN, *AB, "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "start": "2026-01-01",
        "end": "2026-01-31",
        "cx": {"nps": NPS | NO_COMPARE, "csat": CSAT | NO_COMPARE, "ces": CES | NO_COMPARE},
        "ex": {"enps": ENPS | NO_COMPARE, "engagement": ENGAGEMENT | NO_COMPARE},
    }


def test_kpis_json_with_compare(fixture_db, capsys):
    code, out, _ = run_main(capsys, "kpis", "--db", fixture_db, *JAN, *AB, "--compare", "previous")
    assert code == 0
    result = json.loads(out)
    assert result["compare"] == {"mode": "previous", "rule": "previous calendar month",
                                 "start": "2025-12-01", "end": "2025-12-31"}
    assert result["cx"] == {
        # 30 vs -30: z = 60 / (24.698 * sqrt 2) = 1.7178, p = .0858
        "nps": NPS | {"previous": -30.0, "delta": 60.0, "p_value": 0.0858, "significant": False},
        # 6/9 vs 2/10: pooled 8/19, z = .4667 / sqrt(8/19 * 11/19 * (1/9 + 1/10)) = 2.0574, p = .0397
        "csat": CSAT | {"previous": 20.0, "delta": 46.67, "p_value": 0.0397, "significant": True},
        # Welch 4.125 vs 3: t = 1.1163, df 10.27, p = .2897; delta 1.125 rounds half-even to 1.12
        "ces": CES | {"previous": 3.0, "delta": 1.12, "p_value": 0.2897, "significant": False},
    }
    # December has only four EX respondents: never counted, so no previous value and no delta
    assert result["ex"] == {"enps": ENPS | NO_COMPARE, "engagement": ENGAGEMENT | NO_COMPARE}


@pytest.mark.parametrize(
    ("filters", "nps_n", "nps_value", "enps_n", "reason"),
    [
        # 5 promoters, 2 + 3 (unit C) detractors of 13: 0. EX: unit A's cell (B's eNPS is blank)
        ((), 13, 0.0, 5, None),
        (("--business-unit", "A"), 5, 100.0, 5, None),  # rows 0-4: all promoters; A's cell
        (("--business-unit", "A", "--business-unit", "B"), 10, 30.0, 5, None),
        (("--business-unit", "A", "--business-unit", "C"), 8, 25.0, 5, None),  # 100 * (5 - 3) / 8
        # rows 5-9: 0 promoters, 2 detractors of 5: -40. EX: B's cell has eNPS from 4 people: hidden
        (("--business-unit", "B"), 5, -40.0, None, "hidden"),
        # all 13 CX rows are North; region is not an EX reporting dimension
        (("--region", "North"), 13, 0.0, None, "filter"),
    ],
)
def test_kpis_repeated_filter_flags(fixture_db, capsys, filters, nps_n, nps_value, enps_n, reason):
    _, out, _ = run_main(capsys, "kpis", "--db", fixture_db, *JAN, *filters)
    result = json.loads(out)
    assert result["cx"]["nps"]["n"] == nps_n
    assert result["cx"]["nps"]["value"] == nps_value
    assert result["ex"]["enps"]["n"] == enps_n
    assert result["ex"]["enps"]["reason"] == reason
    assert result["ex"]["enps"]["suppressed"] is (reason == "hidden")


def test_kpis_table(fixture_db, capsys):
    code, out, _ = run_main(
        capsys, "kpis", "--db", fixture_db, *JAN, *AB, "--format", "table", "--compare", "previous"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "KPIs 2026-01-01 to 2026-01-31 vs 2025-12-01 to 2025-12-31 (* p < 0.05)"
    assert lines[1].split() == ["kpi", "value", "n", "95%", "CI", "delta", "p", "flag"]
    assert set(lines[2]) <= {"-", " "}
    rows = {line.split("  ")[0]: line for line in lines[3:]}
    assert list(rows) == ["NPS", "CSAT", "Customer effort (CES)", "eNPS", "Engagement"]
    assert rows["NPS"].split() == ["NPS", "30.00", "10", "-18.41", "to", "78.41", "60.00", "0.0858",
                                   "low", "base", "(n<30)"]
    assert rows["CSAT"].split() == ["CSAT", "66.67", "9", "35.42", "to", "87.94", "46.67", "*", "0.0397",
                                    "low", "base", "(n<30)"]
    assert rows["eNPS"].split() == ["eNPS", "80.00", "5", "44.94", "to", "115.06", "-", "-"]


def test_kpis_table_marks_suppressed(fixture_db, capsys):
    # A channel filter: EX has no channel column, so its figures are empty, flagged with the reason.
    _, out, _ = run_main(capsys, "kpis", "--db", fixture_db, *JAN, "--channel", "web", "--format", "table")
    rows = {line.split("  ")[0]: line for line in out.splitlines()[3:]}
    assert rows["eNPS"].split() == ["eNPS", "-", "-", "-", "-", "-", "filter"]
    assert rows["Engagement"].endswith(" filter")
    assert rows["NPS"].split()[:3] == ["NPS", "0.00", "13"]  # all 13 CX rows are web
    # Unit B: its cell's EX scores were answered by 4 people each, so hidden.
    _, out, _ = run_main(capsys, "kpis", "--db", fixture_db, *JAN, "--business-unit", "B", "--format", "table")
    rows = {line.split("  ")[0]: line for line in out.splitlines()[3:]}
    assert rows["eNPS"].split() == ["eNPS", "-", "-", "-", "-", "-", "hidden"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--start", "2026-13-01", "--end", "2026-01-31"), "not a date in YYYY-MM-DD form: '2026-13-01'"),
        (("--start", "2026-01-01", "--end", "yesterday"), "not a date in YYYY-MM-DD form: 'yesterday'"),
        (("--start", "2026-01-01"), "the following arguments are required: --end"),
        (("--start", "2026-01-01", "--end", "2026-01-31", "--compare", "week"), "invalid choice: 'week'"),
    ],
)
def test_kpis_bad_arguments(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        cli.main(["kpis", "--db", str(tmp_path / "x.duckdb"), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_kpis_end_before_start(tmp_path, capsys):
    code, out, err = run_main(
        capsys, "kpis", "--db", tmp_path / "x.duckdb", "--start", "2026-01-31", "--end", "2026-01-01"
    )
    assert (code, out) == (2, "")
    assert err == "error: end 2026-01-01 is before start 2026-01-31\n"


def test_init(tmp_path, capsys):
    path = tmp_path / "sub" / "new.duckdb"  # the folder is created too
    code, out, _ = run_main(capsys, "init", "--db", path)
    assert (code, out) == (0, f"{path}: schema version {db.SCHEMA_VERSION}\n")
    con = db.connect(path, read_only=True)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    assert db.is_empty(con)
    con.close()


def test_db_defaults_to_the_cx_db_variable(tmp_path, capsys, monkeypatch):
    path = tmp_path / "from_env.duckdb"
    monkeypatch.setenv("CX_DB", str(path))
    code, out, _ = run_main(capsys, "init")
    assert code == 0 and out.startswith(f"{path}: ")
    assert path.exists()


def test_demo_command(tmp_path, capsys):
    path = tmp_path / "demo.duckdb"
    code, out, _ = run_main(capsys, "demo", "--db", path, "--cx-rows", 3000, "--ex-rows", 1000, "--seed", 7)
    assert code == 0
    counts = json.loads(out)
    assert counts["db"] == str(path)
    assert (counts["cx_responses"], counts["ex_responses"], counts["business_outcomes"]) == (3000, 1000, 2592)
    assert counts["attribute_ratings"] > 0


# --- the real module, in a subprocess -------------------------------------------------

def test_module_init(tmp_path):
    path = tmp_path / "m.duckdb"
    proc = run_module("init", "--db", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{path}: schema version {db.SCHEMA_VERSION}\n"
    con = db.connect(path, read_only=True)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == db.SCHEMA_VERSION
    con.close()


def test_module_kpis_json(fixture_db):
    proc = run_module("kpis", "--db", fixture_db, *JAN, *AB, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["cx"]["nps"] == NPS | NO_COMPARE
    assert result["ex"]["engagement"] == ENGAGEMENT | NO_COMPARE


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (("--start", "01/01/2026", "--end", "2026-01-31"), "not a date in YYYY-MM-DD form"),
        (("--start", "2026-01-31", "--end", "2026-01-01"),
         "error: end 2026-01-01 is before start 2026-01-31"),
    ],
)
def test_module_bad_dates(tmp_path, dates, message):
    proc = run_module("kpis", "--db", tmp_path / "x.duckdb", *dates)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
