"""The board pack: decks built with the CLI and read back, numbers checked against `kpis`.

The acceptance test of the issue: build PPTX and PDF with
``python -m cx_metrics boardpack``, read them back (python-pptx, pypdf), and
compare every number with :func:`cx_metrics.cli.kpis_json`, the function
behind ``python -m cx_metrics kpis --format json``, for the same filters.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

from cx_metrics import boardpack, chromium, cli, config, db, demo, fmt, kpis
from cx_metrics.export import layout, narrative
from cx_metrics.filters import Filters

ROOT = Path(__file__).resolve().parents[1]
# Tests marked `chromium` make a PDF or chart images: both
# need kaleido's Chromium, so they skip on a machine without one (tests/conftest.py).
Q3 = Filters(date(2026, 7, 1), date(2026, 9, 30))
Q3_ARGS = ["--start", "2026-07-01", "--end", "2026-09-30"]


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bp") / "demo.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=40_000, ex_rows=12_000)
    con.close()
    return path


def cli_json(path: Path, filters: Filters, compare: str | None) -> dict:
    con = db.connect(path)
    try:
        return cli.kpis_json(con, filters, compare)
    finally:
        con.close()


def run_cli(path: Path, out: Path, *extra: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "cx_metrics", "boardpack", "--db", str(path), *extra, "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def deck(demo_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("deck") / "q3.pptx"
    result = run_cli(demo_path, out, *Q3_ARGS, "--compare", "year", "--business-unit", "Grocery")
    return result, Presentation(str(out))


def texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text]


#: Every registered section, in deck order (the default deck has them all).
ALL_SECTIONS = ["overview", "cx_ex", "units", "journey", "drivers", "voc", "quotes", "actions"]
#: The default deck's sections: the headline comes before the executive summary (boardpack.BEFORE_SUMMARY).
DECK_SECTIONS = ["headline", "summary", *ALL_SECTIONS]
#: Slide indexes (0 is the title slide) of the executive summary and the overview.
SUMMARY, OVERVIEW = DECK_SECTIONS.index("summary") + 1, DECK_SECTIONS.index("overview") + 1


def table_rows(slide) -> list[list[str]]:
    (table,) = [s.table for s in slide.shapes if s.has_table]
    return [[c.text for c in row.cells] for row in table.rows]


# --- The deck, read back -------------------------------------------------------------

@pytest.mark.chromium
def test_slides_titles_and_notes(deck):
    result, prs = deck
    assert result["slides"] == len(prs.slides) == 1 + len(DECK_SECTIONS)
    assert result["sections"] == DECK_SECTIONS
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 13.333 × 7.5 in: 16:9
    title, headline, summary, overview, *areas = prs.slides
    assert texts(headline)[0] == "Three things to know"
    assert [texts(s)[0] for s in areas] == [
        "Does employee experience lead customer experience?", "Units compared", "The customer journey",
        "What drives NPS", "Voice of the customer", "What customers say", "Actions and owners"]
    assert texts(title)[:3] == ["Demo Retail Group", "Board pack: customer and employee experience",
                                "Q3 2026 (1 Jul – 30 Sep 2026)"]
    assert "Compared with the same period last year (1 Jul – 30 Sep 2025)" in texts(title)
    assert "Filters: business unit: Grocery" in texts(title)
    assert texts(summary)[0] == "Executive summary"
    assert texts(overview)[0] == "Customer and employee experience"
    for slide in (title, summary, overview):
        assert slide.has_notes_slide and len(slide.notes_slide.notes_text_frame.text) > 80
    for slide in areas:
        assert slide.has_notes_slide and len(slide.notes_slide.notes_text_frame.text) > 30


@pytest.mark.chromium
def test_summary_table_equals_the_kpis_json(demo_path, deck):
    _, prs = deck
    f = Filters(Q3.start, Q3.end, business_units=("Grocery",))
    want = cli_json(demo_path, f, "year")
    rows = table_rows(prs.slides[SUMMARY])
    assert rows[0] == list(boardpack.SUMMARY_COLUMNS)
    by_label = {r[0]: r for r in rows[1:]}
    con = db.connect(demo_path)
    targets = {k: kpis.target_for(con, k, f) for k in kpis.KPIS}
    retention = kpis.scorecard(con, f, ("retention",), "year")["retention"].as_json()
    con.close()
    checked = 0
    for key, j in [*want["cx"].items(), *want["ex"].items(), ("retention", retention)]:
        label, value, ci, n, change, sig, target, _status = by_label[kpis.KPIS[key].label]
        assert value == fmt.value(key, j["value"]), key
        assert ci == f"{fmt.value(key, j['ci_low'])} to {fmt.value(key, j['ci_high'])}", key
        assert n == f"{j['n']:,}", key
        assert change == fmt.delta(key, j["delta"]), key
        assert sig == boardpack.VERDICT_TEXT[kpis.verdict(key, j, kpis.MATERIALITY_DEFAULTS[key])], key
        assert target == fmt.value(key, targets[key]), key
        checked += 1
    assert checked == 6


@pytest.mark.chromium
def test_native_line_charts_hold_the_monthly_kpis(demo_path, deck):
    _, prs = deck
    charts = [s.chart for s in prs.slides[OVERVIEW].shapes if s.has_chart]
    assert len(charts) == 2
    assert all(c.chart_type in (XL_CHART_TYPE.LINE, XL_CHART_TYPE.LINE_MARKERS) for c in charts)  # native lines
    assert not [s for s in prs.slides[OVERVIEW].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    f = Filters(Q3.start, Q3.end, business_units=("Grocery",))
    months = pd.period_range("2025-10", "2026-09", freq="M")  # 12 months up to the period's end
    for c, (group, key) in zip(charts, [("cx", "nps"), ("ex", "enps")]):
        series = {s.name: list(s.values) for s in c.plots[0].series}
        assert list(c.plots[0].categories) == [f"{m:%b %y}" for m in months]
        values = series[kpis.KPIS[key].label]
        for m, v in zip(months, values):
            month = f.with_dates(m.start_time.date(), m.end_time.date())
            assert v == cli_json(demo_path, month, None)[group][key]["value"], (key, m)
        assert set(series[next(n for n in series if n.startswith("Target"))]) == {30.0 if key == "nps" else 20.0}


@pytest.mark.chromium
def test_every_native_chart_puts_its_category_labels_clear_of_negative_bars(deck):
    from pptx.enum.chart import XL_TICK_LABEL_POSITION

    _, prs = deck
    charts = [s.chart for slide in prs.slides for s in slide.shapes if s.has_chart]
    assert len(charts) >= 2
    assert {c.category_axis.tick_label_position for c in charts} == {XL_TICK_LABEL_POSITION.LOW}


@pytest.mark.chromium
def test_key_numbers_and_notes_quote_the_kpis_json(demo_path, deck):
    _, prs = deck
    want = cli_json(demo_path, Filters(Q3.start, Q3.end, business_units=("Grocery",)), "year")
    shown = texts(prs.slides[OVERVIEW])
    notes = prs.slides[OVERVIEW].notes_slide.notes_text_frame.text
    for group, key in [("cx", "nps"), ("cx", "csat"), ("cx", "ces"), ("ex", "enps"), ("ex", "engagement")]:
        j = want[group][key]
        assert fmt.value(key, j["value"]) in shown, key
        verdict = boardpack.VERDICT_TEXT[kpis.verdict(key, j, kpis.MATERIALITY_DEFAULTS[key])].lower()
        assert f"{fmt.delta(key, j['delta'])} · {verdict}" in shown
    nps = want["cx"]["nps"]
    assert notes.splitlines()[0] == narrative.kpi_sentence("nps", nps, "the same period last year", 2.0)
    assert f"{fmt.value('nps', nps['value'])} (95% range {fmt.value('nps', nps['ci_low'])} to " in notes


@pytest.mark.chromium
def test_pdf_has_the_same_pages_in_16_9_then_the_speaker_notes(demo_path, tmp_path):
    out = tmp_path / "q3.pdf"
    result = run_cli(demo_path, out, *Q3_ARGS)
    reader = PdfReader(str(out))
    slides = 1 + len(DECK_SECTIONS)
    assert result["slides"] == slides < len(reader.pages)
    assert {(float(p.mediabox.width) / float(p.mediabox.height)) for p in reader.pages} == {16 / 9}
    want = cli_json(demo_path, Q3, "previous")
    summary, overview = (p.extract_text() for p in reader.pages[SUMMARY:OVERVIEW + 1])
    assert "Executive summary" in summary and "Customer and employee experience" in overview
    for key in ("nps", "csat", "ces"):
        assert fmt.value(key, want["cx"][key]["value"]) in summary
    assert len(reader.pages[OVERVIEW].images) == 2  # the two trend charts, rendered by kaleido
    notes = " ".join(" ".join(p.extract_text().split()) for p in reader.pages[slides:])
    assert notes.startswith("Speaker notes")
    sentence = narrative.kpi_sentence("nps", want["cx"]["nps"], "the previous calendar quarter", 2.0)
    assert sentence[:60] in notes
    for number in range(1, slides + 1):  # every slide's notes are there, in order
        assert f"Slide {number} · " in notes


def test_no_data_exits_non_zero_with_a_message(demo_path, tmp_path):
    out = tmp_path / "none.pptx"
    proc = subprocess.run(
        [sys.executable, "-m", "cx_metrics", "boardpack", "--db", str(demo_path), "--start", "2031-01-01",
         "--end", "2031-03-31", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: no responses between 2031-01-01 and 2031-03-31 for all data; "
                                   "the data covers 2023-11-01 to 2026-10-31")
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--out", "x.docx"], "error: --out must end in .pptx or .pdf, not 'x.docx'"),
    (["--out", "x.pptx", "--sections", "overview,nope"], "error: unknown section 'nope'; choose from"),
    (["--out", "x.pptx", "--db", "/nonexistent/cx.duckdb"], "error: database /nonexistent/cx.duckdb not found"),
])
def test_cli_errors(demo_path, tmp_path, capsys, args, message):
    argv = ["boardpack", "--db", str(demo_path), *Q3_ARGS, *args]
    argv = [a if a not in ("x.docx", "x.pptx") else str(tmp_path / a) for a in argv]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message), err


def test_without_chromium_the_cli_says_so_in_one_line(demo_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CX_CHROMIUM", "none")  # what a machine without Chrome/Chromium sees
    out = tmp_path / "q3.pdf"
    assert cli.main(["boardpack", "--db", str(demo_path), *Q3_ARGS, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == ("error: Chart images and the PDF need Chromium, which is not installed on this machine: "
                   "run `make chromium` or install Google Chrome/Chromium\n")
    assert not out.exists()


@pytest.mark.chromium
def test_sections_option_and_summary_only(demo_path, tmp_path, capsys):
    assert cli.main(["boardpack", "--db", str(demo_path), *Q3_ARGS, "--sections", "", "--out",
                     str(tmp_path / "a.pptx")]) == 0
    assert json.loads(capsys.readouterr().out)["sections"] == DECK_SECTIONS  # empty = all
    con = db.connect(demo_path)
    pack = boardpack.build(con, Q3, "previous", sections=())
    con.close()
    assert [s.key for s in pack.sections] == ["summary"]


# --- Registry: a heatmap section arrives as a picture -------------------------------------

@pytest.mark.chromium
def test_a_registered_image_section_becomes_a_picture_slide_and_a_pdf_page(demo_path, monkeypatch):
    def heatmap(con, ctx):
        fig = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]], x=["a", "b"], y=["c", "d"]))
        return boardpack.Section("heat", "A heatmap", "Test headline.", charts=(boardpack.ImageChart("Heat", fig),),
                                 narrative=("A sentence.",))

    monkeypatch.setitem(boardpack.SECTIONS, "heat", boardpack.SectionDef("heat", "Heat", heatmap))
    con = db.connect(demo_path)
    pack = boardpack.build(con, Q3, "previous", sections=("heat",))
    con.close()
    prs = Presentation(io.BytesIO(boardpack.render(pack, "pptx")))
    assert [texts(s)[0] for s in prs.slides][1:] == ["Executive summary", "A heatmap"]
    assert [s.shape_type for s in prs.slides[2].shapes].count(MSO_SHAPE_TYPE.PICTURE) == 1
    assert prs.slides[2].notes_slide.notes_text_frame.text == "A sentence."
    reader = PdfReader(io.BytesIO(boardpack.render(pack, "pdf")))
    assert len(reader.pages) == 4 and len(reader.pages[2].images) == 1  # title, summary, heatmap, notes


# --- Text never overflows -------------------------------------------------------------------

@pytest.mark.chromium
def test_every_text_box_fits_even_with_long_names(demo_path, tmp_path, monkeypatch):
    units = ("Electronics", "Travel", "Grocery", "Fashion", "Home", "Beauty")
    con = db.connect(demo_path)
    pack = boardpack.build(con, Filters(Q3.start, Q3.end, business_units=units), "previous",
                           org="The Extraordinarily Long-Named International Holding Company of Example Retail "
                               "Brands and Partners, Incorporated")
    con.close()
    prs = Presentation(io.BytesIO(boardpack.render(pack, "pptx")))
    checked = 0
    for slide in prs.slides:
        for shape in slide.shapes:
            if not (shape.has_text_frame and shape.text_frame.text):
                continue
            run = shape.text_frame.paragraphs[0].runs[0]
            size, w, h = run.font.size.pt, shape.width / 12700, shape.height / 12700
            lines = layout.wrap(shape.text_frame.text, size, w - 2 * layout.INSET_X, bold=bool(run.font.bold))
            assert len(lines) * size * layout.LEADING <= h - 2 * layout.INSET_Y + 0.01, shape.text_frame.text
            checked += 1
    assert checked > 20


def test_fit_shrinks_then_cuts_with_an_ellipsis():
    short = layout.fit("NPS", 200, 40, 20, 10)
    assert (short.size, short.lines, short.truncated) == (20, ["NPS"], False)
    long_text = "word " * 200
    cut = layout.fit(long_text, 200, 40, 20, 10)
    assert cut.size == 10 and cut.truncated and cut.lines[-1].endswith(" …")
    # Two lines of 10 pt (12 pt leading) fit in 40 - 2*3.6 = 32.8 pt.
    assert len(cut.lines) == 2
    assert layout.wrap("x" * 50, 10, 60) == ["x" * 12] * 4 + ["xx"]  # "x" is 5 pt wide in 10 pt Helvetica


# --- Narrative --------------------------------------------------------------------------------

NPS_UP = {"value": 38.0, "n": 500, "ci_low": 35.0, "ci_high": 41.0, "low_base": False, "previous": 33.8,
          "delta": 4.2, "p_value": 0.0031, "significant": True}


@pytest.mark.parametrize("key, j, sentence", [
    # significant and at least the 2 points that matter for NPS: a rise
    ("nps", NPS_UP, "NPS rose 4.2 points to 38.0 (95% range 35.0 to 41.0) against the previous period."),
    ("csat", {"value": 73.5, "n": 900, "ci_low": 72.9, "ci_high": 74.1, "delta": -0.4, "p_value": 0.21,
              "significant": False},
     "CSAT is 73.5% (95% range 72.9% to 74.1%), about the same as the previous period (down 0.4 points, within "
     "the margin of error)."),
    # significant (p < 0.001, a huge n) but 1.0 < 2 points: not headlined as a fall
    ("nps", NPS_UP | {"delta": -1.0, "p_value": 0.0001},
     "NPS is 38.0 (95% range 35.0 to 41.0), about the same as the previous period (down 1.0 point, too small to "
     "matter)."),
    ("nps", NPS_UP | {"delta": -2.0, "p_value": 0.0001},
     "NPS fell 2.0 points to 38.0 (95% range 35.0 to 41.0) against the previous period."),
    ("ces", {"value": 5.07, "n": 20, "ci_low": 4.9, "ci_high": 5.2, "low_base": True, "delta": 0.001,
             "p_value": 0.9, "significant": False},
     "Customer effort (CES) is 5.07 (95% range 4.90 to 5.20), unchanged against the previous period. Few people "
     "answered (fewer than 30), so read it with care."),
    ("enps", {"value": None, "n": None, "ci_low": None, "ci_high": None, "suppressed": True, "reason": "hidden"},
     "eNPS is not shown: hidden: fewer than 5 people, or it would reveal a smaller group."),
    ("engagement", {"value": None, "n": None, "ci_low": None, "ci_high": None, "suppressed": False,
                    "reason": "period"},
     "Engagement is not shown: employee figures cover whole months, and this period holds no month's first day."),
    ("engagement", {"value": 68.25, "n": 40, "ci_low": 60.0, "ci_high": 75.0},
     "Engagement is 68.2% (95% range 60.0% to 75.0%); there is no data for the previous period to compare with."),
    ("nps", {"value": None, "n": 0, "ci_low": None, "ci_high": None}, "NPS has no responses in this period."),
])
def test_kpi_sentence(key, j, sentence):
    assert narrative.kpi_sentence(key, j, "the previous period", kpis.MATERIALITY_DEFAULTS[key]) == sentence


def test_target_and_summary_sentences():
    assert narrative.target_sentence("nps", "at risk", 40) == (
        "NPS is at risk: below its target of 40.0, but within the margin of error.")
    assert narrative.target_sentence("nps", None, None) is None
    assert narrative.summary_sentence({"nps": "on track", "csat": "off track", "ces": None, "enps": "on track"},
                                      {"nps": 4.2}) == (
        "Of 3 KPIs with a target, 2 on track, 1 off track. Changes that matter: NPS (+4.2 pts).")
    assert narrative.summary_sentence({"nps": None}, {}) == "No KPI has a target. No KPI moved by enough to matter."


def test_trend_sentence_names_the_extremes_and_hidden_months():
    points = [(date(2026, 1, 1), 10.0), (date(2026, 2, 1), None), (date(2026, 3, 1), 25.5), (date(2026, 4, 1), 12.0)]
    assert narrative.trend_sentence("enps", points) == (
        "Over Jan 2026 – Apr 2026, eNPS ranged from 10.0 (Jan 2026) to 25.5 (Mar 2026); the latest month is 12.0. "
        "1 month without a figure.")
    assert narrative.trend_sentence("enps", points + [(date(2026, 5, 1), None)]).endswith(
        "the latest month is 12.0. 2 months without a figure.")
    assert narrative.trend_sentence("nps", points[:1]) is None


# --- Periods and branding ------------------------------------------------------------------

def test_period_choices():
    months = boardpack.period_choices(date(2026, 9, 10), date(2026, 11, 12), "month")
    assert months == [("November 2026 (to 12 Nov)", date(2026, 11, 1), date(2026, 11, 12)),
                      ("October 2026", date(2026, 10, 1), date(2026, 10, 31)),
                      ("September 2026", date(2026, 9, 10), date(2026, 9, 30))]
    quarters = boardpack.period_choices(date(2026, 1, 1), date(2026, 6, 30), "quarter")
    assert quarters == [("Q2 2026 (Apr–Jun)", date(2026, 4, 1), date(2026, 6, 30)),
                        ("Q1 2026 (Jan–Mar)", date(2026, 1, 1), date(2026, 3, 31))]


def test_branding_file(tmp_path, monkeypatch):
    from PIL import Image

    Image.new("RGB", (300, 100), "#2a9d8f").save(tmp_path / "logo.png")
    file = tmp_path / "brand.toml"
    file.write_text('org_name = "Acme"\nprimary = "#112233"\nlogo = "logo.png"\n')
    b = config.branding(file)
    assert (b.org_name, b.primary, b.accent, b.logo) == ("Acme", "#112233", "#1f5fa8", tmp_path / "logo.png")
    monkeypatch.setenv("CX_BRANDING", str(file))
    assert config.branding() == b
    file.write_text('primary = "blue"\n')
    with pytest.raises(ValueError, match="primary must be a colour like #1f3a5f, not 'blue'"):
        config.branding(file)
    file.write_text('colour = "#000000"\n')
    with pytest.raises(ValueError, match=r"unknown branding keys \['colour'\]"):
        config.branding(file)
    monkeypatch.setenv("CX_BRANDING", str(tmp_path / "missing.toml"))
    with pytest.raises(ValueError, match="branding file not found"):
        config.branding()


@pytest.mark.chromium
def test_logo_and_colours_reach_the_deck(demo_path, tmp_path):
    from PIL import Image

    Image.new("RGB", (300, 100), "#2a9d8f").save(tmp_path / "logo.png")
    brand = config.Branding(org_name="Acme", primary="#7b2d8b", logo=tmp_path / "logo.png")
    con = db.connect(demo_path)
    pack = boardpack.build(con, Q3, "previous", branding=brand, sections=("overview",))
    con.close()
    from cx_metrics import export

    prs = Presentation(io.BytesIO(export.pptx_bytes(pack, brand)))
    assert texts(prs.slides[0])[0] == "Acme"
    for slide in prs.slides:
        assert [s.shape_type for s in slide.shapes].count(MSO_SHAPE_TYPE.PICTURE) == 1
    band = prs.slides[0].shapes[0]
    assert str(band.fill.fore_color.rgb) == "7B2D8B"
    assert len(PdfReader(io.BytesIO(export.pdf_bytes(pack, brand))).pages[1].images) == 1


@pytest.mark.chromium
def test_benchmark_reports_the_full_deck_time(demo_path):
    from benchmarks.boardpack import bench

    result = bench(demo_path, repeat=1)
    assert set(result) == {"boardpack_s", "boardpack_first_run_s", "runs_s", "steps_median_s"}
    assert set(result["steps_median_s"]) == {"build", "pptx", "pdf"}
    assert 0 < result["boardpack_s"] < 15  # the limit for a full deck


def test_benchmark_without_chromium_says_it_skipped(demo_path, monkeypatch):
    from benchmarks.boardpack import bench

    monkeypatch.setenv("CX_CHROMIUM", "none")
    assert bench(demo_path, repeat=1) == {"skipped": chromium.NEEDED}


def test_which_files_draw_images(demo_path):
    """The PDF draws every chart; PowerPoint only picture charts (the units heat map)."""
    con = db.connect(demo_path)
    try:
        packs = {sections: boardpack.build(con, Q3, "previous", sections=sections)
                 for sections in [(), ("overview",), ("units",)]}
    finally:
        con.close()
    assert {sections: (boardpack.draws_images(pack, "pptx"), boardpack.draws_images(pack, "pdf"))
            for sections, pack in packs.items()} == {
        (): (False, False),  # the executive summary is a table
        ("overview",): (False, True),  # native line charts
        ("units",): (False, False),  # the heat map is a native table with coloured cells
    }


def test_the_full_deck_has_no_picture_and_the_units_heat_map_is_a_coloured_native_table(deck):
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    _, deck = deck
    pictures = [(i, sh.name) for i, slide in enumerate(deck.slides, start=1) for sh in slide.shapes
                if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert pictures == []  # the demo has no logo; the logo would be the only picture
    (units,) = [s for s in deck.slides if texts(s) and texts(s)[0] == "Units compared"]
    (table,) = [sh.table for sh in units.shapes if sh.has_table]
    header = [c.text for c in table.rows[0].cells]
    assert header[0] == "Unit" and "NPS" in header
    fills = {str(cell.fill.fore_color.rgb) for row in list(table.rows)[1:] for cell in list(row.cells)[1:]}
    assert fills & {"1E7B34", "B06000", "B3261E"}  # target status colours the cells


# --- The analysis sections: the deck says what the pages say ------------------------------

def test_area_sections_carry_the_modules_numbers(demo_path):
    from cx_metrics import drivers, journey, linkage, units, voc

    con = db.connect(demo_path)
    try:
        pack = boardpack.build(con, Q3, "previous")
        by_key = {s.key: s for s in pack.sections}
        profile = linkage.lag_profile(linkage.unit_month_panel(con, linkage.panel_window(Q3)))
        warning = linkage.early_warning(con, Q3)
        cx_ex = by_key["cx_ex"]
        best = profile.best_lag
        assert cx_ex.key_numbers[0].value == ("—" if best is None else f"{best} month{'s' if best != 1 else ''}")
        assert cx_ex.key_numbers[1].value == str(len(warning))
        assert cx_ex.charts[0].series[0].values == tuple(round(float(r), 3) for r in profile.table["r"])
        assert "Correlation is not causation" in " ".join(cx_ex.narrative)
        stages = journey.stages(con, Q3)
        weak = stages[stages["weakest"]].iloc[0]
        assert by_key["journey"].headline.startswith(f"'{weak['stage']}' is the weakest stage")
        top = drivers.drivers(con, Q3, "nps", boot=100).table["attribute"].iloc[0]
        assert by_key["drivers"].charts[0].categories[0] == fmt.name(top)  # "waiting_time" reads "waiting time"
        themes = voc.themes(con, Q3, "cx", "previous")
        assert by_key["voc"].charts[0].categories == tuple(t.replace("_", " ") for t in themes["theme"])
        league = units.league(con, Q3, "previous")
        text, status = units.matrix(league)
        grid = by_key["units"].table
        assert grid.columns == ("Unit", *text.columns)
        assert [r[0] for r in grid.rows] == list(text.index)
        assert [c[1:] for c in grid.cell_status] == [tuple(None if pd.isna(v) else v for v in row)
                                                      for _, row in status.iterrows()]
    finally:
        con.close()


def test_progress_names_each_slide_as_it_is_built(demo_path):
    seen = []
    with db.connect(demo_path) as con:
        pack = boardpack.build(con, Q3, "previous", ("overview", "journey"),
                               progress=lambda done, total, what: seen.append((done, total, what)))
    titles = ["Executive summary", boardpack.SECTIONS["overview"].title, boardpack.SECTIONS["journey"].title]
    assert seen == [(i, 3, t) for i, t in enumerate(titles)] + [(3, 3, "done")]
    assert len(pack.sections) == 3


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_progress_redraws_one_line_on_a_terminal_and_is_silent_in_a_pipe():
    screen = _Terminal()
    show = cli.terminal_progress("slide", screen)
    show(0, 2, "Executive summary")
    show(2, 2, "done")
    assert screen.getvalue() == "\r\033[KExecutive summary · 0/2 slides done\r\033[Kdone · 2/2 slides done\n"
    assert cli.terminal_progress("slide", io.StringIO()) is None


@pytest.mark.parametrize(
    ("first", "as_of", "want"),
    [
        (date(2024, 1, 1), date(2026, 10, 31), (date(2026, 7, 1), date(2026, 9, 30), "the last complete quarter")),
        (date(2024, 1, 1), date(2026, 9, 30), (date(2026, 7, 1), date(2026, 9, 30), "the last complete quarter")),
        (date(2024, 1, 1), date(2026, 1, 1), (date(2025, 10, 1), date(2025, 12, 31), "the last complete quarter")),
        (date(2026, 8, 10), date(2026, 8, 31), (date(2026, 8, 10), date(2026, 8, 31), "the quarter so far")),
    ],
)
def test_default_period_is_the_last_complete_quarter(first, as_of, want):
    assert boardpack.default_period(first, as_of) == want


def test_default_period_over_every_day_of_two_years():
    """Invariant: a whole calendar quarter, ending on or before the as-of date, and the latest such."""
    for offset in range(0, 730, 3):
        as_of = date(2025, 1, 1) + timedelta(days=offset)
        start, end, _ = boardpack.default_period(date(2020, 1, 1), as_of)
        f = Filters(start, end)
        assert f.comparison_rule("previous") == "previous calendar quarter" and end <= as_of
        assert (end + timedelta(days=93)) > as_of  # the next quarter is not complete yet


def test_boardpack_without_dates_covers_the_last_complete_quarter(demo_path, tmp_path, capsys):
    out = tmp_path / "deck.pptx"
    code = cli.main(["boardpack", "--db", str(demo_path), "--out", str(out), "--sections", "overview"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    as_of = kpis.data_range(db.connect(demo_path, read_only=True))[1]
    start, end, _ = boardpack.default_period(date(2000, 1, 1), as_of)
    assert (result["start"], result["end"]) == (start.isoformat(), end.isoformat())
    title = Presentation(str(out)).slides[0]
    assert any("the last complete quarter" in t for t in texts(title))


def test_boardpack_with_one_date_only_is_refused_in_one_line(demo_path, tmp_path, capsys):
    code = cli.main(["boardpack", "--db", str(demo_path), "--out", str(tmp_path / "d.pptx"), "--start", "2026-07-01"])
    assert code == 2
    assert capsys.readouterr().err == "error: give both --start and --end, or neither for the last complete quarter\n"


def test_a_database_with_little_data_still_gives_a_whole_deck(tmp_path, capsys):
    """Customer scores only: no journey stage, no employee answers, no comments, no attribute ratings.
    Every section says what it lacks in a sentence; none crashes the deck."""
    path = tmp_path / "thin.duckdb"
    con = db.connect(path)
    con.execute("INSERT INTO cx_responses (response_id, submitted_at, business_unit, nps, csat) "
                "SELECT 'r' || i, TIMESTAMP '2026-04-01' + INTERVAL (i % 183) DAY, 'A', i % 11, 1 + i % 5 "
                "FROM range(400) t(i)")
    db.bump_data_version(con)
    con.close()
    code = cli.main(["boardpack", "--db", str(path), "--out", str(tmp_path / "thin.pptx")])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert (result["start"], result["end"]) == ("2026-07-01", "2026-09-30")
    slides = Presentation(str(tmp_path / "thin.pptx")).slides
    journey_slide = [s for s in slides if texts(s) and texts(s)[0] == "The customer journey"]
    assert any("No response in this period names a journey stage" in t for t in texts(journey_slide[0]))


#: What must never reach an executive: developer text, table names, test statistics and method names
#: (those live in the README's "How we calculate" parts). The issue's list, plus the statistics it implies.
BANNED = ("((", "ENPS", "cx_responses", "ex_responses", "ex_reporting", "attribute_ratings", "comment_sentiment",
          "python -m", "p 0.0000", "p = ", "p < 0.", "Wilson", "VADER", "compound", "R²", "r = ", "k=", "Fisher",
          "95% CI", "significan", "Pairwise", "Johnson", "_")


def deck_text(prs) -> list[tuple[int, str]]:
    """Every text an audience or a presenter sees: shapes, table cells, chart titles, categories, notes."""
    out = []
    for number, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            if shape.has_text_frame:
                out.append((number, shape.text_frame.text))
            if shape.has_table:
                out += [(number, cell.text) for row in shape.table.rows for cell in row.cells]
            if shape.has_chart:
                chart = shape.chart
                out.append((number, chart.chart_title.text_frame.text if chart.has_title else ""))
                out += [(number, str(c)) for c in chart.plots[0].categories]
                out += [(number, s.name) for s in chart.plots[0].series]
        out.append((number, slide.notes_slide.notes_text_frame.text))
    return out


@pytest.mark.parametrize("args", [(), ("--compare", "year", "--business-unit", "Grocery"), ("--region", "Nordics")])
def test_no_jargon_reaches_the_deck(demo_path, tmp_path, args):
    out = tmp_path / "deck.pptx"
    run_cli(demo_path, out, *args)
    found = [(n, word, text[:120]) for n, text in deck_text(Presentation(str(out))) for word in BANNED if word in text]
    assert found == []
