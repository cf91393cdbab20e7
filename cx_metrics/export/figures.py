"""Plotly figures of board-pack charts, and PNG images of any Plotly figure.

:func:`figure` draws a :class:`~cx_metrics.boardpack.NativeChart` with Plotly,
for the page preview and the PDF (PowerPoint draws the same data natively).
:func:`png` renders a figure with kaleido, which drives a headless Chromium
(Debian's ``/usr/bin/chromium``). Starting Chromium takes seconds, so the
kaleido server is started once per process and reused.
"""

from __future__ import annotations

import threading

import plotly.graph_objects as go

from ..charts import FONT

_server_lock = threading.Lock()
_server_started = False


def start_server() -> None:
    """Start kaleido's Chromium once per process (later calls do nothing).

    MathJax is off: charts use no LaTeX, and kaleido would otherwise fetch it from a CDN.
    """
    global _server_started
    with _server_lock:
        if not _server_started:
            import kaleido

            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
            _server_started = True


class ImageError(RuntimeError):
    """A figure could not be rendered (no Chromium, or Chromium failed)."""


def png(fig: go.Figure | dict, width: int, height: int, scale: float = 2) -> bytes:
    """``fig`` as PNG bytes of ``width`` × ``height`` CSS pixels (times ``scale``)."""
    import kaleido

    start_server()
    try:
        return kaleido.calc_fig_sync(fig, opts=dict(format="png", width=int(width), height=int(height), scale=scale))
    except Exception as exc:  # choreographer raises several types; one clear message for callers
        raise ImageError(f"could not render a chart image with kaleido/Chromium: {exc}") from exc


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
