"""Command line: ``python -m cx_metrics COMMAND``.

Commands: ``init`` (empty database), ``demo`` (demo data), ``kpis`` (the
scorecard as JSON or a table), ``report`` (every figure of one page as JSON),
``boardpack`` (the board pack as PPTX or PDF),
``ingest`` / ``uploads`` / ``undo`` (survey files, see cx_metrics/ingest_cli.py),
``export-parquet`` (the data as Parquet files for ``kpis``/``report --engine spark``),
``schedule add|list|deactivate|run`` (e-mailed decks and digests, see cx_metrics/schedule_cli.py),
``sentiment`` (label and score each comment of a CSV file),
``forecast`` (a KPI's next months with 80% and 95% ranges, see cx_metrics/forecast.py).
Every command but ``sentiment`` takes ``--db``, defaulting to ``$CX_DB`` or ``data/cx.duckdb``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from . import actions_cli, config, db, demo, drivers, kpis, page_figures, service
from .filters import Filters
from .spark_engine import EngineError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


class _Parser(argparse.ArgumentParser):
    """Bad arguments end with one line on stderr and status 2, not a usage block."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m cx_metrics", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    def with_db(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--db", default=None, help="database file (default: $CX_DB or data/cx.duckdb)")
        return sp

    with_db(sub.add_parser("init", help="create an empty database with the current schema"))

    d = with_db(sub.add_parser("demo", help="fill the database with deterministic demo data"))
    d.add_argument("--cx-rows", type=int, default=demo.DEFAULT_CX_ROWS, help="customer responses")
    d.add_argument("--ex-rows", type=int, default=demo.DEFAULT_EX_ROWS, help="employee/partner responses")
    d.add_argument("--seed", type=int, default=42)

    def with_period(sp: argparse.ArgumentParser, required: bool = True) -> argparse.ArgumentParser:
        default = "" if required else " (default: the last complete quarter of the data)"
        sp.add_argument("--start", type=_date, required=required, help=f"first day, YYYY-MM-DD{default}")
        sp.add_argument("--end", type=_date, required=required, help=f"last day (inclusive), YYYY-MM-DD{default}")
        for flag, dest in [("--business-unit", "business_units"), ("--region", "regions"), ("--channel", "channels"),
                           ("--segment", "segments"), ("--journey-stage", "journey_stages")]:
            sp.add_argument(flag, dest=dest, action="append", default=[], metavar="X", help="repeatable filter")
        sp.add_argument("--compare", choices=["previous", "year"],
                        help="compare with the previous period or a year earlier")
        return sp

    k = with_period(with_db(sub.add_parser("kpis", help="print the KPI scorecard for a period")))
    k.add_argument("--format", choices=["json", "table"], default="json")
    _with_engine(k)

    r = with_period(with_db(sub.add_parser("report", help="print every figure one dashboard page shows, as JSON")))
    r.add_argument("page", choices=page_figures.PAGES, metavar="PAGE",
                   help=f"one of {', '.join(page_figures.PAGES)}")
    r.add_argument("--format", choices=["json"], default="json")
    r.add_argument("--grain", choices=["week", "month", "quarter"], default=None, help="overview: trend grain")
    r.add_argument("--drill", default=None, metavar="UNIT", help="units: the unit to drill into (default: first)")
    r.add_argument("--outcome", choices=list(drivers.OUTCOMES), default=None, help="drivers: the outcome")
    r.add_argument("--missing", choices=["pairwise", "complete"], default=None, help="drivers: missing ratings")
    r.add_argument("--kind", choices=["cx", "ex"], default=None, help="voc: whose comments")
    _with_engine(r)

    x = with_db(sub.add_parser("export-parquet", help="write the customer tables and the employee guard's "
                               "reporting tables as Parquet files, for --engine spark"))
    x.add_argument("dir", metavar="DIR", help="the folder to write (created if needed)")

    b = with_period(with_db(sub.add_parser("boardpack", help="write the board pack (PPTX or PDF) for a period")),
                    required=False)
    b.add_argument("--out", required=True, metavar="FILE.pptx|FILE.pdf", help="the file to write")
    b.add_argument("--sections", default=None, metavar="A,B", help="comma-separated sections (default: all)")

    al = with_db(sub.add_parser("alerts", help="significant, material moves of each KPI per group, latest month"))
    al.add_argument("--as-of", type=_date, default=None, help="the day to look back from (default: the data's last)")
    for flag, dest in [("--business-unit", "business_units"), ("--region", "regions"), ("--channel", "channels"),
                       ("--segment", "segments"), ("--journey-stage", "journey_stages")]:
        al.add_argument(flag, dest=dest, action="append", default=[], metavar="X", help="repeatable filter")
    al.add_argument("--format", choices=["json", "table"], default="json")

    fc = with_db(sub.add_parser("forecast", help="a KPI's next months with 80%% and 95%% ranges"))
    fc.add_argument("--kpi", required=True, choices=list(kpis.KPIS), help="the KPI to forecast")
    fc.add_argument("--months", type=int, default=3, help="months ahead, 1 to 12 (default: 3)")
    fc.add_argument("--as-of", type=_date, default=None, help="forecast from the last complete month on or "
                    "before this day (default: the data's last day)")
    for flag, dest in [("--business-unit", "business_units"), ("--region", "regions"), ("--channel", "channels"),
                       ("--segment", "segments"), ("--journey-stage", "journey_stages")]:
        fc.add_argument(flag, dest=dest, action="append", default=[], metavar="X", help="repeatable filter")
    fc.add_argument("--format", choices=["json", "table"], default="json")

    i = with_db(sub.add_parser("ingest", help="load a survey export (CSV/TSV/TXT, XLSX, Parquet)"))
    i.add_argument("file", metavar="FILE")
    i.add_argument("--kind", choices=["cx", "ex"], required=True)
    i.add_argument("--mapping", default=None, metavar="FILE.json", help="column mapping (default: saved "
                   "profile for these columns, else suggested from the headers)")
    i.add_argument("--on-error", choices=["reject", "skip"], default="reject")
    i.add_argument("--replace", action="store_true", help="replace rows already loaded with the same ids")
    i.add_argument("--dry-run", action="store_true", help="validate and report; load nothing")
    u = with_db(sub.add_parser("uploads", help="list uploads"))
    u.add_argument("--format", choices=["json", "table"], default="json")
    un = with_db(sub.add_parser("undo", help="remove one upload's rows"))
    un.add_argument("upload_id", metavar="UPLOAD_ID")
    actions_cli.add_parser(sub)
    from . import schedule_cli  # its parser only; the command's work loads when it runs

    schedule_cli.add_parser(sub, with_db)
    s = sub.add_parser("sentiment", help="print a CSV file with each row's sentiment label and score added")
    s.add_argument("file", metavar="FILE.csv")
    s.add_argument("--column", required=True, metavar="NAME", help="the column holding the comments")
    s.add_argument("--lang", choices=["auto", "en", "de", "fr", "es"], default="auto",
                   help="the comments' language (default: auto, detected per row)")
    return p


VALUE_FILTERS = ("business_units", "regions", "channels", "segments", "journey_stages")


def _with_engine(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                    help="duckdb (default: the database's newest snapshot) or spark (a Parquet export)")
    sp.add_argument("--parquet", default=None, metavar="DIR", help="spark: the export-parquet folder (or URI)")
    sp.add_argument("--master", default=None, metavar="URL",
                    help="spark: the master, e.g. spark://host:7077 or yarn (default: local[2])")


def _source(args: argparse.Namespace, path):
    """What a read command runs on: the newest snapshot of ``path``, or with ``--engine spark`` the
    Parquet export on Spark (EngineError, before Spark starts, for a page Spark does not run)."""
    if args.engine == "duckdb":
        if args.parquet or args.master:
            raise ValueError("--parquet and --master go with --engine spark")
        return service.read(path)
    from . import spark_engine

    if getattr(args, "page", None):
        spark_engine.check_page(args.page)
    if not args.parquet:
        raise ValueError("--engine spark needs --parquet DIR (write one with `export-parquet DIR`)")
    return spark_engine.connect(args.parquet, args.master)


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(args.start, args.end, **{k: tuple(getattr(args, k)) for k in VALUE_FILTERS})


def kpis_json(con, filters: Filters, compare: str | None) -> dict:
    """The ``kpis`` command's object (also used by tests and exports)."""
    scores = kpis.scorecard(con, filters, kpis.CX_KPIS + kpis.EX_KPIS, compare)
    out = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    if compare:
        other = filters.comparison(compare)
        out["compare"] = {"mode": compare, "rule": filters.comparison_rule(compare),
                          "start": other.start.isoformat(), "end": other.end.isoformat()}
    out["cx"] = {k: scores[k].as_json() for k in kpis.CX_KPIS}
    out["ex"] = {k: scores[k].as_json() for k in kpis.EX_KPIS}
    return out


def _fmt(x, places: int = 2) -> str:
    return "-" if x is None else f"{x:,.{places}f}"


def kpis_table(result: dict) -> str:
    head = ["kpi", "value", "n", "95% CI", "delta", "p", "flag"]
    rows = []
    for group in ("cx", "ex"):
        for key, s in result[group].items():
            flag = s.get("reason") or ("low base (n<30)" if s.get("low_base") else "")
            sig = "" if s.get("significant") is None else (" *" if s["significant"] else "")
            rows.append([
                kpis.KPIS[key].label, _fmt(s["value"]), _fmt(s["n"], 0),
                "-" if s["ci_low"] is None else f"{s['ci_low']:.2f} to {s['ci_high']:.2f}",
                _fmt(s.get("delta")) + sig, _fmt(s.get("p_value"), 4), flag,
            ])
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    title = f"KPIs {result['start']} to {result['end']}"
    if "compare" in result:
        c = result["compare"]
        title += f" vs {c['start']} to {c['end']} (* p < 0.05)"
    return "\n".join([title, line(head), line(["-" * w for w in widths]), *map(line, rows)])


def terminal_progress(unit: str, stream=None):
    """A ``progress(done, total, what)`` that redraws one line on a terminal's stderr; None elsewhere,
    so logs of cron jobs and pipes stay clean."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return None

    def show(done: int, total: int | None, what: str) -> None:
        of = f"/{total:,}" if total else ""
        end = "\n" if total and done >= total else ""
        stream.write(f"\r\033[K{what} · {done:,}{of} {unit}s done{end}")
        stream.flush()

    return show


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path = getattr(args, "db", None) or config.db_path()  # ``sentiment`` reads no database
    try:
        if args.command == "kpis":
            filters = _filters(args)
            result = kpis_json(_source(args, path), filters, args.compare)
            print(json.dumps(result, indent=2) if args.format == "json" else kpis_table(result))
        elif args.command == "report":
            filters = _filters(args)
            result = page_figures.report(_source(args, path), args.page, filters, args.compare or "previous",
                                         grain=args.grain, drill=args.drill, outcome=args.outcome,
                                         missing=args.missing, kind=args.kind)
            print(json.dumps(result, indent=1, default=str))
        elif args.command == "export-parquet":
            from . import parquet_export

            print(json.dumps(parquet_export.export(service.read(path), args.dir)))
        elif args.command == "init":
            with service.writer(path) as con:
                print(f"{path}: schema version {db.schema_version(con)}")
        elif args.command == "demo":
            with service.writer(path) as con:
                counts = demo.build(con, args.cx_rows, args.ex_rows, args.seed)
            print(json.dumps({"db": str(path), **counts}))
        elif args.command == "alerts":
            from . import alerts

            day = args.as_of or date(2000, 1, 1)
            found = alerts.alerts(service.read(path), args.as_of,
                                  Filters(day, day, **{k: tuple(getattr(args, k)) for k in VALUE_FILTERS}))
            print(json.dumps(alerts.as_json(found), indent=1) if args.format == "json" else alerts.as_table(found))
        elif args.command == "forecast":
            from . import forecast  # statsmodels loads only for this command

            values = Filters(date.min, date.min, **{k: tuple(getattr(args, k)) for k in VALUE_FILTERS})
            found = forecast.forecast(service.read(path), args.kpi, args.months, values, args.as_of)
            print(json.dumps(found.as_json(), indent=1) if args.format == "json" else forecast.as_table(found))
        elif args.command == "boardpack":
            from . import boardpack  # PPTX/PDF libraries load only for this command

            sections = tuple(s.strip() for s in args.sections.split(",")) if args.sections else None
            if (args.start is None) != (args.end is None):
                raise ValueError("give both --start and --end, or neither for the last complete quarter")
            filters = None if args.start is None else _filters(args)
            result = boardpack.write(path, filters, args.compare or "previous", args.out, sections,
                                     progress=terminal_progress("slide"),
                                     **{k: tuple(getattr(args, k)) for k in VALUE_FILTERS})
            print(json.dumps(result))
        elif args.command == "sentiment":
            from .sentiment import files

            files.run(args.file, args.column, args.lang, sys.stdout)
        elif args.command == "actions":
            return actions_cli.run(args, path)
        elif args.command == "schedule":
            from . import schedule_cli

            return schedule_cli.run(args, path)
        elif args.command in ("ingest", "uploads", "undo"):
            from . import ingest_cli

            return ingest_cli.run(args, path)
    except (ValueError, service.Busy, EngineError) as exc:  # bad dates or filters, a busy database, no Spark: 1 line
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
