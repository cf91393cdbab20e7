"""Exports: the board pack as PPTX and PDF, tables as CSV/XLSX, figures as PNG.

* :func:`pptx_bytes` / :func:`pdf_bytes` turn a :class:`cx_metrics.boardpack.BoardPack` into files.
* :func:`csv_bytes` / :func:`xlsx_bytes` neutralise spreadsheet formulas (OWASP CSV injection).
* :func:`png` renders any Plotly figure with kaleido; :func:`figure` draws a board-pack chart with Plotly.
  Both :func:`png` and the PDF need Chrome/Chromium: :func:`chromium_missing` says when there is none.
"""

from .figures import ImageError, chromium_missing, figure, png, start_server
from .pdf import pdf_bytes
from .slides import pptx_bytes
from .tables import csv_bytes, neutralise, xlsx_bytes

__all__ = ["ImageError", "chromium_missing", "csv_bytes", "figure", "neutralise", "pdf_bytes", "png", "pptx_bytes",
           "start_server", "xlsx_bytes"]
