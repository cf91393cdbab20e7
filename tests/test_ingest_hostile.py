"""Every hostile input, over a grid of sizes and positions: ``python -m cx_metrics ingest`` exits 2
with one line on stderr (no traceback) and the database keeps exactly what it held.

The CLI runs in this process (``cli.main``) so the grid stays fast; test_cli_ingest.py runs a few
of the same cases in a subprocess, as a scheduler would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cx_metrics import cli, db
from cx_metrics.ingest import MAX_CELL_BYTES, IngestError, Mapping, load, read_file, validate

from ingest_helpers import KEY_HEX, con, counts, zip_bytes  # noqa: F401  (con is a fixture)

GOOD = b"response_id,submitted_at,nps,comment\n" + b"".join(
    b"G%d,2026-10-%02d,%d,fine\n" % (i, 1 + i % 28, i % 11) for i in range(30))


def body(rows: int, start: int = 0) -> bytes:
    return b"".join(b"R%d,2026-10-05,7,ok\n" % i for i in range(start, start + rows))


HEAD = b"response_id,submitted_at,nps,comment\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A database holding one good upload, made once for the module."""
    folder = tmp_path_factory.mktemp("hostile")
    good = folder / "good.csv"
    good.write_bytes(GOOD)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CX_PSEUDONYM_KEY", KEY_HEX)
        assert cli.main(["ingest", str(good), "--db", str(folder / "template.duckdb"), "--kind", "cx"]) == 0
    return folder / "template.duckdb"


@pytest.fixture
def loaded(template, tmp_path, monkeypatch):
    """A copy of the template; ``run(file, *options)`` ingests a file into it through the CLI and
    returns the exit status; ``table_counts()`` are its row counts, ``before`` those at the start."""
    monkeypatch.setenv("CX_PSEUDONYM_KEY", KEY_HEX)
    dbp = tmp_path / "db.duckdb"
    shutil.copy(template, dbp)

    def table_counts():
        c = db.connect(dbp, read_only=True)
        try:
            return counts(c)
        finally:
            c.close()

    def run(path: Path, *extra: str) -> int:
        return cli.main(["ingest", str(path), "--db", str(dbp), "--kind", "cx", *extra])

    before = table_counts()
    assert before["cx_responses"] == 30
    yield run, table_counts, before


def assert_refused(loaded, capsys, path: Path, *extra: str, match: str = "") -> str:
    run, table_counts, before = loaded
    capsys.readouterr()
    status = run(path, *extra)
    err = capsys.readouterr().err
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert match in err
    assert table_counts() == before
    return err


# --- NUL bytes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0, 5, 40, 65_535, 65_536, 70_000, 500_000, -2])
def test_a_nul_byte_anywhere_is_refused_with_its_line(loaded, capsys, tmp_path, offset):
    data = bytearray(HEAD + body(30_000))  # ~0.7 MB
    at = offset % len(data)
    data[at] = 0
    path = tmp_path / "nul.csv"
    path.write_bytes(bytes(data))
    line = data[:at].count(b"\n") + 1
    assert_refused(loaded, capsys, path, match=f"line {line:,} holds a NUL byte")


# --- huge cells and lines -------------------------------------------------------------------------


def with_cell(size: int, line: int, rows: int = 6000) -> bytes:
    """A file whose ``line`` (1 = the header) has a comment of ``size`` bytes."""
    lines = [HEAD.rstrip(b"\n")] + [b"R%d,2026-10-05,7,ok" % i for i in range(rows)]
    big = b"x" * size
    lines[line - 1] = (b"response_id,submitted_at,nps," + big if line == 1
                       else b"BIG,2026-10-05,7," + big)
    return b"\n".join(lines) + b"\n"


@pytest.mark.parametrize("size", [MAX_CELL_BYTES + 1, 300_000, 1_000_000])
@pytest.mark.parametrize("line", [1, 2, 12, 14, 5000])  # header, first row, last and after the sniffed lines, past 64 KB
def test_a_cell_over_128_kb_is_refused_wherever_it_is(loaded, capsys, tmp_path, size, line):
    path = tmp_path / "huge.csv"
    path.write_bytes(with_cell(size, line))
    assert_refused(loaded, capsys, path, match=f"line {line:,} has a cell of {size / 1024:,.0f} KB")


@pytest.mark.parametrize("line", [1, 2, 14, 5000])
def test_a_line_over_1_mb_is_refused_wherever_it_is(loaded, capsys, tmp_path, line):
    path = tmp_path / "long.csv"
    path.write_bytes(with_cell(1_500_000, line))
    assert_refused(loaded, capsys, path, match=f"line {line:,} is longer than 1 MB")


@pytest.mark.parametrize("line", [2, 14, 5000])
def test_a_cell_under_the_limit_loads(con, line):
    r = load(con, read_file(with_cell(MAX_CELL_BYTES - 10, line), "ok.csv"),
             Mapping("cx", {h: h for h in ("response_id", "submitted_at", "nps", "comment")}), actor="t")
    assert r.rows_loaded == 6000 and not r.problems
    assert con.execute("SELECT max(strlen(comment)) FROM cx_responses").fetchone()[0] == MAX_CELL_BYTES - 10


# --- mapping files --------------------------------------------------------------------------------

COLUMNS = {"response_id": "response_id", "submitted_at": "submitted_at", "nps": "nps"}


@pytest.mark.parametrize("mapping,match", [
    ({"kind": "cx", "columns": COLUMNS, "scales": {"nps": {"from": ["a", "b"]}}}, "scales['nps']"),
    ({"kind": "cx", "columns": COLUMNS, "scales": {"nps": {"from": [10, 0]}}}, "scales['nps']"),
    ({"kind": "cx", "columns": COLUMNS, "scales": {"nps": {"from": [0, "10"]}}}, "scales['nps']"),
    ({"kind": "cx", "columns": COLUMNS, "scales": {"nps": {"from": [0]}}}, "scales['nps']"),
    ({"kind": "cx", "columns": COLUMNS, "scales": {"nps": {"from": [0, 10], "to": ["x", 5]}}}, "scales['nps']"),
    ({"kind": "cx", "columns": COLUMNS, "scales": {"nps": [0, 10]}}, "scales['nps']"),
    ({"kind": "cx", "columns": COLUMNS, "scales": [1]}, "scales must be"),
    ({"kind": "cx", "columns": COLUMNS, "labels": {"nps": {"top": "high"}}}, "labels must be"),
    ({"kind": "cx", "columns": COLUMNS, "labels": ["x"]}, "labels must be"),
    ({"kind": "cx", "columns": COLUMNS, "missing": [["0"]]}, "missing must be"),
    ({"kind": "cx", "columns": COLUMNS, "missing": "0"}, "missing must be"),
    ({"kind": "cx", "columns": COLUMNS, "defaults": {"source": ["x"]}}, "defaults must be"),
    ({"kind": "cx", "columns": COLUMNS, "date_format": 5}, "date_format"),
    ({"kind": ["cx"], "columns": COLUMNS}, "kind"),
    ({"kind": "cx", "columns": {**COLUMNS, "nope": "nps"}}, "mapped twice"),
    ({"kind": "cx", "columns": {"nope": "response_id"}}, "does not have"),
    ({"kind": "cx", "columns": ["response_id"]}, "at least"),
    ([], "at least"),
])
def test_a_mapping_file_of_the_wrong_shape_is_refused(loaded, capsys, tmp_path, mapping, match):
    data, mfile = tmp_path / "d.csv", tmp_path / "m.json"
    data.write_bytes(HEAD + body(5))
    mfile.write_text(json.dumps(mapping))
    assert_refused(loaded, capsys, data, "--mapping", str(mfile), match=match)


@pytest.mark.parametrize("content", [b"", b"{", b"[" * 100_000, b"\xff\xfe{}", b'{"kind": "cx", "columns": {}}' + b"x"])
def test_a_mapping_file_that_is_not_json_is_refused(loaded, capsys, tmp_path, content):
    data, mfile = tmp_path / "d.csv", tmp_path / "m.json"
    data.write_bytes(HEAD + body(5))
    mfile.write_bytes(content)
    assert_refused(loaded, capsys, data, "--mapping", str(mfile), match="not a JSON mapping file")


def test_non_numeric_scales_on_the_data_page_path_are_an_ingest_error():
    with pytest.raises(IngestError, match="scales"):
        Mapping.from_bytes(json.dumps({"kind": "cx", "columns": COLUMNS,
                                       "scales": {"nps": {"from": ["a", "b"]}}}).encode())
    from cx_metrics.ingest import with_rules
    with pytest.raises(IngestError, match="as numbers"):
        with_rules(Mapping("cx", COLUMNS), scales=[{"target": "nps", "lowest": None, "highest": 10}])


# --- the rest of the hostile files ------------------------------------------------------------------


@pytest.mark.parametrize("name,data,match", [
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n\r\n  \n", "empty"),
    ("header.csv", HEAD, "no data rows"),
    ("commas.csv", HEAD + b",,,\n,,,\n", "no data rows"),
    ("garbage.csv", bytes(range(256)) * 100, "not a text"),
    ("controls.csv", b"a,b\n" + bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 2000, "not a text"),
    ("utf16.csv", b"\xff\xfe" + bytes(range(256)) * 20, "UTF-16"),
    ("long.csv", b"x" * 3_000_000, "longer than 1 MB"),
    ("quote.csv", b'a,b\n"' + b"x" * 1_100_000, "longer than 1 MB"),
    ("bomb.xlsx", zip_bytes({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * 50_000_000}),
     "zip bomb"),
    ("notbook.xlsx", zip_bytes({"a.txt": b"hello"}), "not an Excel workbook"),
    ("broken.xlsx", b"PK\x03\x04" + b"\0" * 100, "not a readable XLSX"),
    ("broken.parquet", b"PAR1" + b"x" * 100, "Parquet"),
    ("nodate.csv", b"a,b\n1,2\n", "submitted_at"),
])
def test_every_other_hostile_file_is_refused(loaded, capsys, tmp_path, name, data, match):
    path = tmp_path / name
    path.write_bytes(data)
    assert_refused(loaded, capsys, path, match=match)


def test_a_missing_file_or_a_folder_is_refused(loaded, capsys, tmp_path):
    assert_refused(loaded, capsys, tmp_path / "missing.csv", match="cannot read")
    assert_refused(loaded, capsys, tmp_path, match="not a file")


def test_validate_on_a_hostile_file_is_an_ingest_error_too(con):
    p = read_file(with_cell(300_000, 5000), "late.csv")  # read_file sees only the first lines
    with pytest.raises(IngestError, match="line 5,000 has a cell of 293 KB"):
        validate(con, p, Mapping("cx", {h: h for h in ("response_id", "submitted_at", "nps", "comment")}))
