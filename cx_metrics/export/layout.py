"""Page geometry and text fitting shared by the PPTX and PDF exporters.

Both draw the same 16:9 page (960 × 540 points = 13.33 × 7.5 inches), so a
slide and its PDF page look alike. Text is measured with Helvetica's metrics
(the same widths as Arial, which the slides use, and as Liberation Sans,
LibreOffice's stand-in), and every text box gets a font size at which its text
fits; what still does not fit at the smallest size is cut with an ellipsis, so
text never runs out of its box.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth

W, H = 960.0, 540.0
MARGIN = 36.0
LOGO_W = 110.0
#: PowerPoint's text frames keep 0.1 inch (7.2 pt) on the left and right and 0.05 inch on top and bottom.
INSET_X, INSET_Y = 7.2, 3.6
#: Line height as a multiple of the font size.
LEADING = 1.2
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"


@dataclass(frozen=True)
class Box:
    x: float
    y: float  # from the top
    w: float
    h: float


TITLE = Box(MARGIN, 18, W - 2 * MARGIN - LOGO_W - 12, 44)
RULE = Box(MARGIN + INSET_X, TITLE.y + TITLE.h + 1, 64, 3)
HEADLINE = Box(MARGIN, 64, W - 2 * MARGIN, 40)
KEY_NUMBERS = Box(MARGIN, 112, W - 2 * MARGIN, 64)
BODY_WITH_NUMBERS = Box(MARGIN, 188, W - 2 * MARGIN, 282)
BODY = Box(MARGIN, 112, W - 2 * MARGIN, 358)
FOOTNOTE = Box(MARGIN, 474, W - 2 * MARGIN, 30)
FOOTER = Box(MARGIN, 510, W - 2 * MARGIN - 60, 20)
PAGE_NO = Box(W - MARGIN - 60, 510, 60, 20)
LOGO = Box(W - MARGIN - LOGO_W, 18, LOGO_W, 40)
GAP = 16.0


def columns(box: Box, n: int, gap: float = GAP) -> list[Box]:
    """``box`` split into ``n`` side-by-side boxes."""
    w = (box.w - gap * (n - 1)) / n
    return [Box(box.x + i * (w + gap), box.y, w, box.h) for i in range(n)]


def width(text: str, size: float, bold: bool = False) -> float:
    return stringWidth(text, FONT_BOLD if bold else FONT, size)


def wrap(text: str, size: float, max_width: float, bold: bool = False) -> list[str]:
    """Greedy word wrap; a word longer than the line is broken by characters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if width(candidate, size, bold) <= max_width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while width(word, size, bold) > max_width:  # a very long word
                cut = max(1, next(i for i in range(len(word), 0, -1) if width(word[:i], size, bold) <= max_width))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Fitted:
    size: float
    lines: list[str]
    truncated: bool


def fit(text: str, box_w: float, box_h: float, max_size: float, min_size: float, bold: bool = False,
        inset: bool = True) -> Fitted:
    """The largest font size (in half points) from ``max_size`` down to ``min_size`` at which
    ``text`` wraps into the box. At ``min_size`` the lines that do not fit are cut, the last one
    ending in an ellipsis. ``inset`` subtracts PowerPoint's text-frame margins."""
    w = box_w - (2 * INSET_X if inset else 0)
    h = box_h - (2 * INSET_Y if inset else 0)
    size = max_size
    while True:
        lines = wrap(text, size, w * 0.97, bold)  # 3% spare for renderers' rounding
        if len(lines) * size * LEADING <= h or size <= min_size:
            break
        size = max(min_size, size - 0.5)
    room = max(1, int(h // (size * LEADING)))
    if len(lines) <= room:
        return Fitted(size, lines, False)
    kept = lines[:room]
    last = kept[-1]
    while last and width(last + " …", size, bold) > w * 0.97:
        last = last[:-1]
    kept[-1] = last.rstrip() + " …"
    return Fitted(size, kept, True)


def table_widths(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], total: float,
                 max_size: float, min_size: float, pad: float = 2 * INSET_X) -> tuple[float, list[float]]:
    """A font size and column widths so that every cell fits on one line in ``total`` points.

    Columns get their widest cell (headers in bold) plus padding; spare width is
    shared out in proportion. If even ``min_size`` is too wide, widths shrink
    in proportion and cells wrap (the row height allows two lines).
    """
    size = max_size
    while True:
        need = [
            max([width(c, size, bold=True)] + [width(r[i], size) for r in rows]) + pad + 2
            for i, c in enumerate(columns)
        ]
        if sum(need) <= total or size <= min_size:
            break
        size -= 0.5
    scale = total / sum(need)
    return size, [n * scale for n in need]
