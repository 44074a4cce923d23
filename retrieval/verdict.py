"""Decisions about an answer: refuse before the model, and after it, answered or not confirmed.

Pure functions over what the answer path measured, so they can be tested as a table:
- `refusal`: the answerability score against the threshold in use;
- `after_generation`: the support check's results on what the model wrote. A claim the support check cannot tie to
  any passage is not shown as a plain answer; when not one claim is supported, the whole answer is "unconfirmed"
  (the reader sees why, the verbatim quote and the closest passages; the model's text only on request).
"""

import re
from collections.abc import Sequence

from retrieval.citations import MARKER
from retrieval.claim_facts import WORD
from retrieval.lexical import tokenize
from retrieval.outcome import Outcome, Quote, Reason, ReasonCode
from retrieval.support import CitationSupport, missing_words, split_sentences

# A sentence with fewer content words than this ("Sim.", "308.", "Peyton Manning") is a short answer, judged by
# whether one passage holds all its words.
MIN_CLAIM_TERMS = 3
MAX_MISSING = 6
_HEADER = re.compile(r"^\s*\[\d+\][^\n]*(?:—|-)\s*(?:p\.|pp\.)\s*\d+[^\n]*$", re.MULTILINE)


def refusal(score: float, threshold: float, collections: list[str]) -> Reason | None:
    """The reason to refuse before the model, or None to answer."""
    if score >= threshold:
        return None
    return Reason(ReasonCode.LOW_ANSWERABILITY,
                  {"score": round(score, 3), "threshold": round(threshold, 3), "collections": collections})


def cleaned(text: str) -> str:
    """The model's text without echoed prompt scaffolding (a source header such as `[2] Title — p. 3`)."""
    return _HEADER.sub("", text).strip()


def content_words(text: str) -> list[str]:
    """The words of `text` that are index terms (not stopwords), markers aside."""
    return [w for w in WORD.findall(MARKER.sub(" ", text)) if tokenize(w)]


def uncited_claims(text: str) -> list[str]:
    """Sentences with words enough to be a claim and no `[n]` of their own."""
    return [s for s in split_sentences(text) if not MARKER.search(s) and len(content_words(s)) >= MIN_CLAIM_TERMS]


def short_answer_missing(text: str, quote: Quote | None, passages: list[str]) -> list[str] | None:
    """For a short answer ("308.", "30 dias", "Peyton Manning"): the words no single passage (the quote first) holds
    all of, or [] when one holds them all. None for an answer that is not short: the support check judges it."""
    words = content_words(text)
    if not words or len(words) >= MIN_CLAIM_TERMS:
        return None
    texts = ([quote.text] if quote else []) + list(passages)
    answer = MARKER.sub(" ", text)
    return min((missing_words(answer, passage) for passage in texts), key=len, default=words)


def after_generation(text: str, checked: list[CitationSupport], quote: Quote | None,
                     passages: Sequence[str] = ()) -> tuple[Outcome, list[Reason]]:
    """Answered, or unconfirmed with why. `checked` holds every (claim, cited passage) verdict of the support check
    on `text` (after Acervo's own attributions); `passages` the texts of the sources, for a short answer's words."""
    if not text.strip():
        if quote:
            return Outcome.ANSWERED, []
        return Outcome.UNCONFIRMED, [Reason(ReasonCode.EMPTY_ANSWER)]
    supported = [c for c in checked if not c.weak]
    unsupported = [c for c in checked if c.weak]
    loose = uncited_claims(text)
    short_missing = short_answer_missing(text, quote, list(passages)) if not supported and not loose else None
    if short_missing:
        return Outcome.UNCONFIRMED, [Reason(ReasonCode.UNSUPPORTED_CLAIMS,
                                            {"claims": 1, "missing": short_missing[:MAX_MISSING]})]
    if supported or short_missing == [] or (not unsupported and not loose):
        return Outcome.ANSWERED, []
    missing = [word for c in unsupported for word in c.missing]
    params = {"claims": len({c.claim for c in unsupported}) + len(loose),
              "missing": list(dict.fromkeys(missing))[:MAX_MISSING]}
    return Outcome.UNCONFIRMED, [Reason(ReasonCode.UNSUPPORTED_CLAIMS, params)]
