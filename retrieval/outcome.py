"""What an answer turned out to be, and why: codes between processes, words at the edge.

The worker stores an `Outcome` and a list of `Reason`s (a code and its parameters) on the message and sends them in
the `done` event; the web translates them (pt-BR/en) and the dashboard counts them. No English here.

- answered: the answer is shown as the answer (its claims are tied to passages, or it is the verbatim quote);
- refused: the documents do not answer the question, decided from retrieval evidence before the model was called;
  the passages shown are the closest ones, not an answer;
- unconfirmed: the model wrote something the support check could not tie to any passage; the reader sees that it is
  not confirmed by the documents, why, and the closest passages.
"""

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    ANSWERED = "answered"
    REFUSED = "refused"
    UNCONFIRMED = "unconfirmed"


class ReasonCode(StrEnum):
    NO_COLLECTIONS = "no_collections"  # the asker may read no collection
    NO_PASSAGES = "no_passages"  # nothing was found in the collections searched
    LOW_ANSWERABILITY = "low_answerability"  # params: score, threshold
    UNSUPPORTED_CLAIMS = "unsupported_claims"  # params: claims (how many), missing (names/numbers the passages lack)
    EMPTY_ANSWER = "empty_answer"  # the model wrote nothing usable (no quote to fall back on either)
    MODEL_UNAVAILABLE = "model_unavailable"  # search-only mode: the passages are shown instead


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"code": str(self.code), **self.params}


@dataclass(frozen=True)
class Quote:
    """The sentence(s) of passage `n` that best answer the question, verbatim: `text` is `passage.text[start:end]`."""

    n: int
    text: str
    start: int
    end: int
    score: float

    def as_event(self) -> dict:
        return asdict(self)
