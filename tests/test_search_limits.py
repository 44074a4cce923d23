"""A search query is bounded: the web refuses one longer than MAX_SEARCH_QUERY_CHARS with a 400 naming the limit
(before anything reaches the worker), and the lexical analyser reads a bounded part of whatever it is given."""

import pytest
from django.test import Client

from retrieval.lexical import QUERY_MAX_TERMS, query_vector
from webapp.accounts.models import ApiToken
from webapp.errors import QUERY_TOO_LONG

pytestmark = pytest.mark.django_db


def test_a_search_query_over_the_limit_is_400_naming_the_limit(alice, handbook, settings):
    _, token = ApiToken.issue(user=alice)
    response = Client().post("/api/v1/search", {"query": "férias " * 200_000}, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == QUERY_TOO_LONG.format(limit=settings.MAX_SEARCH_QUERY_CHARS)
    assert error["details"] == {"field": "query", "max_length": settings.MAX_SEARCH_QUERY_CHARS}


def test_the_retrieval_test_page_refuses_a_query_over_the_limit(alice, handbook, settings):
    client = Client()
    client.force_login(alice)
    response = client.get("/documents/search/", {"q": "x" * (settings.MAX_SEARCH_QUERY_CHARS + 1)})
    assert response.status_code == 200
    assert f"at most {settings.MAX_SEARCH_QUERY_CHARS} characters" in response.content.decode()
    assert response.context["probe"] is None


def test_the_lexical_analyser_keeps_a_bounded_number_of_terms_of_a_huge_query():
    huge = " ".join(f"codigo{n}" for n in range(150_000))  # ~1.6 MB, every word a distinct term
    vector = query_vector(huge)
    assert 0 < len(vector.indices) <= QUERY_MAX_TERMS
    assert query_vector("férias codigo7") == query_vector("férias codigo7 " + " " * 10)
