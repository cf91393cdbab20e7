"""Figures for the voice of the customer."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .. import config
from . import FONT
from .units import lines


def theme_bars(themes: pd.DataFrame, score_label: str) -> go.Figure:
    """Share of comments per theme; bar colour = mean sentiment, label = share, sentiment and NPS.
    Themes whose sentiment is withheld (EX, too few people) are grey and say so."""
    d = themes.iloc[::-1].assign(
        label=[f"{t}{'  ▲ rising' if r else ''}" for t, r in zip(themes["theme"][::-1], themes["rising"][::-1])],
        text=[_label(s, m, n, score_label) for s, m, n in
              zip(themes["share_pct"][::-1], themes["sentiment"][::-1], themes["score"][::-1])])
    shown, withheld = d[d["sentiment"].notna()], d[d["sentiment"].isna()]
    common = dict(orientation="h", textposition="auto", insidetextanchor="start", showlegend=False,
                  hovertemplate="%{y}<br>%{x:.1f}% of comments<extra></extra>")
    fig = go.Figure(go.Bar(
        y=shown["label"], x=shown["share_pct"], text=shown["text"], **common,
        marker=dict(color=shown["sentiment"], colorscale="RdBu", cmin=-0.6, cmax=0.6,
                    colorbar=dict(title="sentiment", thickness=12)),
    ))
    if not withheld.empty:
        fig.add_trace(go.Bar(y=withheld["label"], x=withheld["share_pct"], text=withheld["text"],
                             marker_color="#d5d5d5", **common))
    fig.update_layout(title=dict(text="Themes: share of comments (colour: mean sentiment)", font=dict(size=16)),
                      font=FONT, plot_bgcolor="white", height=100 + 34 * len(d),
                      margin=dict(l=20, r=20, t=60, b=40))
    fig.update_xaxes(title_text="% of comments mentioning the theme", gridcolor="#eee")
    fig.update_yaxes(automargin=True, categoryorder="array", categoryarray=list(d["label"]))
    return fig


def _label(share: float, sentiment: float | None, score: float | None, score_label: str) -> str:
    """"12% · sentiment +0.20 · NPS 35"; figures withheld (EX, fewer than 5 people) are said to be."""
    if pd.isna(sentiment):
        return f"{share:.0f}% · sentiment and {score_label} hidden (fewer than {config.EX_MIN_RESPONDENTS} people)"
    return f"{share:.0f}% · sentiment {sentiment:+.2f} · {score_label} " + ("–" if pd.isna(score) else f"{score:.0f}")


def theme_trend(trend: pd.DataFrame) -> go.Figure:
    """Mentions per theme and month."""
    return lines(trend.rename(columns={"mentions": "value"}), "theme", "Theme mentions by month", "mentions")


def sentiment_trend(trend: pd.DataFrame) -> go.Figure:
    """Mean sentiment per theme and month."""
    return lines(trend.rename(columns={"sentiment": "value"}), "theme",
                 "Theme sentiment by month (sentiment score, −1 to +1)", "mean sentiment")
