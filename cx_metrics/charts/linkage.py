"""Figures for the CX-EX link (pages/cx_ex.py and the board pack)."""

from __future__ import annotations

import math

import numpy as np
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
    """NPS and eNPS by month, one panel per unit, every panel on the same x and y axes.

    ("all": plain ``True`` would only share y within a row and x within a column, so units in
    different rows would be drawn on different scales.)
    """
    units = sorted(panel["business_unit"].unique())
    rows = max(1, math.ceil(len(units) / columns))
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes="all", shared_yaxes="all",
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


def extreme_labels(x: pd.Series, y: pd.Series) -> dict[int, str]:
    """Which points a unit scatter names on the chart, and where: {row position: textposition}.

    Twelve unit names written next to their points run into each other, so only the points with
    the highest and lowest ``y`` and ``x`` (at most four) get a label; hover names every point.
    The highest ``y`` is labelled above, the lowest below, and the left- and rightmost points
    above or below, whichever faces away from the middle of the cloud. (The figure leaves room
    at the sides for them: see :func:`_label_room`.)
    """
    if len(x) == 0:
        return {}
    xs, ys = x.to_numpy(float), y.to_numpy(float)
    middle = float(np.median(ys))
    out: dict[int, str] = {int(ys.argmax()): "top center"}
    out.setdefault(int(ys.argmin()), "bottom center")
    for i in (int(xs.argmin()), int(xs.argmax())):
        out.setdefault(i, "top center" if ys[i] >= middle else "bottom center")
    return out


def _label_room(fig: go.Figure, x: pd.Series) -> None:
    """Widen the x axis by a quarter of the data's span each side, so the outermost labels fit."""
    if len(x):
        lo, hi = float(x.min()), float(x.max())
        pad = max(hi - lo, 10.0) * 0.25
        fig.update_xaxes(range=[lo - pad, hi + pad])


def scatter(units: pd.DataFrame, slope: float | None, intercept: float | None, r_text: str) -> go.Figure:
    """eNPS (x) against NPS (y), one bubble per unit sized by customer responses.

    Every unit is named on hover; only the extremes are labelled on the chart (:func:`extreme_labels`).
    """
    size = units["nps_n"].astype(float)
    labels = extreme_labels(units["enps"], units["nps"])
    names = list(units["business_unit"])
    fig = go.Figure(go.Scatter(
        x=units["enps"], y=units["nps"], mode="markers+text",
        text=[names[i] if i in labels else "" for i in range(len(names))],
        textposition=[labels.get(i, "top center") for i in range(len(names))],
        textfont=dict(size=11, color=GREY),
        marker=dict(size=10 + 30 * (size / size.max()).fillna(0) if len(size) else 10,
                    color=_rgba(CX_COLOUR, 0.55), line=dict(color=CX_COLOUR, width=1)),
        customdata=pd.DataFrame({"unit": names, "nps_n": units["nps_n"].to_numpy(),
                                 "enps_n": units["enps_n"].to_numpy()}),
        hovertemplate="%{customdata[0]}<br>eNPS %{x:.1f} (n = %{customdata[2]:,})<br>NPS %{y:.1f} "
                      "(n = %{customdata[1]:,})<extra></extra>",
        name="units",
    ))
    if slope is not None and len(units):
        xs = [units["enps"].min(), units["enps"].max()]
        fig.add_trace(go.Scatter(x=xs, y=[intercept + slope * x for x in xs], mode="lines", name="fitted line",
                                 line=dict(color=GREY, dash="dash", width=1.5), hoverinfo="skip"))
    fig = _layout(fig, "eNPS and NPS by unit (bubble size: customer responses)", 430)
    _label_room(fig, units["enps"])
    fig.update_traces(cliponaxis=False, selector=dict(name="units"))
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
    """NPS (x) against customer retention (y) per unit; the extremes labelled (:func:`extreme_labels`)."""
    labels = extreme_labels(table["nps"], table["retention"])
    names = list(table["business_unit"])
    fig = go.Figure(go.Scatter(
        x=table["nps"], y=table["retention"], mode="markers+text", cliponaxis=False,
        text=[names[i] if i in labels else "" for i in range(len(names))],
        textposition=[labels.get(i, "top center") for i in range(len(names))],
        textfont=dict(size=11, color=GREY), customdata=names,
        marker=dict(size=12, color=_rgba(CX_COLOUR, 0.6), line=dict(color=CX_COLOUR, width=1)),
        hovertemplate="%{customdata}<br>NPS %{x:.1f}<br>retention %{y:.1f}%<extra></extra>",
    ))
    _label_room(fig, table["nps"])
    fig = _layout(fig, "Customer retention against NPS by unit (hover for every unit)", 400)
    fig.update_xaxes(title_text="NPS")
    fig.update_yaxes(title_text="customer retention (%)")
    return fig
