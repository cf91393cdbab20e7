"""Exports written here the way each survey tool writes them (none of them in the repo), loaded
through the CLI with no mapping file, then checked against KPIs worked out by hand."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from cx_metrics import kpis
from cx_metrics.filters import Filters
from cx_metrics.ingest import IngestError, Mapping, load, read_file, suggest
from cx_metrics.ingest import schema, store

from ingest_helpers import con, csv_bytes  # noqa: F401  (fixture)
from test_cli_ingest import cli

OCT = Filters(start=date(2026, 10, 1), end=date(2026, 10, 31))


def _csv(rows, delimiter=",", newline="\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue()


def qualtrics_tsv_utf16() -> bytes:
    """Qualtrics "Export as TSV": UTF-16 with BOM, tabs, 3 header rows, choice text for CSAT."""
    rows = [
        ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
         "RecordedDate", "ResponseId", "RecipientEmail", "Q1", "Q1_NPS_GROUP", "Q2", "Q3"],
        ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)", "Finished",
         "Recorded Date", "Response ID", "Recipient Email",
         "How likely are you to recommend Acme to a friend or colleague?",
         "How likely are you to recommend Acme to a friend or colleague? - Group",
         "Overall, how satisfied are you with your visit today?", "What could we do better?"],
        [json.dumps({"ImportId": i}) for i in ("startDate", "endDate", "status", "ipAddress", "progress",
                                                "duration", "finished", "recordedDate", "_recordId",
                                                "recipientEmail", "QID1", "QID1_NPS_GROUP", "QID2", "QID3_TEXT")],
    ]
    answers = [(10, "Very satisfied", "Great"), (9, "Satisfied", ""), (8, "Neither satisfied nor dissatisfied", "ok"),
               (6, "Dissatisfied", "slow, very slow"), (0, "Very dissatisfied", '=HYPERLINK("http://x")'),
               (10, "Very satisfied", "<script>alert(1)</script>")]
    for i, (nps, csat, text) in enumerate(answers, start=1):
        rows.append([f"2026-09-30 23:5{i}:00", f"2026-10-0{i} 09:05:00", "IP Address", f"10.0.0.{i}", "100", "300",
                     "True", f"2026-10-0{i} 09:05:01", f"R_abc{i}XYZ", f"p{i}@example.com", str(nps),
                     "Promoter" if nps >= 9 else "Passive" if nps >= 7 else "Detractor", csat, text])
    return _csv(rows, delimiter="\t").encode("utf-16")


def surveymonkey_csv() -> bytes:
    """SurveyMonkey: question row, answer-option row, US dates with AM/PM, UTF-8 with BOM."""
    rows = [["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
             "First Name", "Last Name", "Custom Data 1",
             "How likely is it that you would recommend Acme to a friend or colleague?",
             "How easy was it to get your issue resolved?", "Any other comments?"],
            ["", "", "", "", "", "", "", "", "", "Response", "Response", "Open-Ended Response"]]
    for i, (nps, ces, text) in enumerate([(10, "Very easy", "great"), (3, "Very difficult", "bad"),
                                          (7, "Easy", ""), (9, "Neither easy nor difficult", "fine")], start=1):
        rows.append([str(11400000000 + i), "4000001", "09/30/2026 11:15:22 PM", f"10/0{i}/2026 1:20:05 PM",
                     "1.2.3.4", "", "", "", "", str(nps), ces, text])
    return b"\xef\xbb\xbf" + _csv(rows).encode("utf-8")


def google_forms_csv() -> bytes:
    """Google Forms: Timestamp first, full question text, checkbox answers joined by ", "."""
    rows = [["Timestamp", "Email Address", "How likely are you to recommend our store to a friend?",
             "Which departments did you visit?", "Anything else?"],
            ["10/5/2026 9:01:02", "a@b.com", "9", "Shoes, Toys", ""],
            ["10/6/2026 14:22:10", "c@d.com", "4", "Toys", "too busy"],
            ["10/7/2026 8:00:00", "e@f.com", "10", "Shoes", ""]]
    return _csv(rows, newline="\n").encode("utf-8")


def limesurvey_csv() -> bytes:
    """LimeSurvey "Export responses" CSV: id, submitdate, ... then question codes."""
    rows = [["id", "submitdate", "lastpage", "startlanguage", "seed", "NPS", "CSAT", "Comment"],
            ["1", "2026-10-10 10:00:00", "3", "en", "123", "10", "5", "Lovely"],
            ["2", "2026-10-11 11:00:00", "3", "en", "456", "2", "1", "Bad"],
            ["3", "", "1", "en", "789", "", "", ""]]  # incomplete: no submit date
    return _csv(rows).encode("utf-8")


def uk_excel_csv() -> bytes:
    """A British Excel CSV in cp1252: day/month/year dates, "£" in a comment."""
    lines = ["Response ID,Date,How likely are you to recommend us?,Comment",
             "U1,25/10/2026 10:00,10,Great value for £20", "U2,03/10/2026 11:30,5,", "U3,13/10/2026,8,"]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def german_csv() -> bytes:
    """German headers nobody told us about; semicolons; dates d.m.Y with and without a time."""
    lines = ["Antwort-ID;Datum;Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen (NPS);Kommentar",
             "A1;05.10.2026;9;Sehr gut, schön", "A2;06.10.2026 14:30;2;Zu teuer", "A3;07.10.2026;8;"]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


EXPORTS = {
    # file: (bytes, source, rows, NPS (promoters, detractors), CSAT top-2 (of n), CES values)
    "qualtrics.tsv": (qualtrics_tsv_utf16, "qualtrics", 6, (3, 2), (3, 6), []),
    "surveymonkey.csv": (surveymonkey_csv, "surveymonkey", 4, (2, 1), None, [7, 1, 6, 4]),
    "google_forms.csv": (google_forms_csv, "google_forms", 3, (2, 1), None, []),
    "limesurvey.csv": (limesurvey_csv, "limesurvey", 2, (1, 1), (1, 2), []),
    "uk.csv": (uk_excel_csv, "upload", 3, (1, 1), None, []),
    "de.csv": (german_csv, "upload", 3, (1, 1), None, []),
}


def test_each_export_loads_through_the_cli_and_the_kpis_match_hand_counts(tmp_path):
    path = tmp_path / "cx.duckdb"
    for name, (make, source, rows, _, _, _) in EXPORTS.items():
        f = tmp_path / name
        f.write_bytes(make())
        extra = ["--on-error", "skip"] if name == "limesurvey.csv" else []
        p = cli("ingest", f, "--db", path, "--kind", "cx", *extra)
        assert p.returncode == 0, (name, p.stderr)
        out = json.loads(p.stdout)
        assert out["rows_loaded"] == rows, (name, out)
    from cx_metrics import db

    con = db.connect(path, read_only=True)
    try:
        per_source = dict(con.execute("SELECT source, count(*) FROM cx_responses GROUP BY 1").fetchall())
        # NPS over every file: promoters 3+2+2+1+1+1 = 10, detractors 2+1+1+1+1+1 = 7, n = 6+4+3+2+3+3 = 21
        # -> (10 - 7) / 21 = 14.29
        nps = kpis.scorecard(con, OCT, ["nps", "csat", "ces"])
        assert nps["nps"].n == 21 and nps["nps"].value == pytest.approx(300 / 21)
        # CSAT: Qualtrics labels 5,4,3,2,1,5 (top-2: 3 of 6) and LimeSurvey 5,1 (1 of 2): 4 / 8 = 50 %
        assert nps["csat"].n == 8 and nps["csat"].value == pytest.approx(50.0)
        # CES: SurveyMonkey's labels Very easy 7, Very difficult 1, Easy 6, Neither 4: mean 18 / 4 = 4.5
        assert nps["ces"].n == 4 and nps["ces"].value == pytest.approx(4.5)
        dates = dict(con.execute("SELECT response_id, strftime(submitted_at, '%Y-%m-%d %H:%M') FROM cx_responses "
                                 "WHERE response_id IN ('R_abc1XYZ', '11400000002', 'U1', 'U2', 'U3')").fetchall())
        comments = {c for (c,) in con.execute("SELECT comment FROM cx_responses WHERE comment IS NOT NULL").fetchall()}
    finally:
        con.close()
    assert per_source == {"qualtrics": 6, "surveymonkey": 4, "google_forms": 3, "limesurvey": 2, "upload": 6}
    # Qualtrics: RecordedDate, not StartDate (30 September); SurveyMonkey: End Date with PM
    assert dates["R_abc1XYZ"] == "2026-10-01 09:05" and dates["11400000002"] == "2026-10-02 13:20"
    # the British file is read day/month/year for every row, 03/10 included
    assert (dates["U1"], dates["U2"], dates["U3"]) == ("2026-10-25 10:00", "2026-10-03 11:30", "2026-10-13 00:00")
    # free-text questions became comments, stored as typed
    assert {"Great", '=HYPERLINK("http://x")', "<script>alert(1)</script>", "great", "too busy", "Lovely",
            "Great value for £20", "Sehr gut, schön"} <= comments


def test_what_the_suggestion_says(con):  # noqa: F811
    uk = suggest(read_file(uk_excel_csv(), "uk.csv"), "cx")
    assert uk.columns["Date"] == "submitted_at" and isinstance(uk.date_format, list)
    assert any("day/month/year" in n for n in uk.notices)
    gf = suggest(read_file(google_forms_csv(), "gf.csv"), "cx")
    assert gf.date_format is None  # month/day/year is among the default formats
    assert any("read as month/day/year" in n and "day/month/year too" in n for n in gf.notices)
    de = suggest(read_file(german_csv(), "de.csv"), "cx")
    assert de.columns["Datum"] == "submitted_at" and de.columns["Kommentar"] == "comment"
    assert any("'Datum' holds dates" in n for n in de.notices)
    assert de.columns["Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen (NPS)"] == "nps"
    lime = suggest(read_file(limesurvey_csv(), "lime.csv"), "cx")
    assert lime.columns["lastpage"] == "" and lime.columns["seed"] == ""  # survey metadata, not ratings
    sm = suggest(read_file(surveymonkey_csv(), "sm.csv"), "cx")
    assert sm.columns["End Date"] == "submitted_at" and sm.columns["Start Date"] == ""
    assert sm.columns["Any other comments?"] == "comment"


@pytest.mark.parametrize("value,stored", [
    ("10/5/26 9:01", "2026-10-05 09:01"),  # two-digit year: 2026, not the year 26
    ("10/05/2026 1:20:05 PM", "2026-10-05 13:20"),
    ("2026/10/05 10:00:00", "2026-10-05 10:00"),
    ("05.10.2026", "2026-10-05 00:00"),
    ("2026-10-05T10:00:00", "2026-10-05 10:00"),
])
def test_default_date_formats(con, value, stored):  # noqa: F811
    data = csv_bytes("response_id,submitted_at,nps", f'R1,"{value}",9')
    r = load(con, read_file(data, "d.csv"), Mapping("cx", {"response_id": "response_id",
                                                            "submitted_at": "submitted_at", "nps": "nps"}), actor="t")
    assert r.rows_loaded == 1, r.problems
    assert con.execute("SELECT strftime(submitted_at, '%Y-%m-%d %H:%M') FROM cx_responses").fetchone()[0] == stored


def test_implausible_dates_are_reported_not_loaded(con):  # noqa: F811
    data = csv_bytes("response_id,submitted_at,nps", "R1,1899-12-30,9", "R2,2026-10-05,9", "R3,2999-01-01,9",
                     "R4,0026-10-05,9")
    mapping = Mapping("cx", {"response_id": "response_id", "submitted_at": "submitted_at", "nps": "nps"})
    r = load(con, read_file(data, "d.csv"), mapping, actor="t", on_error="skip")
    assert r.rows_loaded == 1
    assert [(p["line"], p["value"], p["reason"]) for p in r.problems] == [
        (2, "1899-12-30", "date out of range (before 1970 or in the future)"),
        (4, "2999-01-01", "date out of range (before 1970 or in the future)"),
        (5, "0026-10-05", "date out of range (before 1970 or in the future)"),
    ]


def test_a_mapping_file_may_give_one_date_format_or_a_list(con):  # noqa: F811
    data = csv_bytes("id,when,nps", "R1,05/10/2026,9", "R2,25/10/2026 08:00,3")
    base = {"kind": "cx", "columns": {"id": "response_id", "when": "submitted_at", "nps": "nps"}}
    one = Mapping.from_json({**base, "date_format": "%d/%m/%Y"})
    r = load(con, read_file(data, "d.csv"), one, actor="t", on_error="skip")
    assert r.rows_loaded == 1 and r.problems[0]["reason"] == "unparseable date"
    con.execute("DELETE FROM cx_responses")
    con.execute("DELETE FROM uploads")
    both = Mapping.from_json({**base, "date_format": ["%d/%m/%Y %H:%M", "%d/%m/%Y"]})
    r = load(con, read_file(data, "d.csv"), both, actor="t")
    assert r.rows_loaded == 2
    assert [d for (d,) in con.execute("SELECT submitted_at::DATE::VARCHAR FROM cx_responses ORDER BY 1").fetchall()] \
        == ["2026-10-05", "2026-10-25"]
    with pytest.raises(IngestError, match="date_format must be"):
        Mapping.from_json({**base, "date_format": 7})


def test_formats_unseen_in_the_first_rows_are_tried_last_and_nothing_reads_differently(con):  # noqa: F811
    rows = [f"R{i},10/{1 + i % 28}/2026 9:01:02,9" for i in range(2100)]  # more than the 2,000 sampled
    parsed = read_file(csv_bytes("id,when,nps", *rows, "X1,10/5/26 9:01,9"), "d.csv")
    formats = store._date_order(con, parsed, 1, list(schema.DATE_FORMATS))
    assert formats[0] == "%m/%d/%Y %H:%M:%S" and sorted(formats) == sorted(schema.DATE_FORMATS)
    mapping = Mapping("cx", {"id": "response_id", "when": "submitted_at", "nps": "nps"})
    r = load(con, parsed, mapping, actor="t")
    assert r.rows_loaded == 2101
    # the two-digit year, after every row of four-digit ones, is still 2026
    assert con.execute("SELECT submitted_at::VARCHAR FROM cx_responses WHERE response_id = 'X1'").fetchone()[0] \
        == "2026-10-05 09:01:00"
