"""The data as Parquet files, for Spark: ``python -m cx_metrics export-parquet DIR``.

One file per table, ``DIR/<table>.parquet``, and ``DIR/manifest.json`` naming
them with their row counts and the database's schema and data version. It holds
what the KPIs read, and nothing more about employees than the dashboard shows:

* the customer tables: ``cx_responses`` (scores, dimensions, comments), its
  rollup cells (:mod:`cx_metrics.rollup`, which the KPIs read when they can
  answer) and ``business_outcomes`` (retention);
* the small tables the KPIs read: ``targets``, and of ``meta`` only the keys in
  :data:`META_KEYS` (never settings such as mail servers or sign-in);
* the employee guard's reporting tables (:mod:`cx_metrics.ex_guard`): the
  reporting cells, their ratings and comment cells, the months and names
  lists, and the cells summed (``ex_rollup``). The raw employee responses
  are never exported, so a Spark job sees employee data exactly as the
  dashboard does: whole months, groups of at least 5.

The export reads one published snapshot (``service.read``), so it is one
consistent state even while a load runs. Each file is written beside its final
name and renamed into place, and the manifest is written last: a folder with a
manifest is a whole export. Writing into a folder that holds an older export
replaces it.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from . import db, ex_guard, rollup
from .spark_engine import FORMAT, FORMAT_VERSION, MANIFEST

CUSTOMER_TABLES = ("cx_responses", *(cells.table for cells in rollup.CELLS), "business_outcomes", "targets")
#: What the guard publishes (as rebuilt by ``ex_guard.refresh``).
EMPLOYEE_TABLES = (ex_guard.RELATION, ex_guard.RATINGS, ex_guard.COMMENTS, "ex_months", "ex_names", rollup.EX)
#: The ``meta`` keys the KPI code reads: the rollup cells' fingerprint (without it the KPIs read the
#: rows, slower but the same), the materiality settings and the data version.
META_KEYS = ("cx_rollup", "materiality", "data_version")
#: Table name -> the query that exports it (names and keys are constants, never user text).
TABLES = {t: f"SELECT * FROM {t}" for t in CUSTOMER_TABLES + EMPLOYEE_TABLES} | {
    "meta": "SELECT key, value FROM meta WHERE key IN (" + ", ".join(f"'{k}'" for k in META_KEYS) + ")"}
BATCH_ROWS = 250_000


def _write_table(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    """The rows of ``query`` into the Parquet file ``path``, streamed in batches; returns the row count."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    rows = 0
    try:
        with con.sql(query).to_arrow_reader(batch_size=BATCH_ROWS) as reader, \
                pq.ParquetWriter(tmp, reader.schema) as out:
            for batch in reader:
                out.write_batch(batch)
                rows += batch.num_rows
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def export(con: duckdb.DuckDBPyConnection, folder: str | Path) -> dict:
    """Write :data:`TABLES` of ``con`` to ``folder`` (created if needed); returns the manifest."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)  # until the new one is written, this is no export
    tables = {}
    for table, query in TABLES.items():
        name = f"{table}.parquet"
        tables[table] = {"file": name, "rows": _write_table(con, query, folder / name)}
    manifest = {
        "format": FORMAT, "version": FORMAT_VERSION,
        "schema_version": db.schema_version(con), "data_version": db.data_version(con),
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tables": tables,
    }
    tmp = folder / f".{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, folder / MANIFEST)
    return manifest
