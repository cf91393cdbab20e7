"""``python -m cx_metrics ingest / uploads / undo`` end to end, in a subprocess like a scheduler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cx_metrics import db

from ingest_helpers import KEY_HEX

ROOT = Path(__file__).resolve().parents[1]
HEAD = "Response ID;Date;How likely are you to recommend us to a friend?;How satisfied are you?;Customer number"


def cli(*args, check=None):
    env = {**os.environ, "CX_PSEUDONYM_KEY": KEY_HEX}
    p = subprocess.run([sys.executable, "-m", "cx_metrics", *map(str, args)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert "Traceback" not in p.stderr
    return p


def table_counts(path):
    con = db.connect(path, read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("cx_responses", "attribute_ratings", "uploads", "audit_log")}
    finally:
        con.close()


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "survey.csv"
    # semicolons, cp1252, standard wording: maps with no mapping file
    good.write_bytes(("\r\n".join([HEAD, "A1;2026-10-01;10;Very satisfied;C-1", "A2;2026-10-02;9;4;C-2",
                                   "A3;2026-10-03;0 - Not at all likely;Dissatisfied;C-1", "A4;2026-10-04;6;5;Zoë"])
                      + "\r\n").encode("cp1252"))
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEAD, "B1;2026-10-01;10;5;x", "B2;someday;9;4;x", "B3;2026-10-03;12;4;x"]) + "\n")
    return tmp_path, good, bad


def test_ingest_uploads_undo(files):
    tmp, good, bad = files
    dbp = tmp / "t.duckdb"
    p = cli("ingest", good, "--db", dbp, "--kind", "cx")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert (out["rows_loaded"], out["rows_skipped"], out["problems"]) == (4, 0, [])
    assert out["detected"]["delimiter"] == ";" and out["detected"]["encoding"] == "cp1252"
    # promoters 10, 9; detractors 0, 6 -> NPS 0; CSAT 4-5: 5, 4, 5 of 4 -> 75 %
    k = json.loads(cli("kpis", "--db", dbp, "--start", "2026-10-01", "--end", "2026-10-31").stdout)
    assert k["cx"]["nps"]["value"] == 0.0 and k["cx"]["nps"]["n"] == 4
    assert k["cx"]["csat"]["value"] == 75.0

    again = cli("ingest", good, "--db", dbp, "--kind", "cx")
    assert again.returncode == 0 and json.loads(again.stdout)["rows_loaded"] == 0
    assert "already loaded" in again.stderr

    before = table_counts(dbp)
    rejected = cli("ingest", bad, "--db", dbp, "--kind", "cx")
    assert rejected.returncode == 1
    assert "line 3, Date: unparseable date ('someday')" in rejected.stderr
    assert "line 4, How likely are you to recommend us to a friend?: score out of range 0–10 ('12')" in rejected.stderr
    assert table_counts(dbp) == before

    dry = cli("ingest", bad, "--db", dbp, "--kind", "cx", "--on-error", "skip", "--dry-run")
    assert dry.returncode == 0 and json.loads(dry.stdout)["rows_loaded"] == 1
    assert table_counts(dbp) == before

    skipped = cli("ingest", bad, "--db", dbp, "--kind", "cx", "--on-error", "skip")
    res = json.loads(skipped.stdout)
    assert (res["rows_loaded"], res["rows_skipped"]) == (1, 2)
    assert [(x["line"], x["reason"]) for x in res["problems"]] == [(3, "unparseable date"),
                                                                  (4, "score out of range 0–10")]

    listed = json.loads(cli("uploads", "--db", dbp, "--format", "json").stdout)
    assert [u["file_name"] for u in listed] == ["bad.csv", "survey.csv"]
    assert listed[0]["rows_loaded"] == 1 and listed[0]["loaded_by"].startswith("cli:")

    undone = cli("undo", res["upload_id"], "--db", dbp)
    assert undone.returncode == 0 and json.loads(undone.stdout)["removed"]["cx_responses"] == 1
    k2 = json.loads(cli("kpis", "--db", dbp, "--start", "2026-10-01", "--end", "2026-10-31").stdout)
    assert k2["cx"] == k["cx"]
    assert cli("undo", res["upload_id"], "--db", dbp).returncode == 2
    assert cli("undo", "nope", "--db", dbp).returncode == 2


def test_ingest_with_mapping_file_and_hostile_files(files, tmp_path):
    _, good, _ = files
    dbp = tmp_path / "m.duckdb"
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"kind": "cx", "columns": {
        "Response ID": "response_id", "Date": "submitted_at", "How satisfied are you?": "attribute:overall"}}))
    p = cli("ingest", good, "--db", dbp, "--kind", "cx", "--mapping", mapping)
    assert p.returncode == 0, p.stderr
    assert table_counts(dbp)["attribute_ratings"] == 4
    assert cli("ingest", good, "--db", dbp, "--kind", "ex", "--mapping", mapping).returncode == 2

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 100)
    long = tmp_path / "long.csv"
    long.write_bytes(b"x" * 3_000_000)
    for f, msg in [(empty, "empty"), (garbage, "not a text"), (long, "longer than 1 MB"),
                   (tmp_path / "missing.csv", "cannot read")]:
        r = cli("ingest", f, "--db", dbp, "--kind", "cx")
        assert r.returncode == 2 and msg in r.stderr, r.stderr
