"""The streaming ingest: read_file's entries (path, file object, bytes) and its size check before
reading, staging files and their sweep, exact line numbers at any size, de-duplication of files
without an id column, and progress callbacks."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cx_metrics.ingest import IngestError, Mapping, load, read_file, suggest, sweep_staging, validate
from cx_metrics.ingest import read as R
from cx_metrics.ingest import store

from ingest_helpers import con, counts, csv_bytes  # noqa: F401  (con is a fixture)

PLAIN = csv_bytes("response_id,submitted_at,nps,comment", "R1,2026-10-05,9,Très bien", "R2,2026-10-06,3,ok")
COLS = ("response_id", "submitted_at", "nps", "comment")
MAPPING = Mapping("cx", {h: h for h in COLS})


# --- entries and the size check ------------------------------------------------------------------


class Unreadable(io.RawIOBase):
    """An upload that says how big it is and fails if anything reads it."""

    def __init__(self, size: int) -> None:
        self.size, self.name = size, "huge.csv"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, *args):
        raise AssertionError("read before the size check")

    readinto = read


def test_path_file_object_and_bytes_read_the_same(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(PLAIN)
    with open(path, "rb") as f:
        got = [read_file(path), read_file(str(path)), read_file(io.BytesIO(PLAIN), "x.csv"), read_file(PLAIN, "x.csv"),
               read_file(f)]
    assert {p.name for p in got} == {"x.csv"}
    assert {(p.sha256, p.size, tuple(p.headers), p.path.read_bytes()) for p in got} == {
        (got[0].sha256, len(PLAIN), COLS, got[0].path.read_bytes())}


@pytest.mark.parametrize("size", [201 * 1024 * 1024, 1_200_000_000, 10**12])
def test_the_size_is_checked_before_anything_is_read(size, tmp_path):
    with pytest.raises(IngestError, match="the limit is"):
        read_file(Unreadable(size))
    sparse = tmp_path / "sparse.csv"
    with open(sparse, "wb") as f:
        f.truncate(size)  # takes no disk space; reading it would take a while
    with pytest.raises(IngestError, match=f"the file is {size / 1e6:.1f} MB; the limit is"):
        read_file(sparse)


@pytest.mark.parametrize("seekable", [True, False])
def test_a_file_object_whose_size_lies_is_stopped_at_the_limit(seekable):
    class Liar(io.BytesIO):
        size = 10

        def seekable(self):
            return seekable

    with pytest.raises(IngestError, match="the limit is"):
        read_file(Liar(b"a,b\n" + b"1,2\n" * 1000), "liar.csv", max_bytes=100)


def test_a_pipe_is_spooled_and_read(tmp_path):
    class Pipe(io.BytesIO):
        def seekable(self):
            return False

    assert read_file(Pipe(PLAIN), "p.csv").headers == list(COLS)


# --- staging files -------------------------------------------------------------------------------


def staged_names() -> set[str]:
    """This process's staging files."""
    mine = f"{R.STAGING_PREFIX}{os.getpid()}-"
    return {e.name for folder in {"/dev/shm", tempfile.gettempdir()} if os.path.isdir(folder)
            for e in os.scandir(folder) if e.name.startswith(mine)}


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_staging_files_carry_the_pid_and_go_with_the_parsed_file():
    p = read_file(PLAIN, "x.csv")
    assert p.path.name.startswith(f"{R.STAGING_PREFIX}{os.getpid()}-")
    path = p.path
    del p
    assert not path.exists()


@pytest.mark.parametrize("folder", ["/dev/shm", None])
def test_files_of_a_dead_process_are_swept_and_live_ones_kept(folder):
    folder = folder or tempfile.gettempdir()
    if not os.access(folder, os.W_OK):
        pytest.skip(f"{folder} is not writable")
    stale = Path(folder) / f"{R.STAGING_PREFIX}{dead_pid()}-abc.csv"
    mine = Path(folder) / f"{R.STAGING_PREFIX}{os.getpid()}-abc.csv"
    live = Path(folder) / f"{R.STAGING_PREFIX}1-abc.csv"  # pid 1 always runs
    old, recent = Path(folder) / "cx_ingest_test_old.csv", Path(folder) / "cx_ingest_test_new.csv"  # no pid
    for f in (stale, mine, live, old, recent):
        f.write_bytes(b"x")
    os.utime(old, (0, os.path.getmtime(old) - 2 * 86_400))
    try:
        read_file(PLAIN, "x.csv")  # every read sweeps first
        assert not stale.exists() and not old.exists() and mine.exists() and live.exists() and recent.exists()
        assert sweep_staging() == 0
    finally:
        for f in (stale, mine, live, old, recent):
            f.unlink(missing_ok=True)


@pytest.mark.parametrize("data", [
    PLAIN[:-1] + b"\0\n",  # NUL in the last line: found while the copy is written
    b"response_id,nps\n" + b"R,1\n" * 300_000 + b"\0",
])
def test_a_read_that_fails_half_way_leaves_no_staging_file(data):
    before = staged_names()
    with pytest.raises(IngestError, match="NUL"):
        read_file(data, "x.csv")
    assert staged_names() <= before


# --- line numbers ----------------------------------------------------------------------------------


def test_line_numbers_are_exact_past_900_000_rows(con):
    # Small rows, so 900,001 lines take seconds; bad rows planted at both ends and past the
    # 122,880-row groups where rowid order used to go wrong.
    bad = {2, 3, 122_881, 122_882, 500_000, 899_999, 900_001}
    lines = [b"response_id,submitted_at,nps"] + [b"R%d,2026-10-05,%s" % (i, b"99" if i in bad else b"5")
                                                  for i in range(2, 900_002)]
    parsed = read_file(b"\n".join(lines) + b"\n", "big.csv")
    for _ in range(2):  # the same every run
        r = load(con, parsed, Mapping("cx", {h: h for h in ("response_id", "submitted_at", "nps")}), actor="t")
        assert r.rejected and [(p["line"], p["value"]) for p in r.problems] == [(n, "99") for n in sorted(bad)]
    assert counts(con)["cx_responses"] == 0


@pytest.mark.parametrize("breaks", [(), (2,), (5, 1, 3)])
def test_a_line_is_where_the_record_starts_counting_line_breaks_in_quoted_cells(con, breaks):
    # rows 10, 130,000 and 140,000 hold comments with line breaks; every 10,000th row is bad
    rows, text, line, expected = 150_000, [b"response_id,submitted_at,nps,comment"], 2, []
    with_breaks = dict(zip((10, 130_000, 140_000), breaks))
    for i in range(rows):
        n = with_breaks.get(i, 0)
        comment = b'"' + b"\r\n".join([b"part"] * (n + 1)) + b'"' if n else b"ok"
        bad = i % 10_000 == 9_999
        text.append(b"R%d,2026-10-05,%s,%s" % (i, b"11" if bad else b"5", comment))
        if bad:
            expected.append(line)
        line += 1 + n
    r = load(con, read_file(b"\n".join(text) + b"\n", "q.csv"), MAPPING, actor="t", on_error="skip")
    assert [p["line"] for p in r.problems] == expected
    assert r.rows_loaded == rows - len(expected)


# --- de-duplication without an id column ------------------------------------------------------------

NO_ID = ["Submitted,How likely are you to recommend us?,Comment,Customer number"] + [
    f"2026-10-{1 + i % 28:02d} 09:{i % 60:02d},{i % 11},{'same' if i % 3 else 'other'},C{i % 7}" for i in range(60)]


def reexport(lines: list[str], extra: str, value) -> list[str]:
    return [f"{lines[0]},{extra}"] + [f"{line},{value(i)}" for i, line in enumerate(lines[1:])]


def ingest(con, lines, name, **kw):
    parsed = read_file(csv_bytes(*lines), name)
    return load(con, parsed, suggest(parsed, "cx"), actor="t", **kw)


@pytest.mark.parametrize("extra,value", [
    ("Browser", lambda i: ["Firefox", "Chrome"][i % 2]),  # a new column, not loaded
    ("Notes", lambda i: ""),  # a new, empty column
])
def test_a_re_export_with_another_column_loads_nothing_and_says_so(con, extra, value):
    first = ingest(con, NO_ID, "may.csv")
    assert first.rows_loaded == 60 and any("hash of its mapped answers" in n for n in first.notices)
    again = ingest(con, reexport(NO_ID, extra, value), "may-again.csv")
    assert (again.rows_loaded, again.rows_skipped, again.rejected, again.upload_id) == (0, 60, False, None)
    assert again.message == f"nothing loaded: all 60 rows were already loaded (upload {first.upload_id})"
    assert counts(con)["cx_responses"] == 60 and counts(con)["uploads"] == 1
    rep = validate(con, read_file(csv_bytes(*reexport(NO_ID, extra, value)), "x.csv"), suggest(
        read_file(csv_bytes(*NO_ID), "x.csv"), "cx"))
    assert any("loading it adds nothing" in n for n in rep.notices)


def test_reordered_columns_and_new_rows_are_told_apart(con):
    ingest(con, NO_ID, "may.csv")
    order = [3, 0, 2, 1]
    swapped = [",".join(line.split(",")[i] for i in order) for line in NO_ID]
    assert ingest(con, swapped, "swapped.csv").rows_loaded == 0
    grown = NO_ID + ["2026-10-29 10:00,10,new one,C1"]
    r = ingest(con, grown, "june.csv", on_error="skip")
    assert (r.rows_loaded, r.rows_skipped) == (1, 60)
    # the same answers from another customer are another response
    other = [NO_ID[0], NO_ID[1].rsplit(",", 1)[0] + ",C999"]
    assert ingest(con, other, "other.csv").rows_loaded == 1


def test_the_content_id_takes_the_customer_as_its_keyed_pseudonym(con, monkeypatch):
    # Every other mapped field is stored beside the id: were the raw customer id hashed in, anyone
    # could test guesses of it against the id. Its pseudonym needs the key.
    from cx_metrics import db

    ingest(con, NO_ID[:2], "one.csv")
    ids = [con.execute("SELECT response_id FROM cx_responses").fetchone()[0]]
    for key in ("11" * 32, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"):
        monkeypatch.setenv("CX_PSEUDONYM_KEY", key)
        other = db.connect(":memory:")
        ingest(other, NO_ID[:2], "one.csv")
        ids.append(other.execute("SELECT response_id FROM cx_responses").fetchone()[0])
    assert ids[0] != ids[1] and ids[0] == ids[2]


# --- progress -----------------------------------------------------------------------------------------


def test_progress_reports_rows_done_up_to_the_total(con, monkeypatch):
    monkeypatch.setattr(store, "BATCH_ROWS", 4)
    lines = ["response_id,submitted_at,nps,comment"] + [f"R{i},2026-10-05,{i % 11},x" for i in range(10)]
    parsed = read_file(csv_bytes(*lines), "p.csv")
    calls = []
    validate(con, parsed, MAPPING, progress=lambda *a: calls.append(a))
    assert calls[0] == (0, None, "reading") and calls[-1] == (10, 10, "checked")
    calls.clear()
    r = load(con, parsed, MAPPING, actor="t", progress=lambda *a: calls.append(a))
    assert r.rows_loaded == 10
    assert calls == [(0, None, "reading"), (0, 10, "checking"), (4, 10, "loading"), (8, 10, "loading"),
                     (10, 10, "loading"), (10, 10, "loaded")]


def test_read_file_reports_lines_read_for_big_files():
    calls = []
    read_file(b"a,b\n" + b"1,2\n" * 6_000_000, "big.csv", progress=lambda *a: calls.append(a))
    assert calls and all(total is None and stage == "reading" for _, total, stage in calls)
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls) and calls[-1][0] <= 6_000_000


# --- encodings across chunks ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding,expect", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
                                             ("cp1252", "cp1252")])
@pytest.mark.parametrize("shift", [0, 1, 2])
def test_encodings_read_the_same_when_a_character_straddles_a_chunk(encoding, expect, shift):
    # ~2.5 MB of "é" lines: chunk boundaries (1 MB) fall inside characters for utf-8 and utf-16
    lines = ["response_id,comment"] + [f"R{i},{'x' * shift}café naïve {i}" for i in range(100_000)]
    p = read_file(("\n".join(lines) + "\n").encode(encoding), "e.csv")
    assert p.encoding == expect and p.headers == ["response_id", "comment"]
    import duckdb

    got = duckdb.connect().execute(f"SELECT count(*), max(c1), min(c1) FROM {p.source_sql()}").fetchone()
    assert got == (100_000, f"{'x' * shift}café naïve 99999", f"{'x' * shift}café naïve 0")


def test_a_windows_1252_line_past_the_first_megabytes_is_found_and_read_again():
    head = ("response_id,comment\n" + "".join(f"R{i},déjà vu\n" for i in range(200_000))).encode("utf-8")
    mixed = read_file(head + "R,déjà vu\n".encode("cp1252"), "m.csv")
    assert mixed.encoding == "mixed" and "1 line(s) were not UTF-8" in mixed.notices[0]
    plain = read_file(("response_id,comment\n" + "".join(f"R{i},ok\n" for i in range(200_000))).encode()
                      + "R,déjà vu\n".encode("cp1252"), "c.csv")
    assert plain.encoding == "cp1252" and plain.path.read_bytes().endswith("R,déjà vu\n".encode())
