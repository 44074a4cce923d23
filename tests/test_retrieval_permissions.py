"""search_passages never returns a passage of a collection the asker cannot read, in any mode, with or without a
relevance floor, even when that passage is the exact best match. In this process: the real pipeline, embedding
model and embedded index, in a folder of this test's own (the API's path through the worker is in
test_api_search.py)."""

import itertools

import pytest
from django.contrib.auth.models import Group

from retrieval.search import search_passages
from tests.conftest import indexed
from webapp.accounts.selectors import collection_ids_readable_by
from webapp.documents.models import Collection

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "Executive salaries rise twelve percent next year, decided the board in March."
QUESTION = SECRET  # the best match there can be
MODES = ("hybrid", "dense", "sparse")


@pytest.fixture
def board_secret(own_index, handbook):
    board = Collection.objects.create(name="board")
    board.groups.add(Group.objects.create(name="board-members"))
    indexed(handbook, "vacation", "Vacation is thirty days per year, in up to three periods.")
    indexed(handbook, "expenses", "Travel expenses are reimbursed within ten business days.")
    return indexed(board, "salaries", SECRET)


def test_a_passage_of_an_unreadable_collection_never_appears_even_as_the_exact_best_match(board_secret, bob, charlie):
    for user, mode, floor in itertools.product((bob, charlie), MODES, (0.0, 0.05)):
        readable = collection_ids_readable_by(user)

        passages = search_passages(QUESTION, collection_ids=readable, limit=10, mode=mode, floor=floor)

        assert board_secret.pk not in {p.document_id for p in passages}, (user, mode, floor)
        assert {p.collection_id for p in passages} <= set(readable)


def test_the_same_passage_comes_first_for_someone_who_may_read_it(board_secret, alice):
    alice.is_superuser = True
    alice.save()

    for mode in MODES:
        passages = search_passages(QUESTION, collection_ids=collection_ids_readable_by(alice), limit=3, mode=mode)

        assert passages[0].document_id == board_secret.pk, mode


def test_a_user_who_may_read_nothing_gets_nothing(board_secret, charlie):
    assert collection_ids_readable_by(charlie) == []
    assert search_passages(QUESTION, collection_ids=collection_ids_readable_by(charlie), limit=10) == []
