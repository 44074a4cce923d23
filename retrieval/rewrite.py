"""Follow-up questions ("and for interns?") made standalone before retrieval.

A small CPU model asked to rewrite costs seconds before the first token (and a base model does not
stop), so the rewrite is lexical: a question that leans on the previous one is searched together
with it. The result is stored on the message (`search_query`) so a person can see what was searched.
"""

import re

from retrieval.lexical import tokenize

FOLLOW_UP_START = re.compile(
    r"^\s*(e|and|but|mas|também|tambem|what about|how about|and what|e quanto|e para|e no|e na|e os|e as|e o|e a|"
    r"e se|e quando|e onde|e como|e quem|e qual|what if|or|ou|then|então|entao)\b",
    re.IGNORECASE,
)
PRONOUNS = re.compile(r"\b(it|they|them|this|that|those|these|isso|isto|ele|ela|eles|elas|esse|essa|este|esta|disso|dele|dela)\b",
                      re.IGNORECASE)
SHORT_TERMS = 3


def is_follow_up(question: str) -> bool:
    """Short, or opening like a continuation, or pointing back with a pronoun."""
    return bool(FOLLOW_UP_START.match(question)) or len(tokenize(question)) <= SHORT_TERMS or bool(PRONOUNS.search(question))


def standalone_question(question: str, earlier_questions: list[str]) -> str:
    """The text to search for: the question itself, or the previous question followed by this one."""
    if not earlier_questions or not is_follow_up(question):
        return question
    return f"{earlier_questions[-1].strip()} {question.strip()}"
