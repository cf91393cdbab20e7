"""The board pack as a PDF (reportlab): the same pages as the deck, one section per page.

Each page is the slide, 16:9 like the deck (the geometry of
:mod:`cx_metrics.export.layout`), so the PDF projects and prints like the
slides. What the deck keeps in its speaker notes follows the slides on
"Speaker notes" pages, because a PDF reader has no presenter. Charts are the
very Plotly figures the page previews, rendered to PNG by kaleido.

Why reportlab: it is pure Python (no system libraries, unlike WeasyPrint's
Pango/Cairo), writes real text (searchable, selectable, crisp) and gives exact
positions, so the PDF can follow the slide layout point for point.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from reportlab.lib.colors import HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from .. import config
from . import figures, layout
from .layout import Box
from .slides import MUTED, STATUS_FILL, TEXT

if TYPE_CHECKING:  # boardpack imports this package's narrative module
    from ..boardpack import BoardPack, Section, Table

PAGE_H = layout.H  # 16:9, the slide itself
NOTES = Box(layout.MARGIN, 96, layout.W - 2 * layout.MARGIN, layout.H - 96 - 48)
NOTE_SIZE = 11.0


def _c(hex_colour: str) -> HexColor:
    return HexColor("#" + hex_colour.lstrip("#"))


class _Page:
    """Drawing in the layout's top-left coordinates on a reportlab canvas."""

    def __init__(self, canvas: Canvas):
        self.cv = canvas

    def y(self, top: float) -> float:
        return PAGE_H - top

    def rect(self, box: Box, fill: str, line: str | None = None) -> None:
        self.cv.setFillColor(_c(fill))
        if line:
            self.cv.setStrokeColor(_c(line))
            self.cv.setLineWidth(0.75)
        self.cv.rect(box.x, self.y(box.y + box.h), box.w, box.h, fill=1, stroke=1 if line else 0)

    def text(self, box: Box, text: str, max_size: float, min_size: float, *, bold: bool = False,
             colour: str = TEXT, align: str = "left", middle: bool = False) -> None:
        f = layout.fit(text, box.w, box.h, max_size, min_size, bold=bold)
        block = len(f.lines) * f.size * layout.LEADING
        top = box.y + layout.INSET_Y + ((box.h - 2 * layout.INSET_Y - block) / 2 if middle else 0)
        self.cv.setFillColor(_c(colour))
        self.cv.setFont(layout.FONT_BOLD if bold else layout.FONT, f.size)
        for i, line in enumerate(f.lines):
            baseline = self.y(top + f.size * (0.9 + i * layout.LEADING))
            if align == "right":
                self.cv.drawRightString(box.x + box.w - layout.INSET_X, baseline, line)
            else:
                self.cv.drawString(box.x + layout.INSET_X, baseline, line)

    def image(self, data: bytes, box: Box) -> None:
        self.cv.drawImage(ImageReader(io.BytesIO(data)), box.x, self.y(box.y + box.h), box.w, box.h,
                          preserveAspectRatio=True, anchor="c", mask="auto")

    def logo(self, brand: config.Branding, box: Box) -> None:
        self.cv.drawImage(str(brand.logo), box.x, self.y(box.y + box.h), box.w, box.h, preserveAspectRatio=True,
                          anchor="e", mask="auto")


def _notes_pages(p: _Page, pack: BoardPack, notes: list[tuple[int, str, list[str]]], brand: config.Branding,
                 number: int) -> None:
    """The speaker notes of every slide, flowed over as many 16:9 pages as they need."""

    def new_page() -> float:
        nonlocal number
        p.text(layout.TITLE, "Speaker notes", 28, 18, bold=True, colour=brand.primary, middle=True)
        p.rect(layout.RULE, brand.accent)
        p.text(layout.FOOTER, pack.footer, 10, 8, colour=MUTED)
        p.text(layout.PAGE_NO, str(number), 10, 8, colour=MUTED, align="right")
        number += 1
        return NOTES.y

    line_h = NOTE_SIZE * layout.LEADING
    top = new_page()
    for slide, title, lines in notes:
        blocks = [(f"Slide {slide} · {title}", True)] + [(line, False) for line in lines]
        for text, bold in blocks:
            wrapped = layout.wrap(text, NOTE_SIZE, (NOTES.w - 2 * layout.INSET_X) * 0.97, bold)
            height = len(wrapped) * line_h + 4
            if top + height > NOTES.y + NOTES.h:
                p.cv.showPage()
                top = new_page()
            p.text(Box(NOTES.x, top, NOTES.w, height + 2 * layout.INSET_Y), text, NOTE_SIZE, NOTE_SIZE,
                   bold=bold, colour=brand.primary if bold else TEXT)
            top += height
        top += 8


def _title_page(p: _Page, pack: BoardPack, brand: config.Branding) -> None:
    p.rect(Box(0, 0, layout.W, 300), brand.primary)
    p.text(Box(64, 88, layout.W - 128, 60), pack.org, 40, 24, bold=True, colour="FFFFFF")
    p.text(Box(64, 152, layout.W - 128, 44), "Board pack: customer and employee experience", 24, 16, colour="FFFFFF")
    p.text(Box(64, 214, layout.W - 128, 50), pack.period_text, 30, 18, bold=True, colour="FFFFFF")
    lines = [pack.comparison_text, pack.filters_text, f"Data as of {pack.as_of:%d %B %Y}"]
    for i, line in enumerate(lines):
        p.text(Box(64, 326 + i * 34, layout.W - 128 - layout.LOGO_W, 32), line, 18, 11)
    if brand.logo:
        p.logo(brand, Box(layout.W - 64 - 160, 440, 160, 60))


def _table(p: _Page, table: Table, box: Box, brand: config.Branding) -> None:
    size, widths = layout.table_widths(table.columns, table.rows, box.w, 14, 9)
    row_h = min(box.h / (len(table.rows) + 1), size * 3.4)
    for r, row in enumerate([table.columns, *table.rows]):
        x = box.x
        for c, (value, w) in enumerate(zip(row, widths)):
            status = table.status_of(r - 1, c) if r else None
            cell = Box(x, box.y + r * row_h, w, row_h)
            colour = TEXT
            if r == 0:
                p.rect(cell, brand.primary)
                colour = "FFFFFF"
            elif status in STATUS_FILL:
                p.rect(cell, STATUS_FILL[status])
                colour = "FFFFFF"
            else:
                p.rect(cell, "FFFFFF" if r % 2 else "F4F6F9")
            p.text(cell, value, size, 7, bold=r == 0 or c == 0, colour=colour, middle=True)
            x += w


def _section_page(p: _Page, pack: BoardPack, section: Section, brand: config.Branding, number: int) -> None:
    p.text(layout.TITLE, section.title, 28, 18, bold=True, colour=brand.primary, middle=True)
    p.rect(layout.RULE, brand.accent)
    if brand.logo:
        p.logo(brand, layout.LOGO)
    p.text(layout.HEADLINE, section.headline, 16, 11)
    body = layout.BODY
    if section.key_numbers:
        body = layout.BODY_WITH_NUMBERS
        cells = layout.columns(layout.KEY_NUMBERS, len(section.key_numbers), 10)
        for kn, cell in zip(section.key_numbers, cells):
            p.rect(cell, "F4F6F9", line="D9DEE5")
            p.text(Box(cell.x, cell.y + 2, cell.w, 18), kn.label, 11, 8, colour=MUTED)
            p.text(Box(cell.x, cell.y + 18, cell.w, 28), kn.value, 22, 12, bold=True, colour=brand.primary)
            if kn.detail:
                p.text(Box(cell.x, cell.y + 44, cell.w, 20), kn.detail, 9, 7, colour=MUTED)
    if section.table is not None:
        _table(p, section.table, body, brand)
    elif section.charts:
        for chart, box in zip(section.charts, layout.columns(body, len(section.charts))):
            fig = figures.figure(chart, height=int(box.h * 4 / 3))
            p.image(figures.png(fig, int(box.w * 4 / 3), int(box.h * 4 / 3), scale=2), box)
    if section.footnote:
        p.text(layout.FOOTNOTE, section.footnote, 10, 8, colour=MUTED)
    p.text(layout.FOOTER, pack.footer, 10, 8, colour=MUTED)
    p.text(layout.PAGE_NO, str(number), 10, 8, colour=MUTED, align="right")


def pdf_bytes(pack: BoardPack, brand: config.Branding | None = None) -> bytes:
    """The PDF, 16:9: a title page, one page per section, then the speaker notes of them all."""
    brand = brand or config.branding()
    buf = io.BytesIO()
    cv = Canvas(buf, pagesize=(layout.W, PAGE_H), pageCompression=1)
    cv.setTitle(f"{pack.org} board pack, {pack.period_text}")
    cv.setAuthor(pack.org)
    page = _Page(cv)
    _title_page(page, pack, brand)
    cv.showPage()
    notes = [(1, "Title", ["Every number is the dashboard's own, the same as on its pages for these filters."])]
    for i, section in enumerate(pack.sections, start=2):
        _section_page(page, pack, section, brand, i)
        cv.showPage()
        lines = list(section.narrative) + ([section.footnote] if section.footnote else [])
        notes.append((i, section.title, lines))
    _notes_pages(page, pack, notes, brand, len(pack.sections) + 2)
    cv.showPage()
    cv.save()
    return buf.getvalue()
