"""HTML: the main content without menus, scripts or footers (trafilatura), headings kept as the heading path.

Also used for HTML that is all content (e-mail bodies, EPUB chapters, HTML inside DOCX): there nothing is dropped
unless trafilatura keeps most of the visible text anyway.
"""

import re
from collections.abc import Iterator
from pathlib import Path

from ingestion.parsers.text import decode, markdown_blocks
from ingestion.types import Block, ParsedFile

SKIP_TAGS = {"script", "style", "noscript", "template", "head", "svg", "canvas", "iframe", "object"}
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote", "pre", "ul", "ol",
    "li", "dl", "dt", "dd", "table", "tr", "form", "fieldset", "figure", "figcaption", "address", "br", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "body", "center",
}
BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
MIN_KEPT_SHARE = 0.6  # content-only HTML: fall back to all visible text when extraction keeps less than this


def parse(path: Path) -> ParsedFile:
    html = decode(path.read_bytes())
    return ParsedFile(blocks=list(html_blocks(html, main_content=True)), page_count=None, title=_title(html))


def html_blocks(html: str, *, main_content: bool, heading_path: tuple[str, ...] = ()) -> Iterator[Block]:
    """Blocks of an HTML document. `main_content=True` drops boilerplate (menus, footers, link lists)."""
    markdown = _extract(html)
    visible = visible_text(html)
    if not markdown or (not main_content and len(markdown) < MIN_KEPT_SHARE * len(visible)):
        markdown = visible
    title = _title(html) if main_content else ""
    if title and title not in markdown[:1000]:
        markdown = f"# {title}\n\n{markdown}"  # trafilatura keeps the title apart as metadata
    yield from markdown_blocks(markdown, heading_path)


def _extract(html: str) -> str:
    import trafilatura  # pulls in lxml, justext and friends: only when HTML arrives

    markdown = trafilatura.extract(
        html, output_format="markdown", include_tables=True, include_links=False, include_images=False,
        include_comments=False, favor_recall=True, deduplicate=False, with_metadata=False,
    )
    # markdown output marks bold text; the markers would only add noise to search and to cited passages
    return BOLD.sub(r"\1", markdown or "").strip()


def _title(html: str) -> str:
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    for xpath in ("//h1", "//title"):
        found = root.xpath(xpath)
        if found:
            title = " ".join(found[0].text_content().split())
            if 0 < len(title) <= 200:
                return title
    return ""


def visible_text(html: str) -> str:
    """All text a browser would show, as Markdown-ish lines: `#` headings, `- ` items, table cells split by `|`."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    parts: list[str] = []
    _walk(root, parts)
    text = "".join(parts)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _walk(element, parts: list[str]) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag in SKIP_TAGS or not isinstance(element.tag, str):
        if element.tail:
            parts.append(element.tail)
        return
    if tag in BLOCK_TAGS:
        parts.append("\n\n" if tag not in ("li", "tr", "br", "dt", "dd") else "\n")
    if tag in HEADINGS:
        parts.append("#" * int(tag[1]) + " ")
    elif tag == "li":
        parts.append("- ")
    elif tag in ("td", "th") and element.getprevious() is not None:
        parts.append(" | ")
    if element.text:
        parts.append(element.text)
    for child in element:
        _walk(child, parts)
    if tag in BLOCK_TAGS and tag not in ("li", "tr", "br", "dt", "dd"):
        parts.append("\n\n" if tag in HEADINGS else "\n")
    if element.tail:
        parts.append(element.tail)
