"""manage.py evaluate_answers DATASET_DIR [DATASET_DIR ...]: answer quality, refusals and speed, once per profile.

Every corpus row of each data set becomes a document of a temporary collection (readable by no group), ingested
in this process through the real pipeline into a temporary index folder, so it never touches, nor waits for, the
folder a running worker holds. Then, per profile, three kinds of question go through the real answer path
(`answer_message`: retrieve → judge → quote → prompt → generate → cite → check, with the profile's model, system
prompt, parameters and answerability threshold; its events go to Redis, which must answer):
- answerable: the first --limit questions of each set, on its own corpus;
- off-topic: the first --impossible questions of each set (its own unanswerable ones first), asked against the
  next set's corpus (needs two sets or more);
- same-topic: the first --impossible answerable questions asked against their own corpus with their gold
  documents hidden as a document being replaced is hidden (its rows' version no longer matches, so
  `retrieval.search.join_passages` drops its passages): the subject is there, the answer is not.
Scores: `retrieval.answer_evaluation`; refusal curves and calibration: `retrieval.calibrate`. With --calibrate no
question reaches the model (every one is judged, then refused): the answerability evidence of all of them fits the
score's weights and threshold for the current embedding model, written to retrieval/calibration.json.
The run is stored (EvaluationRun) for the evaluation page. Everything else created (collections, documents, files,
vectors, the evaluation user and its answers, their Redis streams) is removed at the end, also when interrupted.
"""

import dataclasses
import json
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import F

from ingestion.pipeline import ingest_document
from retrieval import answer_evaluation as scoring
from retrieval import calibrate, components
from retrieval.answer import answer_message
from retrieval.answerability import CALIBRATION, FEATURES, Calibration, Evidence, calibration_for, calibration_key
from retrieval.contracts import events
from retrieval.language import detect_language
from retrieval.support import check_support
from webapp.chat.models import Conversation, Message, ModelProfile
from webapp.chat.params import params_resolve
from webapp.chat.profiles import profile_ensure_default
from webapp.documents.models import Collection, Document
from webapp.documents.scratch import document_from_text, scratch_index

PREFIX = "evaluation-answers-"
ERR_PROFILE = "no model profile named {name!r} (profiles: {names})"
ERR_REDIS = "Redis does not answer at REDIS_URL ({url}): the answer path streams its events there. Start Redis first."
ERR_SAME_NAME = "two data sets are named {name!r}: each folder name must be unique"
HIDE_VERSION = 1_000_000
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
        parser.add_argument("--calibrate", action="store_true",
                            help="judge every question without the model and fit the answerability score for the "
                                 "current embedding model (written to retrieval/calibration.json)")
        parser.add_argument("--calibration", type=Path, default=CALIBRATION, metavar="PATH",
                            help="with --calibrate: the file the fitted score is written to (default %(default)s)")
        parser.add_argument("--max-false-refusal", type=float, default=0.04,
                            help="with --calibrate: the share of answerable questions the threshold may refuse, in "
                                 "each language (default 0.04)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="one JSON object per profile")
        parser.add_argument("--offset", type=int, default=0,
                            help="skip this many questions of each set first, e.g. to calibrate on other questions "
                                 "than those evaluated (default 0)")
        parser.add_argument("--details", type=Path, default=None, metavar="PATH",
                            help="write one JSON line per question asked (answer, outcome, evidence, scores) here")

    def handle(self, dataset_dirs, profiles, limit, impossible, seed, as_json, calibrate, max_false_refusal, offset,
               details, calibration, **options):
        datasets = {name: (corpus, questions[offset:]) for name, (corpus, questions) in _read(dataset_dirs).items()}
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
                if calibrate:
                    chosen = chosen[:1]
                for profile in chosen:
                    results = self._run(profile, plan, user, doc_ids, seed, threshold=1.01 if calibrate else None)
                    if calibrate:
                        self._calibrate(results, max_false_refusal, calibration)
                    rows.append(_summary(profile, results))
                    if details:
                        with details.open("a") as out:
                            for r in results:
                                out.write(json.dumps({"profile": profile.name} | dataclasses.asdict(r)) + "\n")
            finally:
                _remove(user, collections)
        _store_run(dataset_dirs, rows)
        if as_json:
            for row in rows:
                self.stdout.write(json.dumps(row))
        else:
            self.stdout.write(scoring.format_table(_flatten(rows)))
            for row in rows:
                self.stdout.write(_format_curves(row))

    def _calibrate(self, results: list[scoring.Result], max_false_refusal: float, path: Path) -> None:
        """Fit the score on every judged question and write it for the current embedding model."""
        judged = [r for r in results if r.evidence]
        features = [[r.evidence[name] for name in FEATURES] for r in judged]
        labels = [not r.impossible for r in judged]
        weights, bias = calibrate.fit(features, labels)
        model = settings.EMBEDDING_MODEL
        fitted = Calibration(weights=tuple(weights), bias=bias, threshold=0.5, model=model)
        for r in results:
            r.answerability = fitted.score(_evidence(r.evidence)) if r.evidence else 0.0
        by_language: dict[str, list[float]] = {}
        for r in results:
            if not r.impossible:
                by_language.setdefault(r.language, []).append(r.answerability)
        thresholds = {language: calibrate.choose_threshold(scores, max_false_refusal=max_false_refusal)
                      for language, scores in sorted(by_language.items())}
        threshold = min(thresholds.values())
        data = json.loads((path if path.exists() else CALIBRATION).read_text())
        key = calibration_key(model)
        data[key] = {"weights": weights, "bias": bias, "threshold": threshold, "thresholds": thresholds,
                     "note": f"fitted by evaluate_answers --calibrate on {len(judged)} questions, "
                             f"max false refusal {max_false_refusal}"}
        path.write_text(json.dumps(data, indent=2) + "\n")
        if path.resolve() == CALIBRATION.resolve():
            calibration_for.cache_clear()
        self.stderr.write(f"calibration for {key}: weights {weights}, bias {bias}, thresholds {thresholds} "
                          f"(other languages {threshold})")

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

    def _run(self, profile: ModelProfile, plan, user, doc_ids: dict[int, str], seed: int,
             threshold: float | None) -> list[scoring.Result]:
        embed = components.get_embedder().encode
        results, started = [], time.monotonic()
        by_doc_id = {doc_id: pk for pk, doc_id in doc_ids.items()}
        for n, (dataset, collection_id, question, kind) in enumerate(plan, start=1):
            hidden = [by_doc_id[d] for d in question.gold_doc_ids if d in by_doc_id] if kind == "same_topic" else []
            with _hidden(hidden):
                message = _ask(user, collection_id, question, profile, seed, threshold)
            if kind == "same_topic":
                question = scoring.impossible_copy(question)
            results.append(_score(dataset, question, message, doc_ids, embed, kind))
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
    return [profile_ensure_default()[0]]


def _plan(datasets: dict, collections: list[Collection], limit: int, impossible: int) -> list[tuple]:
    """(data set, collection id, question, kind): each set's first `limit` answerable questions on its own corpus;
    `impossible` off-topic ones (the set's own unanswerable questions first, then, with two sets or more, its
    answerable ones asked against the next set's corpus); `impossible` same-topic ones (its answerable questions on
    its own corpus, gold documents hidden while they are asked)."""
    plan = []
    for i, (name, (_, questions)) in enumerate(datasets.items()):
        answerable = [q for q in questions if not q.impossible]
        plan += [(name, collections[i].pk, q, "answerable") for q in answerable[:limit]]
        off_topic = [(name, collections[i].pk, q, "off_topic") for q in questions if q.impossible]
        if len(datasets) > 1:
            other = collections[(i + 1) % len(datasets)].pk
            off_topic += [(name, other, scoring.impossible_copy(q), "off_topic") for q in answerable]
        plan += off_topic[:impossible]
        plan += [(name, collections[i].pk, q, "same_topic") for q in answerable if q.gold_doc_ids][:impossible]
    return plan


@contextmanager
def _hidden(document_ids: list[int]):
    """Hide documents from the answer path for the block, as a document being replaced is hidden."""
    if not document_ids:
        yield
        return
    Document.objects.filter(pk__in=document_ids).update(version=F("version") + HIDE_VERSION)
    try:
        yield
    finally:
        Document.objects.filter(pk__in=document_ids).update(version=F("version") - HIDE_VERSION)


def _ask(user, collection_id: int, question: scoring.Question, profile: ModelProfile, seed: int,
         threshold: float | None = None) -> Message:
    """What `question_ask` writes, answered here and now instead of by a worker. The profile's parameters, with a
    fixed seed so two runs can be compared."""
    conversation = Conversation.objects.create(user=user, title=question.question[:80])
    Message.objects.create(conversation=conversation, role=Message.Role.USER, text=question.question)
    message = Message.objects.create(
        conversation=conversation, role=Message.Role.ASSISTANT, status=Message.Status.QUEUED,
        collections=[collection_id], profile=profile, params=params_resolve(None, profile=profile) | {"seed": seed},
    )
    answer_message(message.pk, threshold=threshold)
    message.refresh_from_db()
    return message


def _score(dataset: str, question: scoring.Question, message: Message, doc_ids: dict[int, str], embed,
           kind: str) -> scoring.Result:
    """Scored on what the reader sees: the quote and an answered text; the quote alone when unconfirmed."""
    sources = list(message.citations.all())
    cited = [c for c in sources if c.cited]
    support = check_support(message.text, {c.n: c.text for c in sources}, embed=embed, question=question.question)
    gold = question.gold_doc_ids
    by_n = {c.n: c for c in sources}
    quote = (message.quote or {}).get("text", "")
    model_text = message.text if message.outcome == "answered" else ""
    visible = "" if message.outcome == "refused" else f"{quote}\n{model_text}"

    def holds_gold(citation) -> bool:
        return doc_ids.get(citation.document_id) in gold and scoring.contains_answer(citation.text, question.answers)

    return scoring.Result(
        qid=question.qid, dataset=dataset, impossible=question.impossible, answer=visible,
        refused=message.outcome == "refused", kind=kind,
        language=question.language or detect_language(question.question), outcome=message.outcome,
        answerability=message.answerability, evidence=message.usage.get("answerability"),
        quote_contains=scoring.contains_answer(quote, question.answers),
        model_contains=scoring.contains_answer(model_text, question.answers),
        first_visible_ms=message.usage.get("first_visible_ms"),
        f1=scoring.token_f1(visible, question.answers),
        contains=scoring.contains_answer(visible, question.answers),
        gold_in_sources=any(doc_ids.get(c.document_id) in gold for c in sources),
        answer_in_sources=any(scoring.answer_found(c.text, question.answers) for c in sources),
        cited=len(cited),
        cited_gold=any(holds_gold(c) for c in cited) or any(
            holds_gold(c) for c in sources if quote and c.n == message.quote.get("n")),
        checks=tuple((holds_gold(by_n[c.n]), c.weak) for c in support.citations), support=support.score,
        ttft_ms=message.usage.get("ttft_ms"), tokens_per_s=message.usage.get("tokens_per_s"),
        finish_reason=message.finish_reason,
    )


def _evidence(values: dict) -> Evidence:
    return Evidence(**{name: values[name] for name in FEATURES})


def _summary(profile: ModelProfile, results: list[scoring.Result]) -> dict:
    """The profile's scores, per data set, and its refusal curves per language (from the stored scores)."""
    sets = sorted({r.dataset for r in results})
    languages = sorted({r.language for r in results})
    threshold = profile.answerability_threshold
    if threshold is None:  # the calibrated one, per language
        calibration = calibration_for(settings.EMBEDDING_MODEL)
        threshold = {lang: calibration.threshold_for(lang) for lang in languages}
    return scoring.summarize(profile.name, results) | {
        "sets": {name: scoring.summarize(profile.name, [r for r in results if r.dataset == name]) for name in sets},
        "threshold": threshold,
        "curves": {lang: calibrate.curve([(r.kind, r.answerability or 0.0) for r in results
                                          if r.language == lang and not (r.kind == "same_topic" and r.answer_in_sources)])
                   for lang in languages},
    }


def _flatten(rows: list[dict]) -> list[dict]:
    """Each profile's row, then one per data set."""
    return [line for row in rows for line in
            [row] + [s | {"profile": f"  {name}"} for name, s in row["sets"].items()]]


def _format_curves(row: dict) -> str:
    """The refusal vs false-refusal trade-off per language, one line per threshold."""
    lines = [f"\n{row['profile']}: refusals by answerability threshold (in use: {row['threshold']})"]
    for language, points in row["curves"].items():
        lines.append(f"  {language}: threshold  off-topic refused  same-topic refused  answerable refused")
        for p in points:
            lines.append(f"  {language}:   {p['threshold']:.2f}     {_pct(p['off_topic_refused'])}"
                         f"            {_pct(p['same_topic_refused'])}             {_pct(p['false_refusal'])}")
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value * 100:5.1f}%"


def _store_run(dataset_dirs: list[Path], rows: list[dict]) -> None:
    """Keep the run for the evaluation page (when that model exists)."""
    try:
        run = apps.get_model("chat", "EvaluationRun")  # {profile: threshold, or {language: threshold}}
    except LookupError:
        return
    report = {"profiles": [{k: v for k, v in row.items() if k != "curves"} for row in rows],
              "curves": {row["profile"]: row["curves"] for row in rows},
              "thresholds": {row["profile"]: row["threshold"] for row in rows}}
    run.objects.create(profiles=[row["profile"] for row in rows],
                       datasets=[Path(d).name for d in dataset_dirs], report=report)


def _remove(user, collections: list[Collection]) -> None:
    """Answers and their Redis streams, then vectors, stored files and rows."""
    message_ids = list(Message.objects.filter(conversation__user=user).values_list("pk", flat=True))
    for message_id in message_ids:
        events.client().delete(events.stream_key(message_id), events.cancel_key(message_id))
    user.delete()
    from ingestion.indexing import unindex_document  # and from a build under way, which the pipeline wrote to

    for document in Document.objects.filter(collection__in=collections):
        unindex_document(document.pk)
        if document.file.name:
            document.file.storage.delete(document.file.name)
    for collection in collections:
        collection.delete()
