"""DataFrame -> Plotly figure, shared by pages and the slide export.

This module holds the house style (colours, font) and the KPI trend chart;
each analysis area adds its figures in a submodule (e.g. charts/journey.py).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from ..kpis import KPIS

CX_COLOUR = "#1f5fa8"  # blue: customers
EX_COLOUR = "#c2571a"  # orange: employees and partners (distinguishable for colour-blind viewers)
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=13)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def trend(
    rows: pd.DataFrame,
    kpi: str,
    x_range: tuple[date, date],
    colour: str = CX_COLOUR,
    target: float | None = None,
    title: str | None = None,
    highlight: tuple[date, date] | None = None,
) -> go.Figure:
    """A KPI over time with its 95% interval as a band.

    ``rows`` are :func:`cx_metrics.kpis.trend` rows (any KPIs; ``kpi`` is
    picked). Suppressed buckets leave a gap and are named in the hover.
    ``x_range`` fixes the time axis so that side-by-side charts share it;
    ``highlight`` shades the selected period.
    """
    d = rows[rows["kpi"] == kpi].sort_values("period")
    label = KPIS[kpi].label
    hover = [
        "hidden: fewer than 5 people, or it would reveal a smaller group" if s else f"{v:.1f} (95% CI {lo:.1f} to {hi:.1f})<br>n = {n:,}"
        for v, lo, hi, n, s in zip(d["value"], d["ci_low"], d["ci_high"], d["n"].fillna(0).astype(int), d["suppressed"])
    ]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=d["period"], y=d["ci_high"], mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False,
    ))
    fig.add_trace(go.Scatter(
        x=d["period"], y=d["ci_low"], mode="lines", line=dict(width=0), fill="tonexty",
        fillcolor=_rgba(colour, 0.18), name="95% CI", hoverinfo="skip",
    ))
    fig.add_trace(go.Scatter(
        x=d["period"], y=d["value"], mode="lines+markers", name=label, line=dict(color=colour, width=2.5),
        marker=dict(size=6), text=hover, hovertemplate="%{x|%d %b %Y}<br>%{text}<extra></extra>",
    ))
    if target is not None:
        # Named in the legend, not by an annotation that would sit on the data.
        target_line = dict(color="#555", dash="dash", width=1)
        fig.add_hline(y=target, line=target_line)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=target_line, name=f"Target {target:g}"))
    if highlight is not None:
        fig.add_vrect(
            x0=pd.Timestamp(highlight[0]), x1=pd.Timestamp(highlight[1]), fillcolor="#888", opacity=0.08,
            line_width=0, annotation_text="selected period", annotation_position="bottom right",
            annotation_font=dict(size=11, color="#555"),
        )
    fig.update_layout(
        title=dict(text=title or f"{label} with 95% confidence band", font=dict(size=16)),
        font=FONT, height=340, margin=dict(l=50, r=20, t=50, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=-0.28, x=0),
        plot_bgcolor="white", hovermode="x unified",
    )
    # A little room on the left, so the first point (dated the first day of
    # the window) is not cut in half by the axis.
    first, last = pd.Timestamp(x_range[0]), pd.Timestamp(x_range[1])
    pad = (last - first) * 0.03
    fig.update_xaxes(range=[first - pad, last], gridcolor="#eee", showline=True, linecolor="#999")
    fig.update_yaxes(title_text=label, gridcolor="#eee", zeroline=True, zerolinecolor="#bbb")
    return fig
