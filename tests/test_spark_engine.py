"""The KPIs on Spark equal the KPIs on DuckDB.

A small demo database is exported with ``export-parquet``; the scorecard and
the overview, units and journey pages are computed on both engines and every
figure must agree to 0.01. One local SparkSession serves the whole module (no
web UI, 4 shuffle partitions); the tests that need Spark skip, saying why, when
pyspark or Java is missing (``make spark`` installs both). The SQL translation
tests need only sqlglot.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cx_metrics import cli, db, demo, page_figures, parquet_export, service, spark_engine
from cx_metrics.filters import Filters

sqlglot = pytest.importorskip("sqlglot", reason="sqlglot is not installed (`make spark` installs it)")

pytestmark = pytest.mark.spark

QUARTER = Filters(date(2026, 8, 1), date(2026, 10, 31))
HOSTILE = ["O'Brien", "it''s", "a\\b", "x\\'); DROP TABLE targets; --", "?", "$cx_param_0", "Zürich 🚀", ""]


# --- Translation (sqlglot only) ----------------------------------------------------------------

def _spark_literals(spark_sql: str) -> list:
    """The string literals of a Spark statement, as Spark's own dialect reads them back."""
    tree = sqlglot.parse_one(spark_sql, read="spark")
    return [lit.this for lit in tree.find_all(sqlglot.exp.Literal) if lit.is_string]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_parameter_becomes_one_literal_whatever_it_holds(text):
    sql = spark_engine.to_spark_sql("SELECT ? AS v, '?' AS q FROM targets WHERE kpi = ?", [text, "nps"])
    tree = sqlglot.parse_one(sql, read="spark")
    assert [t.name for t in tree.find_all(sqlglot.exp.Table)] == ["targets"]  # nothing was injected
    assert _spark_literals(sql) == [text, "?", "nps"]


def test_list_and_date_parameters_and_duckdb_casts():
    sql = spark_engine.to_spark_sql(
        "SELECT count_if(nps >= 9) FROM cx_responses WHERE submitted_at >= ? AND list_contains(?::VARCHAR[], region)",
        [date(2026, 8, 1), ["North", "O'Neil"]])
    assert sql == ("SELECT COUNT_IF(nps >= 9) FROM cx_responses WHERE submitted_at >= CAST('2026-08-01' AS DATE)"
                   " AND ARRAY_CONTAINS(CAST(ARRAY('North', 'O\\'Neil') AS ARRAY<STRING>), region)")


def test_what_spark_lacks_is_rewritten():
    sql = spark_engine.to_spark_sql(
        "WITH src AS MATERIALIZED (SELECT 1 AS a) (SELECT 'x' AS _set, a FROM src) UNION ALL BY NAME "
        "(SELECT 'y' AS _set, a FROM src) ORDER BY a")
    assert "MATERIALIZED" not in sql and "BY NAME" not in sql
    assert "UNION ALL" in sql


def test_list_position_keeps_duckdbs_null_for_missing():
    sql = spark_engine.to_spark_sql("SELECT kpi FROM targets WHERE list_position(?::VARCHAR[], kpi) IS NOT NULL",
                                    [["nps"]])
    assert sql == ("SELECT kpi FROM targets WHERE NOT NULLIF(ARRAY_POSITION(CAST(ARRAY('nps') AS ARRAY<STRING>), kpi),"
                   " 0) IS NULL")


def test_a_union_by_name_over_other_columns_is_refused():
    with pytest.raises(spark_engine.EngineError, match="UNION BY NAME"):
        spark_engine.to_spark_sql("SELECT 1 AS a, 2 AS b UNION ALL BY NAME SELECT 2 AS b, 1 AS a")


@pytest.mark.parametrize(("sql", "params"), [("SELECT ?", []), ("SELECT ?", [1, 2]), ("SELECT '?'", [1])])
def test_parameters_must_match_the_markers(sql, params):
    with pytest.raises(spark_engine.EngineError, match="parameter markers"):
        spark_engine.to_spark_sql(sql, params)


def test_without_pyspark_the_cli_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now raises ImportError
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(spark_engine.EngineError, match="make spark"):
        spark_engine.session()


# --- The export ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[Path, Path]:
    """A demo database and its Parquet export, written by the CLI."""
    tmp = tmp_path_factory.mktemp("spark")
    path = tmp / "cx.duckdb"
    with service.writer(path) as con:
        demo.build(con, cx_rows=20_000, ex_rows=6_000)
        db.set_meta(con, "smtp_password", "not for Spark")  # a setting the export must leave behind
    folder = tmp / "export"
    assert cli.main(["export-parquet", str(folder), "--db", str(path)]) == 0
    return path, folder


def test_the_export_holds_the_guards_tables_and_never_the_raw_employee_data(data):
    path, folder = data
    manifest = json.loads((folder / spark_engine.MANIFEST).read_text())
    assert list(manifest["tables"]) == list(parquet_export.TABLES)
    assert "ex_responses" not in manifest["tables"] and "attribute_ratings" not in manifest["tables"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([spark_engine.MANIFEST]
                                                              + [f"{t}.parquet" for t in manifest["tables"]])
    con = service.read(path)
    for table, info in manifest["tables"].items():
        assert pq.read_metadata(folder / info["file"]).num_rows == info["rows"]
        if table != "meta":
            assert info["rows"] == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
    meta = pq.read_table(folder / "meta.parquet").to_pydict()
    assert set(meta["key"]) <= set(parquet_export.META_KEYS) and "data_version" in meta["key"]
    # Employee files carry cells, not people: no respondent ids, no days.
    for table in parquet_export.EMPLOYEE_TABLES:
        names = pq.read_schema(folder / f"{table}.parquet").names
        assert not {"respondent_id", "submitted_at"} & set(names), table


def test_the_cli_refuses_a_folder_that_is_no_export(data, tmp_path, capsys):
    code = cli.main(["kpis", "--engine", "spark", "--parquet", str(tmp_path), "--start", "2026-08-01",
                     "--end", "2026-10-31"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "is not a Parquet export" in err


def test_a_page_spark_does_not_run_ends_with_one_line(data, capsys):
    code = cli.main(["report", "cx_ex", "--engine", "spark", "--parquet", str(data[1]), "--start", "2026-08-01",
                     "--end", "2026-10-31"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "does not run on Spark" in err


def test_parquet_and_master_belong_to_spark(data, capsys):
    code = cli.main(["kpis", "--db", str(data[0]), "--parquet", str(data[1]), "--start", "2026-08-01",
                     "--end", "2026-10-31"])
    assert code == 2 and "go with --engine spark" in capsys.readouterr().err


# --- Spark against DuckDB ---------------------------------------------------------------------------

def _java_major() -> int | None:
    """The major version of the ``java`` on PATH (8 for "1.8.0"), None without one."""
    java = shutil.which("java")
    if java is None:
        return None
    found = re.search(r'version "(?:1\.)?(\d+)', subprocess.run([java, "-version"], capture_output=True,
                                                               text=True, timeout=120).stderr)
    return int(found.group(1)) if found else None


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="pyspark is not installed (`make spark` installs it)")
    if (_java_major() or 0) < 17:
        pytest.skip("Spark needs Java 17 or later and there is none here (`make java` installs it)")
    # C1 only and the serial collector: the JVM starts and warms up in half the time, which is what a
    # test of many small queries on 2 cores needs (a long job on big data would want the defaults).
    session = spark_engine.session("local[2]", {
        "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"})
    yield session
    session.stop()


@pytest.fixture(scope="module")
def engines(data, spark):
    path, folder = data
    return service.read(path), spark_engine.SparkConnection(spark, folder)


def assert_close(duck, spark, where: str = "") -> None:
    """Equal structures; numbers within 0.01."""
    if isinstance(duck, dict):
        assert isinstance(spark, dict) and duck.keys() == spark.keys(), where
        for key in duck:
            assert_close(duck[key], spark[key], f"{where}.{key}")
    elif isinstance(duck, list):
        assert isinstance(spark, list) and len(duck) == len(spark), where
        for i, (a, b) in enumerate(zip(duck, spark)):
            assert_close(a, b, f"{where}[{i}]")
    elif isinstance(duck, (int, float)) and not isinstance(duck, bool):
        assert spark == pytest.approx(duck, abs=0.01), where
    else:
        assert duck == spark, where


def test_the_scorecard_is_the_same_on_spark(engines):
    duck, spark = engines
    want = cli.kpis_json(duck, QUARTER, "previous")
    # The data must give every KPI a value and a change, or the comparison proves little.
    assert all(want[g][k]["value"] is not None and want[g][k]["delta"] is not None
               for g in ("cx", "ex") for k in want[g])
    assert_close(want, cli.kpis_json(spark, QUARTER, "previous"))


def test_a_filter_value_full_of_quotes_is_only_a_value(engines):
    duck, spark = engines
    f = Filters(QUARTER.start, QUARTER.end, business_units=("Grocery' OR '1'='1", "Grocery\\"))
    got = cli.kpis_json(spark, f, None)
    assert got["cx"]["nps"]["n"] == 0 and got["ex"]["enps"]["reason"] == "hidden"
    assert_close(cli.kpis_json(duck, f, None), got)
    for text in HOSTILE:
        assert spark.execute("SELECT ? AS v", [text]).fetchone() == (text,)


@pytest.mark.parametrize(("sql", "params"), [
    ("SELECT list_position(?::VARCHAR[], ?), list_position(?::VARCHAR[], ?)", [["a", "b"], "b", ["a"], "z"]),
    ("SELECT list_contains(?::VARCHAR[], ?), list_contains(?::VARCHAR[], ?)", [["a"], "a", ["a"], "z"]),
    ("SELECT count_if(x >= 2), sum(x) FILTER (WHERE x < 3), arg_min(x, x <> 2) FROM (VALUES (1), (2), (3)) t(x)", []),
    ("SELECT date_trunc('week', ?::DATE)::DATE, date_trunc('quarter', ?::DATE)::DATE, ?::TIMESTAMP::DATE",
     [date(2026, 10, 15), date(2026, 11, 30), "2026-10-15 23:59:59"]),
    ("WITH s AS MATERIALIZED (SELECT 1 AS a) (SELECT 'x' AS k, a FROM s) UNION ALL BY NAME (SELECT 'y' AS k, a + 1 AS a"
     " FROM s) ORDER BY k", []),
], ids=["list_position", "list_contains", "aggregates", "dates", "cte_union_by_name"])
def test_the_duckdb_idioms_the_kpis_use_mean_the_same_on_spark(engines, sql, params):
    duck, spark = engines
    assert spark.execute(sql, params).fetchall() == duck.execute(sql, params).fetchall()


@pytest.mark.parametrize(("page", "filters", "compare", "options"), [
    ("overview", QUARTER, "previous", {}),
    ("overview", Filters(date(2026, 9, 3), date(2026, 10, 20), business_units=("Grocery", "Banking")), "year",
     {"grain": "week"}),
    ("units", QUARTER, "previous", {}),
    ("journey", QUARTER, "previous", {}),
])
def test_the_pages_are_the_same_on_spark(engines, page, filters, compare, options):
    duck, spark = engines
    want = page_figures.report(duck, page, filters, compare, **options)
    assert len(want["figures"]) > 20 and any(f["value"] is not None for f in want["figures"])
    assert_close(want, page_figures.report(spark, page, filters, compare, **options))


def test_the_cli_runs_kpis_on_spark_like_on_duckdb(data, spark, capsys):
    path, folder = data
    period = ["--start", "2026-08-01", "--end", "2026-10-31", "--compare", "year"]
    assert cli.main(["kpis", "--db", str(path), *period]) == 0
    want = json.loads(capsys.readouterr().out)
    assert cli.main(["kpis", "--engine", "spark", "--parquet", str(folder), "--master", "local[2]", *period]) == 0
    assert_close(want, json.loads(capsys.readouterr().out))
    assert spark.sparkContext.master == "local[2]"
    assert spark.sparkContext.getConf().get("spark.driver.bindAddress") == "127.0.0.1"  # local: this computer only
