"""Map the answer's [n] markers to the passages they name.

Accepts `[n]`, `[n, m]` and `[n-m]`. A marker naming no source is removed from the text and counted,
never shown as a dead link.
"""

import re
from dataclasses import dataclass

from retrieval.types import Passage

MARKER = re.compile(r"\[(\s*\d+\s*(?:[-–,]\s*\d+\s*)*)\]")
MAX_RANGE = 20


@dataclass(frozen=True)
class CitedAnswer:
    text: str
    cited: list[int]  # source numbers the answer uses, in order of first use
    dropped_markers: int


def marker_numbers(inside: str) -> list[int]:
    numbers: list[int] = []
    for part in inside.split(","):
        bounds = [int(x) for x in re.split(r"[-–]", part) if x.strip()]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= MAX_RANGE:
            numbers += range(bounds[0], bounds[1] + 1)
        else:
            numbers += bounds
    return numbers


def resolve_citations(answer: str, passages: list[Passage]) -> CitedAnswer:
    valid = {p.n for p in passages}
    cited: list[int] = []
    dropped = 0

    def rewrite(match: re.Match) -> str:
        nonlocal dropped
        numbers = marker_numbers(match.group(1))
        good = [n for n in numbers if n in valid]
        dropped += len(numbers) - len(good)
        for n in good:
            if n not in cited:
                cited.append(n)
        return "".join(f"[{n}]" for n in dict.fromkeys(good))

    text = MARKER.sub(rewrite, answer)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text) if dropped else text
    return CitedAnswer(text=text, cited=cited, dropped_markers=dropped)
