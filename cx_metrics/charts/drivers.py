"""Figures for key drivers."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import CX_COLOUR, EX_COLOUR, FONT, _rgba

QUADRANT_COLOUR = {"fix first": "#c0392b", "maintain": "#1f5fa8", "lower priority": "#888", "possible overkill": "#b9770e"}


def importance(table: pd.DataFrame, title: str) -> go.Figure:
    """Relative weight (% of R^2) per attribute with its bootstrap 95% CI, biggest on top."""
    d = table.iloc[::-1]
    r2 = table["weight"].sum()
    scale = 100 / r2 if r2 else 0
    labels = [f"{a}  ({p:.0f}%, r = {c:.2f})" for a, p, c in zip(d["attribute"], d["pct"], d["correlation"])]
    fig = go.Figure(go.Bar(
        y=labels, x=d["pct"], orientation="h", marker_color=_rgba(CX_COLOUR, 0.8),
        error_x=dict(type="data", symmetric=False, array=(d["ci_high"] - d["weight"]) * scale,
                     arrayminus=(d["weight"] - d["ci_low"]) * scale, color="#555"),
        hovertemplate="%{y}<br>%{x:.1f}% of explained variance<extra></extra>",
    ))
    fig.update_layout(title=dict(text=title, font=dict(size=16)), font=FONT, plot_bgcolor="white",
                      height=90 + 34 * len(d), margin=dict(l=20, r=20, t=60, b=40), showlegend=False)
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(title_text="relative importance (% of R², 95% CI)", gridcolor="#eee", rangemode="tozero")
    return fig


def _label_positions(table: pd.DataFrame) -> pd.Series:
    """A text position per point: above, unless a point already labelled lies close
    (within 12% of the x range and 15% of the y range); then below, right or left."""
    x = table["pct"] / ((table["pct"].max() - table["pct"].min()) or 1)
    y = table["performance"] / ((table["performance"].max() - table["performance"].min()) or 1)
    choices = ("top center", "bottom center", "middle right", "middle left")
    out: dict = {}
    for i in table.sort_values("pct", ascending=False).index:
        near = [out[j] for j in out if abs(x[i] - x[j]) < 0.12 and abs(y[i] - y[j]) < 0.15]
        out[i] = next((c for c in choices if c not in near), choices[len(near) % 4])
    return pd.Series(out)


def quadrant(table: pd.DataFrame) -> go.Figure:
    """Importance (x) against performance (y); the quadrants are named, not only coloured."""
    fig = go.Figure()
    positions = _label_positions(table)
    for name, d in table.groupby("quadrant"):
        fig.add_trace(go.Scatter(
            x=d["pct"], y=d["performance"], mode="markers+text", text=d["attribute"], name=name,
            textposition=list(positions[d.index]), marker=dict(size=12, color=QUADRANT_COLOUR.get(name, EX_COLOUR)),
            hovertemplate="%{text}<br>importance %{x:.1f}%<br>performance %{y:.1f}%<extra>" + name + "</extra>",
        ))
    x0, y0 = table["pct"].mean(), table["performance"].mean()
    fig.add_vline(x=x0, line=dict(color="#999", dash="dot"))
    fig.add_hline(y=y0, line=dict(color="#999", dash="dot"))
    for text, xa, ya, xanchor, yanchor in (
        ("fix first", 1, 0, "right", "bottom"), ("maintain", 1, 1, "right", "top"),
        ("lower priority", 0, 0, "left", "bottom"), ("possible overkill", 0, 1, "left", "top"),
    ):
        fig.add_annotation(xref="paper", yref="paper", x=xa, y=ya, text=f"<b>{text}</b>", showarrow=False,
                           xanchor=xanchor, yanchor=yanchor, font=dict(color=QUADRANT_COLOUR[text], size=12))
    fig.update_layout(title=dict(text="Importance and performance", font=dict(size=16)), font=FONT,
                      plot_bgcolor="white", height=430, margin=dict(l=60, r=20, t=60, b=50),
                      legend=dict(orientation="h", yanchor="top", y=-0.15, x=0))
    xspan = (table["pct"].max() - table["pct"].min()) or 1  # room for the labels at either edge
    fig.update_xaxes(title_text="importance (% of R²)", gridcolor="#eee",
                     range=[table["pct"].min() - 0.2 * xspan, table["pct"].max() + 0.2 * xspan])
    span = (table["performance"].max() - table["performance"].min()) or 1
    fig.update_yaxes(title_text="performance (mean rating, % of scale)", gridcolor="#eee",
                     range=[table["performance"].min() - 0.25 * span, table["performance"].max() + 0.25 * span])
    return fig
