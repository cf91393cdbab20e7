"""Plotly figures of board-pack charts, and PNG images of any Plotly figure.

:func:`figure` draws a :class:`~cx_metrics.boardpack.NativeChart` with Plotly,
for the page preview and the PDF (PowerPoint draws the same data natively).
:func:`png` renders a figure with kaleido, which drives a headless Chrome/Chromium
(the one :func:`cx_metrics.chromium.find` finds). Starting Chromium takes seconds,
so the kaleido server is started once per process and reused.

Every failure is an :class:`ImageError` with a one-line message, and no call
waits longer than :data:`TIMEOUT_S`: without a browser the message says so at
once, and a Chromium that stops answering costs one timeout, not a hung page.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TypeVar

import plotly.graph_objects as go

from .. import chromium
from ..charts import FONT

#: Seconds one image may take, Chromium's start included (it takes 2-5 s on a cold machine).
TIMEOUT_S = 60.0

T = TypeVar("T")

_server_lock = threading.Lock()
_server_started = False
# kaleido's server hands answers back in the order calls finish, not to the caller
# that asked, so two sessions exporting at once could swap images: one call at a time.
_render_lock = threading.Lock()
# The call that last ran out of time, while it is still waiting on Chromium.
_stuck: threading.Thread | None = None


class ImageError(RuntimeError):
    """A figure could not be rendered (no Chromium, Chromium failed or did not answer in time)."""


def chromium_missing() -> str | None:
    """Why chart images and the PDF cannot be made on this machine (no Chrome/Chromium),
    or None when they can. Cheap enough to call on every page run."""
    return None if chromium.find() else chromium.NEEDED


def start_server() -> None:
    """Start kaleido's Chromium once per process (later calls do nothing).

    Raises ImageError when the machine has no Chrome/Chromium. MathJax is off:
    charts use no LaTeX, and kaleido would otherwise fetch it from a CDN.
    """
    global _server_started
    with _server_lock:
        if not _server_started:
            path = chromium.find()
            if path is None:
                raise ImageError(chromium.NEEDED)
            import kaleido

            kaleido.start_sync_server(path=path, timeout=TIMEOUT_S, mathjax=False, silence_warnings=True)
            _server_started = True


def png(fig: go.Figure | dict, width: int, height: int, scale: float = 2) -> bytes:
    """``fig`` as PNG bytes of ``width`` × ``height`` CSS pixels (times ``scale``).

    Raises ImageError, with a one-line message, when there is no Chrome/Chromium
    (at once), when Chromium fails, or when no image comes within :data:`TIMEOUT_S`.
    """
    if (missing := chromium_missing()) is not None:
        raise ImageError(missing)
    opts = dict(format="png", width=int(width), height=int(height), scale=scale)

    def render() -> bytes:
        import kaleido

        start_server()
        with _render_lock:
            return kaleido.calc_fig_sync(fig, opts=opts)

    return _within(TIMEOUT_S, render)


def _within(seconds: float, work: Callable[[], T]) -> T:
    """``work()``'s result, waiting at most ``seconds``; its errors become ImageError.

    kaleido's own timeout covers rendering only: when its Chromium dies at start
    the call waits forever on a queue nobody serves. So ``work`` runs in a daemon
    thread (never joined at exit) and the caller stops waiting after ``seconds``.
    While that thread still waits, later calls fail at once instead of queueing behind it.
    """
    global _stuck
    if _stuck is not None and _stuck.is_alive():
        raise ImageError("Chromium has still not answered an earlier chart image request: "
                         "try again later, or restart the app")
    answer: queue.Queue = queue.Queue(maxsize=1)

    def run() -> None:
        try:
            answer.put((True, work()))
        except Exception as exc:  # handed to the caller below
            answer.put((False, exc))

    worker = threading.Thread(target=run, name="chart-image", daemon=True)
    worker.start()
    try:
        ok, result = answer.get(timeout=seconds)
    except queue.Empty:
        _stuck = worker
        raise ImageError(f"Chromium gave no chart image within {seconds:g} s") from None
    if ok:
        return result
    if isinstance(result, ImageError):
        raise result
    # choreographer and kaleido raise several types, some with long messages: one line for callers
    detail = (str(result).strip().splitlines() or [type(result).__name__])[0]
    raise ImageError(f"could not render a chart image with kaleido/Chromium: {detail}") from result


def is_native(chart) -> bool:
    """True for a NativeChart (drawn by PowerPoint), False for an ImageChart (a Plotly figure)."""
    return hasattr(chart, "series")


def figure(chart, height: int = 340) -> go.Figure:
    """A :class:`~cx_metrics.boardpack.NativeChart` (line, bar or column) as a Plotly figure,
    or an :class:`~cx_metrics.boardpack.ImageChart`'s own figure."""
    if not is_native(chart):
        return chart.figure
    fig = go.Figure()
    for s in chart.series:
        if chart.kind == "line":
            fig.add_trace(go.Scatter(
                x=list(chart.categories), y=list(s.values), name=s.name, mode="lines" if s.dashed else "lines+markers",
                line=dict(color=s.colour, width=1.5 if s.dashed else 2.5, dash="dash" if s.dashed else "solid"),
                connectgaps=False,
            ))
        else:
            horizontal = chart.kind == "bar"
            xy = dict(y=list(chart.categories), x=list(s.values)) if horizontal else dict(x=list(chart.categories),
                                                                                          y=list(s.values))
            fig.add_trace(go.Bar(**xy, name=s.name, marker_color=s.colour, orientation="h" if horizontal else "v"))
    fig.update_layout(
        title=dict(text=chart.title, font=dict(size=15)), font=FONT, height=height,
        margin=dict(l=50, r=16, t=70, b=30), plot_bgcolor="white", paper_bgcolor="white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), showlegend=len(chart.series) > 1,
    )
    # Month labels on two lines ("Nov" over "25") stay level and apart even in a narrow preview.
    if chart.kind == "bar":  # values along x from zero, categories down the y axis in the data's order
        fig.update_xaxes(gridcolor="#eee", showline=True, linecolor="#999", rangemode="tozero", tickfont=dict(size=11))
        fig.update_yaxes(type="category", autorange="reversed", automargin=True, tickfont=dict(size=11))
        return fig
    ticks = dict(tickvals=list(chart.categories), ticktext=[c.replace(" ", "<br>") for c in chart.categories])
    fig.update_xaxes(gridcolor="#eee", showline=True, linecolor="#999", type="category", tickfont=dict(size=11),
                     tickangle=0, automargin=True, **ticks)
    fig.update_yaxes(title_text=chart.y_title, gridcolor="#eee", zeroline=True, zerolinecolor="#bbb")
    return fig
