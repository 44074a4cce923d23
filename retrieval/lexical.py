"""The lexical side of hybrid retrieval: text -> tokens -> BM25 sparse vectors.

Documents and queries go through the same `tokenize`, so the same word in either gives the same token:
- words are lower-cased, stopwords (Portuguese and English alike) dropped, and each word gives its Portuguese and
  its English Snowball stem, accent-folded (one term when they agree): "Informações", "informação" and
  "informacao" all give "inform" (and "informaco"), "dias" gives "dias" and "dia";
- numbers and codes stay whole, with their parts as extra tokens: "13.709/2018" also gives "13709" and "2018",
  "ISO-9001" gives "iso9001", "iso" and "9001", "123.456.789-00" gives "12345678900", "art. 7º" gives "artigo", "7".

Why both stems, whatever the language: no language decision can make a document and a query disagree (a short
query, a Portuguese chunk full of English product names), and in each language the other stemmer acts as a light,
mostly plural-only stemmer, so a near-exact match outranks a match on the aggressive stem alone. Measured on
FaQuAD (pt) and XQuAD (en), BM25 recall@5 rose from 0.958 to 0.968 and from 0.990 to 0.994 against stemming in the
detected language only; the price is ~1.7x terms per chunk.

Term ids are CRC-32 of the token: stable across processes and releases (unlike `hash()`), 32 bits as Qdrant's
sparse indices are. Document values are BM25 term-frequency saturation only; the engine multiplies by IDF
(Qdrant's IDF modifier), which needs collection statistics no single chunk has.
"""

import itertools
import re
import threading
import unicodedata
import zlib
from collections import Counter

import Stemmer

from retrieval.stopwords import STOPWORDS
from retrieval.types import SparseVector

# Runs of word characters joined by single inner punctuation: "13.709/2018", "e-mail", "rh@acme.com.br", "d'água".
_CHUNK = re.compile(r"\w+(?:[.,/:\-–'’@]\w+)*")
_LETTERS = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"\d")
_ORDINAL = re.compile(r"(?<=\d)[ºª]")
# Where a code splits into parts: slashes, dashes, colons, underscores, and dots/commas next to a letter ("art.7").
_PARTS = re.compile(r"[/:\-–_@]|(?<=[^\W\d_])[.,]|[.,](?=[^\W\d_])")
# Grouped thousands with an optional decimal part, Brazilian or English style, or a zero decimal part.
_GROUPED = re.compile(r"(\d{1,3}(?:\.\d{3})+)(?:,\d+)?|(\d{1,3}(?:,\d{3})+)(?:\.\d+)?|(\d+)[.,]0+")
_NON_ALNUM = re.compile(r"[\W_]+")

# Accents people leave out when typing, restored on unaccented words so the Portuguese stemmer still sees its
# suffixes: "informacoes" stems like "informações". The first suffix that fits wins.
_PT_ACCENTS = (
    ("coes", "ções"), ("cao", "ção"), ("oes", "ões"), ("aes", "ães"),
    ("ao", "ão"), ("aveis", "áveis"), ("iveis", "íveis"), ("avel", "ável"), ("ivel", "ível"),
    ("encias", "ências"), ("encia", "ência"), ("ancias", "âncias"), ("ancia", "ância"),
)  # fmt: skip

# Abbreviations of Brazilian legal text, indexed as the word so "art. 7º" meets "artigo 7".
_ABBREVIATIONS = {"art": "artigo", "arts": "artigos"}

_CACHE_SIZE = 100_000
# A query is analysed up to here (questions and search queries are refused long before by the web).
QUERY_MAX_CHARS = 8_000
QUERY_MAX_TERMS = 1024
_cache: dict[str, tuple[str, ...]] = {}  # chunk -> terms; words repeat, so most chunks are found here
_local = threading.local()


def _build_fold_table() -> dict[int, str]:
    table = {}
    for cp in [0xAA, 0xBA, *range(0xC0, 0x250), *range(0x1E00, 0x1F00), *range(0xFB00, 0xFB07)]:
        decomposed = unicodedata.normalize("NFKD", chr(cp))
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        if base != chr(cp):
            table[cp] = base
    table.update({ord("ß"): "ss", ord("æ"): "ae", ord("œ"): "oe", ord("ø"): "o", ord("đ"): "d", ord("ł"): "l"})
    return table


_FOLD = _build_fold_table()


def fold(text: str) -> str:
    """Strip accents and ligatures: "ação" -> "acao", "ﬁ" -> "fi". Leaves case and other scripts alone."""
    return text if text.isascii() else text.translate(_FOLD)


def tokenize(text: str) -> list[str]:
    """Return the index terms of `text`, in order, repeats kept (they are term frequencies)."""
    tokens: list[str] = []
    for chunk in _CHUNK.findall(text.lower()):
        terms = _cache.get(chunk)
        if terms is None:
            terms = _chunk_terms(chunk)
            if len(_cache) >= _CACHE_SIZE:
                _cache.clear()
            _cache[chunk] = terms
        tokens.extend(terms)
    return tokens


def term_id(token: str) -> int:
    """The sparse-vector index of a token: CRC-32 of its UTF-8 bytes."""
    return zlib.crc32(token.encode())


def document_vector(text: str, *, avg_len: float = 120.0, k1: float = 1.2, b: float = 0.75) -> SparseVector:
    """BM25 weights of a chunk without IDF: tf·(k1+1) / (tf + k1·(1 − b + b·len/avg_len)).

    `avg_len` is the mean number of tokens per chunk in the collection. Indices are unique and sorted;
    an empty text gives an empty vector.
    """
    tokens = tokenize(text)
    counts: Counter[int] = Counter()
    for token, n in Counter(tokens).items():  # each distinct token hashed once
        counts[term_id(token)] += n
    norm = k1 * (1.0 - b + b * len(tokens) / avg_len)
    indices = sorted(counts)
    return SparseVector(indices=indices, values=[counts[i] * (k1 + 1.0) / (counts[i] + norm) for i in indices])


def query_vector(text: str, *, max_chars: int = QUERY_MAX_CHARS, max_terms: int = QUERY_MAX_TERMS) -> SparseVector:
    """Weight 1.0 for each distinct query term; indices unique and sorted.

    Only the first `max_chars` characters are analysed and the first `max_terms` distinct terms kept: the web
    refuses longer queries (MAX_SEARCH_QUERY_CHARS), and this bounds the work and the engine query whoever calls.
    """
    indices = sorted(set(map(term_id, itertools.islice(dict.fromkeys(tokenize(text[:max_chars])), max_terms))))
    return SparseVector(indices=indices, values=[1.0] * len(indices))


def _chunk_terms(chunk: str) -> tuple[str, ...]:
    if chunk.isalpha():
        return _word_terms(chunk)
    if "@" in chunk or _DIGIT.search(chunk):
        return _code_terms(chunk)
    words = _LETTERS.findall(chunk)
    terms = [t for w in words for t in _word_terms(w)]
    if len(words) > 1 and "-" in chunk and not any(p in chunk for p in ".,'’"):
        terms.extend(_word_terms("".join(words)))  # "e-mail" also as "email"
    return tuple(dict.fromkeys(terms))


def _code_terms(chunk: str) -> tuple[str, ...]:
    code = fold(_ORDINAL.sub("", chunk))
    terms = [code]
    _add_number(terms, code)
    parts = [p for p in _PARTS.split(code) if p]
    if len(parts) > 1:
        if "@" not in code:
            terms.append(_NON_ALNUM.sub("", code))
        for part in parts:
            if _DIGIT.search(part):
                terms.append(part)
                _add_number(terms, part)
            else:
                terms.extend(_word_terms(part))
    return tuple(dict.fromkeys(terms))


def _add_number(terms: list[str], code: str) -> None:
    match = _GROUPED.fullmatch(code)
    if match:
        integer = next(g for g in match.groups() if g)
        terms.append(integer.replace(".", "").replace(",", ""))


def _word_terms(word: str) -> tuple[str, ...]:
    folded = fold(word)
    if len(folded) < 2 or folded in STOPWORDS:
        return ()
    if folded in _ABBREVIATIONS:
        word = folded = _ABBREVIATIONS[folded]
    return tuple(dict.fromkeys((_stem_pt(word), _stem_en(folded))))


def _stem_pt(word: str) -> str:
    if word.isascii():
        word = _restore_accents(word)
    return fold(_stemmer("portuguese").stemWord(word))


def _stem_en(folded: str) -> str:
    return _stemmer("english").stemWord(folded)


def _restore_accents(word: str) -> str:
    for plain, accented in _PT_ACCENTS:
        if word.endswith(plain) and len(word) > len(plain) + 1:
            return word[: -len(plain)] + accented
    return word


def _stemmer(name: str) -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe: one per thread (Celery threads, Django's threaded dev server).
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    stemmer = stemmers.get(name)
    if stemmer is None:
        stemmer = stemmers[name] = Stemmer.Stemmer(name)
    return stemmer
