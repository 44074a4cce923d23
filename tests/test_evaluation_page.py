"""The evaluation page (staff) and the profile admin's trade-off, from EvaluationRun rows shaped as
`evaluate_answers` writes them (written here by hand)."""

import pytest
from django.test import Client

from tests.html import parse, select, words
from webapp.chat.evaluation import tradeoff_at
from webapp.chat.models import EvaluationRun, ModelProfile
from webapp.documents import charts

pytestmark = pytest.mark.django_db(transaction=True)


def summary(profile: str, **figures) -> dict:
    return {"profile": profile, "questions": 100, "impossible_questions": 200, "contains_answer": 0.52,
            "token_f1": 0.41, "refusal_rate_impossible": 0.8, "false_refusal_rate": 0.04, "ttft_ms_median": 850.0,
            "citation_correct": None, **figures}


def curve(*false_refusals: float) -> list[dict]:
    return [{"threshold": t, "off_topic_refused": min(1.0, t * 2.5), "same_topic_refused": t * 1.5, "false_refusal": f}
            for t, f in zip((0.1, 0.2, 0.3, 0.4, 0.5), false_refusals)]


def run(profile: str = "default", threshold: float = 0.3) -> EvaluationRun:
    return EvaluationRun.objects.create(profiles=[profile], datasets=["pt_faquad", "en_xquad"], report={
        "profiles": [summary(profile, sets={"pt_faquad": summary(profile, contains_answer=0.6),
                                            "en_xquad": summary(profile, contains_answer=0.44)})],
        "curves": {profile: {"pt": curve(0.0, 0.01, 0.04, 0.1, 0.3), "en": curve(0.0, 0.02, 0.05, 0.12, 0.35)}},
        "thresholds": {profile: threshold},
    })


def staff_page(user, path: str = "/documents/evaluation/"):
    client = Client()
    client.force_login(user)
    response = client.get(path)
    return response, (parse(response.content) if response.status_code == 200 else None)


def test_the_evaluation_page_shows_the_latest_runs_summary_per_profile_and_data_set(alice):
    older, latest = run(), run()
    response, page = staff_page(alice)
    assert [a.get("href") for a in select(page, ".run-list a")] == [f"?run={latest.pk}", f"?run={older.pk}"]
    assert select(page, '.run-list a[aria-current="page"]')[0].get("href") == f"?run={latest.pk}"
    table = select(page, "table.summary-table")[0]
    assert [words(th) for th in select(table, "thead th")] == [
        "Figure", "default · all", "default · en_xquad", "default · pt_faquad"]
    rows = {words(select(tr, "th")[0]): [words(td) for td in select(tr, "td")] for tr in select(table, "tbody tr")}
    assert rows["Shown answer contains the gold answer"] == ["52%", "44%", "60%"]
    assert rows["Unanswerable questions refused"] == ["80%", "80%", "80%"]
    assert rows["Answerable questions wrongly refused"] == ["4%", "4%", "4%"]
    assert rows["Answerable questions"] == ["100", "100", "100"]
    assert rows["Median time to first token (ms)"] == ["850", "850", "850"]
    assert rows["Citations pointing at the gold passage"] == ["–", "–", "–"]
    assert select(page, '.tabs a[aria-current="page"]')[0].get("href") == "/documents/evaluation/"


def test_each_profile_and_language_has_a_refusal_curve_chart_marking_the_threshold_in_use(alice):
    chosen = run(threshold=0.3)
    run(profile="other")  # a later run: the page shows the one asked for
    _, page = staff_page(alice, f"/documents/evaluation/?run={chosen.pk}")
    figures = select(page, "figure.line-chart")
    assert [words(select(f, "figcaption")[0]) for f in figures] == [
        "default, en: refusals by answerability threshold", "default, pt: refusals by answerability threshold"]
    pt = figures[1]
    assert len(select(pt, "svg polyline")) == 3
    assert select(pt, "svg line.marker")[0].get("x1") == "50.00"  # 0.3 halfway between 0.1 and 0.5
    assert "threshold in use: 0.30" in words(select(pt, "ul.legend")[0])
    assert select(pt, "svg polyline.series-bad")[0].get("points").split()[2] == "50.00,96.00"  # 4% at 0.3
    table = {words(select(tr, "th")[0]): words(select(tr, "td")[0]) for tr in select(pt, "table tr")}
    assert table["threshold 0.30"] == "off-topic refused 75%; same-topic refused 45%; answerable wrongly refused 4%"


def test_without_runs_the_page_says_how_to_make_one_and_only_staff_may_open_it(alice, bob):
    response, page = staff_page(alice)
    assert "No evaluation has been run yet." in words(page)
    assert staff_page(bob)[0].status_code == 403


def test_a_report_of_another_shape_does_not_break_the_page(alice):
    EvaluationRun.objects.create(profiles=["x"], report={"profiles": ["nonsense", {"profile": "x", "new_figure": 3}],
                                                         "curves": {"x": {"pt": [{"threshold": "high"}]}}, "thresholds": []})
    response, page = staff_page(alice)
    assert response.status_code == 200
    assert "new_figure" in words(select(page, "table.summary-table")[0])
    assert "This run measured no threshold curve." in words(page)


def test_the_trade_off_at_a_profiles_threshold_comes_from_the_latest_run_that_measured_it(alice):
    run(threshold=0.3)
    found = tradeoff_at(profile_name="default", threshold=0.42)
    assert [(row["language"], row["at"], row["false_refusal"]) for row in found["languages"]] == [
        ("en", 0.4, 0.12), ("pt", 0.4, 0.1)]
    assert tradeoff_at(profile_name="default", threshold=None)["threshold"] == 0.3
    assert tradeoff_at(profile_name="unmeasured", threshold=0.3) is None


def test_the_profile_admin_shows_the_trade_off_next_to_the_threshold_with_a_link_to_the_page(alice):
    alice.is_superuser = True
    alice.save()
    evaluation = run(threshold=0.3)
    profile = ModelProfile.objects.create(name="default", is_default=True, answerability_threshold=0.2)
    response, page = staff_page(alice, f"/admin/chat/modelprofile/{profile.pk}/change/")
    rows = [r.get("class") for r in select(page, "div.form-row")]
    at = next(i for i, c in enumerate(rows) if "field-answerability_threshold" in c)
    assert "field-answerability_tradeoff" in rows[at + 1]
    shown = words(select(page, "div.field-answerability_tradeoff")[0])
    assert "pt at 0.20: off-topic refused 50%, same-topic refused 30%, false refusals 1%" in shown
    assert select(page, "div.field-answerability_tradeoff a")[0].get("href") == f"/documents/evaluation/?run={evaluation.pk}"


def test_a_line_chart_escapes_its_words():
    label = '<img src=x onerror="alert(1)">'
    html = charts.line_chart([(label, "x", [(0.1, 0.5), (0.2, None)])], caption=label, x_label=label,
                             value_text=str, x_text=str, marker=(0.1, label))
    assert "<img" not in html and "&lt;img" in html


def test_a_run_with_a_threshold_per_language_marks_each_languages_own(alice):
    evaluation = run(threshold=0.3)
    evaluation.report["thresholds"]["default"] = {"en": 0.2, "pt": 0.5}
    evaluation.save()
    found = tradeoff_at(profile_name="default", threshold=None)
    assert [(row["language"], row["at"]) for row in found["languages"]] == [("en", 0.2), ("pt", 0.5)]
    assert found["threshold"] is None
