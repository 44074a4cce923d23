"""Word rarity in a collection, counted from its indexed passages in the database."""

import pytest

from retrieval import rarity
from retrieval.lexical import tokenize
from tests.conftest import indexed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_counts():
    rarity._counts.clear()  # collection ids start over in each test's database


def test_a_word_in_every_passage_is_common_and_a_word_in_none_is_rare(handbook, own_index):
    indexed(handbook, "vacation", "Vacation is thirty days.")
    indexed(handbook, "remote", "Vacation rules for remote work.")
    idf = rarity.rarity_of([handbook.pk])

    vacation, remote, bonus = (frozenset(tokenize(w)) for w in ("vacation", "remote", "bonus"))
    assert idf(vacation) < idf(remote) < idf(bonus)


def test_counts_are_rebuilt_once_the_collection_changes_and_they_are_old(handbook, own_index, monkeypatch):
    indexed(handbook, "one", "Vacation is thirty days.")
    before = rarity._collection_counts(handbook.pk)
    indexed(handbook, "two", "Remote work is allowed.")
    assert rarity._collection_counts(handbook.pk) is before  # young counts keep serving

    monkeypatch.setattr(rarity, "MAX_AGE_S", 0)
    rarity._collection_counts(handbook.pk)  # starts a rebuild in the background
    for thread in __import__("threading").enumerate():
        if thread.name != "MainThread" and thread.daemon:
            thread.join(timeout=10)
    assert rarity._counts[handbook.pk].df[tokenize("remote")[0]] == 1
