"""The Data page through AppTest: upload, detected layout, mapping, problems, load, undo."""

from __future__ import annotations

from datetime import date

from cx_metrics import audit, ingest, kpis
from cx_metrics.filters import Filters
from pagetools import with_con

PAGE = "pages/data.py"
OCT = Filters(date(2026, 10, 1), date(2026, 10, 31))
# Semicolon-separated, cp1252 (é), with the standard question wording for NPS.
GOOD = ("Response ID;Date;How likely are you to recommend us to a friend or colleague?;Business unit;Comment\r\n"
        "W1;2026-10-02;10;Grocery;Très bien\r\nW2;2026-10-03;9;Grocery;=HYPERLINK(\"x\")\r\n"
        "W3;2026-10-04;3;Grocery;<script>alert(1)</script>\r\n").encode("cp1252")
BAD = b"response_id,submitted_at,nps\nB1,2026-10-02,10\nB2,not a date,9\nB3,2026-10-04,11\n"


def open_page(make_app, path):
    at = make_app(path)
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def frame_with(at, column: str):
    """The one table on the page that has ``column``."""
    [frame] = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def upload(at, name: str, data: bytes):
    at.file_uploader(key="data_file").set_value((name, data, "text/csv")).run()
    assert not at.exception
    return at


def test_upload_check_load_and_undo(make_app, demo_db_copy):
    before = with_con(demo_db_copy, kpis.nps, OCT)
    at = upload(open_page(make_app, demo_db_copy), "web.csv", GOOD)
    detected = at.success[0].value
    assert "plain layout" in detected and "semicolon-separated" in detected and "cp1252" in detected.lower()
    mapping = at.data_editor[0].value
    assert dict(zip(mapping["column"], mapping["field"]))["How likely are you to recommend us to a friend or colleague?"] == "nps"
    assert [m.value for m in at.metric] == ["3", "0", "0"]
    at.button(key="load_file").click().run()
    assert not at.exception
    assert any(s.value.startswith("Loaded 3 rows") for s in at.success)
    after = with_con(demo_db_copy, kpis.nps, OCT)
    assert after.n == before.n + 3
    history = frame_with(at, "rows_loaded")
    assert history["file_name"].iloc[0] == "web.csv" and history["rows_loaded"].iloc[0] == 3
    comments = with_con(demo_db_copy, lambda c: c.execute(
        "SELECT comment FROM cx_responses WHERE response_id IN ('W2', 'W3') ORDER BY 1").fetchall())
    assert comments == [("<script>alert(1)</script>",), ('=HYPERLINK("x")',)]  # stored as text, verbatim
    at.button(key="undo_button").click().run()
    assert any("Undid" in s.value for s in at.success)
    assert with_con(demo_db_copy, kpis.nps, OCT).n == before.n
    actions = list(with_con(demo_db_copy, audit.events)["action"])
    assert actions[:2] == ["undo", "upload"]


def test_problems_are_listed_and_reject_loads_nothing(make_app, demo_db_copy):
    at = upload(open_page(make_app, demo_db_copy), "bad.csv", BAD)
    problems = frame_with(at, "reason")
    assert list(problems["line"]) == [3, 4]
    assert set(problems["column"]) == {"submitted_at", "nps"}
    at.button(key="load_file").click().run()
    assert at.error and with_con(demo_db_copy, ingest.uploads).empty
    at.radio(key="on_error").set_value("skip").run()
    at.button(key="load_file").click().run()
    assert any("Loaded 1 rows" in s.value and "skipped 2" in s.value for s in at.success)


def test_unreadable_file_gets_a_clear_error(make_app, demo_db_copy):
    at = upload(open_page(make_app, demo_db_copy), "garbage.csv", bytes(range(256)) * 40)
    assert at.error[0].value.startswith("This file cannot be read:")


UK = (b"Response ID,Date,How likely are you to recommend us?,Wifi rating\r\n"
      b"K1,25/10/2026 10:00,10,4\r\nK2,03/10/2026,6,0\r\nK3,13/10/2026,9,5\r\n")


def preview(at):
    return frame_with(at, "submitted_at")


def test_answer_rules_dates_and_no_answer_codes(make_app, demo_db_copy):
    at = upload(open_page(make_app, demo_db_copy), "uk.csv", UK)
    dates = at.selectbox(key=[k for k in at.session_state if str(k).startswith("dates_")][0])
    assert dates.value == "day/month/year"  # chosen from 25/10/2026
    assert [str(d)[:16] for d in preview(at)["submitted_at"]] == ["2026-10-25 10:00", "2026-10-03 00:00",
                                                                  "2026-10-13 00:00"]
    # the rating's suggested scale holds its 0; declaring 0 "no answer" keeps it out of the ratings
    [scales] = [d.value for d in at.data_editor if "lowest" in d.value.columns]
    assert scales.to_dict("records") == [{"target": "nps", "lowest": 0.0, "highest": 10.0},
                                         {"target": "attribute:Wifi rating", "lowest": 0.0, "highest": 5.0}]
    codes_key = [k for k in at.session_state if str(k).startswith("codes_")][0]
    at.text_input(key=codes_key).set_value("0").run()
    assert not at.exception and [m.value for m in at.metric] == ["3", "0", "0"]
    # month/day/year instead: 25/10 and 13/10 cannot be read
    dates.set_value("month/day/year").run()
    problems = frame_with(at, "reason")
    assert list(problems["line"]) == [2, 4] and set(problems["reason"]) == {"unparseable date"}
    dates.set_value("day/month/year").run()
    at.button(key="load_file").click().run()
    assert any(s.value.startswith("Loaded 3 rows") for s in at.success)
    ratings = with_con(demo_db_copy, lambda c: c.execute(
        "SELECT response_id, score FROM attribute_ratings WHERE response_id LIKE 'K%' ORDER BY 1").fetchall())
    assert ratings == [("K1", 4.0), ("K3", 5.0)]  # K2's 0 meant "no answer": no rating stored


def test_a_mapping_file_sets_columns_scales_and_labels(make_app, demo_db_copy):
    import json

    at = upload(open_page(make_app, demo_db_copy), "seven.csv",
                b"id,when,sat\nS1,2026-10-02,7\nS2,2026-10-03,1\nS3,2026-10-04,Top box\n")
    mapping = {"kind": "cx", "columns": {"id": "response_id", "when": "submitted_at", "sat": "csat"},
               "scales": {"csat": {"from": [1, 7]}}, "labels": {"csat": {"Top box": 7}}}
    at.file_uploader(key="mapping_file").set_value(("m.json", json.dumps(mapping).encode(), "application/json")).run()
    assert not at.exception
    assert any("csat: 1–7 → 1–5" in c.value for c in at.caption)
    assert list(preview(at)["csat"]) == [5, 1, 5]
    assert dict(zip(at.data_editor[0].value["column"], at.data_editor[0].value["field"]))["sat"] == "csat"
    wrong = {**mapping, "kind": "ex", "columns": {"id": "response_id", "when": "submitted_at"}}
    at.file_uploader(key="mapping_file").set_value(("m.json", json.dumps(wrong).encode(), "application/json")).run()
    assert at.error and "is for Employees" in at.error[0].value


def test_the_same_file_again_says_it_is_loaded_and_offers_no_load(make_app, demo_db_copy):
    at = upload(open_page(make_app, demo_db_copy), "web.csv", GOOD)
    at.button(key="load_file").click().run()
    assert any(s.value.startswith("Loaded 3 rows") for s in at.success)
    again = upload(open_page(make_app, demo_db_copy), "web-again.csv", GOOD)
    assert any("This exact file is already loaded" in i.value for i in again.info)
    assert not [b for b in again.button if b.key == "load_file"] and not again.metric


NO_DATE = b"Respondent ID,How likely are you to recommend us?,Region\nN1,9,North\nN2,4,South\nN3,10,North\n"


def test_a_file_without_a_date_column_takes_one_date_for_every_response(make_app, demo_db_copy):
    at = upload(open_page(make_app, demo_db_copy), "no-date.csv", NO_DATE)
    [key] = [k for k in at.session_state if str(k).startswith("default_date_")]
    field = at.date_input(key=key)
    assert field.label == "Date for every response (the file has no date column)" and field.value is None
    # nothing is checked until the date is given
    assert not at.metric and not [b for b in at.button if b.key == "load_file"]
    assert any("Pick the date for every response" in i.value for i in at.info)
    field.set_value(date(2026, 10, 15)).run()
    assert not at.exception and [m.value for m in at.metric] == ["3", "0", "0"]
    assert any("every response is dated 2026-10-15 00:00" in c.value for c in at.caption)
    assert {str(d)[:10] for d in preview(at)["submitted_at"]} == {"2026-10-15"}
    assert '"submitted_at": "2026-10-15"' in at.code[0].value  # the mapping JSON the CLI takes
    at.button(key="load_file").click().run()
    assert any(s.value.startswith("Loaded 3 rows") for s in at.success)
    dates = with_con(demo_db_copy, lambda c: c.execute(
        "SELECT DISTINCT submitted_at::DATE::VARCHAR FROM cx_responses WHERE response_id LIKE 'N_'").fetchall())
    assert dates == [("2026-10-15",)]


def test_implausible_data_is_warned_about_but_loads(make_app, demo_db_copy):
    rows = "\n".join(f"P{i},1980-01-01,{i % 11}" for i in range(12))
    at = upload(open_page(make_app, demo_db_copy), "one-day.csv", f"response_id,submitted_at,nps\n{rows}\n".encode())
    [warning] = [w.value for w in at.warning if w.value.startswith("Check this:")]
    assert warning.startswith("Check this: all 12 dated responses are on one day (1980-01-01)")
    at.button(key="load_file").click().run()
    assert any(s.value.startswith("Loaded 12 rows") for s in at.success)
