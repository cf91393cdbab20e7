"""The board pack as an editable PowerPoint deck (python-pptx), 16:9.

One slide per section after a title slide. Lines, bars and columns are native
PowerPoint charts (right-click → Edit data works); Plotly figures (heatmaps,
scatters) are placed as PNG pictures. Each slide's speaker notes carry the
section's narrative. Every text box's font size comes from
:func:`cx_metrics.export.layout.fit`, so text never overflows.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE, XL_TICK_LABEL_POSITION
from pptx.enum.dml import MSO_LINE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Pt

from .. import config
from . import figures, layout
from .layout import Box

if TYPE_CHECKING:  # boardpack imports this package's narrative module
    from ..boardpack import BoardPack, ImageChart, NativeChart, Section, Table

FONT_NAME = "Arial"
TEXT = "222222"
MUTED = "5f6368"
STATUS_FILL = {"on track": "1e7b34", "at risk": "b06000", "off track": "b3261e"}
CHART_TYPES = {
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
}


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _text(slide, box: Box, text: str, max_size: float, min_size: float, *, bold: bool = False,
          colour: str = TEXT, align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP):
    """A text box whose font size makes ``text`` fit (see layout.fit)."""
    fitted = layout.fit(text, box.w, box.h, max_size, min_size, bold=bold)
    shape = slide.shapes.add_textbox(Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h))
    tf = shape.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE  # the size is ours (layout.fit); the box never grows
    tf.vertical_anchor = anchor
    tf.margin_left = tf.margin_right = Pt(layout.INSET_X)
    tf.margin_top = tf.margin_bottom = Pt(layout.INSET_Y)
    p = tf.paragraphs[0]
    p.alignment = align
    p.line_spacing = layout.LEADING * 0.83  # PowerPoint's single spacing is already ~1.2 em
    run = p.add_run()
    # The fitted lines are joined again: PowerPoint wraps them itself, at the same places.
    run.text = " ".join(fitted.lines) if "\n" not in text else "\n".join(fitted.lines)
    f = run.font
    f.size, f.bold, f.name = Pt(fitted.size), bold, FONT_NAME
    f.color.rgb = _rgb(colour)
    return shape


def _rect(slide, box: Box, fill: str, line: str | None = None):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h))
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(fill)
    if line:
        shape.line.color.rgb = _rgb(line)
        shape.line.width = Pt(0.75)
    else:
        shape.line.fill.background()
    # The theme style would add a shadow (LibreOffice draws it even under an empty effect list).
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
    return shape


def _frame(slide, pack: BoardPack, brand: config.Branding, title: str, number: int) -> None:
    """Title, accent rule, logo and footer common to every content slide."""
    _text(slide, layout.TITLE, title, 28, 18, bold=True, colour=brand.primary, anchor=MSO_ANCHOR.MIDDLE)
    _rect(slide, layout.RULE, brand.accent)
    if brand.logo:
        _logo(slide, brand, layout.LOGO)
    _text(slide, layout.FOOTER, pack.footer, 10, 8, colour=MUTED)
    _text(slide, layout.PAGE_NO, str(number), 10, 8, colour=MUTED, align=PP_ALIGN.RIGHT)


def _logo(slide, brand: config.Branding, box: Box) -> None:
    """The logo scaled to fit ``box``, right-aligned, keeping its aspect ratio."""
    from PIL import Image

    with Image.open(brand.logo) as im:
        ratio = im.width / im.height
    w = min(box.w, box.h * ratio)
    h = w / ratio
    slide.shapes.add_picture(str(brand.logo), Pt(box.x + box.w - w), Pt(box.y + (box.h - h) / 2), Pt(w), Pt(h))


def _notes(slide, section: Section) -> None:
    lines = list(section.narrative) + ([section.footnote] if section.footnote else [])
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def title_slide(prs, pack: BoardPack, brand: config.Branding) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    band = Box(0, 0, layout.W, 300)
    _rect(slide, band, brand.primary)
    _text(slide, Box(64, 88, layout.W - 128, 60), pack.org, 40, 24, bold=True, colour="FFFFFF")
    _text(slide, Box(64, 152, layout.W - 128, 44), "Board pack: customer and employee experience", 24, 16,
          colour="FFFFFF")
    _text(slide, Box(64, 214, layout.W - 128, 50), pack.period_text, 30, 18, bold=True, colour="FFFFFF")
    lines = [pack.comparison_text, pack.filters_text, f"Data as of {pack.as_of:%d %B %Y}"]
    for i, line in enumerate(lines):
        _text(slide, Box(64, 326 + i * 34, layout.W - 128 - layout.LOGO_W, 32), line, 18, 11, colour=TEXT)
    if brand.logo:
        _logo(slide, brand, Box(layout.W - 64 - 160, 440, 160, 60))
    slide.notes_slide.notes_text_frame.text = (
        f"{pack.org} board pack for {pack.period_text}. {pack.comparison_text}. {pack.filters_text}. "
        f"Data as of {pack.as_of:%d %b %Y}. Every number is the dashboard's own, the same as on its pages "
        "for these filters."
    )


def _key_numbers(slide, section: Section, box: Box, brand: config.Branding) -> None:
    for kn, cell in zip(section.key_numbers, layout.columns(box, len(section.key_numbers), 10)):
        _rect(slide, cell, "F4F6F9", line="D9DEE5")
        _text(slide, Box(cell.x, cell.y + 2, cell.w, 18), kn.label, 11, 8, colour=MUTED)
        _text(slide, Box(cell.x, cell.y + 18, cell.w, 28), kn.value, 22, 12, bold=True, colour=brand.primary)
        if kn.detail:
            _text(slide, Box(cell.x, cell.y + 44, cell.w, 20), kn.detail, 9, 7, colour=MUTED)


def _native_chart(slide, chart: NativeChart, box: Box) -> None:
    data = CategoryChartData(number_format=chart.number_format)
    data.categories = list(chart.categories)
    for s in chart.series:
        data.add_series(s.name, list(s.values))
    graphic = slide.shapes.add_chart(CHART_TYPES[chart.kind], Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h), data)
    c = graphic.chart
    c.font.size, c.font.name = Pt(10), FONT_NAME
    c.has_title = True
    c.chart_title.text_frame.text = chart.title
    title_font = c.chart_title.text_frame.paragraphs[0].runs[0].font
    title_font.size, title_font.bold = Pt(13), True
    c.has_legend = len(chart.series) > 1
    if c.has_legend:
        c.legend.position = XL_LEGEND_POSITION.BOTTOM
        c.legend.include_in_layout = False
    va = c.value_axis
    va.has_major_gridlines = True
    va.major_gridlines.format.line.color.rgb = _rgb("#E3E3E3")
    va.tick_labels.font.size = Pt(10)
    va.format.line.fill.background()
    c.category_axis.tick_labels.font.size = Pt(9)
    c.category_axis.format.line.color.rgb = _rgb("#999999")
    # Category labels at the bottom (left for bars), not at zero, where a negative bar would cover them.
    c.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    if chart.kind == "bar":  # PowerPoint lists bar categories bottom-up; read them top-down like the data
        c.category_axis.reverse_order = True
        va.minimum_scale = min(0, *(v for s in chart.series for v in s.values if v is not None))
    for plot_series, s in zip(c.plots[0].series, chart.series):
        fmt = plot_series.format
        if chart.kind == "line":
            fmt.line.color.rgb = _rgb(s.colour)
            fmt.line.width = Pt(1.5 if s.dashed else 2.5)
            plot_series.smooth = False
            marker = plot_series.marker
            if s.dashed:
                fmt.line.dash_style = MSO_LINE.DASH
                marker.style = XL_MARKER_STYLE.NONE
            else:
                marker.style = XL_MARKER_STYLE.CIRCLE
                marker.size = 6
                marker.format.fill.solid()
                marker.format.fill.fore_color.rgb = _rgb(s.colour)
                marker.format.line.color.rgb = _rgb(s.colour)
        else:
            fmt.fill.solid()
            fmt.fill.fore_color.rgb = _rgb(s.colour)


def _image_chart(slide, chart: ImageChart, box: Box) -> None:
    image = figures.png(chart.figure, int(box.w * 4 / 3), int(box.h * 4 / 3), scale=2)
    slide.shapes.add_picture(io.BytesIO(image), Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h))


def _table(slide, table: Table, box: Box, brand: config.Branding) -> None:
    size, widths = layout.table_widths(table.columns, table.rows, box.w, 14, 9)
    row_h = min(box.h / (len(table.rows) + 1), size * 3.4)
    shape = slide.shapes.add_table(len(table.rows) + 1, len(table.columns), Pt(box.x), Pt(box.y), Pt(box.w),
                                   Pt(row_h * (len(table.rows) + 1)))
    t = shape.table
    for i, w in enumerate(widths):
        t.columns[i].width = Pt(w)
    for r in range(len(table.rows) + 1):
        t.rows[r].height = Pt(row_h)
    for r, row in enumerate([table.columns, *table.rows]):
        for c, value in enumerate(row):
            status = table.status_of(r - 1, c) if r else None
            cell = t.cell(r, c)
            cell.margin_left = cell.margin_right = Pt(layout.INSET_X)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.text = value
            font = cell.text_frame.paragraphs[0].runs[0].font
            font.size, font.name, font.bold = Pt(size), FONT_NAME, r == 0 or c == 0
            cell.fill.solid()
            if r == 0:
                cell.fill.fore_color.rgb, font.color.rgb = _rgb(brand.primary), _rgb("FFFFFF")
            elif status in STATUS_FILL:
                cell.fill.fore_color.rgb, font.color.rgb = _rgb(STATUS_FILL[status]), _rgb("FFFFFF")
            else:
                cell.fill.fore_color.rgb = _rgb("FFFFFF" if r % 2 else "F4F6F9")
                font.color.rgb = _rgb(TEXT)


def section_slide(prs, pack: BoardPack, section: Section, brand: config.Branding, number: int) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _frame(slide, pack, brand, section.title, number)
    _text(slide, layout.HEADLINE, section.headline, 16, 11, colour=TEXT)
    body = layout.BODY
    if section.key_numbers:
        _key_numbers(slide, section, layout.KEY_NUMBERS, brand)
        body = layout.BODY_WITH_NUMBERS
    if section.table is not None:
        _table(slide, section.table, body, brand)
    elif section.charts:
        for chart, box in zip(section.charts, layout.columns(body, len(section.charts))):
            if figures.is_native(chart):
                _native_chart(slide, chart, box)
            else:
                _image_chart(slide, chart, box)
    if section.footnote:
        _text(slide, layout.FOOTNOTE, section.footnote, 10, 8, colour=MUTED)
    _notes(slide, section)


def pptx_bytes(pack: BoardPack, brand: config.Branding | None = None) -> bytes:
    """The deck: a title slide, then one slide per section (executive summary first)."""
    brand = brand or config.branding()
    prs = Presentation()
    prs.slide_width, prs.slide_height = Pt(layout.W), Pt(layout.H)
    prs.core_properties.title = f"{pack.org} board pack, {pack.period_text}"
    title_slide(prs, pack, brand)
    for i, section in enumerate(pack.sections, start=2):
        section_slide(prs, pack, section, brand, i)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
