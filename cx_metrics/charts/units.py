"""Figures for units, the journey map and internal customers."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from . import CX_COLOUR, EX_COLOUR, FONT, _rgba

STATUS_COLOUR = {"on track": "#d7eedb", "at risk": "#fbe9c6", "off track": "#f6d3d0", None: "#f2f2f2"}
STATUS_RANK = {"off track": 0, "at risk": 1, "on track": 2, None: -1}


def _base(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title=dict(text=title, font=dict(size=16)), font=FONT, height=height,
                      plot_bgcolor="white", margin=dict(l=60, r=20, t=60, b=50),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    fig.update_xaxes(gridcolor="#eee")
    fig.update_yaxes(gridcolor="#eee")
    return fig


def status_heatmap(text: pd.DataFrame, status: pd.DataFrame, title: str) -> go.Figure:
    """A table-like heatmap: cell colour = target status, cell text = value, change
    and significance marker, so colour is never the only signal."""
    z = status.map(lambda s: STATUS_RANK.get(s, -1)).astype(float)
    scale = [[0.0, STATUS_COLOUR[None]], [0.25, STATUS_COLOUR[None]], [0.25, STATUS_COLOUR["off track"]],
             [0.5, STATUS_COLOUR["off track"]], [0.5, STATUS_COLOUR["at risk"]], [0.75, STATUS_COLOUR["at risk"]],
             [0.75, STATUS_COLOUR["on track"]], [1.0, STATUS_COLOUR["on track"]]]
    hover = text + "<br>" + status.fillna("no target").astype(str)
    fig = go.Figure(go.Heatmap(
        z=z.values, x=list(text.columns), y=list(text.index), text=text.values, texttemplate="%{text}",
        textfont=dict(size=12), colorscale=scale, zmin=-1, zmax=2, showscale=False, xgap=2, ygap=2,
        customdata=hover.values, hovertemplate="%{y} · %{x}<br>%{customdata}<extra></extra>",
    ))
    fig = _base(fig, title, 60 + 34 * max(len(text), 3))
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(side="top", showgrid=False)
    fig.update_layout(margin=dict(l=140, r=20, t=90, b=20))
    return fig


def journey_ribbon(stages: pd.DataFrame) -> go.Figure:
    """NPS by journey stage in order, with CIs; the weakest stage stands out."""
    colours = [EX_COLOUR if w else _rgba(CX_COLOUR, 0.75) for w in stages["weakest"]]
    labels = [f"{v:.1f}{' (weakest)' if w else ''}" if pd.notna(v) else "—"
              for v, w in zip(stages["nps"], stages["weakest"])]
    fig = go.Figure(go.Bar(
        x=stages["stage"], y=stages["nps"], marker_color=colours, text=labels, textposition="outside",
        cliponaxis=False,
        error_y=dict(type="data", symmetric=False, array=stages["nps_ci_high"] - stages["nps"],
                     arrayminus=stages["nps"] - stages["nps_ci_low"], color="#666", thickness=1.2),
        customdata=stages[["nps_n", "detractors_pct"]],
        hovertemplate="%{x}<br>NPS %{y:.1f} (%{customdata[0]:,} NPS answers)<br>%{customdata[1]:.1f}% detractors"
                      "<extra></extra>",
    ))
    fig = _base(fig, "NPS along the customer journey (95% CI)", 380)
    fig.update_yaxes(title_text="NPS", zeroline=True, zerolinecolor="#999")
    return fig


def stage_channel_heatmap(cells: pd.DataFrame, stage_order: list[str]) -> go.Figure:
    """NPS for stage (rows) x channel (columns); the value and n are written in each cell."""
    wide = cells.pivot(index="stage", columns="channel", values="nps").reindex(
        [s for s in stage_order if s in set(cells["stage"])])
    n = cells.pivot(index="stage", columns="channel", values="n").reindex(wide.index)[wide.columns]
    text = pd.DataFrame(
        [[("" if pd.isna(v) else f"{v:.0f}<br>n={int(c):,}") for v, c in zip(vr, cr)]
         for vr, cr in zip(wide.values, n.values)],
        index=wide.index, columns=wide.columns,
    )
    fig = go.Figure(go.Heatmap(
        z=wide.values, x=list(wide.columns), y=list(wide.index), text=text.values, texttemplate="%{text}",
        colorscale="RdBu", zmid=0, colorbar=dict(title="NPS"), xgap=2, ygap=2,
        customdata=n.values, hovertemplate="%{y} · %{x}<br>NPS %{z:.1f} (%{customdata:,} NPS answers)<extra></extra>",
    ))
    fig = _base(fig, "NPS by stage and channel (the touchpoints within a stage)", 70 + 48 * max(len(wide), 3))
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(side="top", showgrid=False)
    fig.update_layout(margin=dict(l=90, r=20, t=90, b=20))
    return fig


def lines(frame: pd.DataFrame, group: str, title: str, y_title: str, palette: list[str] | None = None) -> go.Figure:
    """One line per ``group`` value over ``period`` (gaps where hidden)."""
    palette = palette or [CX_COLOUR, EX_COLOUR, *qualitative.Safe]
    fig = go.Figure()
    for i, (name, d) in enumerate(frame.groupby(group, sort=False)):
        d = d.sort_values("period")
        fig.add_trace(go.Scatter(x=d["period"], y=d["value"], mode="lines+markers", name=str(name),
                                 line=dict(color=palette[i % len(palette)], width=2), marker=dict(size=5),
                                 hovertemplate=f"{name}<br>%{{x|%b %Y}}: %{{y:.1f}}<extra></extra>"))
    fig = _base(fig, title, 420)
    fig.update_yaxes(title_text=y_title)
    # Below the plot: a long legend above it would run into the title in a half-width column.
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.14, x=0), margin=dict(b=110))
    return fig
