"""read_file: encodings, delimiters, layouts, XLSX/Parquet and every hostile input."""

from __future__ import annotations

import io
import zipfile

import duckdb
import pytest

from cx_metrics.ingest import IngestError, read_file
from cx_metrics.ingest import read as R

from ingest_helpers import csv_bytes, zip_bytes

PLAIN = ["response_id,submitted_at,nps,comment", "R1,2026-01-05,9,Très bien", "R2,2026-01-06,3,naïve café"]


def rows(parsed):
    con = duckdb.connect()
    return con.execute(f"SELECT * FROM {parsed.source_sql()}").fetchall()


@pytest.mark.parametrize("encoding,raw_prefix,expect", [
    ("utf-8", b"", "utf-8"),
    ("utf-8-sig", b"", "utf-8-sig"),
    ("utf-16", b"", "utf-16"),  # Python writes a BOM: Excel's "Unicode text"
    ("cp1252", b"", "cp1252"),
])
def test_encodings_all_read_back_the_same_text(encoding, raw_prefix, expect):
    data = raw_prefix + csv_bytes(*PLAIN, encoding=encoding)
    p = read_file(data, "x.csv")
    assert p.encoding == expect
    assert p.headers == ["response_id", "submitted_at", "nps", "comment"]
    assert rows(p) == [("R1", "2026-01-05", "9", "Très bien"), ("R2", "2026-01-06", "3", "naïve café")]


def test_mixed_encodings_are_read_line_by_line_with_a_notice():
    data = csv_bytes(*PLAIN) + "R3,2026-01-07,5,déjà vu\n".encode("cp1252")
    p = read_file(data, "mixed.csv")
    assert p.encoding == "mixed"
    assert any("Windows-1252" in n for n in p.notices)
    assert rows(p)[-1] == ("R3", "2026-01-07", "5", "déjà vu")
    assert rows(p)[0][3] == "Très bien"


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters(sep):
    lines = [line.replace(",", sep) for line in PLAIN]
    p = read_file(csv_bytes(*lines, sep="\r\n"), "x.txt")
    assert p.delimiter == sep
    assert len(p.headers) == 4
    assert rows(p)[1] == ("R2", "2026-01-06", "3", "naïve café")


def test_semicolon_file_with_commas_inside_values():
    p = read_file(csv_bytes("id;comment;nps", "1;good, fast, cheap;9", "2;ok, fine;7"), "x.csv")
    assert p.delimiter == ";"
    assert rows(p)[0] == ("1", "good, fast, cheap", "9")


def test_qualtrics_three_row_header():
    data = csv_bytes(
        "StartDate,ResponseId,Q1,Q2",
        'Start Date,Response ID,"How likely are you to recommend us\nto a friend?",Why?',
        '"{""ImportId"":""startDate""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2""}"',
        "2026-01-05 10:00:00,R_1,9,great")
    p = read_file(data, "q.csv")
    assert (p.layout, p.header_rows) == ("qualtrics", 3)
    assert p.headers == ["StartDate", "ResponseId", "Q1", "Q2"]
    assert p.questions[2] == "How likely are you to recommend us to a friend?"
    assert rows(p) == [("2026-01-05 10:00:00", "R_1", "9", "great")]


def test_qualtrics_legacy_two_row_header():
    data = b"\xef\xbb\xbf" + csv_bytes("V1,V8,Q1,", "ResponseID,StartDate,How satisfied are you?,", "R_1,2026-01-05,4,")
    p = read_file(data, "legacy.csv")
    assert (p.layout, p.header_rows) == ("qualtrics_legacy", 2)
    assert p.headers == ["ResponseID", "StartDate", "Q1", "column4"]
    assert p.questions[2] == "How satisfied are you?"


def test_surveymonkey_question_and_option_rows():
    data = csv_bytes("RespondentID,Which films have you seen?,,How satisfied are you?",
                     ",Episode I,Episode II,Response", "1,Episode I,,4")
    p = read_file(data, "sm.csv")
    assert (p.layout, p.header_rows) == ("surveymonkey", 2)
    assert p.headers == ["RespondentID", "Which films have you seen? - Episode I",
                         "Which films have you seen? - Episode II", "How satisfied are you?"]
    assert rows(p) == [("1", "Episode I", None, "4")]


def test_google_forms_and_limesurvey_layouts():
    g = read_file(csv_bytes("Timestamp,How likely are you to recommend R?", '12/13/2019 9:50:30,"9"'), "g.csv")
    assert g.layout == "google_forms"
    lime = read_file(csv_bytes('"Response ID","Date submitted","Q1"', '"1","2020-01-01 00:00:00","4"'), "l.csv")
    assert lime.layout == "limesurvey" and lime.notices


def test_duplicate_and_blank_headers_are_made_unique():
    p = read_file(csv_bytes("a,a,,b", "1,2,3,4"), "d.csv")
    assert p.headers == ["a", "a (2)", "column3", "b"]


def test_xlsx_is_read_like_csv():
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for line in PLAIN:
        sheet.append(line.split(","))
    sheet.append(["R3", "2026-01-07", 10, "=HYPERLINK(\"http://x\")"])
    buf = io.BytesIO()
    book.save(buf)
    p = read_file(buf.getvalue(), "x.xlsx")
    assert p.headers[:3] == ["response_id", "submitted_at", "nps"]
    assert rows(p)[2][:3] == ("R3", "2026-01-07", "10")


def test_parquet():
    con = duckdb.connect()
    import os
    import tempfile
    path = os.path.join(tempfile.mkdtemp(), "x.parquet")
    con.execute(f"COPY (SELECT 'R1' AS response_id, DATE '2026-01-05' AS submitted_at, 9 AS nps) TO '{path}'")
    p = read_file(open(path, "rb").read(), "x.parquet")
    assert p.fmt == "parquet" and p.headers == ["response_id", "submitted_at", "nps"]
    assert rows(p) == [("R1", "2026-01-05", "9")]


# --- hostile input: a clear IngestError each time ------------------------------------------------

def test_empty_file():
    with pytest.raises(IngestError, match="empty"):
        read_file(b"", "e.csv")
    with pytest.raises(IngestError, match="empty"):
        read_file(b"\n\r\n  \n", "e.csv")


def test_header_only():
    with pytest.raises(IngestError, match="no data rows"):
        read_file(b"response_id,submitted_at,nps\n", "h.csv")
    with pytest.raises(IngestError, match="no data rows"):
        read_file(b"response_id,submitted_at,nps", "h.csv")


def test_binary_garbage_named_csv():
    import random
    rng = random.Random(1)
    garbage = bytes(rng.randrange(256) for _ in range(5000))
    with pytest.raises(IngestError, match="not a text"):
        read_file(garbage, "garbage.csv")


def test_utf16_bom_followed_by_garbage():
    with pytest.raises(IngestError, match="not a text|UTF-16"):
        read_file(b"\xff\xfe" + bytes(range(256)) * 20, "x.csv")


def test_too_big():
    with pytest.raises(IngestError, match="limit"):
        read_file(b"a,b\n1,2\n" * 100, "big.csv", max_bytes=500)


def test_too_big_uses_the_configured_default(monkeypatch):
    monkeypatch.setattr(R, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(IngestError, match="limit is"):
        read_file(b"a,b\n1,2\n" * 100, "big.csv")


def test_three_megabyte_single_line():
    with pytest.raises(IngestError, match="longer than 1 MB"):
        read_file(b"a," * (1_500_000), "long.csv")


def test_xlsx_zip_bomb_is_refused_before_opening():
    bomb = zip_bytes({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * 50_000_000})
    assert len(bomb) < 200_000
    with pytest.raises(IngestError, match="zip bomb"):
        read_file(bomb, "bomb.xlsx")


def test_xlsx_billion_laughs_is_refused():
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    buf = io.BytesIO()
    book.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                         for i in range(1, 10))
              + b']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol9;</workbook>')
    members = {n: src.read(n) for n in src.namelist()}
    members["xl/workbook.xml"] = laughs
    with pytest.raises(IngestError, match="entities|not a readable"):
        read_file(zip_bytes(members), "laughs.xlsx")


def test_zip_that_is_not_a_workbook():
    with pytest.raises(IngestError, match="not an Excel workbook"):
        read_file(zip_bytes({"a.txt": b"hello"}), "x.csv")


def test_broken_parquet():
    with pytest.raises(IngestError, match="Parquet"):
        read_file(b"PAR1" + b"x" * 100, "x.parquet")


def test_staged_copy_goes_to_ram_when_there_is_room_else_to_the_temp_folder(monkeypatch, tmp_path):
    p = read_file(csv_bytes(*PLAIN), "x.csv")
    if R.os.path.isdir("/dev/shm") and R.os.access("/dev/shm", R.os.W_OK):
        assert str(p.path).startswith("/dev/shm/")

    def no_shm(path):
        raise OSError("no /dev/shm here")

    monkeypatch.setattr(R.os, "statvfs", no_shm)
    monkeypatch.setattr(R.tempfile, "tempdir", str(tmp_path))
    q = read_file(csv_bytes(*PLAIN), "x.csv")
    assert q.path.parent == tmp_path and rows(q) == rows(p)
    path = q.path
    del q
    assert not path.exists()  # the copy goes with the Parsed object


@pytest.mark.parametrize("above,skipped", [
    (b"sep=;\r\n", "skipped 1 line(s) above the header (Excel's sep=; line)"),
    (b"\r\n", "skipped 1 line(s) above the header (a title, Excel's sep= line or blank lines)"),
    (b"Customer survey export\r\n\r\n", "skipped 2 line(s) above the header"),
    (b"sep=;\r\n\"Exported 2026-11-01\"\r\n", "skipped 2 line(s) above the header"),
])
def test_lines_above_the_header_are_skipped_and_line_numbers_still_count_them(above, skipped):
    body = b"response_id;submitted_at;nps\r\nA1;2026-10-01;9\r\nA2;2026-10-02;x\r\n"
    p = read_file(above + body, "x.csv")
    assert p.headers == ["response_id", "submitted_at", "nps"] and p.delimiter == ";"
    assert any(n.startswith(skipped) for n in p.notices)
    assert rows(p) == [("A1", "2026-10-01", "9"), ("A2", "2026-10-02", "x")]
    # the bad row is reported on its own line of the file
    con = duckdb.connect()
    from cx_metrics import db
    from cx_metrics.ingest import Mapping, load

    db.migrate(con)
    r = load(con, p, Mapping("cx", {h: h for h in p.headers}), actor="t")
    assert [pr["line"] for pr in r.problems] == [above.count(b"\n") + 3]


def test_a_one_column_file_keeps_its_first_line_as_the_header():
    p = read_file(b"nps\n9\n10\n", "x.csv")
    assert p.headers == ["nps"] and rows(p) == [("9",), ("10",)] and not p.notices
