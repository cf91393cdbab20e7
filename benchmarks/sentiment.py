"""Sentiment: macro-F1 on labelled customer comments, and comments scored per second.

``bench()`` (``make bench`` runs it through :mod:`benchmarks.run`) reads
``../shared/sentiment/{dev,test}/<lang>.csv`` and returns

* ``f1``: macro-F1 of :mod:`cx_metrics.sentiment` and of VADER (the method it
  replaced) on ``test/``, per language (over negative/neutral/positive) and per
  source (over the labels that source has), with the ``dev/`` figure beside each
  language: a method far better on test than on dev would be suspect;
* ``sentiment_comments_per_s``: distinct comments scored per second, language
  detected per comment, with every word lookup cold (the lexicons' caches are
  emptied before each run), the median of ``repeat`` runs over the test and dev
  comments of all four languages;
* ``markdown``: the table for the README.

Without ``../shared/sentiment`` it returns ``{"skipped": "../shared/sentiment not found"}``.

    python -m benchmarks.sentiment
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from cx_metrics import sentiment
from cx_metrics.sentiment import evaluate

SKIPPED = "skipped: ../shared/sentiment not found"


def _throughput(texts: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        for lang in sentiment.LANGS:
            sentiment.lexicon(lang)._memo.clear()
        t0 = time.perf_counter()
        sentiment.analyse_many(texts)
        runs.append(time.perf_counter() - t0)
    return len(texts) / statistics.median(runs)


def markdown(f1: pd.DataFrame) -> str:
    lines = ["| language | source | comments | macro-F1, cx_metrics | macro-F1, VADER | dev: cx_metrics / VADER |",
             "|---|---|---:|---:|---:|---:|"]
    for r in f1.itertuples():
        dev = f"{r.dev_cx_metrics:.2f} / {r.dev_vader:.2f}" if not pd.isna(r.dev_cx_metrics) else ""
        source = "**all**" if r.source == "all" else r.source
        lines.append(f"| {r.lang} | {source} | {r.rows:,} | {r.cx_metrics:.2f} | {r.vader:.2f} | {dev} |")
    return "\n".join(lines) + "\n"


def bench(_arg=None, repeat: int = 3, shared: Path = evaluate.SHARED) -> dict:
    if not shared.exists():
        print(f"[bench] sentiment: {SKIPPED}", file=sys.stderr)
        return {"skipped": SKIPPED}
    sentiment.lexicon.cache_clear()
    t0 = time.perf_counter()
    for lang in sentiment.LANGS:
        sentiment.lexicon(lang)
    load_s = time.perf_counter() - t0
    test = evaluate.evaluate(shared / "test")
    dev = evaluate.evaluate(shared / "dev")
    dev = dev[dev["source"] == "all"][["lang", "cx_metrics", "vader"]].add_prefix("dev_")
    f1 = test.merge(dev, left_on="lang", right_on="dev_lang", how="left").drop(columns="dev_lang")
    f1.loc[f1["source"] != "all", ["dev_cx_metrics", "dev_vader"]] = None
    texts = [t for split in ("test", "dev") for lang in sentiment.LANGS
             for t in evaluate.read_split(shared / split, lang)["text"]]
    return {
        "sentiment_comments_per_s": _throughput(texts, repeat),
        "sentiment_load_s": load_s,
        "comments_timed": len(texts),
        "f1": f1.to_dict("records"),
        "markdown": markdown(f1),
    }


if __name__ == "__main__":
    result = bench()
    if "skipped" in result:
        print(result["skipped"])
    else:
        print(result["markdown"])
        print(f"{result['sentiment_comments_per_s']:,.0f} comments/s over {result['comments_timed']:,} comments;"
              f" lexicons load in {result['sentiment_load_s']:.2f} s")
