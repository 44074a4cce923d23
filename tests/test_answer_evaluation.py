"""Scoring answers against a QA set, and `manage.py evaluate_answers` on a small set with the tiny model."""

import json

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from retrieval import answer_evaluation as scoring
from retrieval.answerability import FEATURES
from retrieval.messages import NOT_COVERED
from webapp.chat.models import Message, ModelProfile
from webapp.documents.models import Collection, Document


def test_token_f1_ignores_case_accents_articles_punctuation_and_citation_markers():
    assert scoring.token_f1("Os 30 Dias corridos [1].", ["30 dias corridos"]) == 1.0
    assert scoring.token_f1("The Broncos won.", ["Denver Broncos"]) == 0.5
    assert scoring.token_f1("nada a ver", ["30 dias"]) == 0.0


def test_contains_answer_needs_the_whole_answer_on_word_boundaries():
    assert scoring.contains_answer("Eles têm 30 dias de férias [2].", ["30 dias"])
    assert not scoring.contains_answer("Eles têm 300 dias.", ["30 dias"])
    assert not scoring.contains_answer("qualquer coisa", [""])


@pytest.mark.parametrize("answer", [
    "Os documentos não contêm essa informação.",
    "The documents do not contain this information.",
    NOT_COVERED["pt"].format(names="RH"),
    NOT_COVERED["en"].format(names="HR"),
    "As fontes não mencionam o prazo.",
    "There is no information about interns in the sources.",
])
def test_refusals_in_either_language_are_recognised(answer):
    assert scoring.is_refusal(answer)


def test_an_answer_is_not_a_refusal_because_it_says_no():
    assert not scoring.is_refusal("Não, o estágio não é remunerado [1].")
    assert not scoring.is_refusal("The Panthers did not win the game [1].")


def test_reading_a_data_set_names_the_file_and_line_of_a_bad_row(tmp_path):
    (tmp_path / "corpus.jsonl").write_text('{"doc_id": "a", "text": "x"}\n{"doc_id": "b"}\n')
    (tmp_path / "queries.jsonl").write_text("")

    with pytest.raises(ValueError, match=r"corpus.jsonl line 2: no text"):
        scoring.read_dataset(tmp_path)
    with pytest.raises(ValueError, match="is missing"):
        scoring.read_dataset(tmp_path / "nowhere")


def test_the_summary_keeps_answerable_and_impossible_questions_apart():
    results = [
        scoring.Result("1", "s", False, "30 dias [1]", refused=False, f1=1.0, contains=True, gold_in_sources=True,
                       cited=1, cited_gold=True, checks=((True, False),), support=0.8, ttft_ms=100, tokens_per_s=30),
        scoring.Result("2", "s", False, "Os documentos não contêm", refused=True, gold_in_sources=True, ttft_ms=300),
        scoring.Result("1", "s", True, "Os documentos não contêm", refused=True, ttft_ms=200),
        scoring.Result("3", "s", True, "Algo [2]", refused=False, cited=1, checks=((False, True),), ttft_ms=400),
    ]

    row = scoring.summarize("default", results)

    assert (row["questions"], row["impossible_questions"]) == (2, 2)
    assert (row["contains_answer"], row["false_refusal_rate"], row["refusal_rate_impossible"]) == (0.5, 0.5, 0.5)
    assert (row["citation_correct"], row["answers_citing"]) == (1.0, 1.0)
    assert (row["weak_rate_passage_holds_gold"], row["weak_rate_passage_lacks_gold"]) == (0.0, 1.0)
    assert row["ttft_ms_median"] == 250.0
    assert "default" in scoring.format_table([row])


def write_set(folder, rows, questions):
    folder.mkdir()
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions))
    return folder


@pytest.fixture
def two_sets(tmp_path):
    ferias = write_set(tmp_path / "rh", [
        {"doc_id": "rh-1", "title": "Férias", "text": "Todo colaborador tem direito a 30 dias corridos de férias por ano."},
        {"doc_id": "rh-2", "title": "Remoto", "text": "O trabalho remoto é permitido até três dias por semana."},
    ], [
        {"qid": "q1", "question": "Quantos dias de férias por ano?", "answers": ["30 dias"], "gold_doc_ids": ["rh-1"]},
        {"qid": "q2", "question": "Quantos dias de trabalho remoto?", "answers": ["três dias"], "gold_doc_ids": ["rh-2"]},
    ])
    sport = write_set(tmp_path / "sport", [
        {"doc_id": "sb-1", "title": "Super Bowl", "text": "The Denver Broncos defeated the Carolina Panthers 24–10."},
    ], [
        {"qid": "e1", "question": "Who won Super Bowl 50?", "answers": ["Denver Broncos"], "gold_doc_ids": ["sb-1"]},
    ])
    return ferias, sport


@pytest.mark.django_db(transaction=True)
def test_evaluate_answers_prints_one_row_per_profile_and_leaves_nothing_behind(two_sets, capsys):
    ModelProfile.objects.create(name="short", max_tokens=4)
    ModelProfile.objects.create(name="longer", max_tokens=8)
    users = User.objects.count()

    call_command("evaluate_answers", *map(str, two_sets), "--limit", "2", "--impossible", "1", "--json")

    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["profile"] for r in rows] == ["longer", "short"]
    for row in rows:
        # per set: one off-topic question (asked of the other set) and one same-topic one (its gold document hidden)
        assert (row["questions"], row["impossible_questions"]) == (3, 4)
        assert row["off_topic_questions"] == 2
        assert row["gold_in_sources"] == 1.0
        assert row["off_topic_refused"] == 1.0
        assert set(row["sets"]) == {"rh", "sport"}
    assert not Collection.objects.exists() and not Document.objects.exists() and not Message.objects.exists()
    assert User.objects.count() == users


@pytest.mark.django_db(transaction=True)
def test_an_unknown_profile_is_an_error_that_lists_the_profiles(two_sets):
    ModelProfile.objects.create(name="default", is_default=True)

    with pytest.raises(CommandError, match=r"no model profile named 'gemma' \(profiles: default\)"):
        call_command("evaluate_answers", str(two_sets[0]), "--profile", "gemma")


@pytest.mark.django_db(transaction=True)
def test_calibrate_fits_the_score_without_the_model_and_writes_it_where_asked(two_sets, tmp_path, capsys):
    ModelProfile.objects.create(name="default", is_default=True)
    written = tmp_path / "calibration.json"

    call_command("evaluate_answers", *map(str, two_sets), "--limit", "2", "--impossible", "1", "--calibrate",
                 "--calibration", str(written), "--json")

    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert row["ttft_ms_median"] is None  # no question reached the model
    entry = json.loads(written.read_text())[settings.EMBEDDING_MODEL]
    assert len(entry["weights"]) == len(FEATURES) and 0 <= entry["threshold"] <= 1
    assert set(entry["thresholds"]) == {"pt", "en"} and entry["threshold"] == min(entry["thresholds"].values())
    assert {p["threshold"] for p in row["curves"]["pt"]} >= {0.0, 0.5, 1.0}
