"""Figures for the voice of the customer."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import FONT
from .units import lines


def theme_bars(themes: pd.DataFrame, score_label: str) -> go.Figure:
    """Share of comments per theme; bar colour = mean sentiment, label = share, sentiment and NPS."""
    d = themes.iloc[::-1]
    labels = [f"{t}{'  ▲ rising' if r else ''}" for t, r in zip(d["theme"], d["rising"])]
    fig = go.Figure(go.Bar(
        y=labels, x=d["share_pct"], orientation="h",
        marker=dict(color=d["sentiment"], colorscale="RdBu", cmin=-0.6, cmax=0.6,
                    colorbar=dict(title="sentiment", thickness=12)),
        text=[f"{s:.0f}% · sentiment {m:+.2f} · {score_label} {n:.0f}" for s, m, n in
              zip(d["share_pct"], d["sentiment"], d["score"].fillna(float("nan")))],
        textposition="auto", insidetextanchor="start",
        hovertemplate="%{y}<br>%{x:.1f}% of comments<extra></extra>",
    ))
    fig.update_layout(title=dict(text="Themes: share of comments (colour: mean sentiment)", font=dict(size=16)),
                      font=FONT, plot_bgcolor="white", height=100 + 34 * len(d),
                      margin=dict(l=20, r=20, t=60, b=40))
    fig.update_xaxes(title_text="% of comments mentioning the theme", gridcolor="#eee")
    fig.update_yaxes(automargin=True)
    return fig


def theme_trend(trend: pd.DataFrame) -> go.Figure:
    """Mentions per theme and month."""
    return lines(trend.rename(columns={"mentions": "value"}), "theme", "Theme mentions by month", "mentions")


def sentiment_trend(trend: pd.DataFrame) -> go.Figure:
    """Mean sentiment per theme and month."""
    return lines(trend.rename(columns={"sentiment": "value"}), "theme", "Theme sentiment by month (VADER compound)",
                 "mean sentiment")
