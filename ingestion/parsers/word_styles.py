"""Paragraph styles and numbering of a Word document, read from its XML: heading levels and list markers.

python-docx's style objects were not enough: a paragraph style based on a numbering style raised AttributeError
(no `base_style`) and failed the whole file, a `basedOn` loop never ended, and finding a style scanned every
style (~1 ms per paragraph). Here each style is read once into a small record and chains are followed with a cap.
"""

import re
from dataclasses import dataclass

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "v": "urn:schemas-microsoft-com:vml",
}
HEADING_STYLE = re.compile(r"^(?:heading|título|titulo|überschrift|titre)\s*(\d)$", re.IGNORECASE)
MAX_CHAIN = 16  # styles based on styles: Word allows ~10 levels; a loop must end


def xp(element, expression: str):
    """lxml's own xpath: python-docx's override does not take our namespace map (mc: for text boxes)."""
    return etree._Element.xpath(element, expression, namespaces=NS)


@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str
    outline: str
    num_id: str
    level: str


class Styles:
    """Heading levels and list numbering of paragraphs, by their style chain and their own properties."""

    def __init__(self, document):
        self.styles: dict[str, _Style] = {}
        self.default = ""
        self.formats = _list_formats(document)
        try:
            root = document.part.styles.element
        except (KeyError, AttributeError, ValueError, NotImplementedError):
            return
        for node in xp(root, "./w:style[@w:type='paragraph' or not(@w:type)]"):
            style_id = node.get(f"{{{W}}}styleId", "")
            self.styles[style_id] = _Style(
                name=xp(node, "string(./w:name/@w:val)"), based_on=xp(node, "string(./w:basedOn/@w:val)"),
                outline=xp(node, "string(./w:pPr/w:outlineLvl/@w:val)"),
                num_id=xp(node, "string(./w:pPr/w:numPr/w:numId/@w:val)"),
                level=xp(node, "string(./w:pPr/w:numPr/w:ilvl/@w:val)"))
            if node.get(f"{{{W}}}default") in ("1", "true", "on"):
                self.default = style_id

    def chain(self, p) -> list[_Style]:
        """The paragraph's style, then the style it is based on, and so on (never more than MAX_CHAIN)."""
        style_id = xp(p, "string(./w:pPr/w:pStyle/@w:val)") or self.default
        chain: list[_Style] = []
        while style_id in self.styles and len(chain) < MAX_CHAIN:
            chain.append(self.styles[style_id])
            style_id = chain[-1].based_on
        return chain

    def heading_level(self, p) -> int:
        """1-9 for a title or heading (by style name or outline level), 0 for body text."""
        for style in self.chain(p):
            name = style.name.strip()
            if name.lower() == "title":
                return 1
            match = HEADING_STYLE.match(name)
            if match:
                return int(match.group(1))
            if style.outline.isdigit() and int(style.outline) < 9:
                return int(style.outline) + 1
        outline = xp(p, "string(./w:pPr/w:outlineLvl/@w:val)")
        return int(outline) + 1 if outline.isdigit() and int(outline) < 9 else 0

    def numbering(self, p) -> tuple[str, int, bool] | None:
        """(numId, level, is_bullet) of a list item, None for a paragraph that is not one. "List Bullet" and
        friends number through their style."""
        num_id = xp(p, "string(./w:pPr/w:numPr/w:numId/@w:val)")
        level_text = xp(p, "string(./w:pPr/w:numPr/w:ilvl/@w:val)")
        for style in self.chain(p):
            if num_id:
                break
            num_id, level_text = style.num_id, level_text or style.level
        if not num_id or num_id == "0":
            return None
        level = int(level_text) if level_text.isdigit() else 0
        return num_id, level, self.formats.get((num_id, level), "bullet") in ("bullet", "none")


def _list_formats(document) -> dict[tuple[str, int], str]:
    """(numId, level) -> numFmt ("bullet", "decimal", ...), from the numbering part."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, AttributeError, ValueError, NotImplementedError):
        return {}
    abstract = {}
    for node in xp(numbering, "./w:abstractNum"):
        levels = {int(lvl.get(f"{{{W}}}ilvl", 0)) if lvl.get(f"{{{W}}}ilvl", "0").isdigit() else 0:
                  xp(lvl, "string(./w:numFmt/@w:val)") for lvl in xp(node, "./w:lvl")}
        abstract[node.get(f"{{{W}}}abstractNumId")] = levels
    formats = {}
    for num in xp(numbering, "./w:num"):
        levels = abstract.get(xp(num, "string(./w:abstractNumId/@w:val)"), {})
        for level, fmt in levels.items():
            formats[(num.get(f"{{{W}}}numId"), level)] = fmt or "decimal"
    return formats
