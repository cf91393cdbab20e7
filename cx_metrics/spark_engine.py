"""The KPIs on Apache Spark: the same SQL, transpiled, over a Parquet export.

``python -m cx_metrics kpis --engine spark --parquet DIR`` (and ``report PAGE``
for the pages in :data:`PAGES`) runs the very functions of :mod:`cx_metrics.kpis`
and the page modules, with a :class:`SparkConnection` in place of the DuckDB
connection. Those functions build DuckDB SQL with ``?`` parameters and call
``con.execute(sql, params)``; :class:`SparkConnection` answers that call:

1. :func:`to_spark_sql` parses the DuckDB SQL with SQLGlot, puts each bound
   parameter into the tree as a literal *node* (SQLGlot writes and escapes it;
   no user text is ever pasted into SQL text), rewrites the two DuckDB
   constructs Spark lacks (``WITH x AS MATERIALIZED`` and ``UNION ALL BY
   NAME``) and one it would translate wrongly (``list_position``), and writes
   Spark SQL, raising on anything SQLGlot cannot translate;
2. ``spark.sql`` runs it over temporary views of the export's Parquet files
   (one per table, named as in DuckDB);
3. the rows come back with a DB-API ``description``, ``fetchall``, ``fetchone``
   and ``df``, the surface the KPI code uses.

So every KPI is still defined once, in DuckDB SQL; nothing here knows a KPI.
The export (:mod:`cx_metrics.parquet_export`) holds the customer tables and the
employee guard's reporting tables only, so Spark sees employee data exactly as
the dashboard does.

pyspark and sqlglot are optional (``requirements-spark.txt``, ``make spark``) and
imported only when Spark is used; without them, or without Java, the CLI says so
in one line. Every failure reaches the CLI as :class:`EngineError`.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pandas as pd

#: Pages whose figures Spark computes (``report PAGE --engine spark``); ``kpis`` runs too.
PAGES = ("overview", "units", "journey")
DEFAULT_MASTER = "local[2]"
#: Shuffle partitions in local mode: the data of one export is small, and Spark's default of 200
#: would spend most of each query starting empty tasks. On a cluster the cluster's setting applies.
LOCAL_SHUFFLE_PARTITIONS = 4
MANIFEST = "manifest.json"
FORMAT = "cx-metrics-parquet"
FORMAT_VERSION = 1
#: The name each ``?`` gets while the statement is parsed (then replaced by its literal).
_PARAM = "cx_param_"
INSTALL_HINT = "`make spark` (or pip install -r requirements-spark.txt)"


class EngineError(RuntimeError):
    """Spark cannot run this (not installed, no Java, not an export, SQL it cannot take): one line for the user."""


def _sqlglot():
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError:
        raise EngineError(f"--engine spark needs sqlglot and pyspark: install them with {INSTALL_HINT}") from None
    return sqlglot, exp


# --- DuckDB SQL -> Spark SQL ------------------------------------------------------------------

def _name_parameters(sql: str, count: int) -> str:
    """``sql`` with its i-th ``?`` parameter marker renamed ``$cx_param_i`` (markers found by
    SQLGlot's DuckDB tokenizer, so a ``?`` inside a string literal stays as it is)."""
    sqlglot, _ = _sqlglot()
    from sqlglot.tokens import TokenType

    tokens = sqlglot.Dialect.get_or_raise("duckdb").tokenize(sql)
    # SQLGlot reads DuckDB's "?::TYPE" (a cast parameter) as one "?::" token.
    marks = [t.start for t in tokens if (t.token_type == TokenType.PLACEHOLDER and t.text == "?")
             or t.token_type == TokenType.QDCOLON]
    if len(marks) != count:
        raise EngineError(f"the statement has {len(marks)} parameter markers but {count} values were given")
    out, last = [], 0
    for i, at in enumerate(marks):
        out += [sql[last:at], f"${_PARAM}{i}"]
        last = at + 1
    return "".join(out) + sql[last:]


def _literal(value):
    """A SQLGlot literal node for a bound parameter (the generator quotes and escapes it)."""
    _, exp = _sqlglot()
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EngineError(f"cannot pass {value!r} to Spark as a parameter")
        return exp.Literal.number(repr(value))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, (list, tuple)):
        return exp.Array(expressions=[_literal(v) for v in value])
    raise EngineError(f"cannot pass a {type(value).__name__} to Spark as a parameter")


def _positional_unions(tree) -> None:
    """``UNION [ALL] BY NAME`` (DuckDB) becomes a plain union, which Spark SQL has, after checking
    that both sides name the same columns in the same order (so matching by position is matching
    by name); otherwise the statement is refused rather than answered wrongly."""
    _, exp = _sqlglot()
    for union in tree.find_all(exp.Union):
        if not union.args.get("by_name"):
            continue
        left, right = union.this.named_selects, union.expression.named_selects
        if left != right or "*" in left:
            raise EngineError(f"Spark cannot run UNION BY NAME over columns {left} and {right}")
        union.set("by_name", None)


def _list_positions(tree) -> None:
    """DuckDB's ``list_position(list, x)`` (also ``array_position``) is NULL when ``x`` is missing;
    Spark's ``array_position`` is 0 then, and SQLGlot keeps the difference. Both become
    ``NULLIF(ARRAY_POSITION(list, x), 0)``, so ``list_position(...) IS NOT NULL`` keeps its meaning."""
    _, exp = _sqlglot()
    for node in list(tree.find_all(exp.Anonymous, exp.ArrayPosition)):
        if isinstance(node, exp.ArrayPosition):
            args = [node.this, node.expression]
        elif node.name.lower() == "list_position" and len(node.expressions) == 2:
            args = list(node.expressions)
        else:
            continue
        node.replace(exp.Nullif(this=exp.ArrayPosition(this=args[0], expression=args[1]),
                                expression=exp.Literal.number(0)))


def to_spark_sql(sql: str, params: Sequence = ()) -> str:
    """The DuckDB statement ``sql`` with its ``?`` parameters ``params``, as Spark SQL.

    Parameters become literal nodes of the parsed tree, never text pasted into
    the statement. Raises :class:`EngineError` when the counts differ or SQLGlot
    cannot translate part of the statement.
    """
    sqlglot, exp = _sqlglot()
    from sqlglot.errors import ErrorLevel, SqlglotError

    params = list(params or ())
    try:
        tree = sqlglot.parse_one(_name_parameters(sql, len(params)), read="duckdb")
        values = {f"{_PARAM}{i}": _literal(v) for i, v in enumerate(params)}
        seen: set[str] = set()

        def bind(node):
            if isinstance(node, exp.Placeholder) and node.name in values:
                seen.add(node.name)
                return values[node.name].copy()
            return node

        tree = tree.transform(bind)
        if seen != set(values):
            raise EngineError(f"parameters {sorted(set(values) - seen)} were not found in the statement")
        for cte in tree.find_all(exp.CTE):
            cte.set("materialized", None)  # a DuckDB planning hint; Spark plans on its own
        _positional_unions(tree)
        _list_positions(tree)
        return tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as exc:
        raise EngineError(f"cannot translate this query to Spark SQL: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- Running it -------------------------------------------------------------------------------

class SparkResult:
    """The rows of one statement, read the way the KPI code reads a DuckDB result."""

    def __init__(self, names: list[str], types: list[str], rows: list[tuple]):
        self.description = [(n, t, None, None, None, None, None) for n, t in zip(names, types)]
        self._rows = rows
        self._next = 0

    def fetchall(self) -> list[tuple]:
        rows, self._next = self._rows[self._next:], len(self._rows)
        return rows

    def fetchone(self) -> tuple | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def df(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(self.fetchall(), columns=[d[0] for d in self.description])


def session(master: str | None = None, conf: dict[str, str] | None = None):
    """A SparkSession on ``master`` (default :data:`DEFAULT_MASTER`), or the process's running one.

    No web UI, no console progress bars; the session time zone is UTC, so
    timestamps mean what they mean in DuckDB. ``conf`` adds Spark settings.
    """
    master = master or DEFAULT_MASTER
    with warnings.catch_warnings():
        # pyspark 4.3 warns that it does not yet fully support pandas 3; nothing here goes through
        # pyspark's pandas conversion (rows are collected and built into frames by this module).
        warnings.filterwarnings("ignore", message=".*pandas.*", category=FutureWarning)
        try:
            from pyspark.errors import PySparkException
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineError(f"--engine spark needs pyspark and sqlglot: install them with {INSTALL_HINT}") from None
        builder = (SparkSession.builder.master(master).appName("cx_metrics")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.session.timeZone", "UTC"))
        if master.startswith("local"):
            # Local Spark listens on this computer only (by default its driver binds to the network
            # address); on a cluster the executors must reach the driver, so the cluster's settings apply.
            builder = (builder.config("spark.sql.shuffle.partitions", str(LOCAL_SHUFFLE_PARTITIONS))
                       .config("spark.driver.bindAddress", "127.0.0.1")
                       .config("spark.driver.host", "127.0.0.1"))
        for key, value in (conf or {}).items():
            builder = builder.config(key, value)
        try:
            spark = builder.getOrCreate()
        except PySparkException as exc:
            raise EngineError(f"Spark could not start on {master} (it needs Java 17 or 21: `make java`): "
                              f"{_first_line(exc)}") from None
    spark.sparkContext.setLogLevel("ERROR")
    # A failing query reaches the user as one line (EngineError); PySpark would also log it as JSON.
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).disabled = True
    return spark


def _is_local(folder: str) -> bool:
    return "://" not in folder


def read_manifest(folder: str | Path, spark=None) -> dict:
    """The export's manifest (see :mod:`cx_metrics.parquet_export`); EngineError when it is not an export."""
    folder = str(folder)
    hint = f"{folder} is not a Parquet export of this dashboard; write one with `python -m cx_metrics export-parquet DIR`"
    try:
        if _is_local(folder):
            text = (Path(folder) / MANIFEST).read_text()
        else:  # hdfs://, s3a://, ...: read through Spark's file systems
            text = "\n".join(r.value for r in spark.read.text(f"{folder.rstrip('/')}/{MANIFEST}").collect())
        manifest = json.loads(text)
    except (OSError, ValueError):
        raise EngineError(hint) from None
    except Exception as exc:  # a Spark/Hadoop error reading a remote folder
        raise EngineError(f"{hint} ({_first_line(exc)})") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise EngineError(f"{folder}: an export of format {manifest.get('format')!r} version "
                          f"{manifest.get('version')!r}; this release reads {FORMAT!r} version {FORMAT_VERSION}")
    return manifest


class SparkConnection:
    """The export in ``folder`` as Spark views, behind DuckDB's ``execute(sql, params)``.

    ``folder`` is a local path or any URI the cluster reads (``hdfs://``,
    ``s3a://``); on a cluster every executor must be able to read it. The views
    live in a session of their own (``spark.newSession()``), so two exports can
    be open in one process.
    """

    def __init__(self, spark, folder: str | Path, manifest: dict | None = None):
        folder = str(Path(folder).resolve()) if _is_local(str(folder)) else str(folder).rstrip("/")
        self.folder = folder
        self.manifest = manifest or read_manifest(folder, spark)
        self.spark = spark.newSession()
        try:
            for table, info in self.manifest["tables"].items():
                self.spark.read.parquet(f"{folder}/{info['file']}").createOrReplaceTempView(table)
        except Exception as exc:
            raise EngineError(f"cannot read the export in {folder}: {_first_line(exc)}") from None

    def execute(self, sql: str, params: Sequence = ()) -> SparkResult:
        text = to_spark_sql(sql, params)
        try:
            frame = self.spark.sql(text)
            rows = [tuple(r) for r in frame.collect()]
        except Exception as exc:  # AnalysisException, Py4JJavaError ...: one line, not a JVM trace
            raise EngineError(f"Spark could not run a query: {_first_line(exc)}") from None
        fields = frame.schema.fields
        # DuckDB's HUGEINT sums reach Parquet as DECIMAL(38, 0), which Spark returns as Decimal; DuckDB
        # returns int. Whole decimals become int, so the KPI code sees the same types on both engines.
        whole = [i for i, f in enumerate(fields) if getattr(f.dataType, "scale", None) == 0]
        if whole:
            rows = [tuple(int(v) if i in whole and v is not None else v for i, v in enumerate(r)) for r in rows]
        return SparkResult([f.name for f in fields], [f.dataType.simpleString() for f in fields], rows)


def connect(folder: str | Path, master: str | None = None) -> SparkConnection:
    """:class:`SparkConnection` to the export in ``folder`` on a session at ``master``.

    A local folder's manifest is checked first, so a wrong folder fails before Spark starts.
    """
    manifest = read_manifest(folder) if _is_local(str(folder)) else None
    return SparkConnection(session(master), folder, manifest)


def check_page(page: str) -> None:
    """EngineError (before Spark starts) for a page Spark does not compute."""
    if page not in PAGES:
        raise EngineError(f"the {page} page does not run on Spark (Spark runs `kpis` and the pages "
                          f"{', '.join(PAGES)}); run it on DuckDB, without --engine spark")
