"""The answer prompt, built within the model's real token budget.

Order: static instructions first (identical across questions, so llama.cpp reuses the cached prefix),
then the numbered sources, then recent history, then the question. Passages that do not fit are left
out whole and counted. Everything but the chat template's own scaffolding is untrusted text.
"""

from collections.abc import Callable
from dataclasses import dataclass

from retrieval.types import Passage

MARKER = "\x00CONTENT\x00"
SAFETY_TOKENS = 8

INSTRUCTIONS = {
    "pt": (
        "Responda à pergunta usando somente as fontes numeradas abaixo. Cite cada afirmação com o número "
        "da fonte entre colchetes, por exemplo [1]. Se as fontes não contiverem a resposta, diga: "
        "\"Os documentos não contêm essa informação.\" Responda em português, de forma breve."
    ),
    "en": (
        "Answer the question using only the numbered sources below. Cite every claim with the source "
        "number in brackets, for example [1]. If the sources do not contain the answer, say: "
        "\"The documents do not contain this information.\" Answer in English, briefly."
    ),
}
LABELS = {
    "pt": {"sources": "Fontes:", "question": "Pergunta:", "answer": "Resposta:", "page": "p."},
    "en": {"sources": "Sources:", "question": "Question:", "answer": "Answer:", "page": "p."},
}
# A base model does not stop by itself: these end the answer where a new section would begin. It also ends at its
# first line break once it has written something (`Prompt.one_line`): on the shared sets, Gemma 3 270M went on after
# its answer with invented dialogue, options or the prompt's own headers, and one line held the answer as often.
COMPLETION_STOPS = ["\nPergunta:", "\nQuestion:", "\nFontes:", "\nSources:", "\n\n\n"]


@dataclass(frozen=True)
class Prompt:
    segments: list[tuple[str, bool]]
    passages: list[Passage]
    left_out: int
    tokens: int
    stop: list[str]
    one_line: bool = False  # a completion prompt: the answer may end at its first line break (ANSWER_ONE_LINE)


def source_block(passage: Passage, language: str) -> str:
    where = [passage.title]
    if passage.page is not None and not passage.location:
        where.append(f"{LABELS[language]['page']} {passage.page}")
    where += [part for part in (passage.location, passage.heading_path) if part]
    return f"[{passage.n}] {' — '.join(where)}\n{passage.text.strip()}\n\n"


def build_prompt(
    *,
    question: str,
    passages: list[Passage],
    history: list[tuple[str, str]],
    language: str,
    count_tokens: Callable[[str], int],
    budget: int,
    chat_template: str | None = None,
    extra_instructions: str = "",
) -> Prompt:
    """Fit instructions, sources, history and question into `budget` tokens (answer space excluded).

    `extra_instructions` (a model profile's system prompt) follow the built-in ones; they are static
    per profile, so the cached prefix still holds.
    """
    labels = LABELS[language]
    instructions = f"{INSTRUCTIONS[language]}\n{extra_instructions.strip()}".strip()
    head = f"{instructions}\n\n{labels['sources']}\n"
    tail = f"{labels['question']} {question.strip()}\n{labels['answer']}"
    scaffold_before, scaffold_after = _scaffold(chat_template)
    used = sum(count_tokens(t) for t in (head, tail, scaffold_before, scaffold_after)) + SAFETY_TOKENS
    kept: list[Passage] = []
    for passage in passages:
        cost = count_tokens(source_block(passage, language))
        if used + cost > budget:
            continue
        kept.append(passage)
        used += cost
    turns: list[str] = []
    for asked, answered in reversed(history):
        turn = f"{labels['question']} {asked.strip()}\n{labels['answer']} {answered.strip()}\n\n"
        cost = count_tokens(turn)
        if used + cost > budget:
            break
        turns.insert(0, turn)
        used += cost
    body = [head] + [source_block(p, language) for p in kept] + turns + [tail]
    segments = [(scaffold_before, True)] + [(text, False) for text in body] + [(scaffold_after, True)]
    return Prompt(
        segments=[s for s in segments if s[0]],
        passages=kept,
        left_out=len(passages) - len(kept),
        tokens=used,
        stop=[] if chat_template else COMPLETION_STOPS,
        one_line=not chat_template,
    )


def _scaffold(chat_template: str | None) -> tuple[str, str]:
    """The template's text around one user message, or nothing for a plain completion prompt."""
    if not chat_template:
        return "", ""
    import jinja2.sandbox

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    rendered = env.from_string(chat_template).render(
        messages=[{"role": "user", "content": MARKER}], add_generation_prompt=True, bos_token="", eos_token=""
    )
    before, _, after = rendered.partition(MARKER)
    return before, after
