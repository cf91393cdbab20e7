"""Time the voice-of-the-customer and key-driver pages' data calls.

``bench(db_path)`` (``make bench`` passes a copy of the 1M-response demo)
returns ``voc_median_s`` (theme table + the first page of verbatims, as the
VoC page loads them) and ``drivers_median_s`` (NPS drivers with the page's
200 bootstrap resamples), each the median of ``repeat`` runs on a fresh
connection after one warm-up, for the page's default period (3 months).

The demo's comments come from a few dozen sentences, so matching themes once
per distinct comment is nearly free there. ``voc_unique_median_s`` times the
same calls on a temporary copy where every comment is unique (a reference
number appended, then each scored by VADER), as real comments are.

    python -m benchmarks.voc_drivers data/bench/cx_1m.duckdb
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cx_metrics import db, drivers, kpis, voc
from cx_metrics.filters import Filters
from cx_metrics.overview import default_period


def _median(fn, db_path, repeat: int) -> tuple[float, list[float]]:
    runs = []
    for i in range(repeat + 1):
        con = db.connect(db_path)
        try:
            if i == 0 and not con.execute("SELECT count(*) FROM comment_sentiment").fetchone()[0]:
                voc.score_missing(con)  # databases built before sentiment existed
            t0 = time.perf_counter()
            fn(con)
            if i:
                runs.append(time.perf_counter() - t0)
        finally:
            con.close()
    return statistics.median(runs), runs


def _unique_comments(db_path: Path | str, folder: str) -> Path:
    """A copy of ``db_path`` whose every customer comment is unique and scored."""
    copy = Path(folder) / "unique_comments.duckdb"
    shutil.copyfile(db_path, copy)
    con = db.connect(copy)
    try:
        con.execute("UPDATE cx_responses SET comment = comment || ' (ref ' || response_id || ')'"
                    " WHERE comment IS NOT NULL")
        voc.score_missing(con)
    finally:
        con.close()
    return copy


def bench(db_path: Path | str, repeat: int = 5) -> dict:
    con = db.connect(db_path)
    try:
        filters = Filters(*default_period(kpis.data_range(con)[1], 3))
    finally:
        con.close()

    def voc_page(con):
        voc.themes(con, filters, "cx", "previous")
        voc.verbatims(con, filters, "cx")

    voc_s, voc_runs = _median(voc_page, db_path, repeat)
    drivers_s, drivers_runs = _median(lambda con: drivers.drivers(con, filters, "nps"), db_path, repeat)
    with tempfile.TemporaryDirectory() as folder:  # never write to the cached benchmark databases
        unique_s, unique_runs = _median(voc_page, _unique_comments(db_path, folder), repeat)
    return {"voc_median_s": voc_s, "voc_runs_s": voc_runs, "drivers_median_s": drivers_s, "drivers_runs_s": drivers_runs,
            "voc_unique_median_s": unique_s, "voc_unique_runs_s": unique_runs}


if __name__ == "__main__":
    print(json.dumps(bench(sys.argv[1] if len(sys.argv) > 1 else "data/cx.duckdb"), indent=2))
