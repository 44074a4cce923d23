"""The support check: each cited sentence against the passage it cites.

Most tests pass a bag-of-words `embed` (the check takes any function), so they show the rules; the last ones use
the real embedding model on a right and a wrong citation.
"""

import zlib

import numpy as np
import pytest
from django.conf import settings

from retrieval.lexical import tokenize
from retrieval.support import THRESHOLD, attribute_uncited, check_support, cited_claims

FERIAS = (
    "Todo colaborador tem direito a 30 dias corridos de férias por ano. "
    "As férias podem ser divididas em até três períodos, com a concordância do gestor."
)
REMOTO = "O trabalho remoto é permitido até três dias por semana. O pedido é feito no portal do RH."


def bag_of_words(texts: list[str]) -> np.ndarray:
    vectors = np.zeros((len(texts), 256), dtype=np.float32)
    for row, text in enumerate(texts):
        for term in tokenize(text):
            vectors[row, zlib.crc32(term.encode()) % 256] += 1
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def check(answer: str, question: str = ""):
    return check_support(answer, {1: FERIAS, 2: REMOTO}, embed=bag_of_words, question=question)


def test_a_sentence_that_restates_its_passage_is_supported():
    support = check("O colaborador tem direito a 30 dias corridos de férias por ano [1].")

    [citation] = support.citations
    assert (citation.n, citation.weak, citation.reason) == (1, False, "")
    assert citation.score >= THRESHOLD and support.score == citation.score


def test_citing_a_passage_about_something_else_is_weak_and_says_which_words_it_lacks():
    support = check("O colaborador tem direito a férias corridas por ano [2].")

    [citation] = support.citations
    assert citation.weak and citation.code == "few_words"
    assert citation.reason.startswith("[2] does not mention") and "férias" in citation.reason


def test_a_number_the_passage_does_not_contain_flags_the_citation_even_when_the_words_match():
    support = check("O colaborador tem direito a 45 dias corridos de férias por ano [1].")

    [citation] = support.citations
    assert citation.weak and citation.code == "number_missing"
    assert citation.reason == "[1] does not contain 45."


def test_a_name_the_passage_does_not_contain_flags_the_citation_whatever_the_overlap():
    support = check("Todo colaborador da Petrobras tem direito a 30 dias corridos de férias por ano [1].")

    [citation] = support.citations
    assert citation.overlap > 0.8 and citation.score >= THRESHOLD
    assert (citation.weak, citation.code, citation.missing) == (True, "name_missing", ("Petrobras",))
    assert citation.reason == "[1] does not name Petrobras."


def test_names_count_in_either_language_and_as_acronyms_codes_and_quoted_terms():
    passage = ("The Denver Broncos defeated the Carolina Panthers at Levi's Stadium, an NFL venue. "
               'The game was called "the big one".')

    def missing(claim):
        return check_support(f"{claim} [1].", {1: passage}, embed=bag_of_words).citations[0].missing

    assert missing("The Broncos defeated the Seattle Seahawks at Levi's Stadium") == ("Seattle", "Seahawks")
    assert missing("The Broncos defeated the Panthers in an NBA venue") == ("NBA",)
    assert missing("The Broncos defeated the Panthers despite COVID-19") == ("COVID-19",)
    assert missing('The Broncos defeated the Panthers in "the final one"') == ("final",)
    assert missing("O jogo no estádio de Levi's foi vencido pelo Denver Broncos contra os Panthers") == ()


def test_names_match_folded_and_lightly_inflected_but_a_different_name_is_different():
    passage = "O CAMPUS DE BRASILIA fica ao lado do Hospital Paulo Freire; the Panther mascot visits Brazil every year."

    def missing(claim):
        return check_support(f"{claim} [1].", {1: passage}, embed=bag_of_words).citations[0].missing

    assert missing("O campus fica em Brasília, perto do hospital Paulo Freire") == ()
    assert missing("The Panthers' mascot visits Brazil's capital every year") == ()
    assert missing("O campus fica em Brasília, perto do hospital Paula Freire") == ("Paula",)
    assert missing("The mascot visits Brazilian cities") == ("Brazilian",)


def test_a_capital_that_opens_a_sentence_is_no_name_unless_a_name_follows_it():
    passage = FERIAS

    def verdict(claim):
        citation = check_support(f"{claim} [1].", {1: passage}, embed=bag_of_words).citations[0]
        return citation.code, citation.missing

    assert verdict("Anualmente, todo colaborador tem direito a 30 dias corridos de férias") == ("", ())
    assert verdict("O manual diz que “Anualmente todo colaborador tem direito a 30 dias corridos de férias”")[1] == ()
    assert verdict("Petrobras Distribuidora dá a todo colaborador 30 dias corridos de férias")[1] == (
        "Petrobras", "Distribuidora")
    assert verdict("Dr. Silva diz que todo colaborador tem direito a 30 dias corridos de férias")[1] == ("Silva",)


def test_a_short_reply_is_its_own_answer_so_its_capital_marks_a_name():
    question = "Qual empresa aluga os carros?"

    assert check("Localiza [1].", question=question).citations[0].missing == ("Localiza",)
    assert check("Sim [1].", question=question).citations[0].code != "name_missing"


def test_numbers_spelled_out_count_as_their_value_in_either_language():
    passages = {1: FERIAS, 2: "Employees get 3 weeks of leave and twenty-five paid days; the policy began in 2019."}

    def verdict(claim, n):
        citation = check_support(f"{claim} [{n}].", passages, embed=bag_of_words).citations[0]
        return citation.code, citation.missing

    assert verdict("As férias podem ser divididas em até 3 períodos, com a concordância do gestor", 1) == ("", ())
    assert verdict("As férias podem ser divididas em até quatro períodos, com a concordância do gestor", 1) == (
        "number_missing", ("quatro",))
    assert verdict("Employees get three weeks of leave and 25 paid days", 2) == ("", ())
    assert verdict("Employees get three weeks of leave and vinte e seis paid days", 2) == (
        "number_missing", ("vinte e seis",))
    assert verdict("Employees get two weeks of leave, a policy begun in 2019", 2)[1] == ("two",)
    assert verdict("Employees get leave; one of the policies began in 2019", 2)[1] == ()


def test_each_sentence_is_judged_against_the_passages_it_cites():
    support = check("Há 30 dias de férias por ano [1]. O trabalho remoto vale três dias por semana [2].")

    assert [(c.n, c.weak) for c in support.citations] == [(1, False), (2, False)]
    assert support.weak == []


def test_markers_after_the_full_stop_belong_to_the_sentence_before():
    assert cited_claims("São 30 dias de férias. [1] O remoto é permitido [2].") == [
        ("São 30 dias de férias.", [1]),
        ("O remoto é permitido.", [2]),
    ]


def test_lists_and_ranges_of_sources_cite_each_one():
    support = check("O gestor concorda com férias e trabalho remoto [1, 2]. Três dias [1-2].")

    assert [c.n for c in support.citations] == [1, 2, 1, 2]


def test_a_short_claim_is_judged_with_the_question_it_answers():
    alone = check("Trinta [1].")
    with_question = check("Trinta [1].", question="Quantos dias corridos de férias o colaborador tem por ano?")

    assert alone.citations[0].weak
    assert not with_question.citations[0].weak and with_question.citations[0].claim == "Trinta."


def test_an_answer_without_markers_or_with_markers_naming_no_passage_has_no_score():
    assert check("O colaborador tem 30 dias de férias.").score is None
    assert check("O colaborador tem 30 dias de férias [7].").citations == []


def test_the_message_score_is_the_mean_of_its_citations():
    support = check("Há 30 dias corridos de férias por ano [1]. As férias são de 30 dias [2].")

    assert support.score == pytest.approx(np.mean([c.score for c in support.citations]), abs=1e-3)
    assert support.as_event()["citations"][1]["n"] == 2


@pytest.fixture(scope="module")
def embed():
    from retrieval.components import embedder_for

    return embedder_for(settings.EMBEDDING_MODEL).encode


def test_with_the_embedding_model_a_right_citation_passes_and_a_wrong_one_is_flagged(embed):
    passages = {
        1: "Super Bowl 50 was an American football game. The Denver Broncos defeated the Carolina Panthers 24–10 "
           "to earn their third Super Bowl title. The game was played on February 7, 2016, at Levi's Stadium.",
        2: "The Amazon rainforest covers much of the Amazon basin of South America. The basin encompasses "
           "seven million square kilometres, of which five and a half million are covered by the rainforest.",
    }
    right = check_support("The Broncos beat the Panthers 24–10 in Super Bowl 50 [1].", passages, embed=embed)
    wrong = check_support("The Broncos beat the Panthers 24–10 in Super Bowl 50 [2].", passages, embed=embed)

    assert not right.citations[0].weak and right.citations[0].similarity > 0.6
    assert wrong.citations[0].weak and wrong.citations[0].code == "number_missing"


def test_with_the_embedding_model_another_team_in_the_passage_s_own_sentence_is_flagged(embed):
    passage = ("Super Bowl 50 was an American football game. The Denver Broncos defeated the Carolina Panthers 24–10 "
               "to earn their third Super Bowl title.")
    support = check_support("The Denver Broncos defeated the Seattle Seahawks 24–10 to earn their third Super Bowl "
                            "title [1].", {1: passage}, embed=embed)

    [citation] = support.citations
    assert citation.score > 0.8 and citation.weak
    assert (citation.code, citation.missing) == ("name_missing", ("Seattle", "Seahawks"))


def test_given_passage_vectors_only_the_claims_are_embedded():
    embedded: list[str] = []

    def counting(texts):
        embedded.extend(texts)
        return bag_of_words(texts)

    vectors = dict(zip((1, 2), bag_of_words([FERIAS, REMOTO])))
    given = check_support("Há 30 dias corridos de férias por ano [1].", {1: FERIAS, 2: REMOTO}, embed=counting,
                          passage_vectors=vectors)

    assert embedded == ["Há 30 dias corridos de férias por ano."]
    assert given == check("Há 30 dias corridos de férias por ano [1].")


# Sentences the model left uncited.


def attribute(answer: str, question: str = "", embed=bag_of_words):
    return attribute_uncited(answer, {1: FERIAS, 2: REMOTO}, embed=embed, question=question)


def test_an_uncited_sentence_gets_the_passage_that_supports_it_before_its_full_stop():
    text, added = attribute("O colaborador tem 30 dias corridos de férias por ano. O pedido é feito no portal do RH!")

    assert text == "O colaborador tem 30 dias corridos de férias por ano [1]. O pedido é feito no portal do RH [2]!"
    assert added == [1, 2]


def test_a_sentence_no_passage_supports_stays_uncited():
    answer = "O estacionamento da empresa fecha às 22 horas. Há 30 dias corridos de férias por ano."
    text, added = attribute(answer)

    assert text == "O estacionamento da empresa fecha às 22 horas. Há 30 dias corridos de férias por ano [1]."
    assert added == [1]


def test_a_number_the_passages_lack_keeps_a_sentence_uncited_even_when_its_words_match():
    text, added = attribute("Todo colaborador tem direito a 45 dias corridos de férias por ano.")

    assert (text, added) == ("Todo colaborador tem direito a 45 dias corridos de férias por ano.", [])


def test_a_name_the_passages_lack_keeps_a_sentence_uncited_even_when_its_words_match():
    answer = "Todo colaborador da Petrobras tem direito a 30 dias corridos de férias por ano."

    assert attribute(answer) == (answer, [])
    assert attribute(answer.replace(" da Petrobras", ""))[1] == [1]


def test_sentences_the_model_cited_and_short_ones_are_left_as_they_are():
    answer = "Sim. As férias podem ser divididas em até três períodos [2]. O trabalho remoto é permitido.\n[2]"

    assert attribute(answer) == (answer, [])


def test_with_the_embedding_model_the_right_passage_is_chosen(embed):
    passages = {
        1: "Super Bowl 50 was an American football game. The Denver Broncos defeated the Carolina Panthers 24–10 "
           "to earn their third Super Bowl title. The game was played on February 7, 2016, at Levi's Stadium.",
        2: "A floresta amazônica cobre grande parte da bacia amazônica da América do Sul, com cinco milhões e meio "
           "de quilômetros quadrados cobertos pela floresta.",
    }
    text, added = attribute_uncited("The Broncos defeated the Panthers in Super Bowl 50. A floresta amazônica cobre "
                                    "grande parte da bacia da América do Sul.", passages, embed=embed)

    assert added == [1, 2]
    assert text == ("The Broncos defeated the Panthers in Super Bowl 50 [1]. A floresta amazônica cobre grande parte "
                    "da bacia da América do Sul [2].")


def test_a_weak_citation_carries_its_code_and_parameters_for_the_web_to_translate():
    from retrieval.support import reason_text

    [number] = check("Há 45 dias corridos de férias por ano [1].").citations
    [name] = check("A Fiocruz garante 30 dias corridos de férias por ano [1].").citations

    assert (number.code, number.params) == ("number_missing", {"numbers": ["45"]})
    assert (name.code, name.params) == ("name_missing", {"names": ["Fiocruz"]})
    assert number.reason == reason_text(1, number.code, number.params) == "[1] does not contain 45."
    [supported] = check("O colaborador tem direito a 30 dias corridos de férias por ano [1].").citations
    assert (supported.code, supported.params) == ("", {})
