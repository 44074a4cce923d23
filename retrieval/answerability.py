"""Do the passages found answer the question? One calibrated score from retrieval evidence, before the model.

A small model answers whatever it is given, so the decision to answer cannot be left to it. The evidence:
- `coverage`: the share of the question's content words (`retrieval.lexical.tokenize` terms: folded pt+en stems)
  found in the best window of the top passages (a sentence with its neighbours): an answer is usually stated near
  the words the question is asked with. A window that cannot hold the kind of answer asked for (no number for
  "how many", "quando") counts half;
- `sentence_coverage`: the same share in the best single sentence;
- `passage_coverage`: the same share over the best whole passage;
- `names`: the share of the question's names and numbers found in the best passage (1.0 when it has none): a
  question about someone or something the documents never name is not answered by them, however close the topic;
- `similarity`: the cosine, with the embedding model, between the question and its best sentence;
- `agree`: whether dense and lexical retrieval both found the top passage;
- `rare_coverage`: `coverage` with each word weighted by its rarity in the collections searched (`retrieval.rarity`):
  a question that shares only its common words with the passages is about something else.
They are combined by logistic regression (`calibration.json`, fitted per embedding model by
`manage.py evaluate_answers --calibrate`), so the score reads as a probability of being answerable and a threshold
(`ModelProfile.answerability_threshold`, else the one calibrated for the question's language: the same evidence
spreads differently in Portuguese and English) trades refusals against false refusals.

Pure: the caller passes `embed(texts) -> unit vectors`; the quote is chosen from the same sentences (`retrieval.quote`).
"""

import json
import logging
import math
import re
import time
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import numpy as np

from retrieval.claim_facts import WORD
from retrieval.embedding import USE_NAMES
from retrieval.lexical import fold, tokenize
from retrieval.outcome import Quote
from retrieval.quote import Sentence, best_quote, covered, neighbourhood, sentence_terms, sentences_of, window_terms
from retrieval.types import Passage

log = logging.getLogger(__name__)
CALIBRATION = Path(__file__).with_name("calibration.json")
FEATURES = ("coverage", "sentence_coverage", "passage_coverage", "names", "similarity", "agree", "rare_coverage")
# Words that shape a question without naming what it is about: they are not looked for in the passages.
QUESTION_WORDS = frozenset(
    """
    what which who whom whose when where why how many much name named called kind type
    qual quais quem quando onde porque por que quantos quantas quanto quanta nome chamado chamada chamados tipo
    """.split()
)
# Questions that ask for a number or a date: their answer holds a digit or a number word.
_ASKS_NUMBER = re.compile(
    r"\b(?:how (?:many|much|long|old|far)|what (?:year|percentage|number)|in what year|which year|when|"
    r"quant[oa]s?|qual (?:o|a) (?:n[uú]mero|valor|percentual|prazo|ano)|em que ano|quando)\b", re.IGNORECASE)
_NUMBER_IN = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|um|uma|dois|duas|tr[eê]s|quatro|cinco|seis|sete|oito|nove|dez|vinte|trinta|"
    r"quarenta|cinquenta|cem|cento|mil|milh[aãõo]\w*|bilh\w*|century|s[eé]culo)\b", re.IGNORECASE)
_NAME = re.compile(r"^(?:[A-ZÀ-Ý]|\d)")
# How many of the top passages are looked at: the answer path prompts with the first few; beyond them the evidence
# would be about passages the reader never sees.
PASSAGES_LOOKED_AT = 3


@dataclass(frozen=True)
class Evidence:
    coverage: float
    sentence_coverage: float
    passage_coverage: float
    names: float
    similarity: float
    agree: float
    rare_coverage: float = 0.0

    def vector(self) -> list[float]:
        return [getattr(self, name) for name in FEATURES]

    def as_dict(self) -> dict:
        return {k: round(v, 4) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Calibration:
    """Logistic weights over FEATURES, the bias, and the threshold chosen on data for this embedding model."""

    weights: tuple[float, ...]
    bias: float
    threshold: float  # for a language without its own
    model: str
    thresholds: tuple[tuple[str, float], ...] = ()  # (language, threshold): the scores' spread differs by language

    def threshold_for(self, language: str | None) -> float:
        return dict(self.thresholds).get(language or "", self.threshold)

    def score(self, evidence: Evidence) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, evidence.vector(), strict=True))
        return 1.0 / (1.0 + math.exp(-z))


def question_words(question: str) -> list[tuple[str, frozenset[str], bool]]:
    """(word, its index terms, is a name or number) for each distinct content word of the question.

    A name is a capitalised word that does not open the question, or a word with a digit.
    """
    words, seen = [], set()
    for i, match in enumerate(WORD.finditer(question)):
        word = match.group(0)
        folded = fold(word.lower())
        terms = frozenset(tokenize(word))
        if not terms or folded in QUESTION_WORDS or folded in seen:
            continue
        seen.add(folded)
        is_name = bool(_NAME.match(word)) and (i > 0 or any(c.isdigit() for c in word))
        words.append((word, terms, is_name))
    return words


@dataclass(frozen=True)
class Judgement:
    evidence: Evidence
    score: float
    threshold: float
    quote: Quote | None
    elapsed_ms: float


def assess(question: str, passages: list[Passage], *, embed, calibration: "Calibration",
           threshold: float | None = None, rarity=None, language: str | None = None) -> Judgement:
    """Score how likely `passages` (best first) answer `question`, and choose the answer quote from the same
    sentences: the question and the sentences of the top passages are embedded once for both.
    `threshold` None: the one calibrated for the question's `language`."""
    started = time.monotonic()
    sentences = sentences_of(passages[:PASSAGES_LOOKED_AT])
    terms = sentence_terms(sentences)
    vectors = np.asarray(embed([question] + [s.text for s in sentences]), dtype=np.float32)
    similarities = vectors[1:] @ vectors[0] if sentences else np.zeros(0, dtype=np.float32)
    evidence = evidence_of(question, passages, sentences=sentences, similarities=similarities, rarity=rarity,
                           terms=terms)
    quote = best_quote([word_terms for _, word_terms, _ in question_words(question)], sentences, similarities,
                       terms)
    return Judgement(
        evidence=evidence, score=round(calibration.score(evidence), 3),
        threshold=calibration.threshold_for(language) if threshold is None else threshold, quote=quote,
        elapsed_ms=round((time.monotonic() - started) * 1000, 1),
    )


def evidence_of(question: str, passages: list[Passage], *, sentences: list[Sentence],
                similarities: np.ndarray, rarity=None, terms: list[set[str]] | None = None) -> Evidence:
    """The evidence that `passages` (best first) answer `question`; `similarities` are the cosines of `sentences`
    (those of the top passages) to the question and `terms` their index terms (`quote.sentence_terms`);
    `rarity` gives a word's terms their inverse document frequency (`retrieval.rarity`; None: every word weighs
    the same). No passages: all zero."""
    top = passages[:PASSAGES_LOOKED_AT]
    if not top:
        return Evidence(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    words = question_words(question)
    word_terms = [t for _, t, _ in words]
    terms = terms if terms is not None else sentence_terms(sentences)
    passage_terms = [set(tokenize(p.text)) for p in top]
    typed = _typed(question, sentences)
    windows = window_terms(sentences, terms)
    coverage = max((covered(word_terms, w) * ok for w, ok in zip(windows, typed, strict=True)), default=0.0)
    weights = [rarity(t) for t in word_terms] if rarity is not None else None
    rare_coverage = max((covered(word_terms, w, weights) * ok for w, ok in zip(windows, typed, strict=True)),
                        default=0.0)
    sentence_coverage = max((covered(word_terms, t) for t in terms), default=0.0)
    passage_coverage = max(covered(word_terms, t) for t in passage_terms)
    names = [t for _, t, is_name in words if is_name]
    name_share = max(covered(names, t) for t in passage_terms) if names else 1.0
    similarity = float(np.max(similarities)) if len(similarities) else 0.0
    agree = 1.0 if set(top[0].modes) >= {"dense", "sparse"} else 0.0
    return Evidence(coverage, sentence_coverage, passage_coverage, name_share, max(similarity, 0.0), agree,
                    rare_coverage)


def _typed(question: str, sentences: list[Sentence]) -> list[float]:
    """Per sentence window: 1.0 when it can hold the kind of answer asked for (a number for "how many"), else 0.5."""
    if not _ASKS_NUMBER.search(question):
        return [1.0] * len(sentences)
    has = [bool(_NUMBER_IN.search(s.text)) for s in sentences]
    return [1.0 if any(has[j] for j in neighbourhood(sentences, i)) else 0.5 for i in range(len(sentences))]


def calibration_key(model: str) -> str:
    """The name an embedding model's calibration is stored under: its aliases share one."""
    return USE_NAMES[0] if model in USE_NAMES else model


@cache
def calibration_for(model: str) -> Calibration:
    """The calibration fitted for embedding model `model`, else the lexical-only one fitted for any model (its
    similarity weight is 0), logged once."""
    data = json.loads(CALIBRATION.read_text())
    entry = data.get(calibration_key(model))
    if entry is None:
        log.warning("no answerability calibration for embedding model %r: using the lexical-only one; run "
                    "`manage.py evaluate_answers --calibrate` on your questions to fit one", model)
        entry = data["any"]
    return Calibration(weights=tuple(entry["weights"]), bias=entry["bias"], threshold=entry["threshold"], model=model,
                       thresholds=tuple(sorted(entry.get("thresholds", {}).items())))
