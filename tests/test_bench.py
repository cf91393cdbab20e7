"""benchmarks/run.py on a tiny database: the outputs' shape and the pandas
baseline's agreement with DuckDB. No timing is asserted."""

import json

import pytest

from benchmarks import run

SIZE = 20_000


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bench")
    returned = run.main(
        ["--sizes", str(SIZE), "--repeat", "2", "--out", str(tmp_path), "--cache", str(tmp_path)]
    )
    return tmp_path, returned


def test_results_json_has_the_keys(bench):
    out, returned = bench
    results = json.loads((out / "results.json").read_text())
    assert results == json.loads(json.dumps(returned, default=str))
    assert {"generated_at", "machine", "sizes"} <= set(results)
    assert {"cpus", "python", "duckdb", "pandas"} <= set(results["machine"])
    [entry] = results["sizes"]
    assert entry["rows"] == SIZE
    keys = {"overview_median_s", "pandas_median_s", "speedup", "overview_runs_s", "pandas_runs_s", "extra"}
    assert keys <= set(entry)
    assert len(entry["overview_runs_s"]) == len(entry["pandas_runs_s"]) == len(entry["pandas_period_only_runs_s"]) == 2
    assert entry["speedup_vs_period_only"] == pytest.approx(
        entry["pandas_period_only_median_s"] / entry["overview_median_s"])
    assert entry["speedup"] == pytest.approx(entry["pandas_median_s"] / entry["overview_median_s"])
    assert all(set(m) == {"median_s", "runs_s"} for m in entry["extra"].values())
    # Issue 16's keys: every page's data, 20 concurrent overview refreshes, the app process' memory.
    from cx_metrics import page_figures
    assert set(entry["pages"]) == set(page_figures.PAGES) and all(v > 0 for v in entry["pages"].values())
    assert 0 < entry["concurrent_median_s"] <= entry["concurrent_p95_s"]
    assert entry["app_peak_rss_mb"] > 50


def test_pandas_baseline_equals_duckdb(bench):
    out, _ = bench
    [entry] = json.loads((out / "results.json").read_text())["sizes"]
    check = entry["check"]
    assert check["ok"] is True
    assert check["numbers_compared"] > 6
    nps = check["nps_current"]
    assert nps["overview"]["n"] == nps["pandas"]["n"] > 0
    assert nps["pandas"]["value"] == pytest.approx(nps["overview"]["value"], rel=1e-9, abs=1e-9)


def test_results_md_has_the_table(bench):
    out, _ = bench
    md = (out / "results.md").read_text()
    assert "| rows | overview median (s) | pandas median (s) | speedup | pandas, period only (s) | speedup |" in md
    assert f"| {SIZE:,} |" in md
    assert "20 concurrent overviews, p95 (s) | app peak RSS (MiB) |" in md


def test_cached_database_is_reused(bench):
    out, _ = bench
    info = run.ensure_db(out, SIZE)
    assert info == {"path": str(out / "cx_20k.duckdb"), "built": False, "build_s": None}


def test_mismatch_raises():
    duck = {"tiles": {k: dict.fromkeys(run.TILE_FIELDS) for k in run.overview.TILE_KPIS}, "trend": {}}
    pand = json.loads(json.dumps(duck))
    duck["tiles"]["nps"] |= {"value": 10.0, "n": 100}
    pand["tiles"]["nps"] |= {"value": 10.0, "n": 101}
    with pytest.raises(run.BaselineMismatch, match="n: overview 100 vs pandas 101"):
        run.compare(duck, pand)


@pytest.mark.chromium  # the board pack's PDF draws its charts with Chromium
def test_feature_benchmarks_reach_results_json(bench):
    """Each benchmarks/<feature>.py present is run and its timing lands at the top level."""
    out, _ = bench
    results = json.loads((out / "results.json").read_text())
    assert results["features"]["boardpack"]["boardpack_s"] == results["boardpack_s"] > 0
    assert "| `boardpack_s` |" in (out / "results.md").read_text()


def test_ingest_benchmark_records_speed_and_the_floors_beside_it(bench):
    """Ingest's rows/s, and the unavoidable steps timed alone, with the ceiling they imply."""
    out, _ = bench
    results = json.loads((out / "results.json").read_text())
    entry = results["features"]["ingest"]
    assert entry["ingest_rows"] == SIZE
    floors = [entry[f"ingest_floor_{k}_s"] for k in ("read_check", "hmac", "write")]
    assert all(f > 0 for f in floors)
    assert entry["ingest_ceiling_rows_per_s"] == pytest.approx(SIZE / sum(floors))
    assert results["ingest_rows_per_s"] == entry["ingest_rows_per_s"] == pytest.approx(SIZE / entry["ingest_median_s"])
