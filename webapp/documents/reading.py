"""What the document page shows: the extracted text and the live version's chunks with their locations.

Chunk offsets (`char_start`, `char_end`) count code points in `Document.extracted_text`; the page's script
works in UTF-16 units, so each chunk also carries its span in those (`start16`, `end16`).
"""

from dataclasses import dataclass

from django.db.models.functions import Substr

from webapp.documents.models import Chunk, Document

MAX_CHUNKS = 3000
PREVIEW_CHARS = 180


@dataclass(frozen=True)
class ChunkRow:
    ordinal: int
    page: int | None
    page_end: int | None
    location: str
    heading_path: str
    char_start: int
    char_end: int
    token_count: int
    preview: str
    start16: int
    end16: int


@dataclass(frozen=True)
class Reading:
    chunks: list[ChunkRow]
    chunk_total: int
    before: str  # the text, split around the selected chunk's span (all in `before` when none is selected)
    marked: str
    after: str
    selected: ChunkRow | None


def document_reading(*, document: Document, selected: int | None = None) -> Reading:
    """The live version's chunks (the first MAX_CHUNKS, in order) and the text split around chunk `selected`."""
    live = Chunk.objects.filter(document=document, version=document.version).order_by("ordinal")
    rows = list(
        live.annotate(preview=Substr("text", 1, PREVIEW_CHARS))
        .values_list("ordinal", "page", "page_end", "location", "heading_path", "char_start", "char_end",
                     "token_count", "preview")[:MAX_CHUNKS]
    )
    text = document.extracted_text or ""
    units = utf16_offsets(text, [offset for row in rows for offset in (row[5], row[6])])
    chunks = [
        ChunkRow(*row[:8], preview=_preview(row[8]), start16=units[row[5]], end16=units[row[6]]) for row in rows
    ]
    total = live.count() if len(rows) == MAX_CHUNKS else len(rows)
    chosen = next((c for c in chunks if c.ordinal == selected), None)
    if chosen is None:
        return Reading(chunks, total, text, "", "", None)
    start, end = _clamp(chosen.char_start, len(text)), _clamp(chosen.char_end, len(text))
    return Reading(chunks, total, text[:start], text[start:end], text[end:], chosen)


def utf16_offsets(text: str, offsets: list[int]) -> dict[int, int]:
    """Each code-point offset into `text` as a UTF-16 offset (they differ after characters beyond U+FFFF)."""
    wanted = sorted({_clamp(o, len(text)) for o in offsets} | set(offsets))
    if text.isascii() or all(ord(c) <= 0xFFFF for c in text):
        return {o: _clamp(o, len(text)) for o in wanted}
    found, position, units = {}, 0, 0
    for offset in wanted:
        target = _clamp(offset, len(text))
        units += sum(2 if ord(c) > 0xFFFF else 1 for c in text[position:target])
        position = target
        found[offset] = units
    return found


def _clamp(offset: int, length: int) -> int:
    return max(0, min(offset, length))


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) < PREVIEW_CHARS - 10:
        return flat
    cut = flat.rfind(" ", 0, PREVIEW_CHARS - 10)
    return flat[: cut if cut > 0 else PREVIEW_CHARS - 10] + "…"
