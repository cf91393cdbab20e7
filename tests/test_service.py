"""One writer, many readers (cx_metrics.service): readers in other processes
run beside a writer and see only published states; a second writer gets one
line and status 2; snapshots follow every change and old ones are swept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cx_metrics import db, demo, service

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def primary(tmp_path) -> Path:
    path = tmp_path / "cx.duckdb"
    with service.writer(path) as con:
        demo.build(con, cx_rows=2_000, ex_rows=600)
    return path


def cx_count(con) -> int:
    return con.execute("SELECT count(*) FROM cx_responses").fetchall()[0][0]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cx_metrics", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from cx_metrics import db, service
    primary, go = Path(sys.argv[1]), Path(sys.argv[2])
    with service.writer(primary) as con:
        con.execute("BEGIN")
        con.execute("INSERT INTO cx_responses (response_id, submitted_at, nps) "
                    "SELECT 'held-' || i, TIMESTAMP '2026-01-15', 9 FROM range(500) t(i)")
        db.bump_data_version(con)
        con.execute("COMMIT")  # committed, not yet published
        print("holding", flush=True)
        while not go.exists():
            time.sleep(0.05)
    print("published", flush=True)
""")


def test_readers_and_a_second_writer_beside_a_writer(primary, tmp_path):
    before = cx_count(service.read(primary))
    go = tmp_path / "go"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(primary), str(go)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        reader = service.Reader(primary)
        with reader.cursor() as cur:  # another process holds the write lock: reading still works
            assert cx_count(cur) == before  # and shows no part of the unpublished load
        kpis = cli("kpis", "--db", str(primary), "--start", "2026-01-01", "--end", "2026-03-31", "--format", "json")
        assert kpis.returncode == 0, kpis.stderr
        assert json.loads(kpis.stdout)["cx"]["nps"]["n"] is not None
        report = cli("report", "overview", "--db", str(primary), "--start", "2026-01-01", "--end", "2026-03-31")
        assert report.returncode == 0, report.stderr
        second = cli("init", "--db", str(primary), env={"CX_WRITE_WAIT_S": "0.5"})
        assert second.returncode == 2
        assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
        assert second.stderr.startswith("error: the database") and "busy" in second.stderr
        go.touch()
        assert holder.stdout.readline().strip() == "published"
        assert holder.wait(timeout=60) == 0, holder.stderr.read()
        with reader.cursor() as cur:  # the next cursor opens the new snapshot, no restart
            assert cx_count(cur) == before + 500
    finally:
        go.touch()
        holder.kill()
        holder.wait()


def test_every_write_is_published_and_old_snapshots_are_swept(primary):
    reader = service.Reader(primary)
    versions = []
    for _ in range(service.KEEP_OLD + 3):
        with service.writer(primary) as con:
            versions.append(db.bump_data_version(con))
        with reader.cursor() as cur:
            assert db.data_version(cur) == versions[-1]
    folder = service.snapshot_dir(primary)
    assert len(list(folder.glob("*.duckdb"))) == service.KEEP_OLD + 1
    assert not list(folder.glob(".*.tmp"))


def test_a_change_written_without_publishing_is_published_by_the_next_reader(primary):
    reader = service.Reader(primary)
    with reader.cursor() as cur:
        version = db.data_version(cur)
    con = db.connect(primary)  # behind the service's back, as an older release would
    db.bump_data_version(con)
    con.close()
    with reader.cursor() as cur:
        assert db.data_version(cur) == version + 1
    assert cli("kpis", "--db", str(primary), "--start", "2026-01-01", "--end", "2026-03-31").returncode == 0


def test_a_failed_write_publishes_nothing(primary):
    reader = service.Reader(primary)
    with reader.cursor() as cur:
        version = db.data_version(cur)
    name = json.loads((service.snapshot_dir(primary) / service.POINTER).read_text())["snapshot"]
    with pytest.raises(ValueError), service.writer(primary) as con:
        con.execute("BEGIN")
        db.bump_data_version(con)
        con.execute("ROLLBACK")
        raise ValueError("the load found bad rows")
    assert json.loads((service.snapshot_dir(primary) / service.POINTER).read_text())["snapshot"] == name
    with reader.cursor() as cur:
        assert db.data_version(cur) == version


def test_a_dead_writers_temporary_copy_is_swept(primary, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = service.snapshot_dir(primary)
    leftover = folder / f".cx-v9-1.duckdb.{dead.pid}.tmp"
    leftover.write_bytes(b"half a copy")
    with service.writer(primary) as con:
        db.bump_data_version(con)
    assert not leftover.exists()


def test_reading_a_missing_database_is_one_line(tmp_path):
    out = cli("kpis", "--db", str(tmp_path / "none.duckdb"), "--start", "2026-01-01", "--end", "2026-03-31")
    assert out.returncode == 2
    assert out.stderr == f"error: database {tmp_path / 'none.duckdb'} not found\n"


def test_the_app_start_waits_for_nothing_when_a_snapshot_exists(primary, tmp_path):
    """A writer at work elsewhere does not stop the app from starting on the last snapshot."""
    go = tmp_path / "go"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(primary), str(go)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        service.prepare(primary, on_open=lambda con: pytest.fail("the writer is busy elsewhere"))
        assert time.monotonic() - started < 5
        with service.Reader(primary).cursor() as cur:
            assert cx_count(cur) > 0
    finally:
        go.touch()
        holder.wait(timeout=60)
