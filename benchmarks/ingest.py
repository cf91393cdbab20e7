"""Ingest speed: a 1M-row CSV read, mapped, validated and loaded end to end into a fresh database.

``python -m benchmarks.ingest [ROWS]``; ``make bench`` calls :func:`bench` and records
``ingest_rows_per_s`` in benchmarks/results.json.
"""

from __future__ import annotations

import os
import pathlib
import statistics
import sys
import time

import duckdb

from cx_metrics import db, ingest


def make_csv(path: pathlib.Path, rows: int) -> pathlib.Path:
    """A realistic CX export: ids, ISO dates, dimensions, a customer id, three scores, a comment."""
    if path.exists():
        return path
    con = duckdb.connect()
    con.execute(f"""
        COPY (SELECT 'R' || i AS response_id,
                     strftime(TIMESTAMP '2025-01-01' + INTERVAL (i % 500000) MINUTE, '%Y-%m-%d %H:%M:%S') AS submitted_at,
                     'Unit ' || (i % 12) AS business_unit, 'Region ' || (i % 5) AS region,
                     ['store', 'web', 'app', 'call centre'][1 + i % 4] AS channel,
                     'C' || (i * 7919 % 400000) AS customer_id,
                     i % 11 AS nps, 1 + i % 5 AS csat, 1 + i % 7 AS ces,
                     CASE WHEN i % 4 = 0 THEN 'Friendly staff, quick service' ELSE '' END AS comment
              FROM range({int(rows)}) t(i))
        TO '{path}' (HEADER, DELIMITER ',')""")
    con.close()
    return path


def bench(workdir: pathlib.Path, rows: int = 1_000_000, repeat: int = 3) -> dict:
    """Median seconds (and rows/s) to read, map, validate and load ``rows`` rows into a fresh DB."""
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("CX_PSEUDONYM_KEY", "ab" * 32)  # the benchmark never touches the real key file
    csv = make_csv(workdir / f"ingest_{rows}.csv", rows)
    times = []
    for run in range(repeat):
        target = workdir / f"ingest_{run}.duckdb"
        for p in (target, pathlib.Path(str(target) + ".wal")):
            p.unlink(missing_ok=True)
        con = db.connect(target)
        start = time.perf_counter()
        parsed = ingest.read_file(csv.read_bytes(), csv.name)
        mapping = ingest.suggest(parsed, "cx", con)
        result = ingest.load(con, parsed, mapping, actor="bench")
        times.append(time.perf_counter() - start)
        if result.rows_loaded != rows:
            raise RuntimeError(f"benchmark load went wrong: {result.message}")
        con.close()
        target.unlink(missing_ok=True)
    median = statistics.median(times)
    return {"ingest_rows": rows, "ingest_median_s": median, "ingest_rows_per_s": rows / median,
            "ingest_runs_s": times}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(bench(pathlib.Path("data/bench/ingest"), n))
