"""The support check: does each cited sentence say what the passage it cites says?

For every sentence of the answer that carries `[n]`, the claim (the sentence without its markers) is compared
with passage n twice:
- meaning: the cosine, with the embedding model, between the claim and the passage;
- words: the share of the claim's terms (`retrieval.lexical.tokenize`: folded pt+en stems, numbers whole)
  that occur in the passage.
Words make right-sounding wrong claims: the passage's own sentence with another team, person or figure in it
scores as high as the right one. So a number or a name of the claim that the passage lacks makes the citation
weak on its own, whatever the score:
- numbers: digits ("30", "1.000", "7º") and numbers spelled out in Portuguese or English ("três", "vinte e
  cinco", "three", "two hundred"), equal when their values are ("três" = "3"). "um", "uma", "one", "first",
  "segundo", "second" are left out: they are articles, pronouns and prepositions more often than numbers;
- names: words capitalised mid-sentence ("Broncos", "Fiocruz"), acronyms ("NFL", "UFPA"), words with inner capitals
  ("iPhone", "McDonald's"), codes mixing letters and digits ("COVID-19", "3G"), and the words of a short quoted
  term. A capital that opens a sentence or a quotation proves nothing (the full stop of "Dr." or "J." ends none):
  such a word is a name only when it starts a run of capitalised words ("Carolina Panthers venceram") or the claim
  is a short reply ("Localiza [1]."), which is the answer itself. Words are compared folded (accents, case) with
  light inflection (a plural -s/-es, a possessive 's): "Brazil's" is "Brazil", "Paula" is not "Paulo", and
  "Brazilian" is not "Brazil".

A claim too short to judge ("30 dias [1].") is judged together with the question it answers (for its score; its
names and numbers are the claim's own). A citation is weak when its score is under THRESHOLD or a number or name
is missing; each weak one carries a code with its parameters (which the web says in the reader's language), the
same in English (`reason`, for the admin), and `missing` lists the numbers and names. Pure: the caller passes
`embed(texts) -> unit vectors`, so tests need no model.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np

from retrieval.citations import MARKER, marker_numbers
from retrieval.claim_facts import MIN_CLAIM_TERMS, WORD, missing_names, missing_numbers
from retrieval.claim_facts import TITLES as _TITLES
from retrieval.lexical import tokenize

Embed = Callable[[list[str]], np.ndarray]

# Chosen on half of shared/eval (FaQuAD pt, XQuAD en; claims = the gold passage's sentence holding the answer,
# question + gold answer, or the gold answer judged with its question), checked on the other half: right citations
# flagged 0.3% (0-1.2% per set and claim kind), a random other passage 99.3%, another passage of the same document
# 95.0%; at 0.55, 4.7% of right citations were flagged. The embedding alone caught 47% of random wrong citations at
# 5% false flags (all-MiniLM is weak in Portuguese); words alone are as strong here but blind to paraphrase, and
# these questions were written from their passages, so expect more flags on paraphrased answers than measured.
# Comparing with each sentence of the passage instead of the whole was no better and cost ~1.3 s per answer on 2
# busy cores (about 30 texts to embed instead of the cited passages and the claims).
# Missing names and numbers (`bench/support_check.py`, `MODELS_DIR=var/models .venv/bin/python
# bench/support_check.py`, multilingual USE, before = 077ded4): the gold passage's own sentence, the question +
# answer, or the answer with its question, with the gold answer swapped for another answer of the set of the same
# shape and absent from the passage, flagged before -> after: names 40.0 -> 97.9% (pt) and 45.7 -> 99.2% (en),
# numbers 78.7 -> 97.8% and 90.4 -> 97.8%; other answers (common words, which no name or number rule can catch)
# 63.4 -> 66.7% and 50.8 -> 59.0%; all swaps 61.2 -> 77.4% and 58.9 -> 82.0%. Right claims against their passage
# 0.7 -> 1.0% (pt) and 5.3 -> 6.6% (en), the new flags all in question + answer claims whose question names what the
# passage does not ("Super Bowl 50", "Amazon", misspelt names); random other passage 99.4 -> 99.5%, another passage
# of the same document 96.0 -> 96.8%. Flagging two missing content words in a row would catch ~80% of the swaps of
# common words but flags 18.6% of the right English question + answer claims, so paraphrases: not done.
SIMILARITY_WEIGHT = 0.5
THRESHOLD = 0.50
# A sentence shorter than this ("Sim.", "Veja abaixo:") is not a claim worth a source of its own.
MIN_ATTRIBUTED_TERMS = 3
_CLOSING = ".!?…:; \t"
MAX_MISSING_SHOWN = 4

NUMBER_MISSING = "[{n}] does not contain {numbers}."
NAME_MISSING = "[{n}] does not name {names}."
FEW_WORDS = "[{n}] does not mention {words}."
LOW_SIMILARITY = "[{n}] says something else (similarity {similarity:.2f})."

# Capitalised before a name without being one; their full stop ends no sentence ("Dr. Silva", "Art. 5"), nor does
# an initial's ("J. K. Rowling").
_NOT_AN_END = "".join(rf"(?<!\b(?i:{title})\.)" for title in sorted(_TITLES)) + r"(?<!\b[A-Z]\.)"
_SENTENCE_END = re.compile(rf"(?<=[.!?…:;]){_NOT_AN_END}\s+|\n+")
_LEADING_MARKERS = re.compile(r"^(\s*\[[\d\s,\-–]+\])+")
_NUMBER = re.compile(r"\d")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])")


@dataclass(frozen=True)
class CitationSupport:
    n: int
    claim: str
    score: float
    similarity: float
    overlap: float
    weak: bool
    code: str = ""  # number_missing | name_missing | few_words | low_similarity, empty when supported
    reason: str = ""
    missing: tuple[str, ...] = ()  # the claim's numbers and names the passage lacks, as the claim writes them
    # What `reason` says, for the web to say in the reader's language: {"numbers": [...]}, {"names": [...]},
    # {"words": [...]} (at most MAX_MISSING_SHOWN each) or {"similarity": 0.31}; empty when supported.
    params: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Support:
    citations: list[CitationSupport]
    score: float | None  # mean of the citations' scores; None when nothing is cited

    @property
    def weak(self) -> list[CitationSupport]:
        return [c for c in self.citations if c.weak]

    def as_event(self) -> dict:
        return {"score": self.score, "citations": [asdict(c) for c in self.citations]}


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def cited_claims(answer: str) -> list[tuple[str, list[int]]]:
    """(claim without markers, source numbers it cites) per sentence; markers opening a sentence close the one before."""
    claims: list[tuple[str, list[int]]] = []
    for sentence in split_sentences(answer):
        leading = _LEADING_MARKERS.match(sentence)
        if leading and claims:
            claims[-1][1].extend(_numbers(leading.group(0)))
            sentence = sentence[leading.end() :]
        claims.append((_SPACE_BEFORE_PUNCTUATION.sub(r"\1", MARKER.sub("", sentence)).strip(), _numbers(sentence)))
    return [(claim, list(dict.fromkeys(ns))) for claim, ns in claims if ns and claim]


def check_support(
    answer: str,
    passages: Mapping[int, str],
    *,
    embed: Embed,
    question: str = "",
    threshold: float = THRESHOLD,
    passage_vectors: Mapping[int, np.ndarray] | None = None,
) -> Support:
    """Score every (cited sentence, cited passage) pair of `answer`. Markers naming no passage are ignored.

    `passage_vectors` (unit vectors by source number, e.g. the chunks' own vectors from the index) saves embedding
    the passages again: on 2 cores that is most of the check's time (~0.1 s per 200-token passage).
    """
    pairs = [(claim, n) for claim, numbers in cited_claims(answer) for n in numbers if n in passages]
    if not pairs:
        return Support(citations=[], score=None)
    judged = [_judged_text(claim, question) for claim, _ in pairs]
    cited = {n: passages[n] for n in dict.fromkeys(n for _, n in pairs)}
    vectors = _vectors(embed, judged, cited, passage_vectors or {})
    results = []
    for (claim, n), text in zip(pairs, judged, strict=True):
        results.append(_judge(claim, text, n, passages[n], float(vectors[n] @ vectors[text]), threshold))
    return Support(citations=results, score=round(float(np.mean([c.score for c in results])), 3))


def attribute_uncited(
    answer: str,
    passages: Mapping[int, str],
    *,
    embed: Embed,
    question: str = "",
    threshold: float = THRESHOLD,
    passage_vectors: Mapping[int, np.ndarray] | None = None,
) -> tuple[str, list[int]]:
    """The answer with `[n]` added after each sentence the model left uncited that one passage clearly supports.

    Small models often answer from the sources without writing markers; a reader still needs to see where each
    claim comes from. A sentence gets the passage that supports it best, and only when that passage passes the
    same check a cited one must pass (`check_support`); otherwise it stays uncited. Returns the text and the
    numbers added, so the citation can say Acervo found it, not the model.
    """
    sentences = [(start, end) for start, end in _sentence_spans(answer) if _needs_source(answer, start, end)]
    if not sentences or not passages:
        return answer, []
    claims = [answer[start:end] for start, end in sentences]
    judged = [_judged_text(claim, question) for claim in claims]
    vectors = _vectors(embed, judged, passages, passage_vectors or {})
    added, pieces, cursor = [], [], 0
    for (_start, end), claim, text in zip(sentences, claims, judged, strict=True):
        verdicts = [_judge(claim, text, n, passages[n], float(vectors[n] @ vectors[text]), threshold) for n in passages]
        best = max((v for v in verdicts if not v.weak), key=lambda v: v.score, default=None)
        if best is None:
            continue
        cut = end - len(claim) + len(claim.rstrip(_CLOSING))
        pieces += [answer[cursor:cut], f" [{best.n}]"]
        cursor = cut
        added.append(best.n)
    return "".join(pieces) + answer[cursor:], list(dict.fromkeys(added))


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _needs_source(text: str, start: int, end: int) -> bool:
    """A sentence with terms enough to be a claim, no marker of its own and none opening the next sentence."""
    sentence = text[start:end]
    following = text[end:].lstrip()
    return (not MARKER.search(sentence) and not _LEADING_MARKERS.match(following)
            and len(set(tokenize(sentence))) >= MIN_ATTRIBUTED_TERMS)


def passage_vectors_of(passages: Mapping[int, str], embed: Embed) -> dict[int, np.ndarray]:
    """Unit vectors by source number, to embed the passages once for `attribute_uncited` and `check_support`."""
    return dict(zip(passages, np.asarray(embed(list(passages.values())), dtype=np.float32), strict=True))


def _vectors(embed: Embed, claims: list[str], passages: Mapping[int, str], known: Mapping) -> dict:
    """Vectors of the claims (by text) and of the passages (by number), embedding only what `known` lacks."""
    missing = {n: text for n, text in passages.items() if n not in known}
    texts = list(dict.fromkeys(claims + list(missing.values())))
    by_text = dict(zip(texts, np.asarray(embed(texts), dtype=np.float32), strict=True))
    return by_text | {n: by_text[text] for n, text in missing.items()} | {
        n: np.asarray(known[n], dtype=np.float32) for n in passages if n in known
    }


def term_overlap(claim: str, passage: str) -> float:
    """Share of the claim's distinct terms found in the passage; 1.0 for a claim with no terms."""
    terms = set(tokenize(claim))
    return len(terms & set(tokenize(passage))) / len(terms) if terms else 1.0


def combined_score(similarity: float, overlap: float) -> float:
    return SIMILARITY_WEIGHT * max(similarity, 0.0) + (1 - SIMILARITY_WEIGHT) * overlap


def missing_words(claim: str, passage: str) -> list[str]:
    """Words of the claim none of whose terms occur in the passage, in order."""
    present = set(tokenize(passage))
    missing = [w for w in WORD.findall(claim) if (terms := tokenize(w)) and not present.intersection(terms)]
    return list(dict.fromkeys(missing))


def _judged_text(claim: str, question: str) -> str:
    if question and len(set(tokenize(claim))) < MIN_CLAIM_TERMS:
        return f"{question.strip()} {claim}"
    return claim


def _judge(claim: str, text: str, n: int, passage: str, similarity: float, threshold: float) -> CitationSupport:
    overlap = term_overlap(text, passage)
    score = round(combined_score(similarity, overlap), 3)
    numbers, names = missing_numbers(claim, passage), missing_names(claim, passage)
    code, params = "", dict[str, object]()
    if numbers:
        code, params = "number_missing", {"numbers": numbers[:MAX_MISSING_SHOWN]}
    elif names:
        code, params = "name_missing", {"names": names[:MAX_MISSING_SHOWN]}
    elif score < threshold and (missing := missing_words(claim, passage)) and overlap < similarity:
        code, params = "few_words", {"words": missing[:MAX_MISSING_SHOWN]}
    elif score < threshold:
        code, params = "low_similarity", {"similarity": round(similarity, 3)}
    return CitationSupport(
        n=n, claim=claim, score=score, similarity=round(similarity, 3), overlap=round(overlap, 3),
        weak=bool(code), code=code, reason=reason_text(n, code, params), missing=tuple(numbers + names),
        params=params,
    )


def reason_text(n: int, code: str, params: Mapping) -> str:
    """The English reason of a verdict (`code` and `params` as `CitationSupport` has them), "" when supported.
    Kept on the stored citation for the admin and for readers of old rows; the web says it from the code."""
    if code == "number_missing":
        return NUMBER_MISSING.format(n=n, numbers=", ".join(params["numbers"]))
    if code == "name_missing":
        return NAME_MISSING.format(n=n, names=", ".join(params["names"]))
    if code == "few_words":
        return FEW_WORDS.format(n=n, words=", ".join(params["words"]))
    if code == "low_similarity":
        return LOW_SIMILARITY.format(n=n, similarity=params["similarity"])
    return ""


def _numbers(text: str) -> list[int]:
    return [n for match in MARKER.finditer(text) for n in marker_numbers(match.group(1))]
