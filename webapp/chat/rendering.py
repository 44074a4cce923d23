"""Answers as HTML: Markdown rendered by markdown-it-py, then sanitised by nh3.

Nothing a model writes, nor any document text it repeats, can run script or load remote content:
the parser escapes raw HTML, images become their alt text, and the sanitiser keeps only formatting
tags, http(s)/mailto/relative links and the citation buttons this module writes itself. A citation the
support check found weak gets its own look (class "cite weak") and says so to screen readers.

A link the model writes never hides where it goes, and only an address found in the answer's own sources can be
clicked: `[label](target)` becomes `label (target)`, the target a link only when one of the passages contains it
(a model repeating a phishing address from nowhere, or led by an injected prompt, gets plain text).
"""

import re
from collections.abc import Iterable
from functools import cache

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from retrieval.contracts.payloads import Usage

CITE = re.compile(r"\[(\d{1,4})\]")
# Addresses in a passage's text: a web or mail address up to a space, bracket or quote, trailing punctuation not
# included (a sentence's full stop is not part of the address it ends with).
SOURCE_URL = re.compile(r"(?:https?://|mailto:)[^\s<>\"'()\[\]{}]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TRAILING = ".,;:!?"
TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a", "button",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}, "button": {"data-n", "aria-label"}}
# Only our own citation buttons: anything else claiming to be one loses the attribute.
ATTRIBUTE_VALUES = {"button": {"type": {"button"}, "class": {"cite", "cite weak"}}}
# The support check's English reasons (retrieval/support.py: NUMBER_MISSING, FEW_WORDS, LOW_SIMILARITY), for rows
# stored before their code was (0010_citation_weak_code); tests/test_rendering.py keeps these in step with that module.
_WHY = re.compile(
    r"\[(?P<n>\d+)\] (?:does not contain (?P<numbers>.+?)|does not mention (?P<words>.+?)|does not name (?P<names>.+?)"
    r"|says something else \(similarity (?P<similarity>-?[\d.]+)\))\.(?=\s|$)"
)


def render_answer(text: str, citations: Iterable) -> str:
    """Sanitised HTML for an answer. `[n]` becomes `<button class="cite" data-n="n">` when n is one of
    `citations` (ints, dicts with "n", or objects with `.n`, and `weak` when the support check found the
    passage does not back the claim); any other `[n]` stays plain text. A link shows its target, and the
    target is clickable only when it is an address in one of the citations' passage `text`."""
    citations = list(citations)
    numbers = {_number(c) for c in citations}
    weak = {_number(c) for c in citations if _is_weak(c)}
    env = {"cite_numbers": numbers, "weak_numbers": weak, "source_urls": source_urls(_text(c) for c in citations)}
    return _without_empty_items(_cleaner().clean(_markdown().render(text or "", env)))


EMPTY_ITEM = re.compile(r"<li>\s*</li>\s*")
EMPTY_LIST = re.compile(r"<(ul|ol)\b[^>]*>\s*</\1>\s*")


def _without_empty_items(html: str) -> str:
    """No bullet without words: an answer stopped (or cut at max tokens) right after "2." or "-" starts an empty
    item, and a list of nothing else goes too."""
    return EMPTY_LIST.sub("", EMPTY_ITEM.sub("", html))


def source_urls(texts: Iterable[str]) -> set[str]:
    """The addresses written in `texts`, as markdown-it normalises a link target (mail addresses as mailto:)."""
    found = set()
    for text in texts:
        for match in SOURCE_URL.finditer(text or ""):
            address = match.group().rstrip(TRAILING)
            if "://" not in address and not address.startswith("mailto:"):
                address = "mailto:" + address
            found.add(_markdown().normalizeLink(address))
    return found


def answer_note(status: str, finish_reason: str) -> str:
    """A plain-words line when an answer did not end normally, else ""."""
    if status == "error":
        return gettext("The answer could not be generated because of an internal error. Try again; if it persists, tell an administrator.")
    notes = {
        "cancelled": gettext("Stopped. The answer may be incomplete."),
        "timeout": gettext("The answer took too long and was cut short."),
        "length": gettext("The answer reached its length limit (max tokens)."),
    }
    return notes.get("cancelled" if status == "cancelled" else finish_reason, "")


def answer_settings(params: dict, usage: Usage, profile: str = "") -> str:
    """The settings an answer was produced with and how fast it came, e.g. "temperature 0.20 · max 256 tokens"."""
    parts = [profile] if profile else []
    if "temperature" in params:
        parts.append(gettext("temperature %(value)s") % {"value": number_format(params["temperature"], 2)})
    if "max_tokens" in params:
        parts.append(gettext("max %(count)s tokens") % {"count": params["max_tokens"]})
    if usage.get("ttft_ms") is not None:
        parts.append(gettext("first token in %(ms)s ms") % {"ms": number_format(usage["ttft_ms"], 0, force_grouping=True)})
    if usage.get("tokens_per_s"):
        parts.append(gettext("%(rate)s tokens/s") % {"rate": number_format(usage["tokens_per_s"], 1)})
    return " · ".join(parts)


def weak_reason_for(n: int, code: str, params: dict | None, reason: str = "") -> str:
    """The support check's verdict on citation [n] in the current language, from its code and parameters
    (`retrieval.support.CitationSupport.code`/`params`), in words a reader follows: which source, what of the answer
    it lacks ("Source 2 does not contain the number “45” given in the answer."). A row stored before codes has only
    the English `reason`: it is read back by `weak_reason_text`; a code this version does not know shows `reason`."""
    params = params or {}
    if code == "low_similarity" and isinstance(params.get("similarity"), int | float):
        similarity = number_format(round(params["similarity"], 2), 2)  # number_format cuts, the English rounds
        return gettext("Source %(n)s seems to be about something else than the sentence citing it "
                       "(similarity %(similarity)s of 1).") % {"n": n, "similarity": similarity}
    key = {"number_missing": "numbers", "name_missing": "names", "few_words": "words"}.get(code)
    items = [str(item) for item in params.get(key) or []] if key else []
    if not items:
        return weak_reason_text(reason)
    values = {"n": n, key: ", ".join(f"“{item}”" for item in items)}
    if code == "number_missing":
        return ngettext("Source %(n)s does not contain the number %(numbers)s given in the answer.",
                        "Source %(n)s does not contain the numbers %(numbers)s given in the answer.", len(items)) % values
    if code == "name_missing":
        return ngettext("Source %(n)s does not mention the name %(names)s used in the answer.",
                        "Source %(n)s does not mention the names %(names)s used in the answer.", len(items)) % values
    return ngettext("The answer's word %(words)s does not appear in source %(n)s.",
                    "The answer's words %(words)s do not appear in source %(n)s.", len(items)) % values


def weak_reason_text(reason: str) -> str:
    """An English reason stored before the support check's codes were, in the current language and the same words
    as a coded one; a reason it does not recognise stays as written. New rows are said from their code."""

    def say(match: re.Match) -> str:
        n = int(match["n"])
        for code, key in (("number_missing", "numbers"), ("name_missing", "names"), ("few_words", "words")):
            if match[key] is not None:
                return weak_reason_for(n, code, {key: [item.strip() for item in match[key].split(",")]})
        return weak_reason_for(n, "low_similarity", {"similarity": float(match["similarity"])})

    return _WHY.sub(say, reason or "")


def _is_weak(citation) -> bool:
    if isinstance(citation, int):
        return False
    return bool(citation.get("weak") if isinstance(citation, dict) else getattr(citation, "weak", False))


def _text(citation) -> str:
    if isinstance(citation, int):
        return ""
    return (citation.get("text") if isinstance(citation, dict) else getattr(citation, "text", "")) or ""


def _number(citation) -> int:
    if isinstance(citation, int):
        return citation
    return int(citation["n"] if isinstance(citation, dict) else citation.n)


@cache
def _markdown():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    # Before "link": `[1]` must never be read as a link reference.
    md.inline.ruler.before("link", "cite", _cite_rule)
    md.core.ruler.after("inline", "shown_links", _shown_links)
    md.add_render_rule("cite", _render_cite)
    md.add_render_rule("image", _render_image)
    return md


def _cite_rule(state, silent: bool) -> bool:
    if state.src[state.pos] != "[":
        return False
    match = CITE.match(state.src, state.pos)
    if match is None or int(match.group(1)) not in state.env.get("cite_numbers", ()):
        return False
    if not silent:
        token = state.push("cite", "", 0)
        token.meta = {"n": int(match.group(1))}
    state.pos = match.end()
    return True


def _shown_links(state) -> None:
    """Every link becomes its label then its target in brackets; the target stays a link only when it is one of
    the sources' addresses (env "source_urls"). An autolink, or a label that is the target, is shown once."""
    allowed = state.env.get("source_urls", set())
    for block in state.tokens:
        if block.type == "inline" and block.children:
            block.children = _unlinked(block.children, allowed, state.md.normalizeLinkText)


def _unlinked(children: list, allowed: set[str], shown) -> list:
    from markdown_it.token import Token

    out, label, link = [], [], None
    for token in children:
        if token.type == "link_open":
            link, label = token, []
        elif token.type == "link_close" and link is not None:
            href = link.attrs.get("href", "")
            target = shown(href)
            words = "".join(t.content for t in label if t.type in ("text", "code_inline")).strip()
            same = words in (target, target.removeprefix("mailto:")) or not words
            out += [] if same else [*label, Token("text", "", 0, content=" (")]
            if href in allowed:
                out += [Token("link_open", "a", 1, attrs={"href": href}), Token("text", "", 0, content=target),
                        Token("link_close", "a", -1)]
            else:
                out.append(Token("text", "", 0, content=target))
            out += [] if same else [Token("text", "", 0, content=")")]
            link = None
        elif link is not None:
            label.append(token)
        else:
            out.append(token)
    return out


def _render_cite(self, tokens, idx, options, env) -> str:
    n = tokens[idx].meta["n"]
    if n in env.get("weak_numbers", ()):
        label = gettext("Source %(n)s, weakly supported") % {"n": n}
        return f'<button type="button" class="cite weak" data-n="{n}" aria-label="{label}">{n}</button>'
    label = gettext("Source %(n)s") % {"n": n}
    return f'<button type="button" class="cite" data-n="{n}" aria-label="{label}">{n}</button>'


def _render_image(self, tokens, idx, options, env) -> str:
    """An image is never fetched (no remote content): its alt text stands in."""
    from markdown_it.common.utils import escapeHtml

    return escapeHtml(self.renderInlineAsText(tokens[idx].children or [], options, env))


@cache
def _cleaner():
    import nh3

    return nh3.Cleaner(
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        tag_attribute_values=ATTRIBUTE_VALUES,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )
