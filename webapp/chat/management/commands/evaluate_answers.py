"""manage.py evaluate_answers DATASET_DIR [DATASET_DIR ...]: answer quality and speed, once per model profile.

Every corpus row of each data set becomes a document of a temporary collection (readable by no group), ingested
in this process through the real pipeline into a temporary index folder, so it never touches, nor waits for, the
folder a running worker holds. Then, per profile, the first --limit questions of each set go through the real
answer path (`answer_message`: retrieve → prompt → generate → cite, with the profile's model, system prompt and
parameters; its events go to Redis, which must answer), and so do the first --impossible questions of each set
asked against the next set's collection, where their answer is not. Scores: `retrieval.answer_evaluation`; citation support: `retrieval.support`. Everything created
(collections, documents, files, vectors, the evaluation user and its answers, their Redis streams) is removed at
the end, also when interrupted.
"""

import json
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ingestion.pipeline import ingest_document
from retrieval import answer_evaluation as scoring
from retrieval import components, events
from retrieval.answer import answer_message
from retrieval.support import check_support
from webapp.chat.models import Conversation, Message, ModelProfile
from webapp.chat.params import params_resolve
from webapp.documents.models import Collection, Document
from webapp.documents.scratch import document_from_text, scratch_index

PREFIX = "evaluation-answers-"
ERR_PROFILE = "no model profile named {name!r} (profiles: {names})"
ERR_REDIS = "Redis does not answer at REDIS_URL ({url}): the answer path streams its events there. Start Redis first."
ERR_SAME_NAME = "two data sets are named {name!r}: each folder name must be unique"
ERR_INGEST = "{n} documents of {dataset} failed to ingest, e.g. {doc_id}: {error}"


class Command(BaseCommand):
    help = "Run a data set's questions through the real answer path once per model profile and score the answers."

    def add_arguments(self, parser):
        parser.add_argument("dataset_dirs", nargs="+", type=Path, metavar="DATASET_DIR")
        parser.add_argument("--profile", action="append", dest="profiles", default=[],
                            help="a model profile's name; repeat for several (default: every profile)")
        parser.add_argument("--limit", type=int, default=30, help="answerable questions per data set (default 30)")
        parser.add_argument("--impossible", type=int, default=None,
                            help="unanswerable questions per set: its own, then its questions asked against the "
                                 "next set's corpus (default limit/2)")
        parser.add_argument("--seed", type=int, default=0, help="sampling seed, so runs can be compared (default 0)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="one JSON object per profile")

    def handle(self, dataset_dirs, profiles, limit, impossible, seed, as_json, **options):
        datasets = _read(dataset_dirs)
        chosen = _profiles(profiles, self.stderr)
        try:
            events.client().ping()
        except Exception:
            raise CommandError(ERR_REDIS.format(url=settings.REDIS_URL)) from None
        impossible = limit // 2 if impossible is None else impossible
        rows = []
        with scratch_index(prefix=PREFIX):
            user = get_user_model().objects.create_user(f"{PREFIX}{uuid.uuid4().hex[:8]}", is_active=False)
            collections: list[Collection] = []
            try:
                doc_ids = {}
                for name, (corpus, _) in datasets.items():
                    collection = Collection.objects.create(name=f"{PREFIX}{name}-{uuid.uuid4().hex[:6]}")
                    collections.append(collection)
                    doc_ids |= self._ingest(name, collection, corpus)
                plan = _plan(datasets, collections, limit, impossible)
                for profile in chosen:
                    results = self._run(profile, plan, user, doc_ids, seed)
                    rows.append(_summary(profile.name, results))
            finally:
                _remove(user, collections)
        if as_json:
            for row in rows:
                self.stdout.write(json.dumps(row))
        else:
            self.stdout.write(scoring.format_table(_flatten(rows)))

    def _ingest(self, dataset: str, collection: Collection, corpus: list[scoring.CorpusDoc]) -> dict[int, str]:
        """Ingest every row; returns {document pk: corpus doc_id}."""
        started, doc_ids, failed = time.monotonic(), {}, []
        for row in corpus:
            document = document_from_text(collection, doc_id=row.doc_id, title=row.title, text=row.text, prefix=PREFIX)
            doc_ids[document.pk] = row.doc_id
            ingest_document(document.pk)
            document.refresh_from_db(fields=["status", "error"])
            if document.status != Document.Status.INDEXED:
                failed.append((row.doc_id, document.error))
        if failed:
            raise CommandError(ERR_INGEST.format(n=len(failed), dataset=dataset, doc_id=failed[0][0], error=failed[0][1]))
        self.stderr.write(f"{dataset}: {len(corpus)} documents ingested in {time.monotonic() - started:.0f} s")
        return doc_ids

    def _run(self, profile: ModelProfile, plan, user, doc_ids: dict[int, str], seed: int) -> list[scoring.Result]:
        embed = components.get_embedder().encode
        results, started = [], time.monotonic()
        for n, (dataset, collection_id, question) in enumerate(plan, start=1):
            message = _ask(user, collection_id, question, profile, seed)
            results.append(_score(dataset, question, message, doc_ids, embed))
            if n % 10 == 0 or n == len(plan):
                self.stderr.write(f"{profile.name}: {n}/{len(plan)} questions in {time.monotonic() - started:.0f} s")
        return results


def _read(folders: list[Path]) -> dict[str, tuple]:
    datasets = {}
    for folder in folders:
        if Path(folder).name in datasets:
            raise CommandError(ERR_SAME_NAME.format(name=Path(folder).name))
        try:
            datasets[Path(folder).name] = scoring.read_dataset(folder)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    return datasets


def _profiles(names: list[str], stderr) -> list[ModelProfile]:
    """The named profiles, or all of them; with none at all, a default one made from the current settings."""
    existing = list(ModelProfile.objects.order_by("-is_default", "name"))
    if names:
        by_name = {p.name: p for p in existing}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise CommandError(ERR_PROFILE.format(name=missing[0], names=", ".join(by_name) or "none"))
        return [by_name[n] for n in names]
    if existing:
        return existing
    stderr.write("no model profile yet: creating 'default' from the current settings")
    return [ModelProfile.objects.create(
        name="default", is_default=True, context_size=settings.LLM_CONTEXT_SIZE, threads=settings.LLM_THREADS,
        gpu_layers=settings.LLM_GPU_LAYERS, temperature=settings.ANSWER_TEMPERATURE,
        max_tokens=settings.ANSWER_MAX_TOKENS, timeout_s=settings.ANSWER_TIMEOUT_S,
    )]


def _plan(datasets: dict, collections: list[Collection], limit: int, impossible: int) -> list[tuple]:
    """(data set, collection id, question): each set's first `limit` answerable questions on its own corpus, and
    `impossible` questions where the answer is not: the set's own impossible ones first, then (with two sets or
    more) its first answerable ones asked against the next set's corpus."""
    plan = []
    for i, (name, (_, questions)) in enumerate(datasets.items()):
        answerable = [q for q in questions if not q.impossible]
        plan += [(name, collections[i].pk, q) for q in answerable[:limit]]
        unanswerable = [(name, collections[i].pk, q) for q in questions if q.impossible]
        if len(datasets) > 1:
            other = collections[(i + 1) % len(datasets)].pk
            unanswerable += [(name, other, scoring.impossible_copy(q)) for q in answerable]
        plan += unanswerable[:impossible]
    return plan


def _ask(user, collection_id: int, question: scoring.Question, profile: ModelProfile, seed: int) -> Message:
    """What `question_ask` writes, answered here and now instead of by a worker. The profile's parameters, with a
    fixed seed so two runs can be compared."""
    conversation = Conversation.objects.create(user=user, title=question.question[:80])
    Message.objects.create(conversation=conversation, role=Message.Role.USER, text=question.question)
    message = Message.objects.create(
        conversation=conversation, role=Message.Role.ASSISTANT, status=Message.Status.QUEUED,
        collections=[collection_id], profile=profile, params=params_resolve(None, profile=profile) | {"seed": seed},
    )
    answer_message(message.pk)
    message.refresh_from_db()
    return message


def _score(dataset: str, question: scoring.Question, message: Message, doc_ids: dict[int, str], embed) -> scoring.Result:
    sources = list(message.citations.all())
    cited = [c for c in sources if c.cited]
    support = check_support(message.text, {c.n: c.text for c in sources}, embed=embed, question=question.question)
    gold = question.gold_doc_ids
    by_n = {c.n: c for c in sources}

    def holds_gold(citation) -> bool:
        return doc_ids.get(citation.document_id) in gold and scoring.contains_answer(citation.text, question.answers)

    return scoring.Result(
        qid=question.qid, dataset=dataset, impossible=question.impossible, answer=message.text,
        refused=message.finish_reason == "no_passages" or scoring.is_refusal(message.text),
        f1=scoring.token_f1(message.text, question.answers),
        contains=scoring.contains_answer(message.text, question.answers),
        gold_in_sources=any(doc_ids.get(c.document_id) in gold for c in sources),
        cited=len(cited),
        cited_gold=any(holds_gold(c) for c in cited),
        checks=tuple((holds_gold(by_n[c.n]), c.weak) for c in support.citations), support=support.score,
        ttft_ms=message.usage.get("ttft_ms"), tokens_per_s=message.usage.get("tokens_per_s"),
        finish_reason=message.finish_reason,
    )


def _summary(profile: str, results: list[scoring.Result]) -> dict:
    sets = sorted({r.dataset for r in results})
    return scoring.summarize(profile, results) | {
        "sets": {name: scoring.summarize(profile, [r for r in results if r.dataset == name]) for name in sets}
    }


def _flatten(rows: list[dict]) -> list[dict]:
    """Each profile's row, then one per data set."""
    return [line for row in rows for line in
            [row] + [s | {"profile": f"  {name}"} for name, s in row["sets"].items()]]


def _remove(user, collections: list[Collection]) -> None:
    """Answers and their Redis streams, then vectors, stored files and rows."""
    message_ids = list(Message.objects.filter(conversation__user=user).values_list("pk", flat=True))
    for message_id in message_ids:
        events.client().delete(events.stream_key(message_id), events.cancel_key(message_id))
    user.delete()
    index = components.get_index()
    for document in Document.objects.filter(collection__in=collections):
        index.delete_document(document.pk)
        if document.file.name:
            document.file.storage.delete(document.file.name)
    for collection in collections:
        collection.delete()
