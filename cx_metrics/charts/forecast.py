"""Forecast cones (cx_metrics.forecast) on trend charts: the overview's and the CX-EX page's."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..forecast import Cone, Forecast
from ..kpis import KPIS
from . import CX_COLOUR, FONT, _rgba

#: Trace names (tests and legends find the cone by them).
LINE = "forecast"
BAND80 = "80% forecast range"
BAND95 = "95% forecast range"


def cone_frame(fc: Forecast) -> pd.DataFrame:
    """The forecast months, led by the last month fitted as a point of zero width, so the cone
    starts on the trend's last point. Columns: month (Timestamp), value, lo80, hi80, lo95, hi95."""
    last = fc.history.dropna(subset=["value"]).iloc[-1]
    start = {"month": last["month"].to_timestamp(), **{c: last["value"] for c in ("value", "lo80", "hi80", "lo95", "hi95")}}
    future = fc.frame.assign(month=pd.to_datetime(fc.frame["month"]))
    return pd.concat([pd.DataFrame([start]), future], ignore_index=True)


def add_forecast_cone(fig: go.Figure, fc: Forecast, colour: str = CX_COLOUR, legend: bool = True) -> go.Figure:
    """Append ``fc`` to a trend figure: shaded 95% and 80% ranges and a dashed line named
    :data:`LINE` (in the legend when ``legend``), from the last month fitted to the last month
    forecast. A fixed x range is widened to take the cone, and a legend under the chart is hung
    below the axis labels. Returns ``fig``."""
    d = cone_frame(fc)
    label = KPIS[fc.kpi].label
    group = f"forecast-{fc.kpi}"
    for lo, hi, name, alpha in (("lo95", "hi95", BAND95, 0.10), ("lo80", "hi80", BAND80, 0.22)):
        fig.add_trace(go.Scatter(x=d["month"], y=d[hi], mode="lines", line=dict(width=0), hoverinfo="skip",
                                 showlegend=False, legendgroup=group))
        # The bands stay out of the legend (the caption names them): six entries would not fit under a chart.
        fig.add_trace(go.Scatter(x=d["month"], y=d[lo], mode="lines", line=dict(width=0), fill="tonexty",
                                 fillcolor=_rgba(colour, alpha), name=name, hoverinfo="skip", legendgroup=group,
                                 showlegend=False))
    dec = KPIS[fc.kpi].decimals
    hover = [""] + [f"{label} forecast: {r.value:.{dec}f}<br>80% range {r.lo80:.{dec}f} to {r.hi80:.{dec}f}"
                    f"<br>95% range {r.lo95:.{dec}f} to {r.hi95:.{dec}f}" for r in d.iloc[1:].itertuples()]
    fig.add_trace(go.Scatter(
        x=d["month"], y=d["value"], mode="lines+markers", name=LINE, legendgroup=group, showlegend=legend,
        line=dict(color=colour, width=2, dash="dash"), marker=dict(size=[0] + [6] * (len(d) - 1), color=colour),
        text=hover, hovertemplate="%{x|%b %Y}<br>%{text}<extra></extra>",
    ))
    if legend and fig.layout.legend.orientation == "h" and fig.layout.legend.yanchor == "bottom":
        # A legend under the chart that gains an entry may wrap to a second row, which would grow upwards
        # over the axis labels: hang it from the top instead, below the labels, and make room for it.
        fig.update_layout(legend=dict(yanchor="top", y=-0.13), margin=dict(b=(fig.layout.margin.b or 40) + 30))
    x_range = fig.layout.xaxis.range
    if x_range is not None:
        end = d["month"].iloc[-1] + pd.Timedelta(days=12)
        fig.update_xaxes(range=[x_range[0], max(pd.Timestamp(x_range[1]), end)])
    return fig


def with_cone(fig: go.Figure, cone: Cone, colour: str = CX_COLOUR) -> go.Figure:
    """``fig`` with ``cone``'s forecast appended (:func:`add_forecast_cone`), or as it is when there is none."""
    return add_forecast_cone(fig, cone.forecast, colour) if cone.forecast is not None else fig


def outlook(forecasts: list[tuple[Forecast, str]], title: str) -> go.Figure:
    """Each forecast's history as a line and its cone after it, on one time axis (NPS and eNPS,
    both in points). ``forecasts``: (forecast, colour) pairs."""
    fig = go.Figure()
    for i, (fc, colour) in enumerate(forecasts):
        h = fc.history
        label = KPIS[fc.kpi].label
        fig.add_trace(go.Scatter(
            x=[m.to_timestamp() for m in h["month"]], y=h["value"], mode="lines+markers", name=label,
            line=dict(color=colour, width=2.2), marker=dict(size=4), connectgaps=False,
            hovertemplate=f"%{{x|%b %Y}}<br>{label} %{{y:.1f}}<extra></extra>",
        ))
        add_forecast_cone(fig, fc, colour, legend=i == 0)  # one legend entry per kind of mark
    fig.update_layout(
        title=dict(text=title, font=dict(size=16)), font=FONT, height=400, plot_bgcolor="white",
        margin=dict(l=55, r=20, t=50, b=40), legend=dict(orientation="h", yanchor="top", y=-0.1, x=0),
        hovermode="closest",
    )
    fig.update_xaxes(gridcolor="#eee", showline=True, linecolor="#999")
    fig.update_yaxes(title_text="points", gridcolor="#eee", zeroline=True, zerolinecolor="#bbb")
    return fig

