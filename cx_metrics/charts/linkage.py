"""Figures for the CX-EX link (pages/cx_ex.py and the board pack)."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import CX_COLOUR, EX_COLOUR, FONT, _rgba

GREY = "#666"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, font=dict(size=16)), font=FONT, height=height, plot_bgcolor="white",
        margin=dict(l=55, r=20, t=60, b=50), legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    fig.update_xaxes(gridcolor="#eee", showline=True, linecolor="#999")
    fig.update_yaxes(gridcolor="#eee", zeroline=True, zerolinecolor="#bbb")
    return fig


def small_multiples(panel: pd.DataFrame, columns: int = 4) -> go.Figure:
    """NPS and eNPS by month, one panel per unit, on shared axes."""
    units = sorted(panel["business_unit"].unique())
    rows = max(1, math.ceil(len(units) / columns))
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=units, vertical_spacing=0.09, horizontal_spacing=0.03)
    for i, unit in enumerate(units):
        d = panel[panel["business_unit"] == unit]
        r, c = i // columns + 1, i % columns + 1
        for col, name, colour in (("nps", "NPS", CX_COLOUR), ("enps", "eNPS", EX_COLOUR)):
            fig.add_trace(go.Scatter(
                x=d["month"], y=d[col], mode="lines", name=name, line=dict(color=colour, width=1.8),
                showlegend=i == 0, legendgroup=name,
                hovertemplate=f"{unit}<br>%{{x|%b %Y}}: {name} %{{y:.1f}}<extra></extra>",
            ), row=r, col=c)
    fig.update_annotations(font=dict(size=12))
    fig = _layout(fig, "NPS and eNPS by unit and month (shared axes; gaps: no reporting cell that month)",
                  170 * rows + 120)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.06, x=0), margin=dict(b=70))
    return fig


def scatter(units: pd.DataFrame, slope: float | None, intercept: float | None, r_text: str) -> go.Figure:
    """eNPS (x) against NPS (y), one bubble per unit sized by customer responses."""
    size = units["nps_n"].astype(float)
    fig = go.Figure(go.Scatter(
        x=units["enps"], y=units["nps"], mode="markers+text", text=units["business_unit"],
        textposition="top center", textfont=dict(size=11, color=GREY),
        marker=dict(size=10 + 30 * (size / size.max()).fillna(0) if len(size) else 10,
                    color=_rgba(CX_COLOUR, 0.55), line=dict(color=CX_COLOUR, width=1)),
        customdata=units[["nps_n", "enps_n"]],
        hovertemplate="%{text}<br>eNPS %{x:.1f} (n = %{customdata[1]:,})<br>NPS %{y:.1f} "
                      "(n = %{customdata[0]:,})<extra></extra>",
        name="units",
    ))
    if slope is not None and len(units):
        xs = [units["enps"].min(), units["enps"].max()]
        fig.add_trace(go.Scatter(x=xs, y=[intercept + slope * x for x in xs], mode="lines", name="fitted line",
                                 line=dict(color=GREY, dash="dash", width=1.5), hoverinfo="skip"))
    fig = _layout(fig, "eNPS and NPS by unit (bubble size: customer responses)", 430)
    fig.update_xaxes(title_text="eNPS (employees)")
    fig.update_yaxes(title_text="NPS (customers)")
    return fig


def lag_chart(table: pd.DataFrame, best_lag: int | None) -> go.Figure:
    """r with its 95% CI for each lag; the strongest lag highlighted."""
    colours = [EX_COLOUR if lag == best_lag else _rgba(EX_COLOUR, 0.45) for lag in table["lag"]]
    fig = go.Figure(go.Bar(
        x=table["lag"], y=table["r"], marker_color=colours, name="r",
        error_y=dict(type="data", symmetric=False, array=table["ci_high"] - table["r"],
                     arrayminus=table["r"] - table["ci_low"], color=GREY, thickness=1.2),
        text=[f"{r:.2f}" for r in table["r"]], textposition="outside", cliponaxis=False,
        hovertemplate="eNPS leads NPS by %{x} months<br>r = %{y:.2f}<extra></extra>",
    ))
    if best_lag is not None:
        best = table.set_index("lag").loc[best_lag]
        fig.add_annotation(x=best_lag, y=best["ci_high"], yshift=28, showarrow=False,
                           text=f"strongest: {best_lag} month{'s' if best_lag != 1 else ''}",
                           font=dict(size=12, color=EX_COLOUR))
    fig = _layout(fig, "eNPS now vs NPS k months later, within units", 400)
    fig.update_xaxes(title_text="k: months by which eNPS leads NPS", dtick=1)
    fig.update_yaxes(title_text="correlation r (95% CI)", rangemode="tozero")
    fig.update_layout(showlegend=False)
    return fig


def outcomes_scatter(table: pd.DataFrame) -> go.Figure:
    """NPS (x) against customer retention (y) per unit."""
    fig = go.Figure(go.Scatter(
        x=table["nps"], y=table["retention"], mode="markers+text", text=table["business_unit"],
        textposition="top center", textfont=dict(size=11, color=GREY),
        marker=dict(size=12, color=_rgba(CX_COLOUR, 0.6), line=dict(color=CX_COLOUR, width=1)),
        hovertemplate="%{text}<br>NPS %{x:.1f}<br>retention %{y:.1f}%<extra></extra>",
    ))
    fig = _layout(fig, "Customer retention against NPS by unit", 400)
    fig.update_xaxes(title_text="NPS")
    fig.update_yaxes(title_text="customer retention (%)")
    return fig
