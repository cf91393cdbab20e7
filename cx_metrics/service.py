"""One writer, many readers: how the dashboard, the CLI and scheduled jobs share the data.

DuckDB lets one process write a database file, and while it writes no other
process may even read it. So the product keeps two kinds of file (the design
and its trade-offs are in ``docs/service.md``):

* **The primary** (``data/cx.duckdb``) is opened read-write only by a
  :func:`writer`, for the length of one write: an upload, an undo, a settings
  change, the first start's demo data. A second writer waits for the first
  (up to :data:`WAIT_S`) and then gets :class:`Busy`, one line, never a
  DuckDB traceback.
* **Published snapshots** (``data/published/<name>/``) are read-only copies of
  the primary, written by the writer after its changes are committed, then
  made current by atomically replacing a small pointer file. Readers (every
  page view, ``kpis``, ``report``, ``boardpack``) open the current snapshot
  read-only, so any number of them run beside a writer, and none sees a
  half-loaded file: a snapshot is published only after its load committed.

A :class:`Reader` checks the pointer on every cursor it hands out and opens a
newer snapshot as soon as one is published, so a new upload reaches every
session on its next rerun. If the primary was changed by something that did
not publish (an older release, a test writing with :func:`db.connect`), a
reader notices, because the pointer records the primary's size and time, and
publishes it itself when no one else is writing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from . import db, pids, rollup

#: How long a writer waits for another writer before giving up (``$CX_WRITE_WAIT_S``).
WAIT_S = float(os.environ.get("CX_WRITE_WAIT_S") or 60)
#: After finding a writer at work, how long a reader waits before looking for unpublished changes again.
STALE_CHECK_S = 2.0
#: Snapshots kept besides the current one, for readers that are just opening one.
KEEP_OLD = 2
POINTER = "CURRENT"

#: Writers of this process take turns (DuckDB's file lock only separates processes).
_WRITE_LOCK = threading.RLock()


class Busy(RuntimeError):
    """Another process is writing the database; the message is one line for the user."""


def snapshot_dir(primary: str | Path) -> Path:
    primary = Path(primary)
    return primary.parent / "published" / primary.stem


def _source_stamp(primary: Path) -> list[int]:
    """Size and modification time of the primary and its write-ahead log: changes when anything is written."""
    stamp = []
    for path in (primary, primary.with_name(primary.name + ".wal")):
        try:
            st = path.stat()
            stamp += [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            stamp += [0, 0]
    return stamp


def _read_pointer(primary: Path) -> dict | None:
    try:
        return json.loads((snapshot_dir(primary) / POINTER).read_text())
    except (FileNotFoundError, ValueError):
        return None


def _locked(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _busy(primary: Path) -> Busy:
    return Busy(f"the database {primary} is busy: another process is writing to it (an upload, an undo or "
                f"a settings change); try again when it has finished")


def _open_primary(primary: Path, wait_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + max(wait_s, 0)
    pause = 0.05
    while True:
        try:
            return db.connect(primary)
        except duckdb.IOException as exc:
            if not _locked(exc):
                raise
            if time.monotonic() >= deadline:
                raise _busy(primary) from None
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


@contextlib.contextmanager
def writer(primary: str | Path, *, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The primary, read-write and migrated, for one write; published when the block ends without error.

    Raises :class:`Busy` when another process keeps writing for longer than
    ``wait_s`` seconds (default :data:`WAIT_S`).
    """
    primary = Path(primary)
    wait_s = WAIT_S if wait_s is None else wait_s
    acquired = _WRITE_LOCK.acquire(timeout=wait_s) if wait_s > 0 else _WRITE_LOCK.acquire(blocking=False)
    if not acquired:
        raise _busy(primary)
    try:
        con = _open_primary(primary, wait_s)
        try:
            yield con
            if not rollup.usable(con):  # rows added or removed by hand in the block: their cells too
                rollup.ensure_fresh(con)
            snapshot = _copy(con, primary)
        finally:
            con.close()
        _make_current(primary, snapshot)
    finally:
        _WRITE_LOCK.release()


def _copy(con: duckdb.DuckDBPyConnection, primary: Path) -> dict:
    """Copy the committed primary to a new snapshot file, not yet current (call holding the write lock)."""
    con.execute("CHECKPOINT")  # everything committed is now in the main file, nothing in the log
    folder = snapshot_dir(primary)
    folder.mkdir(parents=True, exist_ok=True)
    version = db.data_version(con)
    name = f"{primary.stem}-v{version}-{time.time_ns()}.duckdb"
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    try:
        shutil.copyfile(primary, tmp)
        os.replace(tmp, folder / name)  # a reader sees a whole file or none
    finally:
        tmp.unlink(missing_ok=True)
    return {"snapshot": name, "data_version": version, "schema": db.schema_version(con)}


def _make_current(primary: Path, snapshot: dict) -> None:
    """Point readers at ``snapshot``; the primary's stamp is taken now, after the writer closed it."""
    folder = snapshot_dir(primary)
    tmp = folder / f".{POINTER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({**snapshot, "source": _source_stamp(primary)}))
    os.replace(tmp, folder / POINTER)
    _sweep(folder, snapshot["snapshot"])
def _sweep(folder: Path, current: str) -> None:
    """Delete all but the newest few snapshots, and temporary files of writers that died."""
    snapshots = sorted((p for p in folder.glob("*.duckdb") if p.name != current),
                       key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in snapshots[KEEP_OLD:]:
        with contextlib.suppress(OSError):  # Windows: still open by a reader; the next sweep retries
            old.unlink()
    for tmp in folder.glob(".*.tmp"):
        pid = tmp.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not pids.alive(int(pid)):
            with contextlib.suppress(OSError):
                tmp.unlink()


def _stale(primary: Path, pointer: dict | None) -> bool:
    return (pointer is None or pointer.get("schema") != db.SCHEMA_VERSION
            or pointer.get("source") != _source_stamp(primary))


def publish_if_stale(primary: str | Path, *, wait_s: float = 0.0) -> bool:
    """Publish the primary when the current snapshot is missing, of an older schema, or behind it.

    Returns False when a writer is busy (it will publish when it is done).
    """
    primary = Path(primary)
    if not _stale(primary, _read_pointer(primary)):
        return True
    try:
        with writer(primary, wait_s=wait_s):
            pass  # opening migrates it; leaving the block publishes it
    except Busy:
        return False
    return True


def prepare(primary: str | Path, *, on_open: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
            build: Callable[[duckdb.DuckDBPyConnection], object] | None = None) -> None:
    """Start-up: create the primary (``build`` fills a new one), migrate it, run ``on_open``, publish.

    When another process is writing, an existing snapshot is used as it is
    (``on_open`` waits for the next start); without one, this waits for it.
    """
    primary = Path(primary)
    fresh = not primary.exists()
    have_snapshot = _read_pointer(primary) is not None and not fresh
    try:
        with writer(primary, wait_s=1.0 if have_snapshot else None) as con:
            if fresh and build is not None:
                build(con)
            if on_open is not None:
                on_open(con)
    except Busy:
        if not have_snapshot:
            raise


def _open_snapshot(primary: Path) -> tuple[duckdb.DuckDBPyConnection, dict]:
    for _ in range(5):  # a snapshot may be swept between reading its name and opening it
        pointer = _read_pointer(primary)
        if pointer is None:
            break
        path = snapshot_dir(primary) / pointer["snapshot"]
        try:
            return duckdb.connect(str(path), read_only=True), pointer
        except duckdb.IOException:
            if path.exists():
                raise
    raise Busy(f"the database {primary} has no published copy yet and is being written; try again shortly")


def read(primary: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the newest published state of ``primary`` (for one CLI command).

    Raises ValueError when there is no such database, :class:`Busy` when it
    was never published and a writer holds it.
    """
    primary = Path(primary)
    if not primary.exists():
        raise ValueError(f"database {primary} not found")
    publish_if_stale(primary, wait_s=0.0 if _read_pointer(primary) else WAIT_S)
    return _open_snapshot(primary)[0]


class Reader:
    """A process's read-only view of ``primary``: the newest snapshot, reopened when a newer one appears.

    Thread-safe; hand each thread its own :meth:`cursor`. A replaced
    connection stays alive while cursors of it are open, then goes.
    """

    def __init__(self, primary: str | Path):
        self.primary = Path(primary)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._name: str | None = None
        self._retry_at = 0.0

    def connection(self) -> duckdb.DuckDBPyConnection:
        if time.monotonic() >= self._retry_at and not publish_if_stale(self.primary):
            self._retry_at = time.monotonic() + STALE_CHECK_S  # a writer is at work; it publishes when done
        pointer = _read_pointer(self.primary)
        with self._lock:
            if self._con is None or pointer is None or pointer["snapshot"] != self._name:
                self._con, pointer = _open_snapshot(self.primary)
                self._name = pointer["snapshot"]
            return self._con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.connection().cursor()
