"""validate/load/undo: problems with line numbers, all-or-nothing, duplicates, pseudonyms, KPIs."""

from __future__ import annotations

from datetime import date

import pytest

from cx_metrics import kpis, pseudonym
from cx_metrics.filters import Filters
from cx_metrics.ingest import IngestError, Mapping, load, read_file, suggest, undo, uploads, validate

from ingest_helpers import KEY_HEX, con, counts, csv_bytes  # noqa: F401  (con is a fixture)

OCT = Filters(date(2026, 10, 1), date(2026, 10, 31))
HEAD = "response_id,submitted_at,business_unit,customer_id,nps,csat,ces,comment"
NPS = [10, 10, 9, 9, 9, 8, 7, 6, 2, 0]
CSAT = [5, 5, 4, 4, 3, 2, 1, 5, 4, 3]
GOOD = [HEAD] + [f"R{i},2026-10-{i + 1:02d} 09:00,Travel,CUST-{i},{n},{c},{1 + i % 7},fine"
                 for i, (n, c) in enumerate(zip(NPS, CSAT))]


def ingest(con, lines, name="f.csv", kind="cx", **kw):
    parsed = read_file(csv_bytes(*lines), name)
    return load(con, parsed, kw.pop("mapping", None) or suggest(parsed, kind), actor="test", **kw)


def test_load_gives_hand_computed_kpis_and_undo_restores_them(con):
    r = ingest(con, GOOD)
    assert (r.rows_loaded, r.rows_skipped, r.problems) == (10, 0, [])
    s = kpis.scorecard(con, OCT, ["nps", "csat"])
    # promoters 10,10,9,9,9 = 5; detractors 6,2,0 = 3 -> (5-3)/10 = 20
    assert s["nps"].value == pytest.approx(20.0) and s["nps"].n == 10
    # CSAT 4-5: 5,5,4,4,5,4 = 6 of 10 -> 60 %
    assert s["csat"].value == pytest.approx(60.0)
    second = ingest(con, [HEAD, "S1,2026-10-20,Travel,,0,,,", "S2,2026-10-21,Travel,,0,,,"], "g.csv")
    # 5 promoters, 5 detractors of 12 -> 0
    assert kpis.scorecard(con, OCT, ["nps"])["nps"].value == pytest.approx(0.0)
    removed = undo(con, second.upload_id, actor="test")
    assert removed["cx_responses"] == 2
    assert kpis.scorecard(con, OCT, ["nps"])["nps"].value == pytest.approx(20.0)
    u = uploads(con)
    assert u.set_index("upload_id").loc[second.upload_id, "undone_by"] == "test"
    assert con.execute("SELECT action FROM audit_log ORDER BY event_id").fetchall() == [
        ("upload",), ("upload",), ("undo",)]
    with pytest.raises(IngestError, match="already undone"):
        undo(con, second.upload_id, actor="test")


def test_every_row_carries_the_upload_id_and_the_uploads_row_is_complete(con):
    r = ingest(con, GOOD)
    assert con.execute("SELECT DISTINCT upload_id FROM cx_responses").fetchall() == [(r.upload_id,)]
    row = con.execute("SELECT file_name, kind, rows_loaded, rows_skipped, loaded_by, length(sha256) "
                      "FROM uploads").fetchone()
    assert row == ("f.csv", "cx", 10, 0, "test", 64)


def test_no_raw_customer_ids_reach_the_database(con):
    ingest(con, GOOD)
    ids = [r[0] for r in con.execute("SELECT customer_id FROM cx_responses ORDER BY response_id").fetchall()]
    key = bytes.fromhex(KEY_HEX)
    assert ids[0] == pseudonym.pseudonym("CUST-0", key)
    dump = str(con.execute("SELECT * FROM cx_responses").fetchall())
    assert "CUST-" not in dump and "cust-" not in dump


def test_reject_reports_line_column_value_reason_and_changes_nothing(con):
    lines = GOOD + ["R10,31/02/2026,Travel,,5,,,", "R11,2026-10-02,Travel,,11,,,", ",2026-10-02,Travel,,5,,,",
                    "R2,2026-10-03,Travel,,5,,,", "R12,2026-10-03,Travel,,,9,,", "R13,2026-10-03,Travel,,lots,,,"]
    before = counts(con)
    r = ingest(con, lines)
    assert r.rejected and r.rows_loaded == 0 and r.upload_id is None
    assert counts(con) == before
    assert [(p["line"], p["column"], p["value"], p["reason"]) for p in r.problems] == [
        (12, "submitted_at", "31/02/2026", "unparseable date"),
        (13, "nps", "11", "score out of range 0–10"),
        (14, "response_id", None, "missing id"),
        (15, "response_id", "R2", "duplicate id in this file (first on line 4)"),
        (16, "csat", "9", "score out of range 1–5"),
        (17, "nps", "lots", "not a number or a known answer"),
    ]


def test_skip_loads_the_rest_and_reports_exactly_the_bad_lines(con):
    lines = GOOD + ["R10,not a date,Travel,,5,,,", "R11,2026-10-02,Travel,,-1,,,"]
    r = ingest(con, lines, on_error="skip")
    assert (r.rows_loaded, r.rows_skipped) == (10, 2)
    assert sorted({p["line"] for p in r.problems}) == [12, 13]
    assert con.execute("SELECT count(*) FROM cx_responses WHERE response_id IN ('R10', 'R11')").fetchone()[0] == 0


def test_same_file_twice_loads_nothing(con):
    ingest(con, GOOD)
    again = ingest(con, GOOD)
    assert again.rows_loaded == 0 and again.upload_id is None and "already loaded" in again.message
    assert counts(con)["cx_responses"] == 10


def test_rows_already_loaded_never_count_twice(con):
    first = ingest(con, GOOD)
    overlap = GOOD + ["R20,2026-10-25,Travel,,10,,,"]  # a cumulative export: old rows plus one new
    rejected = ingest(con, overlap, "cumulative.csv")
    assert rejected.rejected and {p["reason"].split(" (")[0] for p in rejected.problems} == {"already loaded"}
    # one problem per old row (lines 2-11), naming the upload that holds it
    assert [p["line"] for p in rejected.problems] == list(range(2, 12))
    assert {p["reason"] for p in rejected.problems} == {f"already loaded (upload {first.upload_id})"}
    skipped = ingest(con, overlap, "cumulative.csv", on_error="skip")
    assert (skipped.rows_loaded, skipped.rows_skipped) == (1, 10)
    assert counts(con)["cx_responses"] == 11
    s = kpis.scorecard(con, OCT, ["nps"])["nps"]
    assert s.n == 11 and s.value == pytest.approx((6 - 3) / 11 * 100)


def test_replace_swaps_already_loaded_rows(con):
    first = ingest(con, GOOD)
    changed = [HEAD, "R0,2026-10-01 09:00,Travel,CUST-0,0,5,1,changed my mind"]
    r = ingest(con, changed, "fix.csv", replace=True)
    assert r.rows_loaded == 1 and counts(con)["cx_responses"] == 10
    assert con.execute("SELECT nps, upload_id FROM cx_responses WHERE response_id = 'R0'").fetchone() == (0, r.upload_id)
    assert first.upload_id != r.upload_id


def test_dry_run_loads_nothing(con):
    r = ingest(con, GOOD, dry_run=True)
    assert r.rows_loaded == 10 and r.dry_run and r.upload_id is None
    assert counts(con) == {"cx_responses": 0, "ex_responses": 0, "attribute_ratings": 0, "uploads": 0}
    assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0


def test_formulas_and_script_are_stored_verbatim_as_text(con):
    lines = [HEAD, 'R1,2026-10-01,Travel,,9,,,"=HYPERLINK(""http://evil"",""x"")"',
             "R2,2026-10-01,Travel,,9,,,<script>alert(1)</script>", "R3,2026-10-01,+SUM(A1),,9,,,@cmd"]
    ingest(con, lines)
    got = dict(con.execute("SELECT response_id, comment FROM cx_responses").fetchall())
    assert got == {"R1": '=HYPERLINK("http://evil","x")', "R2": "<script>alert(1)</script>", "R3": "@cmd"}
    assert con.execute("SELECT business_unit FROM cx_responses WHERE response_id = 'R3'").fetchone() == ("+SUM(A1)",)


def test_validate_reports_counts_and_a_preview_without_loading(con):
    parsed = read_file(csv_bytes(*GOOD, "R10,bad,Travel,,5,,,"), "v.csv")
    rep = validate(con, parsed, suggest(parsed, "cx"))
    assert rep.rows == 11 and rep.problem_count == 1 and rep.by_reason == {"unparseable date": 1}
    assert list(rep.preview["nps"][:3]) == [10, 10, 9]
    assert rep.preview["customer_id"][0].startswith("p_")
    assert counts(con)["cx_responses"] == 0


def test_labels_scales_and_missing_codes(con):
    lines = ["id,date,How likely are you to recommend us?,How satisfied were you?,Wait time",
             "1,2026-10-01,Extremely likely,Very satisfied,4",
             "2,2026-10-02,0 - Not at all likely,Dissatisfied,0",
             "3,2026-10-03,N/A,7,N/A"]
    mapping = Mapping.from_json({
        "kind": "cx",
        "columns": {"id": "response_id", "date": "submitted_at", "How likely are you to recommend us?": "nps",
                    "How satisfied were you?": "csat", "Wait time": "attribute:waiting time"},
        "labels": {"csat": {"Very satisfied": 7, "Dissatisfied": 2}},
        "scales": {"csat": {"from": [1, 7]}, "attribute:waiting time": {"from": [1, 4]}},
        "missing": {"attribute:waiting time": ["0"]},
    })
    r = ingest(con, lines, mapping=mapping)
    assert r.problems == [] and any("csat: 1–7 → 1–5" in n for n in r.notices)
    got = con.execute("SELECT response_id, nps, csat FROM cx_responses ORDER BY 1").fetchall()
    # csat 7 -> 5; 2 -> round(1 + 1 x 4/6) = 2; 7 -> 5
    assert got == [("1", 10, 5), ("2", 0, 2), ("3", None, 5)]
    attrs = con.execute("SELECT response_id, attribute, score, scale_max FROM attribute_ratings").fetchall()
    assert attrs == [("1", "waiting time", 4.0, 4.0)]  # 0 and N/A are no answer


def test_ex_file_with_population_and_respondent_pseudonyms(con):
    lines = ["response_id,submitted_at,department,respondent_id,enps,engagement,population",
             "E1,2026-10-01,Sales,EMP1,9,4,", "E2,2026-10-02,Sales,EMP2,3,5,supplier",
             "E3,2026-10-02,Sales,EMP3,3,5,alien"]
    r = ingest(con, lines, kind="ex", on_error="skip")
    assert r.rows_loaded == 2 and r.problems[0]["line"] == 4
    assert con.execute("SELECT population FROM ex_responses ORDER BY 1").fetchall() == [("employee",), ("supplier",)]
    assert "EMP" not in str(con.execute("SELECT * FROM ex_responses").fetchall())


def test_no_date_column_needs_a_default(con):
    parsed = read_file(csv_bytes("id,nps", "1,9"), "x.csv")
    with pytest.raises(IngestError, match="submitted_at"):
        load(con, parsed, Mapping("cx", {"id": "response_id", "nps": "nps"}), actor="t")
    m = Mapping("cx", {"id": "response_id", "nps": "nps"}, defaults={"submitted_at": "2026-10-15"})
    assert load(con, parsed, m, actor="t").rows_loaded == 1


def test_mapping_errors_are_clear():
    with pytest.raises(IngestError, match="not a cx field"):
        Mapping.from_json({"kind": "cx", "columns": {"a": "enps"}})
    with pytest.raises(IngestError, match="mapped twice"):
        Mapping.from_json({"kind": "cx", "columns": {"a": "nps", "b": "nps"}})
    with pytest.raises(IngestError, match="at least"):
        Mapping.from_json({"kind": "cx"})


def test_line_numbers_stay_exact_across_row_groups(con):
    # 300,000 rows span several DuckDB row groups and parallel CSV chunks; bad rows planted far apart.
    bad = {2, 122_881, 150_000, 300_001}
    lines = [HEAD] + [f"R{i},2026-10-05,T,,{99 if i + 2 in bad else 5},,," for i in range(300_000)]
    r = ingest(con, lines, on_error="skip")
    assert [p["line"] for p in r.problems] == sorted(bad)
    assert all(p["value"] == "99" for p in r.problems)
    assert r.rows_loaded == 300_000 - 4


def test_blank_rows_are_ignored_and_line_numbers_still_match_the_file(con):
    # an empty line, a quoted comment holding an empty line, Excel's trailing ",,,," rows
    data = (b'response_id,submitted_at,comment,nps\r\nA1,2026-10-01,"line one\r\n\r\nline three",9\r\n\r\n'
            b"A2,2026-10-02,ok,x\r\nA3,2026-10-03,,10\r\n,,,\r\n,,,\r\n")
    r = load(con, read_file(data, "b.csv"), Mapping("cx", {h: h for h in ("response_id", "submitted_at", "comment",
                                                                           "nps")}), actor="t", on_error="skip")
    assert (r.rows_loaded, r.rows_skipped) == (2, 1) and "3 blank row(s) ignored" in r.notices
    # a line is where the record starts in the file: header 1, A1 2-4 (its comment holds two line
    # breaks), blank 5, A2 6
    assert [(p["line"], p["value"]) for p in r.problems] == [(6, "x")]
    assert con.execute("SELECT comment FROM cx_responses WHERE response_id = 'A1'").fetchone()[0] \
        == "line one\r\n\r\nline three"


def test_a_row_with_more_cells_than_the_header_is_reported(con):
    data = b"response_id,submitted_at,comment,nps\nA1,2026-10-01,Great, thanks,9\nA2,2026-10-02,ok,10,\n"
    r = load(con, read_file(data, "x.csv"), Mapping("cx", {h: h for h in ("response_id", "submitted_at", "comment",
                                                                           "nps")}), actor="t", on_error="skip")
    assert (r.rows_loaded, r.rows_skipped) == (1, 1)  # A2's trailing empty cell is fine
    assert {(p["line"], p["column"], p["value"]) for p in r.problems} == {(2, "(whole row)", "9"), (2, "nps", "thanks")}


def test_qualtrics_default_answer_wordings(con):
    data = csv_bytes("response_id,submitted_at,csat,ces", "Q1,2026-10-01,Extremely satisfied,Extremely easy",
                     "Q2,2026-10-02,Extremely dissatisfied,Slightly difficult", "Q3,2026-10-03,Satisfied,Moderately easy",
                     "Q4,2026-10-04,Strongly agree,Strongly agree")  # CES 2.0 agreement is on 7 points, CSAT's on 5
    r = load(con, read_file(data, "q.csv"), Mapping("cx", {h: h for h in ("response_id", "submitted_at", "csat", "ces")}),
             actor="t")
    assert r.rows_loaded == 4, r.problems
    assert con.execute("SELECT csat, ces FROM cx_responses ORDER BY response_id").fetchall() == [
        (5, 7), (1, 3), (4, 6), (5, 7)]
