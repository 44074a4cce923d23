"""answer_message() = retrieve → judge → quote → prompt → generate (stream) → cite → check.

Events go to the message's Redis stream in this order: `sources` (before any token), `quote` (the verbatim sentence
that best answers, when there is one: the first visible text), `token`…, then `done` or `error`.
The model is never called when the documents do not answer: with no passage, or an answerability score under the
threshold (`retrieval.answerability`), the answer says so, names the collections searched and shows the closest
passages. After generation, an answer whose claims no passage supports is "unconfirmed" (`retrieval.verdict`).
With no model, the passages themselves are the answer. Outcome and reasons are stored as codes on the message.
"""

import dataclasses
import logging
import time
from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone

from retrieval import messages, throttle, verdict
from retrieval.answerability import assess, calibration_for
from retrieval.citations import CitedAnswer, resolve_citations
from retrieval.components import get_embedder, get_llm
from retrieval.contracts import events
from retrieval.contracts.payloads import Citation, Usage
from retrieval.language import detect_language
from retrieval.llm import ModelUnavailable
from retrieval.outcome import Outcome, Quote, Reason, ReasonCode
from retrieval.prompt import build_prompt
from retrieval.quote import quote_context
from retrieval.rarity import rarity_of
from retrieval.rewrite import standalone_question
from retrieval.search import search_passages
from retrieval.support import CitationSupport, attribute_uncited, check_support, passage_vectors_of
from retrieval.types import GenerationParams, Passage
from webapp.audit.evidence import answer_finished
from webapp.chat.models import Citation as CitationRow
from webapp.chat.models import Message
from webapp.documents.models import Collection
from webapp.observability import figures, tracing
from webapp.review.prompts import prompt_record_keep

log = logging.getLogger(__name__)
HISTORY_TURNS = 2
# Answers written without the model: the passages themselves, or "not in the documents".
WITHOUT_MODEL = ("no_passages", "refused", "search_only")


def answer_message(message_id: int, *, threshold: float | None = None) -> None:
    """Answer one queued message. `threshold` overrides the answerability threshold (evaluation only)."""
    message = Message.objects.select_related("conversation", "profile").filter(pk=message_id).first()
    # Conditional, so an answer cancelled while queued is never started.
    if message is None or not Message.objects.filter(pk=message_id, status=Message.Status.QUEUED).update(
        status=Message.Status.RUNNING
    ):
        return
    usage: Usage = {"queue_wait_ms": round((timezone.now() - message.created_at).total_seconds() * 1000)}
    try:
        with throttle.answering():
            _answer(message, usage, threshold)
    except Exception as exc:  # the user sees a reason and the worker goes on
        log.exception("answer %s failed", message_id)
        _finish(message, status=Message.Status.ERROR, error=f"{type(exc).__name__}: {exc}")
        answer_finished(message, passages=[], text="", finish="error", outcome="", usage=usage)
        figures.count("answers_total", outcome="error", finish_reason="error")
        events.publish(message_id, "error", {"code": "answer_failed", "message": messages.FAILED})
    finally:
        events.dequeued(message_id)


def _answer(message: Message, usage: Usage, threshold: float | None) -> None:
    started = time.monotonic()
    question, history = _question_and_history(message)
    language = detect_language(question)
    query = standalone_question(question, [asked for asked, _ in history])
    with tracing.span("retrieval.search", collections=len(message.collections)):
        passages = search_passages(query, collection_ids=message.collections, limit=settings.ANSWER_PASSAGES)
    usage["retrieval_ms"] = round((time.monotonic() - started) * 1000, 1)
    message.search_query = query  # written with the answer: no database write before the first token
    if not passages:
        _publish_sources(message, [], language)
        names = _collection_names(message)
        code = ReasonCode.NO_PASSAGES if message.collections else ReasonCode.NO_COLLECTIONS
        return _complete(message, messages.not_covered(language, names), [], usage, "no_passages",
                         outcome=Outcome.REFUSED, reasons=[Reason(code, {"collections": names})])
    if threshold is None and message.profile is not None:
        threshold = message.profile.answerability_threshold
    embedder = get_embedder()  # the active index version's model: calibrated for it
    judged = assess(query, passages, embed=embedder.encode,
                    calibration=calibration_for(embedder.name), threshold=threshold,
                    rarity=rarity_of(message.collections), language=language)
    message.answerability = judged.score
    usage["answerability"], usage["judge_ms"] = judged.evidence.as_dict(), judged.elapsed_ms
    refused = judged.score < judged.threshold
    _publish_sources(message, passages, language, closest=refused)
    if refused:  # the collections are named only in a refusal: no database read before an answer's first token
        names = _collection_names(message)
        return _complete(message, messages.not_answered(language, names), passages, usage, "refused",
                         outcome=Outcome.REFUSED, reasons=[verdict.refusal(judged.score, judged.threshold, names)])
    if judged.quote:
        events.publish(message.pk, "quote", judged.quote.as_event())
        usage["first_visible_ms"] = round((time.monotonic() - started) * 1000, 1)
    try:
        llm = get_llm(message.profile)
    except ModelUnavailable as exc:
        llm, usage["model_error"] = None, str(exc)
    if llm is None:
        return _complete(message, messages.search_only(language, passages), passages, usage, "search_only",
                         outcome=Outcome.ANSWERED, reasons=[Reason(ReasonCode.MODEL_UNAVAILABLE)], quote=judged.quote)
    _generate(message, llm, question, history, passages, language, usage, judged.quote, started)


def _collection_names(message: Message) -> list[str]:
    return list(Collection.objects.filter(pk__in=message.collections).values_list("name", flat=True))


def passages_for_prompt(passages: list[Passage], quote: Quote | None) -> list[Passage]:
    """What the model reads (ANSWER_CONTEXT): "passages": all of them, the quote's first (a small model answers from
    what it reads first); "quote": only the quote with a sentence on each side, under the quote's source number."""
    if quote is None:
        return passages
    if settings.ANSWER_CONTEXT == "quote":
        return quote_context(passages, quote)
    return sorted(passages, key=lambda p: p.n != quote.n)


def _generate(message, llm, question, history, passages, language, usage, quote, started_at) -> None:
    params = GenerationParams(**message.params)
    started = time.monotonic()
    prompt = build_prompt(
        question=question,
        passages=passages_for_prompt(passages, quote),
        history=history,
        language=language,
        count_tokens=lambda text: len(llm.tokenize(text)),
        budget=llm.n_ctx - params.max_tokens,
        chat_template=llm.chat_template,
        extra_instructions=message.profile.system_prompt if message.profile else "",
    )
    params.stop = list(dict.fromkeys(params.stop + prompt.stop))
    usage.update(prompt_tokens=prompt.tokens, passages_left_out=prompt.left_out,
                 prompt_ms=round((time.monotonic() - started) * 1000, 1))
    one_line = prompt.one_line and settings.ANSWER_ONE_LINE
    with tracing.span("llm.generate", prompt_tokens=prompt.tokens):
        text, finish = _stream(message, llm, prompt.segments, params, usage, started_at, one_line=one_line)
    read = {p.n for p in prompt.passages}
    # The sources shown are those the model read, whole, and the quote's; with ANSWER_CONTEXT=quote, all found.
    kept = [p for p in passages if p.n in read or settings.ANSWER_CONTEXT == "quote" or (quote and p.n == quote.n)]
    # Kept before the answer ends (its `done` event), so whoever reads the ended answer finds its prompt too.
    prompt_record_keep(message.pk, "".join(text for text, _ in prompt.segments), prompt.tokens)
    _complete(message, verdict.cleaned(text), kept, usage, finish, question=question, quote=quote)


def _stream(message, llm, segments, params: GenerationParams, usage: Usage, started_at: float, *,
            one_line: bool = False) -> tuple[str, str]:
    """Relay tokens; stop on cancel or timeout within one token, and with `one_line` at the first line break after
    visible text. `started_at`: when the answer began, for the time to the first visible text (the quote's, when one
    was shown)."""
    started = time.monotonic()
    parts: list[str] = []
    finish, count = "stop", 0
    # Out of line once the backend serves it (in-process: it holds the model; llama-server: a slot), not at its first
    # token: with batching, answers read their prompts side by side, and none of them is waiting behind the others.
    stream = llm.stream(segments, params, on_start=lambda: events.dequeued(message.pk))
    try:
        for piece in stream:
            # Leading blanks are not shown: the first token is the first visible text.
            text = piece.text if parts else piece.text.lstrip()
            ended = one_line and "\n" in text
            text = text.split("\n", 1)[0].rstrip() if ended else text
            if text:
                if not parts:
                    events.dequeued(message.pk)  # it has the model now: no longer waiting in line
                    usage["ttft_ms"] = round((time.monotonic() - started) * 1000, 1)
                    usage.setdefault("first_visible_ms", round((time.monotonic() - started_at) * 1000, 1))
                parts.append(text)
                count += 1
                cancelled = events.publish_token(message.pk, text)
            else:
                cancelled = events.is_cancelled(message.pk)
            if piece.finish_reason:
                finish = piece.finish_reason
            if ended:
                finish = "stop"
                break
            if cancelled:
                finish = "cancelled"
                break
            if time.monotonic() - started > params.timeout:
                finish = "timeout"
                break
    finally:
        stream.close()
    elapsed = time.monotonic() - started
    first = usage.get("ttft_ms", 0) / 1000
    usage["completion_tokens"] = count
    usage["tokens_per_s"] = round((count - 1) / (elapsed - first), 1) if count > 1 and elapsed > first else None
    return "".join(parts).strip(), finish


def _question_and_history(message: Message) -> tuple[str, list[tuple[str, str]]]:
    earlier = list(
        Message.current().filter(conversation=message.conversation, pk__lt=message.pk).order_by("-pk")[: 1 + 2 * HISTORY_TURNS]
    )
    question = earlier[0].text if earlier and earlier[0].role == Message.Role.USER else ""
    pairs: list[tuple[str, str]] = []
    rest = earlier[1:]
    for answer, asked in zip(rest[0::2], rest[1::2]):
        if answer.role == Message.Role.ASSISTANT and asked.role == Message.Role.USER and answer.text:
            pairs.insert(0, (asked.text, answer.text))
    return question, pairs


def _publish_sources(message: Message, passages: list[Passage], language: str, *, closest: bool = False) -> None:
    """`closest`: the passages are the nearest found, not an answer (a refusal)."""
    events.publish(
        message.pk,
        "sources",
        {
            "message_id": message.pk,
            "conversation_id": message.conversation_id,
            "language": language,
            "passages": [p.as_event() for p in passages],
            "closest": closest,
        },
    )


def _checked(cited: CitedAnswer, passages: list[Passage], question: str, finish: str):
    """Markers added for the sentences the model left uncited (see `attribute_uncited`; not in a cancelled answer),
    then every citation checked against its passage. The passages are embedded once for both.

    Returns the answer's citations, the sources only Acervo cited, the weakest support of each cited source, and
    every (claim, source) verdict.
    """
    if not cited.text.strip():
        return cited, [], {}, []
    embed = get_embedder().encode
    texts = {p.n: p.text for p in passages}
    vectors = passage_vectors_of(texts, embed)
    attributed: list[int] = []
    if settings.ATTRIBUTE_UNCITED and finish != "cancelled":
        completed, added = attribute_uncited(cited.text, texts, embed=embed, question=question, passage_vectors=vectors)
        if added:
            attributed = [n for n in added if n not in cited.cited]
            cited = dataclasses.replace(resolve_citations(completed, passages), dropped_markers=cited.dropped_markers)
    weakest: dict[int, CitationSupport] = {}
    checked = check_support(cited.text, texts, embed=embed, question=question, passage_vectors=vectors).citations
    for result in checked:
        if result.n not in weakest or result.score < weakest[result.n].score:
            weakest[result.n] = result
    return cited, attributed, weakest, checked


def _complete(message: Message, text: str, passages: list[Passage], usage: Usage, finish: str, *,
              question: str = "", outcome: Outcome | None = None, reasons: Sequence[Reason | None] = (),
              quote: Quote | None = None) -> None:
    """Store and announce the answer. Answers the model wrote (`outcome` None) have their citations checked and
    their outcome decided here (`retrieval.verdict.after_generation`); `question` is the one they answer."""
    if not Message.objects.filter(pk=message.pk).exists():
        return  # its conversation was deleted while the answer was being written
    cited = resolve_citations(text, passages)
    usage["dropped_markers"] = cited.dropped_markers
    attributed, support, checked = [], {}, []
    if finish not in WITHOUT_MODEL:
        cited, attributed, support, checked = _checked(cited, passages, question, finish)
    if outcome is None:
        outcome, reasons = verdict.after_generation(cited.text, checked, quote, [p.text for p in passages])
        if finish == "cancelled":
            outcome, reasons = Outcome.ANSWERED, []
        if not cited.text.strip() and quote:
            cited = resolve_citations(f"{quote.text} [{quote.n}]", passages)
    usage["attributed_citations"] = len(attributed)
    citations = [_citation(p, support.get(p.n), cited=p.n in cited.cited, attributed=p.n in attributed)
                 for p in passages]
    CitationRow.objects.bulk_create(CitationRow(message=message, **c.as_row_fields()) for c in citations)
    status = Message.Status.CANCELLED if finish == "cancelled" else Message.Status.DONE
    scores = [s.score for s in support.values()]
    mean_support = round(sum(scores) / len(scores), 3) if scores else None
    reason_dicts = [r.as_dict() for r in reasons if r is not None]
    quote_event = quote.as_event() if quote else None
    _finish(message, status=status, text=cited.text, usage=usage, finish_reason=finish, support=mean_support,
            outcome=str(outcome), reasons=reason_dicts, answerability=message.answerability, quote=quote_event or {})
    # Before `done`: whoever reads the answer can find its usage and evidence record (webapp.audit.evidence).
    answer_finished(message, passages=passages, text=cited.text, finish=finish, outcome=str(outcome), usage=usage)
    figures.answer_finished(usage, str(outcome), finish)
    by_n = {c.n: c for c in citations}
    events.publish(
        message.pk,
        "done",
        {
            "message_id": message.pk,
            "conversation_id": message.conversation_id,
            "answer": cited.text,
            "finish_reason": finish,
            "outcome": str(outcome),
            "reasons": reason_dicts,
            "answerability": message.answerability,
            "quote": quote_event,
            "citations": [by_n[n].to_event() for n in cited.cited],
            "support": mean_support,
            "sources": [p.as_event() for p in passages],
            "usage": usage,
        },
    )


def _citation(passage: Passage, support: CitationSupport | None, *, cited: bool, attributed: bool) -> Citation:
    return Citation(
        n=passage.n, chunk_id=passage.chunk_id, document_id=passage.document_id, title=passage.title,
        text=passage.text, page=passage.page, location=passage.location, heading_path=passage.heading_path,
        char_start=passage.char_start, char_end=passage.char_end, score=passage.score, cited=cited,
        support=support.score if support else None, weak=bool(support and support.weak),
        weak_reason=support.reason if support else "", weak_code=support.code if support else "",
        weak_params=support.params if support else {}, attributed=attributed,
    )


def _finish(message: Message, **fields) -> None:
    Message.objects.filter(pk=message.pk).update(finished_at=timezone.now(), search_query=message.search_query, **fields)
