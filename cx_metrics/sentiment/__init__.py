"""Sentiment of customer comments in English, German, French and Spanish, offline.

A lexicon-and-rules method made for service language. Per language, a lexicon
gives words and phrases a value on VADER's scale (-4..4); rules then read the
words around them:

* **Phrases first.** "no queue", "in and out", "kein Problem", "pas de souci",
  "sin esperas", "never again", "nie wieder", "plus jamais", "nunca más" are
  entries of their own, so a phrase that holds a negation is read as written.
* **Negation.** A negation up to three words before a sentiment word (and
  German "nicht"/"nie" or French "pas"/"jamais" up to three words after one,
  when nothing follows them) flips it: a positive word becomes negative
  (x -0.75: "not good"), a negative word mildly positive (x -0.5: "no wait",
  "not bad"). A negation does not reach across a comma or a "but".
* **Intensifiers** ("very", "sehr", "très", "muy") weigh the next word x1.3,
  **downtoners** ("a bit", "etwas", "un peu", "un poco") x0.6.
* **Contrast.** In a sentence with "but" ("aber", "mais", "pero"), what comes
  before weighs x0.5 and what follows x1.5 (VADER's rule).
* **Questions** weigh x0.5: "Is the train late?" asks more than it says.

The evidence P (positive) and N (negative) becomes ``r = (P - N) / (P + N + 1)``.
Mixed comments (praise and complaint of similar weight) are *neutral*:
``|r| <= 0.2`` scores 0, and above that the score is ``sign(r) (|r| - 0.2) / 0.8``,
so the score lies in -1..1 and the labels use :data:`POSITIVE` / :data:`NEGATIVE`
(+-0.05), as VADER's compound score did.

Lexicons: English reads VADER's (vaderSentiment, MIT; already a dependency),
German the German Polarity Lexicon (Klenner et al. 2010, Apache-2.0), French
Pattern's adjective lexicon (PDDL); each under this project's own service-language
lexicon (``data/<lang>.txt``), which wins where both have a word. Spanish reads
the project's lexicon only. See ``data/README.md`` for sources and licences.
The constants here were set by reasoning and on the project's own sentences
(``tests/data/service_sentences.csv``), never fitted to a labelled corpus.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .language import LANGS, detect_language, language_scores

__all__ = ["LANGS", "NEGATIVE", "POSITIVE", "Sentiment", "analyse", "analyse_many", "detect_language", "label"]

#: Label thresholds on the score: positive at or above, negative at or below.
POSITIVE, NEGATIVE = 0.05, -0.05
#: |r| up to this is a mixed or empty comment: score 0.
MIXED = 0.2
#: Added to P + N, so that one weak word does not make a strong score.
DAMPING = 1.0
NEGATED_POSITIVE, NEGATED_NEGATIVE = -0.75, -0.5
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5
QUESTION = 0.5
#: Negative evidence weighs x1.5: people soften complaints with praise, and lexicons hold more mild
#: praise than mild blame (SO-CAL's negative weighting; Taboada et al. 2011).
NEGATIVE_WEIGHT = 1.5
NEGATION_WINDOW = 3


@dataclass(frozen=True)
class Sentiment:
    """A comment's ``label`` (negative / neutral / positive), ``score`` (-1..1) and ``lang``."""

    label: str
    score: float
    lang: str


def label(score: float) -> str:
    """"positive" at or above :data:`POSITIVE`, "negative" at or below :data:`NEGATIVE`, else "neutral"."""
    return "positive" if score >= POSITIVE else "negative" if score <= NEGATIVE else "neutral"


# --- Rules: the words that change other words ---------------------------------------------------

@dataclass(frozen=True)
class Rules:
    negators: frozenset[str]
    #: Negations that may follow the word they negate ("gefällt mir nicht", "ne fonctionne pas").
    post_negators: frozenset[str]
    #: word -> weight of the next sentiment word (> 1 intensifies, < 1 tones down).
    modifiers: dict[str, float]
    contrast: frozenset[str]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _weights(strong: str, weak: str) -> dict[str, float]:
    return {**dict.fromkeys(strong.split(), 1.3), **dict.fromkeys(weak.split(), 0.6)}


RULES = {
    "en": Rules(
        _words("not no never nothing none neither nor without cannot cant dont doesnt didnt isnt "
               "wasnt arent werent wont wouldnt shouldnt couldnt hardly barely"),
        frozenset(),
        _weights("very really so extremely super absolutely totally incredibly truly highly completely "
                 "most particularly especially exceptionally utterly thoroughly amazingly",
                 "bit slightly somewhat fairly rather pretty quite little mostly"),
        _words("but however although though yet"),
    ),
    "de": Rules(
        _words("nicht kein keine keinen keinem keiner keines nie niemals nichts ohne weder"),
        _words("nicht nie niemals"),
        _weights("sehr echt total extrem absolut wirklich richtig besonders äußerst ausgesprochen "
                 "überaus wahnsinnig mega voll sowas so zu", "etwas ziemlich eher relativ bisschen "
                 "einigermaßen halbwegs leicht"),
        _words("aber jedoch allerdings trotzdem dennoch"),
    ),
    "fr": Rules(
        _words("ne n' pas jamais aucun aucune rien ni sans guère nullement"),
        _words("pas jamais"),
        _weights("très vraiment trop tellement hyper extrêmement absolument totalement vraiment si "
                 "particulièrement fort super", "peu assez plutôt moyennement légèrement"),
        _words("mais cependant pourtant néanmoins toutefois sauf"),
    ),
    "es": Rules(
        _words("no nunca jamás ni sin nada ningún ninguna ninguno tampoco"),
        frozenset(),
        _weights("muy realmente súper super extremadamente totalmente absolutamente tan demasiado "
                 "sumamente increíblemente", "poco algo bastante ligeramente"),
        _words("pero aunque sino embargo obstante"),
    ),
}

# --- Tokens ----------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?:https?://|www\.)\S+"  # links: dropped
    r"|@\w+"  # mentions: dropped
    r"|[:;=]'?-?[()\[\]dpo/|*]+(?=\s|$)"  # emoticons
    r"|[^\W\d_]+(?:['-][^\W\d_]+)*"  # words, "don't", "hassle-free", "n'est"
    r"|\d+%?"
    r"|[!?]+|[.;:,()]"
    r"|[\u2600-\u27bf\U0001F300-\U0001FAFF]"
)
_ELISION = re.compile(r"^(n|l|d|j|m|t|s|c|qu|jusqu|lorsqu|puisqu)'(.+)$")
#: Where a negation's reach and a sentence end.
CLAUSE_END = frozenset(".;:,()!?")
SENTENCE_END = frozenset(".;!?")

EMOJI = {
    **dict.fromkeys("😀😃😄😁😆😊🙂😍🥰😘👍👏🙏💯🎉❤♥💕💖💙💚💜⭐🌟✨😎🤩☺", 2.0),
    **dict.fromkeys("😡😠🤬😤😞😢😭👎💩🙄😒😩😫😖😣😔😕🤮🤢😱😰😓", -2.0),
    ":)": 2.0, ":-)": 2.0, ":d": 2.0, ":-d": 2.0, ";)": 1.5, ";-)": 1.5, "=)": 2.0,
    ":(": -2.0, ":-(": -2.0, ":/": -1.0, ":-/": -1.0, ":'(": -2.5,
}


def tokens(text: str, lang: str) -> list[str]:
    """Lower-case tokens; links and @mentions dropped, "#" dropped, French elisions split ("n'", "est")."""
    out = []
    for tok in _TOKEN.findall(text.lower().replace("’", "'").replace("`", "'")):
        if tok[0] == "@" or tok.startswith(("http", "www.")):
            continue
        if lang == "fr" and "'" in tok and (m := _ELISION.match(tok)):
            out += [m.group(1) + "'", m.group(2)]
        else:
            out.append(tok)
    return out


# --- Lexicons --------------------------------------------------------------------------------------

class Lexicon:
    """Words, stems (prefixes) and phrases of one language, with their values (-4..4)."""

    def __init__(self, lang: str):
        self.lang = lang
        self.words: dict[str, float] = {}
        self.stems: dict[str, float] = {}
        #: first token -> [(tokens, value, fixed)], longest first; ``fixed``: holds a negation.
        self.phrases: dict[str, list[tuple[tuple[str, ...], float, bool]]] = {}
        self._memo: dict[str, float | None] = {}

    def add(self, term: str, value: float) -> None:
        if "_" in term:
            seq = tuple(tokens(term.replace("_", " "), self.lang))
            rules = RULES[self.lang]
            fixed = any(t in rules.negators or t.endswith("n't") for t in seq)
            entries = [e for e in self.phrases.get(seq[0], []) if e[0] != seq] + [(seq, value, fixed)]
            self.phrases[seq[0]] = sorted(entries, key=lambda e: -len(e[0]))
        elif term.endswith("*"):
            self.stems[term[:-1]] = value
            self.stems.setdefault(fold(term[:-1]), value)
        else:
            self.words[term] = value
            self.words.setdefault(fold(term), value)

    def _known(self, word: str, rest: int) -> float | None:
        """The word, else its longest stem followed by at most ``rest`` letters."""
        found = self.words.get(word)
        if found is None:
            found = EMOJI.get(word)
        if found is None and self.stems:
            for end in range(len(word), max(3, len(word) - rest - 1), -1):
                found = self.stems.get(word[:end])
                if found is not None:
                    break
        return found

    def value(self, word: str) -> float | None:
        """The word's value: the word itself, else its longest stem (4+ letters); None when unknown."""
        if word in self._memo:
            return self._memo[word]
        found = self._known(word, rest=len(word))
        if found is None and self.lang == "de" and len(word) > 8:
            # A German compound is read by its last part: "Zugausfall" as "Ausfall", "Zugverspätungen"
            # as "verspät*" (a stem only with a short ending: "Kabinettssitzung" is not "nett*").
            for start in range(3, len(word) - 4):
                found = self._known(word[start:], rest=3)
                if found is not None:
                    break
        if found is None and (folded := fold(word)) != word:  # "decepcion", "carisimo": accents left out
            found = self.value(folded)
        self._memo[word] = found
        return found


def fold(word: str) -> str:
    """``word`` without accents ("decepción" -> "decepcion"); German umlauts and ß are kept."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word.translate(_KEEP)) if not unicodedata.combining(c)
                   ).translate(_RESTORE)


_KEEP = str.maketrans({"ä": "\0", "ö": "\1", "ü": "\2", "ñ": "\3"})
_RESTORE = str.maketrans({"\0": "ä", "\1": "ö", "\2": "ü", "\3": "ñ"})


def _read(name: str) -> str:
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


def _own_lexicon(lex: Lexicon, name: str) -> None:
    for line in _read(name).splitlines():
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if line:
            value, *terms = line.split()
            for term in terms:
                lex.add(term, float(value))


def _tsv(lex: Lexicon, name: str, scale: float) -> None:
    for line in _read(name).splitlines():
        if line and not line.startswith("#"):
            word, value = line.split("\t")
            lex.add(word, float(value) * scale)


def _vader(lex: Lexicon) -> None:
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        word, value, *_ = line.split("\t")
        if word.isalpha() or "'" in word or "-" in word:
            lex.add(word, float(value))


@cache
def lexicon(lang: str) -> Lexicon:
    """The lexicon of ``lang``, read once per process."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)} or auto, not {lang!r}")
    lex = Lexicon(lang)
    if lang == "en":
        _vader(lex)
    elif lang == "de":
        _tsv(lex, "de_polarity.tsv", 2.0)
    elif lang == "fr":
        _tsv(lex, "fr_pattern.tsv", 3.0)
    _own_lexicon(lex, f"{lang}.txt")
    rules = RULES[lang]
    for word in (*rules.negators, *rules.contrast):
        lex.words.pop(word, None)  # words that act on others carry no value of their own
    return lex


# --- Scoring ---------------------------------------------------------------------------------------

def _hits(toks: list[str], lex: Lexicon) -> tuple[list[list], set[int]]:
    """[index, value, fixed] per sentiment word or phrase, and the token indices phrases used."""
    modifiers, memo, phrases = RULES[lex.lang].modifiers, lex._memo, lex.phrases
    hits, used, i = [], set(), 0
    while i < len(toks):
        tok = toks[i]
        for seq, value, fixed in phrases.get(tok, ()):
            if tuple(toks[i:i + len(seq)]) == seq:
                hits.append([i, value, fixed])
                used.update(range(i, i + len(seq)))
                i += len(seq)
                break
        else:
            value = memo[tok] if tok in memo else lex.value(tok)
            # "super" alone is praise; "super fast" is "fast", made stronger.
            if value and not (tok in modifiers and i + 1 < len(toks) and lex.value(toks[i + 1])):
                hits.append([i, value, False])
            i += 1
    return hits, used


def _is_negator(tok: str, rules: Rules) -> bool:
    return tok in rules.negators or tok.endswith("n't")


def _weigh(toks: list[str], hits: list[list], used: set[int], rules: Rules) -> list[float]:
    """Each hit's value after negation, modifiers, contrast and question rules."""
    stops = CLAUSE_END | rules.contrast
    negated = set()
    for n, (i, _, fixed) in enumerate(hits):
        if fixed:
            continue
        for j in range(i - 1, max(i - 1 - NEGATION_WINDOW, -1), -1):
            if toks[j] in stops:
                break
            if j not in used and _is_negator(toks[j], rules):
                negated.add(n)
                break
    if not rules.post_negators.isdisjoint(toks):  # "gefällt mir nicht": the negation follows the word
        starts = {h[0]: n for n, h in enumerate(hits)}
        for j, tok in enumerate(toks):
            if tok not in rules.post_negators or j in used:
                continue
            ahead = toks[j + 1:j + 1 + NEGATION_WINDOW]
            cut = next((k for k, t in enumerate(ahead) if t in stops), len(ahead))
            if any(j + 1 + k in starts for k in range(cut)):
                continue  # it negates what follows
            for k in range(j - 1, max(j - 1 - NEGATION_WINDOW, -1), -1):
                if toks[k] in stops:
                    break
                if k in starts and not hits[starts[k]][2]:
                    negated.add(starts[k])
                    break
    weights = []
    context = _context(toks, rules)
    for n, (i, value, _) in enumerate(hits):
        w = value
        if n in negated:
            w *= NEGATED_POSITIVE if value > 0 else NEGATED_NEGATIVE
        if i >= 1 and toks[i - 1] in rules.modifiers and i - 1 not in used:
            w *= rules.modifiers[toks[i - 1]]
            if i >= 2 and toks[i - 2] in rules.modifiers and i - 2 not in used:  # "really very good"
                w *= rules.modifiers[toks[i - 2]]
        elif i >= 2 and _is_negator(toks[i - 1], rules) and toks[i - 2] in rules.modifiers:
            w *= rules.modifiers[toks[i - 2]]
        contrast_at, question = context(i)
        if contrast_at is not None:
            w *= BEFORE_CONTRAST if i < contrast_at else AFTER_CONTRAST
        if question:
            w *= QUESTION
        weights.append(w)
    return weights


def _context(toks: list[str], rules: Rules) -> Callable[[int], tuple[int | None, bool]]:
    """For a token index: (the first contrast word of its sentence, or None; the sentence ends in '?')."""
    ends = [k for k, tok in enumerate(toks) if tok[0] in SENTENCE_END]
    contrasts = [k for k, tok in enumerate(toks) if tok in rules.contrast]

    def at(i: int) -> tuple[int | None, bool]:
        n = bisect_left(ends, i)
        start = ends[n - 1] + 1 if n else 0
        stop = ends[n] if n < len(ends) else len(toks)
        # A sentence that opens with "but" answers the one before; it does not split its own.
        contrast = next((k for k in contrasts[bisect_left(contrasts, start + 1):] if k < stop), None)
        return contrast, stop < len(toks) and "?" in toks[stop]

    return at


def _score(weights: Iterable[float]) -> float:
    pos = neg = 0.0
    for w in weights:
        if w > 0:
            pos += w
        else:
            neg -= w * NEGATIVE_WEIGHT
    r = (pos - neg) / (pos + neg + DAMPING)
    if abs(r) <= MIXED:
        return 0.0
    return round((abs(r) - MIXED) / (1 - MIXED) * (1 if r > 0 else -1), 4)


def _language(text: str) -> str:
    """:func:`detect_language`; with no function word or letter to go by ("Ausfall S 6 Tutzing"),
    the language whose lexicon knows the most words of the text (English when none knows any)."""
    scores = language_scores(text)
    if any(scores.values()):
        return max(LANGS, key=lambda lang: scores[lang])
    known = {lang: sum(bool(lexicon(lang).value(t)) for t in tokens(text, lang)) for lang in LANGS}
    return max(LANGS, key=lambda lang: known[lang])


def analyse(text: str | None, lang: str = "auto") -> Sentiment:
    """The sentiment of one comment. ``lang``: "auto" (detected per comment) or one of :data:`LANGS`.

    Empty or missing text is neutral with score 0 (and language ``lang``, English for auto).
    """
    if lang != "auto" and lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)} or auto, not {lang!r}")
    text = text if isinstance(text, str) else ""
    use = _language(text) if lang == "auto" else lang
    toks = tokens(text, use)
    hits, used = _hits(toks, lexicon(use))
    score = _score(_weigh(toks, hits, used, RULES[use])) if hits else 0.0
    return Sentiment(label(score), score, use)


def analyse_many(texts: Iterable[str | None], lang: str = "auto") -> list[Sentiment]:
    """:func:`analyse` for each text, in order."""
    return [analyse(t, lang) for t in texts]
