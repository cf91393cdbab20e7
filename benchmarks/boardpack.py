"""Time the full board pack: build the content, then write the PPTX and the PDF.

``bench(db_path)`` is what ``make bench`` records as ``boardpack_s``. The first
run also starts kaleido's Chromium (once per process), so it is reported on its
own as ``boardpack_first_run_s``; ``boardpack_s`` is the median of the warm runs.

    python -m benchmarks.boardpack data/cx.duckdb
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from cx_metrics import boardpack, db, export, kpis
from cx_metrics.filters import Filters
from cx_metrics.overview import default_period


def _once(db_path: Path | str) -> dict[str, float]:
    started = time.perf_counter()
    con = db.connect(db_path, read_only=True)  # as the app's readers do: the deck is built from the snapshot
    try:
        as_of = kpis.data_range(con)[1]
        pack = boardpack.build(con, Filters(*default_period(as_of, 3)), "previous")
    finally:
        con.close()
    built = time.perf_counter()
    pptx = boardpack.render(pack, "pptx")
    pptx_done = time.perf_counter()
    pdf = boardpack.render(pack, "pdf")
    done = time.perf_counter()
    assert pptx and pdf
    return {"total": done - started, "build": built - started, "pptx": pptx_done - built, "pdf": done - pptx_done}


def bench(db_path: Path | str, repeat: int = 3) -> dict:
    """Seconds for the full deck (content + PPTX + PDF) on ``db_path``, the last 3 months vs the previous 3.

    Returns ``boardpack_s`` (median of ``repeat`` warm runs), ``boardpack_first_run_s``
    (including the Chromium start), the warm runs and the median of each step. Without
    Chrome/Chromium, which the PDF's charts need, it returns only ``{"skipped": reason}``.
    """
    if (missing := export.chromium_missing()) is not None:
        return {"skipped": missing}
    first = _once(db_path)
    runs = [_once(db_path) for _ in range(repeat)]
    return {
        "boardpack_s": statistics.median(r["total"] for r in runs),
        "boardpack_first_run_s": first["total"],
        "runs_s": [r["total"] for r in runs],
        "steps_median_s": {k: statistics.median(r[k] for r in runs) for k in ("build", "pptx", "pdf")},
    }


if __name__ == "__main__":
    print(json.dumps(bench(sys.argv[1] if len(sys.argv) > 1 else "data/cx.duckdb"), indent=2))
