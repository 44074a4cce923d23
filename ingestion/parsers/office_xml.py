"""Text from raw Office Open XML parts that the document libraries do not model (notes, headers, charts)."""

from lxml import etree

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def part_text(blob: bytes, skip_separators: bool = False) -> str:
    """Paragraph texts of a WordprocessingML part (footnotes, endnotes, header, footer), one per line."""
    root = etree.fromstring(blob, PARSER)
    lines = []
    for p in root.xpath(".//w:p[not(ancestor::mc:Fallback)]", namespaces=NS):
        if skip_separators and p.xpath("ancestor::w:footnote[@w:type] | ancestor::w:endnote[@w:type]", namespaces=NS):
            continue  # the separator line Word draws above the notes
        text = " ".join("".join(p.xpath(".//w:t[not(ancestor::mc:Fallback)]/text()", namespaces=NS)).split())
        if text:
            lines.append(text)
    return "\n".join(lines)


def chart_text(blob: bytes) -> str:
    """A chart's title, series names and category labels: what a person reads off the chart."""
    root = etree.fromstring(blob, PARSER)
    title = " ".join(" ".join(root.xpath(".//c:title//a:t/text()", namespaces=NS)).split())
    series = _unique(root.xpath(".//c:ser/c:tx//c:v/text()", namespaces=NS))
    categories = _unique(root.xpath(".//c:ser/c:cat//c:v/text()", namespaces=NS))
    lines = [f"Chart: {title}" if title else "Chart"]
    if series:
        lines.append("Series: " + "; ".join(series))
    if categories:
        lines.append("Categories: " + "; ".join(categories))
    return "\n".join(lines) if (title or series or categories) else ""


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))
