"""render_answer: Markdown to sanitised HTML, with [n] markers as citation buttons."""

import pytest

from webapp.chat.rendering import answer_note, answer_settings, render_answer, weak_reason_for, weak_reason_text


def test_markdown_lists_tables_and_code_are_rendered():
    html = render_answer("**Bold** and *it*\n\n- one\n- two\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n```\ncode\n```", [])
    assert "<strong>Bold</strong>" in html and "<em>it</em>" in html
    assert "<ul>\n<li>one</li>" in html
    assert "<table>" in html and '<td style="text-align:right">2</td>' in html
    assert "<pre><code>code\n</code></pre>" in html


def test_markers_of_known_sources_become_citation_buttons():
    html = render_answer("Thirty days [1][2], see also [3].", [{"n": 1}, {"n": 2}])
    assert '<button type="button" class="cite" data-n="1" aria-label="Source 1">1</button>' in html
    assert 'data-n="2"' in html
    assert "see also [3]." in html


def test_citations_may_be_numbers_dicts_or_objects():
    class Citation:
        n = 2

    html = render_answer("[1] [2] [3]", [1, Citation(), {"n": 3}])
    assert html.count('class="cite"') == 3


def test_a_marker_inside_code_stays_code():
    html = render_answer("Use `list[1]` here:\n\n    items[1]\n", [1])
    assert "<code>list[1]</code>" in html
    assert "items[1]" in html
    assert "cite" not in html


@pytest.mark.parametrize("plant", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://example.com></iframe>",
    '<button class="cite" data-n="1" onclick="alert(1)">1</button>',
    "<svg onload=alert(1)>",
])
def test_raw_html_from_the_model_is_shown_as_text(plant):
    html = render_answer(f"Before {plant} after", [1])
    assert "&lt;" in html
    for tag in ("<script", "<img", "<iframe", "<svg", "<button", "<a "):
        assert tag not in html


def test_javascript_and_data_links_are_not_links():
    html = render_answer("[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](data:text/html;base64,xx) [d](vbscript:x)", [])
    assert "<a" not in html


def test_web_links_from_the_sources_open_in_a_new_tab_without_referrer():
    html = render_answer("[docs](https://example.com/a?b=1)", [{"n": 1, "text": "See https://example.com/a?b=1."}])
    assert '<a href="https://example.com/a?b=1"' in html
    assert 'rel="noopener noreferrer nofollow"' in html and 'target="_blank"' in html


def test_remote_images_become_their_alt_text():
    html = render_answer("![tracking pixel](https://example.com/p.png) and ![](http://x/y.png)", [])
    assert "<img" not in html and "example.com" not in html
    assert "tracking pixel" in html


def test_an_autolink_with_a_script_scheme_is_dropped():
    html = render_answer("<javascript:alert(1)> <https://ok.example>", [{"n": 1, "text": "at https://ok.example"}])
    assert 'href="javascript' not in html
    assert 'href="https://ok.example"' in html


def test_settings_line_follows_the_language():
    from django.utils import translation

    with translation.override("pt-br"):
        line = answer_settings({"temperature": 0.2}, {"tokens_per_s": 40.5})
    assert line == "temperatura 0,20 · 40,5 tokens/s"


def test_empty_text_renders_nothing():
    assert render_answer("", []) == ""


def test_notes_explain_answers_that_did_not_end_normally():
    assert answer_note("done", "stop") == ""
    assert "Stopped" in answer_note("cancelled", "cancelled")
    assert "too long" in answer_note("done", "timeout")
    assert "length limit" in answer_note("done", "length")
    assert "internal error" in answer_note("error", "")


def test_settings_line_shows_what_produced_the_answer():
    line = answer_settings({"temperature": 0.2, "max_tokens": 256}, {"ttft_ms": 1234.4, "tokens_per_s": 40.0})
    assert line == "temperature 0.20 · max 256 tokens · first token in 1,234 ms · 40.0 tokens/s"
    assert answer_settings({}, {}) == ""
    assert answer_settings({"max_tokens": 64}, {}, profile="precise") == "precise · max 64 tokens"


def test_a_weakly_supported_citation_gets_its_own_look_and_label():
    html = render_answer("Forty days [1], booked in the portal [2].", [{"n": 1, "weak": True}, {"n": 2}])
    assert '<button type="button" class="cite weak" data-n="1" aria-label="Source 1, weakly supported">1</button>' in html
    assert '<button type="button" class="cite" data-n="2" aria-label="Source 2">2</button>' in html


def test_a_model_cannot_claim_the_weak_look_for_its_own_markup():
    html = render_answer('<button class="cite weak" data-n="1">1</button> [1]', [{"n": 1}])
    assert html.count("<button") == 1 and '<button type="button" class="cite" data-n="1"' in html


def test_every_reason_of_the_support_check_is_said_in_portuguese():
    from django.utils import translation

    from retrieval import support

    reasons = [
        support.NUMBER_MISSING.format(n=1, numbers="30, 3.5"),
        support.FEW_WORDS.format(n=2, words="férias, portal"),
        support.LOW_SIMILARITY.format(n=3, similarity=0.32),
    ]
    with translation.override("pt-br"):
        said = weak_reason_text(" ".join(reasons))
    assert said == ("A fonte 1 não contém os números “30”, “3.5” dados na resposta. "
                    "As palavras “férias”, “portal” da resposta não aparecem na fonte 2. "
                    "A fonte 3 parece tratar de outra coisa que a frase que a cita (semelhança 0,32 de 1).")
    assert weak_reason_text(reasons[0]) == "Source 1 does not contain the numbers “30”, “3.5” given in the answer."


def test_a_reason_it_does_not_know_is_shown_as_written():
    assert weak_reason_text("The passage is from another year.") == "The passage is from another year."


def test_a_name_the_passage_lacks_is_said_in_portuguese():
    from django.utils import translation

    with translation.override("pt-br"):
        assert weak_reason_text("[2] does not name Maria.") == "A fonte 2 não menciona o nome “Maria”, usado na resposta."


def test_a_citation_stored_with_a_code_is_said_in_both_languages_without_any_english_reason():
    from django.utils import translation

    from webapp.chat.models import Citation
    from webapp.chat.page_data import source

    rows = [
        Citation(n=1, weak=True, weak_code="number_missing", weak_params={"numbers": ["30", "3.5"]}),
        Citation(n=2, weak=True, weak_code="name_missing", weak_params={"names": ["Maria"]}),
        Citation(n=3, weak=True, weak_code="few_words", weak_params={"words": ["férias", "portal"]}),
        Citation(n=4, weak=True, weak_code="low_similarity", weak_params={"similarity": 0.318}),
    ]
    with translation.override("pt-br"):
        said = [source(row)["weak_reason"] for row in rows]
    assert said == ["A fonte 1 não contém os números “30”, “3.5” dados na resposta.",
                    "A fonte 2 não menciona o nome “Maria”, usado na resposta.",
                    "As palavras “férias”, “portal” da resposta não aparecem na fonte 3.",
                    "A fonte 4 parece tratar de outra coisa que a frase que a cita (semelhança 0,32 de 1)."]
    with translation.override("en"):
        said = [source(row)["weak_reason"] for row in rows]
    assert said == ["Source 1 does not contain the numbers “30”, “3.5” given in the answer.",
                    "Source 2 does not mention the name “Maria” used in the answer.",
                    "The answer's words “férias”, “portal” do not appear in source 3.",
                    "Source 4 seems to be about something else than the sentence citing it (similarity 0.32 of 1)."]
    assert source(rows[0])["weak_code"] == "number_missing" and source(rows[0])["weak_params"] == {"numbers": ["30", "3.5"]}


def test_an_old_citation_with_only_its_english_reason_is_still_said_in_portuguese():
    from django.utils import translation

    from webapp.chat.models import Citation
    from webapp.chat.page_data import source

    old = Citation(n=2, weak=True, weak_reason="[2] does not mention forty.")
    with translation.override("pt-br"):
        assert source(old)["weak_reason"] == "A palavra “forty” da resposta não aparece na fonte 2."
    assert weak_reason_for(2, "a_code_from_later", {"x": 1}, "[2] is odd.") == "[2] is odd."


def test_a_number_missing_from_its_source_is_said_as_a_number_the_answer_gives():
    """The issue's example: `[2] não contém 2.` read as nonsense."""
    from django.utils import translation

    with translation.override("pt-br"):
        said = weak_reason_for(2, "number_missing", {"numbers": ["2"]})
    assert said == "A fonte 2 não contém o número “2” dado na resposta."


def test_an_answer_stopped_after_a_list_marker_shows_no_empty_item():
    html = render_answer("Steps:\n\n1. Fill in the form.\n2.", [])
    assert html.count("<li>") == 1 and "<li></li>" not in html
    assert "<ul>" not in render_answer("Steps:\n\n-", []) and "Steps:" in render_answer("Steps:\n\n-", [])
