"""Knowledge gaps: questions the documents did not answer (refused, or nothing found), per collection, grouped by
the content words they share, so the people who write the documents see what is missing.

Grouping is lexical (`retrieval.lexical.tokenize`: stopwords out, stems folded) and greedy: a question joins the
first group whose words it shares at least half of its own (or of the group's first question's) with; cheap, no
embedder in the web process.
"""

import csv
import io
from dataclasses import dataclass, field

from retrieval.lexical import tokenize
from webapp.accounts.selectors import collections_readable_by
from webapp.chat.models import Message
from webapp.review.queue import RUN_USER, question_of

MAX_QUESTIONS = 2000
SHARED = 0.5


@dataclass
class Gap:
    collection: str
    words: set[str]
    questions: list[tuple[str, str]] = field(default_factory=list)  # (question, date ISO)

    @property
    def example(self) -> str:
        return self.questions[0][0]


def _unanswered(user):
    return (Message.objects.filter(role=Message.Role.ASSISTANT, outcome="refused")
            .exclude(conversation__user__username=RUN_USER).order_by("-created_at")[:MAX_QUESTIONS])


def knowledge_gaps(*, user, collection: int | None = None) -> list[Gap]:
    """Groups, largest first, one collection each (the first readable collection the question searched)."""
    names = dict(collections_readable_by(user).values_list("id", "name"))
    groups: list[Gap] = []
    for message in _unanswered(user):
        searched = [c for c in message.collections or [] if c in names and (collection is None or c == collection)]
        question = question_of(message)
        if not searched or not question:
            continue
        words = set(tokenize(question))
        _place(groups, names[searched[0]], words, question, message.created_at.date().isoformat())
    return sorted(groups, key=lambda g: (-len(g.questions), g.collection, g.example))


def _place(groups: list[Gap], collection: str, words: set[str], question: str, day: str) -> None:
    for gap in groups:
        shared = len(words & gap.words)
        if gap.collection == collection and words and shared >= SHARED * min(len(words), len(gap.words)):
            gap.questions.append((question, day))
            return
    groups.append(Gap(collection, words, [(question, day)]))


def gaps_csv(gaps: list[Gap]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "collection", "questions_in_group", "question", "date"])
    for n, gap in enumerate(gaps, start=1):
        for question, day in gap.questions:
            writer.writerow([n, gap.collection, len(gap.questions), question, day])
    return out.getvalue()
