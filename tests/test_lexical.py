import math
import zlib
from concurrent.futures import ThreadPoolExecutor

from retrieval.lexical import document_vector, query_vector, term_id, tokenize


def shares_a_term(a: str, b: str) -> bool:
    return bool(set(tokenize(a)) & set(tokenize(b)))


def test_accents_fold_so_acao_matches_ação():
    assert tokenize("acao") == tokenize("ação")
    assert tokenize("FÉRIAS") == tokenize("ferias")


def test_portuguese_typed_without_accents_meets_the_accented_singular():
    assert "inform" in set(tokenize("informacoes")) & set(tokenize("informação"))


def test_plural_and_singular_share_a_stem_in_both_languages():
    assert shares_a_term("processos", "processo")
    assert shares_a_term("regulamentos", "regulamento")
    assert shares_a_term("vacations", "vacation")


def test_a_portuguese_query_gets_the_same_stems_as_the_document():
    document = "O colaborador tem direito a 30 dias corridos de férias por ano."
    assert set(tokenize("Quantos dias de férias?")) <= set(tokenize(document))


def test_stopwords_are_dropped_in_both_languages():
    assert tokenize("o que é a e de para com não") == []
    assert tokenize("what is the of and to") == []


def test_single_letters_are_dropped_but_single_digits_kept():
    assert tokenize("R$ 5 x") == ["5"]


def test_repeated_words_are_kept_as_term_frequency():
    assert tokenize("prazo prazo prazo").count("praz") == 3


def test_law_numbers_stay_whole():
    terms = tokenize("Lei 13.709/2018")
    assert {"lei", "13.709/2018", "13709", "2018"} <= set(terms)


def test_article_ordinals_match_the_plain_number_and_the_full_word():
    assert {"artigo", "7"} <= set(tokenize("art. 7º"))
    assert set(tokenize("artigo 7")) <= set(tokenize("Art. 7º"))


def test_cpf_matches_with_or_without_punctuation():
    assert "12345678900" in tokenize("CPF 123.456.789-00")
    assert "123.456.789-00" in tokenize("CPF 123.456.789-00")
    assert shares_a_term("12345678900", "CPF 123.456.789-00")


def test_money_amounts_match_without_separators():
    assert shares_a_term("R$ 1.500,00", "1500 reais")
    assert shares_a_term("US$ 1,500.00", "1500 dollars")


def test_iso_codes_match_spaced_joined_or_hyphenated():
    assert {"iso-9001", "iso9001", "9001"} <= set(tokenize("ISO-9001"))
    assert set(tokenize("ISO 9001")) <= set(tokenize("ISO-9001"))
    assert "iso9001" in tokenize("ISO9001")


def test_decimals_and_versions_stay_whole_and_are_not_split_into_other_numbers():
    assert tokenize("2.5") == ["2.5"]
    assert tokenize("Python 3.11")[-1:] == ["3.11"]
    assert tokenize("v2.3.1") == ["v2.3.1"]


def test_email_addresses_stay_whole_and_their_parts_are_words():
    terms = tokenize("Escreva para rh@acme.com.br")
    assert "rh@acme.com.br" in terms
    assert "acme" in terms


def test_hyphenated_words_also_match_joined():
    assert shares_a_term("e-mail", "email")


def test_term_ids_are_crc32_so_they_stay_the_same_in_every_process():
    assert term_id("ferias") == zlib.crc32(b"ferias") == 224876289


def test_document_vector_indices_are_unique_and_sorted():
    vector = document_vector("Férias: 30 dias de férias. Férias vencidas 13.709/2018.")
    assert vector.indices == sorted(set(vector.indices))
    assert len(vector.values) == len(vector.indices)


def test_bm25_weights_saturate_with_term_frequency():
    once, thrice = "prazo", "prazo prazo prazo"
    weight_once = dict(zip(*astuple(document_vector(once, avg_len=len(tokenize(once))))))[term_id("praz")]
    weight_thrice = dict(zip(*astuple(document_vector(thrice, avg_len=len(tokenize(thrice))))))[term_id("praz")]
    assert weight_once == 1.0  # tf 1 in a chunk of average length
    assert 1.0 < weight_thrice < 1.2 + 1  # never beyond k1 + 1


def test_longer_chunks_weigh_each_term_less():
    short = document_vector("prazo de entrega")
    long = document_vector("prazo de entrega " + "outras palavras diversas " * 40)
    i = short.indices.index(term_id("praz"))
    assert long.values[long.indices.index(term_id("praz"))] < short.values[i]


def test_query_vector_weighs_each_distinct_term_once():
    vector = query_vector("prazo prazo de entrega")
    assert vector.indices == sorted({term_id(t) for t in tokenize("prazo entrega")})
    assert set(vector.values) == {1.0}


def test_empty_text_gives_empty_vectors():
    assert astuple(document_vector("")) == ([], [])
    assert astuple(query_vector("?!")) == ([], [])


def test_tokenizing_in_parallel_threads_gives_the_same_terms():
    texts = [f"Informações número {i}: regulamentos, vacations, ISO-{i}" for i in range(400)]
    expected = [tokenize(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(tokenize, texts)) == expected


PT_PASSAGES = [
    "O colaborador tem direito a 30 dias corridos de férias após cada período aquisitivo de doze meses.",
    "Despesas de viagem são reembolsadas mediante apresentação das notas fiscais em até 15 dias.",
    "A Lei 13.709/2018 (LGPD) regula o tratamento de dados pessoais; o art. 7º lista as bases legais.",
    "A licença-maternidade é de 120 dias, prorrogável por mais 60 dias no programa Empresa Cidadã.",
]
EN_PASSAGES = [
    "Employees are entitled to 30 calendar days of vacation after each twelve-month accrual period.",
    "Travel expenses are reimbursed once the receipts are submitted, within 15 days of the trip.",
    "Personal data may only be processed on one of the legal bases listed in the privacy policy.",
    "Parental leave lasts 120 days and can be extended by 60 days under the company programme.",
]


def test_bm25_ranks_the_right_portuguese_passage_first():
    assert best_passage("Quantos dias de férias eu tenho?", PT_PASSAGES) == 0
    assert best_passage("Como peço reembolso de despesas de viagem?", PT_PASSAGES) == 1
    assert best_passage("O que diz a lei 13709 no artigo 7?", PT_PASSAGES) == 2
    assert best_passage("licenca maternidade", PT_PASSAGES) == 3


def test_bm25_ranks_the_right_english_passage_first():
    assert best_passage("How many vacation days do I get?", EN_PASSAGES) == 0
    assert best_passage("How are travel expenses reimbursed?", EN_PASSAGES) == 1
    assert best_passage("On what basis can personal data be processed?", EN_PASSAGES) == 2
    assert best_passage("How long is parental leave?", EN_PASSAGES) == 3


def best_passage(query: str, passages: list[str]) -> int:
    """Score like the engine does: sum over query terms of query weight · IDF · document weight."""
    lengths = [len(tokenize(p)) for p in passages]
    vectors = [dict(zip(*astuple(document_vector(p, avg_len=sum(lengths) / len(lengths))))) for p in passages]
    n = len(passages)

    def idf(i: int) -> float:
        df = sum(i in v for v in vectors)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    q = query_vector(query)
    scores = [sum(w * idf(i) * v.get(i, 0.0) for i, w in zip(q.indices, q.values)) for v in vectors]
    return scores.index(max(scores))


def astuple(vector) -> tuple[list[int], list[float]]:
    return vector.indices, vector.values
