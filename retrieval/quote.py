"""The answer quote: the sentence of the sources that best answers the question, verbatim.

A small model often misses an answer that is right there in its sources; the sentence holding it is verifiably
true (it is the document's own text) and can be shown before the model writes a word. A sentence is chosen by how
many of the question's content words it and its neighbours hold, and by its embedding similarity to the question;
the passage's rank breaks ties. A sentence that holds every question word and nothing else is the question restated,
not its answer: sentences are also rewarded for the words they add.
"""

import dataclasses
import re
from dataclasses import dataclass

import numpy as np

from retrieval.lexical import tokenize
from retrieval.outcome import Quote
from retrieval.types import Passage

# Sentence ends: . ! ? … followed by space and an upper-case letter, digit or quote; a blank line; a line ending in a
# colon; a line break before a list item or heading. A single line break elsewhere is a PDF's or a text file's
# wrapping inside a sentence, not its end.
_END = re.compile(
    r"(?<=[.!?…])[\"'”)]?\s+(?=[\"'“(\[]?[A-ZÀ-Ý0-9])"
    r"|\r?\n[ \t\r]*\n\s*"
    r"|(?<=:)[ \t\r]*\n\s*"
    r"|[ \t\r]*\n[ \t]*(?=[·•▪◦*#>|\-–—]|\d+[.)]\s|[a-zA-Z][.)]\s)"
)
# "Art. 5º", "Dr. Silva", "p. 3", "U.S. Army": a dot after these is not a sentence end.
_ABBREVIATION = re.compile(r"(?:\b(?:art|arts|dr|dra|sr|sra|prof|profa|p|pp|n|no|nº|inc|cap|fig|vol|ed|st|mr|mrs|ms|jr|"
                           r"vs|etc|e\.g|i\.e|cf|[A-Z])\.)$", re.IGNORECASE)
MIN_SENTENCE_CHARS = 20
MIN_QUOTE_WORDS = 6
MAX_QUOTE_CHARS = 600
# Weights of the sentence score, chosen on the shared sets (see `manage.py evaluate_answers`, quote columns).
WINDOW_WEIGHT = 0.35
SENTENCE_WEIGHT = 0.35
SIMILARITY_WEIGHT = 0.3
RANK_PENALTY = 0.03


@dataclass(frozen=True)
class Sentence:
    n: int  # the passage's source number
    rank: int  # the passage's position among those looked at, from 0
    start: int
    end: int
    text: str


def split_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, stripped of surrounding blanks; abbreviations do not end one."""
    spans, start = [], 0
    for match in _END.finditer(text):
        if _ABBREVIATION.search(text[max(start, match.start() - 8) : match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    result = []
    for a, b in spans:
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if piece.strip():
            result.append((a + lead, a + trail))
    return result


def sentences_of(passages: list[Passage]) -> list[Sentence]:
    """Every sentence of `passages`, in order; a sentence too short to stand alone joins the one after it."""
    sentences = []
    for rank, p in enumerate(passages):
        pending = None
        for start, end in split_spans(p.text):
            if pending is not None:
                start = pending
            if end - start < MIN_SENTENCE_CHARS:
                pending = start
                continue
            pending = None
            sentences.append(Sentence(n=p.n, rank=rank, start=start, end=end, text=p.text[start:end]))
        if pending is not None:
            end = len(p.text.rstrip())
            if sentences and sentences[-1].n == p.n:
                last = sentences.pop()
                sentences.append(Sentence(p.n, rank, last.start, end, p.text[last.start : end]))
            elif end > pending:
                sentences.append(Sentence(p.n, rank, pending, end, p.text[pending:end]))
    return sentences


def neighbourhood(sentences: list[Sentence], i: int) -> list[int]:
    """Indexes of sentence i and of the sentences just before and after it in the same passage."""
    return [j for j in (i - 1, i, i + 1) if 0 <= j < len(sentences) and sentences[j].n == sentences[i].n]


def sentence_terms(sentences: list[Sentence]) -> list[set[str]]:
    """The index terms of each sentence, computed once for the quote and the answerability evidence."""
    return [set(tokenize(s.text)) for s in sentences]


def window_terms(sentences: list[Sentence], terms: list[set[str]]) -> list[set[str]]:
    """The terms of each sentence with those of its neighbours in the same passage."""
    return [set().union(*(terms[j] for j in neighbourhood(sentences, i))) for i in range(len(sentences))]


def covered(word_terms: list[frozenset[str]], terms: set[str], weights: list[float] | None = None, *,
            empty: float = 1.0) -> float:
    """Share of the words (each given by its index terms, weighted by `weights`) with a term in `terms`; `empty`
    for no words."""
    if not word_terms:
        return empty
    weights = weights or [1.0] * len(word_terms)
    total = sum(weights) or 1.0
    return sum(w for word, w in zip(word_terms, weights, strict=True) if word & terms) / total


def best_quote(question_terms: list[frozenset[str]], sentences: list[Sentence],
               similarities: np.ndarray, terms: list[set[str]] | None = None) -> Quote | None:
    """The sentence that best answers the question (see the module docstring), or None without sentences.

    `question_terms` holds each content word's index terms; `similarities` the cosine of each sentence to the
    question and `terms` (`sentence_terms`) its index terms, in the order of `sentences`.
    """
    if not sentences:
        return None
    terms = terms if terms is not None else sentence_terms(sentences)
    windows = window_terms(sentences, terms)
    best, best_score = None, -1.0
    for i, s in enumerate(sentences):
        in_sentence = covered(question_terms, terms[i], empty=0.0)
        in_window = covered(question_terms, windows[i], empty=0.0)
        adds = 1.0 if terms[i] - set().union(*question_terms) else 0.0
        prose = 1.0 if len(s.text.split()) >= MIN_QUOTE_WORDS else 0.5  # a heading or a keyword line says little
        score = (SENTENCE_WEIGHT * in_sentence + WINDOW_WEIGHT * in_window + SIMILARITY_WEIGHT * float(similarities[i])
                 - RANK_PENALTY * s.rank) * (0.5 + 0.5 * adds) * prose
        if score > best_score:
            best, best_score = s, score
    assert best is not None  # any score beats -1
    end = min(best.end, best.start + MAX_QUOTE_CHARS)
    return Quote(n=best.n, text=best.text[: end - best.start], start=best.start, end=end, score=round(best_score, 3))


def quote_context(passages: list[Passage], quote: Quote) -> list[Passage]:
    """The quote's passage cut to the quote and a sentence on each side: what a small model reads best."""
    passage = next(p for p in passages if p.n == quote.n)
    start, end = quote_window(passage.text, quote)
    return [dataclasses.replace(passage, text=passage.text[start:end])]


def quote_window(text: str, quote: Quote, *, around: int = 1) -> tuple[int, int]:
    """(start, end) in `text` of the quote with `around` sentences on each side: context for a model to read."""
    spans = split_spans(text)
    inside = [i for i, (a, b) in enumerate(spans) if a < quote.end and b > quote.start]
    if not inside:
        return quote.start, quote.end
    first, last = max(inside[0] - around, 0), min(inside[-1] + around, len(spans) - 1)
    return spans[first][0], spans[last][1]
