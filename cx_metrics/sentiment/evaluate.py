"""Measuring sentiment against labelled comments: macro-F1 per language and per source.

The labelled sets live outside the project, in ``../shared/sentiment/{dev,test}/<lang>.csv``
(columns text, label, lang, source); they are read, never copied or learned from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from . import LANGS, analyse, label

LABELS = ("negative", "neutral", "positive")
#: ``../shared/sentiment`` beside the checkout.
SHARED = Path(__file__).resolve().parents[3] / "shared" / "sentiment"


def macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None) -> float:
    """Mean F1 over ``labels`` (default: the labels in ``gold``); a label never predicted nor true is skipped.

    F1 = 2 TP / (2 TP + FP + FN) per label; a label with no true and no predicted rows is left out.
    Binary sources (positive/negative only) are thus scored on their two labels.
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    labels = sorted(set(gold)) if labels is None else labels
    scores = []
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, predicted))
        fp = sum(g != lab and p == lab for g, p in zip(gold, predicted))
        fn = sum(g == lab and p != lab for g, p in zip(gold, predicted))
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def vader_label(text: str) -> str:
    """VADER's label for ``text`` (compound +-0.05), the old method, for comparison."""
    return label(_vader().polarity_scores(text)["compound"])


def _vader():
    global _VADER
    if _VADER is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _VADER = SentimentIntensityAnalyzer()
    return _VADER


_VADER = None


def read_split(folder: Path, lang: str) -> pd.DataFrame:
    """One labelled file: text, label, lang, source."""
    return pd.read_csv(folder / f"{lang}.csv", dtype=str, keep_default_na=False)


def evaluate(folder: Path = SHARED / "test", methods: dict[str, Callable[[str], str]] | None = None) -> pd.DataFrame:
    """Macro-F1 of each method per language (source "all", over the three labels) and per source
    (over the labels that source has). Columns: lang, source, rows, then one per method."""
    methods = methods or {"cx_metrics": lambda t: analyse(t).label, "vader": vader_label}
    rows = []
    for lang in LANGS:
        data = read_split(folder, lang)
        predicted = {name: [fn(t) for t in data["text"]] for name, fn in methods.items()}
        groups = [("all", data.index, LABELS)] + [(s, g.index, None) for s, g in data.groupby("source")]
        for source, index, labels in groups:
            gold = data.loc[index, "label"].tolist()
            row = {"lang": lang, "source": source, "rows": len(index)}
            for name, pred in predicted.items():
                row[name] = round(macro_f1(gold, [pred[i] for i in index], labels), 3)
            rows.append(row)
    return pd.DataFrame(rows)
