"""Links a model writes in an answer: the target is always shown, and only an address that one of the answer's
sources contains can be clicked (rendering.render_answer). Nothing here may weaken test_rendering's XSS checks."""

import pytest

from webapp.chat.rendering import render_answer

SOURCES = [{"n": 1, "text": "Book leave in the portal at https://portal.example/leave?year=2026."},
           {"n": 2, "text": "Questions: hr@example.org"}]


def test_a_link_to_an_address_no_source_contains_is_plain_text_with_its_target_shown():
    html = render_answer("Book it [in the portal](https://phish.example/login).", SOURCES)
    assert "<a" not in html
    assert "Book it in the portal (https://phish.example/login)." in html


def test_a_label_that_looks_like_another_address_cannot_hide_the_real_target():
    html = render_answer("[https://portal.example/leave?year=2026](https://phish.example/login)", SOURCES)
    assert "<a" not in html
    assert "https://portal.example/leave?year=2026 (https://phish.example/login)" in html


@pytest.mark.parametrize("written", ["<https://phish.example/login>", "[](https://phish.example/login)",
                                     "[https://phish.example/login](https://phish.example/login)"])
def test_a_bare_or_unlabelled_address_not_in_the_sources_is_shown_once_as_text(written):
    html = render_answer(written, SOURCES)
    assert html == "<p>https://phish.example/login</p>\n"


def test_a_link_to_an_address_a_source_contains_stays_a_link_whose_text_is_its_target():
    html = render_answer("Use [the portal](https://portal.example/leave?year=2026) [1].", SOURCES)
    link = ('<a href="https://portal.example/leave?year=2026" target="_blank" rel="noopener noreferrer nofollow">'
            "https://portal.example/leave?year=2026</a>")
    assert f"Use the portal ({link})" in html
    assert html.count("<a ") == 1
    bare = render_answer("<https://portal.example/leave?year=2026>", SOURCES)
    assert bare.count("https://portal.example/leave?year=2026") == 2  # the href and the text, nothing more


def test_a_mail_address_is_a_link_only_when_a_source_gives_it():
    assert '<a href="mailto:hr@example.org"' in render_answer("<hr@example.org>", SOURCES)
    html = render_answer("[write to HR](mailto:ceo@phish.example)", SOURCES)
    assert "<a" not in html and "write to HR (mailto:ceo@phish.example)" in html


def test_a_longer_address_that_only_starts_like_a_source_address_is_not_a_link():
    html = render_answer("<https://portal.example/leave?year=2026&next=https://phish.example>", SOURCES)
    assert "<a" not in html


def test_a_relative_link_is_shown_as_text_and_a_script_link_stays_dead_even_when_a_source_contains_it():
    html = render_answer("[delete it](/admin/documents/document/1/delete/)", SOURCES)
    assert "<a" not in html and "delete it (/admin/documents/document/1/delete/)" in html
    assert "<a" not in render_answer("[x](javascript:alert(1))", [{"n": 1, "text": "javascript:alert(1)"}])


def test_a_link_title_cannot_add_words_to_the_link():
    html = render_answer('[the portal](https://portal.example/leave?year=2026 "Official HR login")', SOURCES)
    assert "title=" not in html and "Official HR login" not in html


def test_sources_given_as_citation_rows_allow_their_addresses():
    class Citation:
        n, weak, text = 1, False, "Form at https://portal.example/form"

    html = render_answer("[form](https://portal.example/form) [other](https://other.example)", [Citation()])
    assert '<a href="https://portal.example/form"' in html and html.count("<a ") == 1
