"""A document's own title, when it has a usable one, instead of its file name ("ResolucaoCEPN189 2005-1").

Parsers report what the file says (PDF metadata Title, DOCX/PPTX core properties, HTML <title>), and
`parse_file` falls back to a heading at the very start; this module decides whether that text can stand as a title:
authoring tools fill the field with "Microsoft Word - relatorio.doc", "Slide 1", "Untitled" or the file name.
"""

import re
from pathlib import Path

MAX_CHARS = 200
# What tools write when nobody gave a title (lower case, compared whole).
PLACEHOLDERS = {
    "untitled", "sem título", "sem titulo", "title", "título", "titulo", "document", "documento", "presentation",
    "apresentação", "powerpoint presentation", "apresentação do powerpoint", "slide 1", "diapositivo 1",
    "microsoft word document", "word document", "documento do word", "new document", "novo documento", "doc", "(anonymous)", "none", "null",
    "table of contents", "contents", "sumário", "sumario", "índice", "indice",
}
TOOL_PREFIX = re.compile(r"^(microsoft (word|powerpoint|excel)|word|powerpoint)\s*-\s*", re.I)
FILE_NAME = re.compile(r"\.(docx?|pdf|pptx?|xlsx?|odt|rtf|txt|html?|indd|qxd|tex|dvi)\b", re.I)
SPACES = re.compile(r"\s+")
# A part's label, not the document's title ("SEÇÃO IV", "Anexo 2", "Chapter 1").
PART_LABEL = re.compile(r"^(seção|secao|section|capítulo|capitulo|chapter|parte|part|anexo|annex|appendix|apêndice)"
                        r"\s+[\dIVXLC]+\.?$", re.I)


def usable_title(candidate: str | None, file_name: str = "") -> str:
    """`candidate` tidied (one line, spaces folded), or "" when it is no title: empty, a tool's placeholder or a
    file name, too long (a first paragraph, not a heading), or without two letters in a row."""
    text = SPACES.sub(" ", candidate or "").lstrip("#* ").strip(" \t\"'“”-–—:;,.")
    if not text or len(text) > MAX_CHARS or TOOL_PREFIX.match(text) or FILE_NAME.search(text):
        return ""
    if text.lower() in PLACEHOLDERS or PART_LABEL.match(text) or not re.search(r"[^\W\d_]{2}", text):
        return ""
    if file_name and text.lower() in {Path(file_name).stem.lower(), title_from_file_name(file_name).lower()}:
        return ""
    return text


def title_from_file_name(name: str) -> str:
    """The title a document gets from its file name alone, e.g. "ResolucaoCEPN189 2005-1" for
    "ResolucaoCEPN189_2005-1.pdf" (the upload's default; replaced by the document's own title once it is parsed)."""
    return Path(name).stem.replace("_", " ").strip() or name


def core_title(package) -> str:
    """The title in an Office file's core properties (docProps/core.xml; python-docx and python-pptx alike), "" when
    absent or unreadable."""
    try:
        return package.core_properties.title or ""
    except (KeyError, ValueError, AttributeError):
        return ""
