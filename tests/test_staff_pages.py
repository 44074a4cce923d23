"""The pieces behind the staff pages: charts as SVG, chunk offsets for the browser, matched words, forms."""

from django.utils.html import escape

from webapp.chat.search import MODES
from webapp.documents import charts
from webapp.documents.forms import RetrievalTestForm
from webapp.documents.probing import matched_segments
from webapp.documents.reading import utf16_offsets


def test_a_column_chart_has_one_bar_per_day_with_a_value_and_its_numbers_as_a_table():
    html = charts.column_chart([("1/5", 2), ("2/5", 0), ("3/5", 4), ("4/5", None)], caption="Questions", value_text=str)
    assert html.count('<rect class="bar"') == 2
    assert 'height="100.00"' in html and 'height="50.00"' in html  # the largest fills the chart
    assert "<title>3/5: 4</title>" in html
    assert html.count("<tr>") == 4 and "<td>–</td>" in html
    assert 'aria-hidden="true"' in html and "<script" not in html


def test_chart_labels_are_escaped():
    label = '<img src=x onerror="alert(1)">'
    for html in (
        charts.column_chart([(label, 1)], caption=label, value_text=str),
        charts.bar_list([(label, 1, "x")], caption=label),
        charts.share_bar([(label, 1, "x")], caption=label, empty_text=label),
    ):
        assert "<img" not in html and escape(label) in html


def test_a_share_bar_splits_by_share_and_says_when_there_is_nothing():
    html = charts.share_bar([("up", 2, "good"), ("down", 1, "bad")], caption="Feedback", empty_text="None")
    assert 'x="0.00%" width="66.67%"' in html and 'x="66.67%" width="33.33%"' in html
    assert "(67%)" in html and "(33%)" in html
    empty = charts.share_bar([("up", 0, "good")], caption="Feedback", empty_text="No feedback yet.")
    assert "No feedback yet." in empty and "<svg" not in empty


def test_offsets_past_characters_beyond_the_basic_plane_move_for_the_browser():
    text = "a🧳b🛫c"
    assert utf16_offsets("abc", [0, 2, 3]) == {0: 0, 2: 2, 3: 3}
    assert utf16_offsets(text, [0, 2, 4, 5, 99]) == {0: 0, 2: 3, 4: 6, 5: 7, 99: 7}


def test_the_words_the_lexical_search_matches_are_marked():
    segments = matched_segments("Employees get thirty days of paid vacation.", "how many vacation days")
    assert [text for text, matched in segments if matched] == ["days", "vacation"]
    assert "".join(text for text, _ in segments) == "Employees get thirty days of paid vacation."


def test_the_retrieval_test_offers_every_search_mode():
    assert {value for value, _label in RetrievalTestForm.MODE_CHOICES} == set(MODES)
    form = RetrievalTestForm({"q": "vacation"})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["mode"], form.cleaned_data["k"], form.cleaned_data["collections"]) == ("hybrid", 10, [])
