"""Sentiment of customer comments (cx_metrics.sentiment): service language, negation, languages, the CLI,
and macro-F1 on the labelled sets in ../shared/sentiment (skipped when absent)."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cx_metrics import cli, sentiment
from cx_metrics.sentiment import evaluate

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "sentiment"
SERVICE = pd.read_csv(ROOT / "tests" / "data" / "service_sentences.csv")
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared/sentiment not found")


def test_the_queue_sentence_is_positive():
    # VADER scored it -0.30: "no" and "queue" read as negative words.
    result = sentiment.analyse("No queue at all, in and out in minutes")
    assert (result.label, result.lang) == ("positive", "en") and result.score > 0.5


@pytest.mark.parametrize("lang", sentiment.LANGS)
@pytest.mark.parametrize("given", [False, True])
def test_service_sentences_are_read_right(lang, given):
    # The project's own short service sentences (tests/data/service_sentences.csv), 25+ per language.
    rows = SERVICE[SERVICE["lang"] == lang]
    assert len(rows) >= 25 and set(rows["label"]) == {"negative", "neutral", "positive"}
    got = [sentiment.analyse(t, lang if given else "auto").label for t in rows["text"]]
    wrong = [(t, g) for t, g, want in zip(rows["text"], got, rows["label"]) if g != want]
    assert 1 - len(wrong) / len(rows) >= 0.85, wrong


GRID = {
    "en": (["It was {}.", "The staff were {}."], ["It was not {}.", "The staff weren't {}."],
           "good great helpful friendly fast excellent easy polite", "bad slow rude terrible expensive dirty awful"),
    "de": (["Es war {}.", "Der Service war {}."], ["Es war nicht {}.", "Der Service war nicht {}."],
           "gut toll freundlich schnell hilfreich pünktlich angenehm zuverlässig",
           "schlecht langsam unfreundlich teuer schmutzig schrecklich mies enttäuschend"),
    "fr": (["C'était {}.", "Le service était {}."], ["Ce n'était pas {}.", "Le service n'était pas {}."],
           "bon rapide aimable efficace agréable parfait sympa facile",
           "mauvais lent désagréable cher sale horrible décevant compliqué"),
    "es": (["Fue {}.", "El servicio era {}."], ["No fue {}.", "El servicio no era {}."],
           "bueno rápido amable eficaz agradable perfecto fácil limpio",
           "malo lento caro sucio horrible pésimo desagradable incómodo"),
}


@pytest.mark.parametrize("lang", sentiment.LANGS)
def test_negation_flips_or_neutralises_every_word_of_the_grid(lang):
    plain, negated, positive, negative = GRID[lang]
    for words, polarity in ((positive, "positive"), (negative, "negative")):
        for word in words.split():
            for template, negation in zip(plain, negated):
                assert sentiment.analyse(template.format(word), lang).label == polarity, template.format(word)
                flipped = sentiment.analyse(negation.format(word), lang).label
                assert flipped != polarity, negation.format(word)


@pytest.mark.parametrize("text, lang", [
    ("No wait at all", "en"), ("No problems, no delays", "en"), ("Kein Problem", "de"),
    ("Keine Wartezeit", "de"), ("Ohne Probleme", "de"), ("Pas de souci", "fr"), ("Aucun problème", "fr"),
    ("Sans attente", "fr"), ("Sin problema", "es"), ("Sin esperas", "es"), ("Ningún problema", "es"),
])
def test_no_problem_is_praise(text, lang):
    assert sentiment.analyse(text).label == "positive"
    assert sentiment.analyse(text).lang == lang


@pytest.mark.parametrize("text", ["Never again", "Nie wieder", "Plus jamais", "Nunca más",
                                  "Das gefällt mir nicht", "Je ne recommande pas", "No lo recomiendo"])
def test_never_again_and_negated_praise_are_complaints(text):
    assert sentiment.analyse(text).label == "negative"


@pytest.mark.parametrize("text, lang", [
    ("Thanks for the quick delivery", "en"), ("Where is my order?", "en"), ("The staff were lovely", "en"),
    ("Kein Problem", "de"), ("Nie wieder", "de"), ("Danke für die schnelle Lieferung", "de"),
    ("Wo ist meine Bestellung?", "de"), ("Super Beratung", "de"), ("Zug fällt aus", "de"),
    ("Plus jamais", "fr"), ("Pas de souci", "fr"), ("Merci pour la livraison rapide", "fr"),
    ("Où est ma commande ?", "fr"), ("Très déçu", "fr"),
    ("Nunca más", "es"), ("Sin problema", "es"), ("Gracias por la entrega rápida", "es"),
    ("¿Dónde está mi pedido?", "es"), ("Muy decepcionado", "es"),
])
def test_language_of_short_sentences(text, lang):
    assert sentiment.analyse(text).lang == lang


def test_service_sentences_languages_are_detected():
    detected = [sentiment.analyse(t).lang for t in SERVICE["text"]]
    assert (pd.Series(detected) == SERVICE["lang"]).mean() >= 0.95


@pytest.mark.parametrize("text", [None, "", "   ", "12345", "https://example.com", "@someone"])
def test_empty_comments_are_neutral(text):
    assert sentiment.analyse(text) == sentiment.Sentiment("neutral", 0.0, "en")


def test_scores_stay_in_range_and_labels_follow_thresholds():
    texts = list(SERVICE["text"]) + ["!!!", "Great great great great great great!!!", "awful " * 50]
    for result in sentiment.analyse_many(texts):
        assert -1 <= result.score <= 1
        assert result.label == sentiment.label(result.score)
    assert [sentiment.label(x) for x in (0.05, 0.0499, -0.0499, -0.05)] == [
        "positive", "neutral", "neutral", "negative"]


def test_mixed_comment_is_neutral():
    # good 1.9 and slow -1.5 (x1.5 = 2.25): r = -0.35 / 5.15 = -0.07, inside +-0.2
    assert sentiment.analyse("Good food, slow service.").label == "neutral"


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="language must be one of"):
        sentiment.analyse("hola", "it")


@pytest.mark.parametrize("gold, predicted, expected", [
    (["a", "a", "b", "b"], ["a", "a", "b", "b"], 1.0),
    # a: TP 1, FP 0, FN 1 -> 2/3; b: TP 2, FP 1, FN 0 -> 4/5; mean 0.7333
    (["a", "a", "b", "b"], ["a", "b", "b", "b"], (2 / 3 + 4 / 5) / 2),
    (["a", "b"], ["b", "a"], 0.0),
])
def test_macro_f1_by_hand(gold, predicted, expected):
    assert evaluate.macro_f1(gold, predicted) == pytest.approx(expected)


def test_macro_f1_matches_sklearn_over_random_labellings():
    from sklearn.metrics import f1_score

    rng = random.Random(7)
    labels = ["negative", "neutral", "positive"]
    for _ in range(200):
        n = rng.randint(1, 40)
        gold = [rng.choice(labels) for _ in range(n)]
        pred = [rng.choice(labels) for _ in range(n)]
        want = f1_score(gold, pred, average="macro", labels=sorted(set(gold)), zero_division=0)  # its default
        assert evaluate.macro_f1(gold, pred) == pytest.approx(want)


# --- The command ------------------------------------------------------------------------------

def test_cli_keeps_rows_and_order(tmp_path, capsys):
    path = tmp_path / "comments.csv"
    path.write_bytes("\ufeffid;text\n1;No queue at all, in and out in minutes\n2;Nie wieder!\n3;\n"
                     "4;\"Pas de souci; livraison rapide\"\n5;Nunca más\n".encode())
    assert cli.main(["sentiment", str(path), "--column", "text"]) == 0
    out = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert list(out.columns) == ["id", "text", "label", "score"]
    assert list(out["id"]) == ["1", "2", "3", "4", "5"]
    assert list(out["label"]) == ["positive", "negative", "neutral", "positive", "negative"]
    assert all(-1 <= float(s) <= 1 for s in out["score"])


def test_cli_reads_windows_1252_and_a_given_language(tmp_path, capsys):
    path = tmp_path / "fr.csv"
    path.write_bytes("texte,note\nTrès déçu,1\nTrès satisfait,5\n".encode("cp1252"))
    assert cli.main(["sentiment", str(path), "--column", "texte", "--lang", "fr"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "texte,note,label,score"
    assert lines[1].startswith("Très déçu,1,negative,-") and lines[2].startswith("Très satisfait,5,positive,0.")


def test_cli_keeps_existing_label_column(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text("label,text\nA,Great service\n")
    assert cli.main(["sentiment", str(path), "--column", "text"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "label,text,sentiment_label,sentiment_score"


def test_cli_missing_column_is_one_line_and_status_2(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,comment\n1,Great\n")
    proc = subprocess.run([sys.executable, "-m", "cx_metrics", "sentiment", str(path), "--column", "text"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [f"error: {path} has no column 'text' (columns: id, comment)"]


def test_cli_missing_file_is_one_line_and_status_2(tmp_path, capsys):
    assert cli.main(["sentiment", str(tmp_path / "missing.csv"), "--column", "text"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: cannot read {tmp_path / 'missing.csv'}")


def test_cli_unknown_language_is_status_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["sentiment", str(tmp_path / "c.csv"), "--column", "text", "--lang", "it"])
    assert stop.value.code == 2 and len(capsys.readouterr().err.splitlines()) == 1


# --- Against labelled customer comments (../shared/sentiment) -----------------------------------------

TARGETS = {"en": 0.66, "de": 0.50, "fr": 0.52, "es": 0.50}


@pytest.fixture(scope="module")
def f1():
    return {split: evaluate.evaluate(SHARED / split, {"ours": lambda t: sentiment.analyse(t).label})
            for split in ("dev", "test")}


@needs_shared
@pytest.mark.parametrize("lang", sentiment.LANGS)
def test_macro_f1_targets_on_test(f1, lang):
    test = f1["test"].set_index(["lang", "source"])
    assert test.loc[(lang, "all"), "ours"] >= TARGETS[lang]


@needs_shared
@pytest.mark.parametrize("lang", sentiment.LANGS)
def test_test_is_not_far_above_dev(f1, lang):
    # A method fitted to test would score far higher there than on dev.
    dev, test = (f1[s].set_index(["lang", "source"]).loc[(lang, "all"), "ours"] for s in ("dev", "test"))
    assert test - dev < 0.05


def test_bench_says_skipped_without_the_labelled_sets(tmp_path):
    from benchmarks import sentiment as bench

    assert bench.bench(shared=tmp_path / "absent") == {"skipped": "skipped: ../shared/sentiment not found"}
