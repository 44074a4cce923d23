"""Evaluation sets in-process: import and export in the shared eval format, how a case scores, the comparison of
profiles with regressions highlighted, the default-profile switch with its evidence, the re-run a profile change
asks for, and the knowledge gaps. Runs are rows shaped as the worker writes them (no worker in this tier; the
browser test runs them through the real one)."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from tests.html import parse, select, words
from webapp.chat.models import Conversation, Message, ModelProfile
from webapp.review.cases import evaluation_set_of
from webapp.review.models import ProfileSwitch, RegressionCase, SetRun
from webapp.review.runs import sets_rerun_on_settings_change, settings_in_use
from webapp.review.scoring import case_result, run_summary
from webapp.usage.models import ProfilePrice

pytestmark = pytest.mark.django_db(transaction=True)
SHARED = Path("/work/shared/eval/qa/en_xquad")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def zipped(corpus: str, queries: str) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("set/corpus.jsonl", corpus)
        archive.writestr("set/queries.jsonl", queries)
    buffer.seek(0)
    buffer.name = "set.zip"
    return buffer


def test_a_set_imported_in_the_shared_format_exports_the_same_questions_answers_and_gold_passages(alice, handbook):
    corpus = '{"doc_id": "d1", "title": "Vacation", "text": "Thirty days of vacation."}\n'
    queries = ('{"qid": "q1", "question": "How many days?", "answers": ["Thirty days"], "gold_doc_ids": ["d1"], '
               '"lang": "en"}\n{"qid": "q2", "question": "Who is the CEO?", "answers": [], "is_impossible": true}\n')
    response = client_of(alice).post(f"/review/sets/{handbook.pk}/import", {"file": zipped(corpus, queries)}, follow=True)
    assert "2 cases imported." in words(parse(response.content))
    refused = RegressionCase.objects.get(qid="q2")
    assert refused.should_refuse and refused.expected_passages == []
    exported = zipfile.ZipFile(io.BytesIO(client_of(alice).get(f"/review/sets/{handbook.pk}/export").content))
    rows = [json.loads(line) for line in exported.read("queries.jsonl").decode().splitlines()]
    assert rows[0] == {"qid": "q1", "question": "How many days?", "answers": ["Thirty days"], "gold_doc_ids": ["d1"],
                       "is_impossible": False, "lang": "en"}
    assert rows[1]["is_impossible"] is True
    assert json.loads(exported.read("corpus.jsonl").decode()) == json.loads(corpus)


def test_the_shared_english_set_imports_whole(alice, handbook):
    data = zipped((SHARED / "corpus.jsonl").read_text(), (SHARED / "queries.jsonl").read_text())
    client_of(alice).post(f"/review/sets/{handbook.pk}/import", {"file": data})
    assert RegressionCase.objects.count() == 500
    assert all(c.expected_passages for c in RegressionCase.objects.all()[:50])


def test_a_malformed_file_is_refused_naming_the_line(alice, handbook):
    response = client_of(alice).post(f"/review/sets/{handbook.pk}/import", {"file": zipped("{}\n", "not json\n")},
                                     follow=True)
    assert "corpus.jsonl line 1: no doc_id, text" in words(parse(response.content))
    assert not RegressionCase.objects.exists()


def test_a_case_passes_on_a_chunk_of_its_expected_passage_and_its_expected_answer():
    case = {"id": 1, "question": "q", "expected_passages": [{"doc_id": "d", "text": "A. Thirty days of vacation. B."}],
            "expected_answer": "thirty days", "should_refuse": False}
    found = {"outcome": "answered", "text": "Thirty days [1].", "passages": [{"text": "thirty days  of vacation."}]}
    assert case_result(case, found)["passed"] and case_result(case, found)["recall"] == 1.0
    missed = {"outcome": "answered", "text": "Ten days.", "passages": [{"text": "Trips."}]}
    assert not case_result(case, missed)["passed"] and case_result(case, missed)["recall"] == 0.0
    refusing = {"id": 2, "question": "q", "should_refuse": True}
    summary = run_summary([case_result(case, found), case_result(refusing, {"outcome": "answered", "text": "x"})])
    assert (summary["refusals_right"], summary["refusals_wrong"], summary["passed"]) == (0.0, 0.0, 0.5)


def done_run(evaluation_set, profile, passed: dict, ttft: float) -> SetRun:
    results = [{"case": pk, "passed": ok, "should_refuse": False, "recall": 1.0 if ok else 0.0, "answer": f"a{pk}",
                "refused": False, "contains": ok, "ttft_ms": ttft, "tokens_per_s": 50.0} for pk, ok in passed.items()]
    return SetRun.objects.create(evaluation_set=evaluation_set, profile=profile, profile_name=profile.name,
                                 status="done", results=results, summary=run_summary(results))


def test_the_comparison_shows_profiles_side_by_side_and_highlights_regressions(alice, handbook, settings):
    settings.REVIEW_RERUN_ON_CHANGE = False
    small, big = ModelProfile.objects.create(name="small", is_default=True), ModelProfile.objects.create(name="big")
    evaluation_set = evaluation_set_of(handbook)
    one, two = (RegressionCase.objects.create(evaluation_set=evaluation_set, question=q) for q in ("one?", "two?"))
    done_run(evaluation_set, small, {one.pk: True, two.pk: True}, ttft=100)
    done_run(evaluation_set, small, {one.pk: True, two.pk: False}, ttft=300)
    done_run(evaluation_set, big, {one.pk: True, two.pk: True}, ttft=900)
    page = parse(client_of(alice).get(f"/review/sets/{handbook.pk}/").content)
    table = select(page, "table.comparison-table")[0]
    assert [words(th) for th in select(table, "thead th")] == ["Figure", "small default", "big"]
    rows = {words(select(tr, "th")[0]): select(tr, "td") for tr in select(table, "tbody tr")}
    assert words(rows["Cases passed"][0]) == "50% (before 100%)" and "regression" in rows["Cases passed"][0].get("class")
    assert words(rows["Median time to first token (ms)"][1]) == "900"
    assert words(rows["Since the previous run"][0]) == "1 regression, 0 fixed"
    # refusals: no "should refuse" case, so no figure and no chart
    assert [words(f) for f in select(page, ".chart-grid figcaption")] == [
        "Expected passages found", "Answers containing the expected answer", "Refused when they should not",
        "Median time to first token (ms)", "Median tokens per second"]
    regressed = [words(td) for td in select(page, ".case-table td.regression")]
    assert len(regressed) == 1 and regressed[0].startswith("✗ failed · regression")


def test_the_comparison_says_what_an_answer_costs_where_a_profile_has_a_price(alice, handbook, settings):
    settings.REVIEW_RERUN_ON_CHANGE = False
    small, big = ModelProfile.objects.create(name="small", is_default=True), ModelProfile.objects.create(name="big")
    ProfilePrice.objects.create(profile=big, currency="BRL", prompt_per_million=2, completion_per_million=8)
    evaluation_set = evaluation_set_of(handbook)
    case = RegressionCase.objects.create(evaluation_set=evaluation_set, question="one?")
    for profile in (small, big):
        run = done_run(evaluation_set, profile, {case.pk: True}, ttft=100)
        run.results[0] |= {"prompt_tokens": 1000, "completion_tokens": 250}  # 0.002 + 0.002 = BRL 0.004
        run.save()
    page = parse(client_of(alice).get(f"/review/sets/{handbook.pk}/").content)
    table = select(page, "table.comparison-table")[0]
    rows = {words(select(tr, "th")[0]): [words(td) for td in select(tr, "td")] for tr in select(table, "tbody tr")}
    assert rows["Cost per answer"] == ["–", "BRL 0.004000"]


def test_switching_the_default_from_the_comparison_records_who_when_and_which_run(alice, handbook, settings):
    settings.REVIEW_RERUN_ON_CHANGE = False
    ModelProfile.objects.create(name="small", is_default=True)
    big = ModelProfile.objects.create(name="big")
    evaluation_set = evaluation_set_of(handbook)
    case = RegressionCase.objects.create(evaluation_set=evaluation_set, question="one?")
    evidence = done_run(evaluation_set, big, {case.pk: True}, ttft=900)
    response = client_of(alice).post(f"/review/runs/{evidence.pk}/switch", follow=True)
    assert list(ModelProfile.objects.filter(is_default=True).values_list("name", flat=True)) == ["big"]
    switch = ProfileSwitch.objects.get()
    assert (switch.from_profile, switch.to_profile, switch.run, switch.switched_by) == ("small", big, evidence, alice)
    assert "alice switched from small to big on the evidence of run #" in words(parse(response.content))
    assert not SetRun.objects.exclude(pk=evidence.pk).exists()  # a switch is no profile change: no re-run


def test_saving_a_profile_queues_a_run_of_every_set_with_cases(alice, handbook, settings):
    settings.REVIEW_RERUN_ON_CHANGE = True
    RegressionCase.objects.create(evaluation_set=evaluation_set_of(handbook), question="one?")
    profile = ModelProfile.objects.create(name="small")
    profile.temperature = 0.3
    profile.save()
    runs = SetRun.objects.filter(profile=profile)
    # queued, or already taken by the session's worker when the whole suite runs
    assert [(r.trigger, r.total) for r in runs] == [("profile_changed", 1)] * 2
    assert all(r.status in ("queued", "running", "done") for r in runs)


def refused(user, question: str, collection) -> None:
    conversation = Conversation.objects.create(user=user, title=question)
    Message.objects.create(conversation=conversation, role="user", text=question)
    Message.objects.create(conversation=conversation, role="assistant", outcome="refused", collections=[collection.pk])


def test_knowledge_gaps_group_unanswered_questions_by_shared_words_and_export_csv(alice, bob, handbook):
    refused(bob, "What is the parking policy?", handbook)
    refused(bob, "Parking policy for visitors?", handbook)
    refused(bob, "Who is the CEO?", handbook)
    page = parse(client_of(alice).get("/review/gaps/").content)
    groups = [[words(li) for li in select(section, "li")] for section in select(page, "section.gap")]
    assert len(groups) == 2 and len(groups[0]) == 2 and groups[1][0].startswith("Who is the CEO?")
    csv_text = client_of(alice).get("/review/gaps/?format=csv").content.decode()
    assert csv_text.splitlines()[0] == "group,collection,questions_in_group,question,date"
    assert len(csv_text.splitlines()) == 4 and ",handbook,2,Parking policy for visitors?," in csv_text


def test_a_case_can_be_removed_from_its_set_but_not_by_someone_who_may_not_read_the_collection(alice, charlie, handbook):
    case = RegressionCase.objects.create(evaluation_set=evaluation_set_of(handbook), question="one?")
    charlie.is_staff = True
    charlie.save()
    assert client_of(charlie).post(f"/review/cases/{case.pk}/delete").status_code == 404
    assert client_of(alice).post(f"/review/cases/{case.pk}/delete").status_code == 302
    assert not RegressionCase.objects.exists()


def test_a_set_last_run_with_other_retrieval_settings_runs_again_once(alice, handbook, settings):
    settings.REVIEW_RERUN_ON_CHANGE = False
    small = ModelProfile.objects.create(name="small", is_default=True)
    evaluation_set = evaluation_set_of(handbook)
    case = RegressionCase.objects.create(evaluation_set=evaluation_set, question="one?")
    run = done_run(evaluation_set, small, {case.pk: True}, ttft=100)
    settings.REVIEW_RERUN_ON_CHANGE = True
    SetRun.objects.filter(pk=run.pk).update(settings_used=settings_in_use())
    assert sets_rerun_on_settings_change() == []
    SetRun.objects.filter(pk=run.pk).update(settings_used=settings_in_use() | {"EMBEDDING_MODEL": "older-model"})
    queued = sets_rerun_on_settings_change()
    assert [(r.profile, r.trigger, r.status) for r in queued] == [(small, "settings_changed", "queued")]
    assert sets_rerun_on_settings_change() == []  # one is already waiting


def test_a_run_whose_worker_stopped_fails_and_one_whose_worker_beats_goes_on(alice, handbook):
    from retrieval.contracts import events
    from webapp.review.runs import runs_end_stale

    evaluation_set = evaluation_set_of(handbook)
    alive_name = f"review-test-alive-{handbook.pk}"
    events.beat(alive_name, {"name": alive_name})
    try:
        gone = SetRun.objects.create(evaluation_set=evaluation_set, profile_name="p", status="running", worker="gone@x")
        going = SetRun.objects.create(evaluation_set=evaluation_set, profile_name="p", status="running",
                                      worker=alive_name)
        assert runs_end_stale() == [gone.pk]
        gone.refresh_from_db()
        going.refresh_from_db()
        assert (gone.status, gone.error, going.status) == ("failed", "worker_stopped", "running")
    finally:
        events.client().hdel(events.workers_key(), alive_name)
