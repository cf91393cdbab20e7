"""An app-like process for ``make bench``: what one dashboard process costs, measured from inside it.

Like the app (:mod:`pages.shared`), it opens one read-only DuckDB connection and gives each thread its own
cursor. It computes every page's data once (the default filters, as a first visit does), then runs
``--clients`` overview refreshes at once, each on its own cursor, ``--rounds`` times. It prints one JSON
object: the p95 and median latency of those refreshes, and its own peak resident memory (the number a
machine hosting the app must have), then exits.

    python -m benchmarks.app_probe DB START END [--clients 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

from cx_metrics import overview, page_figures
from cx_metrics.filters import Filters


def concurrent_overview(con: duckdb.DuckDBPyConnection, filters: Filters, clients: int, rounds: int) -> list[float]:
    """Seconds each refresh took, ``clients`` at a time (started together by a barrier), ``rounds`` times."""
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def refresh(barrier: threading.Barrier) -> None:
        cur = con.cursor()
        try:
            barrier.wait()
            t0 = time.perf_counter()
            overview.overview(cur, filters, "previous", "month")
            with lock:
                latencies.append(time.perf_counter() - t0)
        except BaseException as exc:  # reported by the caller, not lost in a thread
            errors.append(exc)
        finally:
            cur.close()

    for _ in range(rounds):
        barrier = threading.Barrier(clients)
        threads = [threading.Thread(target=refresh, args=(barrier,)) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    return latencies


def peak_rss_mb() -> float:
    """This process's own peak resident memory. Linux's ru_maxrss would not do: it survives exec, so a
    process started by a big parent reports the parent's peak at the fork. /proc's VmHWM is this process's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # elsewhere: bytes on macOS, KiB on the BSDs
    return round(peak / (2**20 if sys.platform == "darwin" else 1024), 1)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="python -m benchmarks.app_probe", description=__doc__.splitlines()[0])
    p.add_argument("db")
    p.add_argument("start", type=date.fromisoformat)
    p.add_argument("end", type=date.fromisoformat)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    con = duckdb.connect(args.db, read_only=True)
    filters = Filters(args.start, args.end)
    for page in page_figures.PAGES:  # a first visit to every page
        cur = con.cursor()
        page_figures.report(cur, page, filters, "previous", **({"all_comments": False} if page == "voc" else {}))
        cur.close()
    latencies = concurrent_overview(con, filters, args.clients, args.rounds)
    out = {
        "clients": args.clients,
        "rounds": args.rounds,
        "concurrent_p95_s": float(np.percentile(latencies, 95)),
        "concurrent_median_s": statistics.median(latencies),
        "app_peak_rss_mb": peak_rss_mb(),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
