"""The support check: does each cited sentence say what the passage it cites says?

For every sentence of the answer that carries `[n]`, the claim (the sentence without its markers) is compared
with passage n twice:
- meaning: the cosine, with the embedding model, between the claim and the passage;
- words: the share of the claim's terms (`retrieval.lexical.tokenize`: folded pt+en stems, numbers whole)
  that occur in the passage.
Words make right-sounding wrong claims: the passage's own sentence with another team, person or figure in it
scores as high as the right one. So a number or a name of the claim that the passage lacks makes the citation
weak on its own, whatever the score:
- numbers: digits ("30", "1.000", "7º") and numbers spelled out in Portuguese or English ("três", "vinte e
  cinco", "three", "two hundred"), equal when their values are ("três" = "3"). "um", "uma", "one", "first",
  "segundo", "second" are left out: they are articles, pronouns and prepositions more often than numbers;
- names: words capitalised mid-sentence ("Broncos", "Fiocruz"), acronyms ("NFL", "UFPA"), words with inner capitals
  ("iPhone", "McDonald's"), codes mixing letters and digits ("COVID-19", "3G"), and the words of a short quoted
  term. A capital that opens a sentence or a quotation proves nothing (the full stop of "Dr." or "J." ends none):
  such a word is a name only when it starts a run of capitalised words ("Carolina Panthers venceram") or the claim
  is a short reply ("Localiza [1]."), which is the answer itself. Words are compared folded (accents, case) with
  light inflection (a plural -s/-es, a possessive 's): "Brazil's" is "Brazil", "Paula" is not "Paulo", and
  "Brazilian" is not "Brazil".

A claim too short to judge ("30 dias [1].") is judged together with the question it answers (for its score; its
names and numbers are the claim's own). A citation is weak when its score is under THRESHOLD or a number or name
is missing; each weak one carries a code and a reason a person can read, and `missing` lists the numbers and
names. Pure: the caller passes `embed(texts) -> unit vectors`, so tests need no model.
"""

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

import numpy as np

from retrieval.citations import MARKER, marker_numbers
from retrieval.lexical import fold, tokenize
from retrieval.stopwords import STOPWORDS

Embed = Callable[[list[str]], np.ndarray]

# Chosen on half of shared/eval (FaQuAD pt, XQuAD en; claims = the gold passage's sentence holding the answer,
# question + gold answer, or the gold answer judged with its question), checked on the other half: right citations
# flagged 0.3% (0-1.2% per set and claim kind), a random other passage 99.3%, another passage of the same document
# 95.0%; at 0.55, 4.7% of right citations were flagged. The embedding alone caught 47% of random wrong citations at
# 5% false flags (all-MiniLM is weak in Portuguese); words alone are as strong here but blind to paraphrase, and
# these questions were written from their passages, so expect more flags on paraphrased answers than measured.
# Comparing with each sentence of the passage instead of the whole was no better and cost ~1.3 s per answer on 2
# busy cores (about 30 texts to embed instead of the cited passages and the claims).
# Missing names and numbers (`bench/support_check.py`, `MODELS_DIR=var/models .venv/bin/python
# bench/support_check.py`, multilingual USE, before = 077ded4): the gold passage's own sentence, the question +
# answer, or the answer with its question, with the gold answer swapped for another answer of the set of the same
# shape and absent from the passage, flagged before -> after: names 40.0 -> 97.9% (pt) and 45.7 -> 99.2% (en),
# numbers 78.7 -> 97.8% and 90.4 -> 97.8%; other answers (common words, which no name or number rule can catch)
# 63.4 -> 66.7% and 50.8 -> 59.0%; all swaps 61.2 -> 77.4% and 58.9 -> 82.0%. Right claims against their passage
# 0.7 -> 1.0% (pt) and 5.3 -> 6.6% (en), the new flags all in question + answer claims whose question names what the
# passage does not ("Super Bowl 50", "Amazon", misspelt names); random other passage 99.4 -> 99.5%, another passage
# of the same document 96.0 -> 96.8%. Flagging two missing content words in a row would catch ~80% of the swaps of
# common words but flags 18.6% of the right English question + answer claims, so paraphrases: not done.
SIMILARITY_WEIGHT = 0.5
THRESHOLD = 0.50
MIN_CLAIM_TERMS = 4
# A sentence shorter than this ("Sim.", "Veja abaixo:") is not a claim worth a source of its own.
MIN_ATTRIBUTED_TERMS = 3
_CLOSING = ".!?…:; \t"
MAX_MISSING_SHOWN = 4

NUMBER_MISSING = "[{n}] does not contain {numbers}."
NAME_MISSING = "[{n}] does not name {names}."
FEW_WORDS = "[{n}] does not mention {words}."
LOW_SIMILARITY = "[{n}] says something else (similarity {similarity:.2f})."

# Capitalised before a name without being one; their full stop ends no sentence ("Dr. Silva", "Art. 5"), nor does
# an initial's ("J. K. Rowling").
_TITLES = frozenset("sr sra srta dr dra prof profa mr mrs ms st sto sta art arts inc ltd jr vol cap fig".split())
_NOT_AN_END = "".join(rf"(?<!\b(?i:{title})\.)" for title in sorted(_TITLES)) + r"(?<!\b[A-Z]\.)"
_SENTENCE_END = re.compile(rf"(?<=[.!?…:;]){_NOT_AN_END}\s+|\n+")
_LEADING_MARKERS = re.compile(r"^(\s*\[[\d\s,\-–]+\])+")
_WORD = re.compile(r"\w+(?:[.,/\-]\w+)*")
_NUMBER = re.compile(r"\d")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])")


@dataclass(frozen=True)
class CitationSupport:
    n: int
    claim: str
    score: float
    similarity: float
    overlap: float
    weak: bool
    code: str = ""  # number_missing | name_missing | few_words | low_similarity, empty when supported
    reason: str = ""
    missing: tuple[str, ...] = ()  # the claim's numbers and names the passage lacks, as the claim writes them


@dataclass(frozen=True)
class Support:
    citations: list[CitationSupport]
    score: float | None  # mean of the citations' scores; None when nothing is cited

    @property
    def weak(self) -> list[CitationSupport]:
        return [c for c in self.citations if c.weak]

    def as_event(self) -> dict:
        return {"score": self.score, "citations": [asdict(c) for c in self.citations]}


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def cited_claims(answer: str) -> list[tuple[str, list[int]]]:
    """(claim without markers, source numbers it cites) per sentence; markers opening a sentence close the one before."""
    claims: list[tuple[str, list[int]]] = []
    for sentence in split_sentences(answer):
        leading = _LEADING_MARKERS.match(sentence)
        if leading and claims:
            claims[-1][1].extend(_numbers(leading.group(0)))
            sentence = sentence[leading.end() :]
        claims.append((_SPACE_BEFORE_PUNCTUATION.sub(r"\1", MARKER.sub("", sentence)).strip(), _numbers(sentence)))
    return [(claim, list(dict.fromkeys(ns))) for claim, ns in claims if ns and claim]


def check_support(
    answer: str,
    passages: Mapping[int, str],
    *,
    embed: Embed,
    question: str = "",
    threshold: float = THRESHOLD,
    passage_vectors: Mapping[int, np.ndarray] | None = None,
) -> Support:
    """Score every (cited sentence, cited passage) pair of `answer`. Markers naming no passage are ignored.

    `passage_vectors` (unit vectors by source number, e.g. the chunks' own vectors from the index) saves embedding
    the passages again: on 2 cores that is most of the check's time (~0.1 s per 200-token passage).
    """
    pairs = [(claim, n) for claim, numbers in cited_claims(answer) for n in numbers if n in passages]
    if not pairs:
        return Support(citations=[], score=None)
    judged = [_judged_text(claim, question) for claim, _ in pairs]
    cited = {n: passages[n] for n in dict.fromkeys(n for _, n in pairs)}
    vectors = _vectors(embed, judged, cited, passage_vectors or {})
    results = []
    for (claim, n), text in zip(pairs, judged, strict=True):
        results.append(_judge(claim, text, n, passages[n], float(vectors[n] @ vectors[text]), threshold))
    return Support(citations=results, score=round(float(np.mean([c.score for c in results])), 3))


def attribute_uncited(
    answer: str,
    passages: Mapping[int, str],
    *,
    embed: Embed,
    question: str = "",
    threshold: float = THRESHOLD,
    passage_vectors: Mapping[int, np.ndarray] | None = None,
) -> tuple[str, list[int]]:
    """The answer with `[n]` added after each sentence the model left uncited that one passage clearly supports.

    Small models often answer from the sources without writing markers; a reader still needs to see where each
    claim comes from. A sentence gets the passage that supports it best, and only when that passage passes the
    same check a cited one must pass (`check_support`); otherwise it stays uncited. Returns the text and the
    numbers added, so the citation can say Acervo found it, not the model.
    """
    sentences = [(start, end) for start, end in _sentence_spans(answer) if _needs_source(answer, start, end)]
    if not sentences or not passages:
        return answer, []
    claims = [answer[start:end] for start, end in sentences]
    judged = [_judged_text(claim, question) for claim in claims]
    vectors = _vectors(embed, judged, passages, passage_vectors or {})
    added, pieces, cursor = [], [], 0
    for (start, end), claim, text in zip(sentences, claims, judged, strict=True):
        verdicts = [_judge(claim, text, n, passages[n], float(vectors[n] @ vectors[text]), threshold) for n in passages]
        best = max((v for v in verdicts if not v.weak), key=lambda v: v.score, default=None)
        if best is None:
            continue
        cut = end - len(claim) + len(claim.rstrip(_CLOSING))
        pieces += [answer[cursor:cut], f" [{best.n}]"]
        cursor = cut
        added.append(best.n)
    return "".join(pieces) + answer[cursor:], list(dict.fromkeys(added))


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _needs_source(text: str, start: int, end: int) -> bool:
    """A sentence with terms enough to be a claim, no marker of its own and none opening the next sentence."""
    sentence = text[start:end]
    following = text[end:].lstrip()
    return (not MARKER.search(sentence) and not _LEADING_MARKERS.match(following)
            and len(set(tokenize(sentence))) >= MIN_ATTRIBUTED_TERMS)


def passage_vectors_of(passages: Mapping[int, str], embed: Embed) -> dict[int, np.ndarray]:
    """Unit vectors by source number, to embed the passages once for `attribute_uncited` and `check_support`."""
    return dict(zip(passages, np.asarray(embed(list(passages.values())), dtype=np.float32), strict=True))


def _vectors(embed: Embed, claims: list[str], passages: Mapping[int, str], known: Mapping) -> dict:
    """Vectors of the claims (by text) and of the passages (by number), embedding only what `known` lacks."""
    missing = {n: text for n, text in passages.items() if n not in known}
    texts = list(dict.fromkeys(claims + list(missing.values())))
    by_text = dict(zip(texts, np.asarray(embed(texts), dtype=np.float32), strict=True))
    return by_text | {n: by_text[text] for n, text in missing.items()} | {
        n: np.asarray(known[n], dtype=np.float32) for n in passages if n in known
    }


def term_overlap(claim: str, passage: str) -> float:
    """Share of the claim's distinct terms found in the passage; 1.0 for a claim with no terms."""
    terms = set(tokenize(claim))
    return len(terms & set(tokenize(passage))) / len(terms) if terms else 1.0


def combined_score(similarity: float, overlap: float) -> float:
    return SIMILARITY_WEIGHT * max(similarity, 0.0) + (1 - SIMILARITY_WEIGHT) * overlap


def missing_words(claim: str, passage: str) -> list[str]:
    """Words of the claim none of whose terms occur in the passage, in order."""
    present = set(tokenize(passage))
    missing = [w for w in _WORD.findall(claim) if (terms := tokenize(w)) and not present.intersection(terms)]
    return list(dict.fromkeys(missing))


def _judged_text(claim: str, question: str) -> str:
    if question and len(set(tokenize(claim))) < MIN_CLAIM_TERMS:
        return f"{question.strip()} {claim}"
    return claim


def _judge(claim: str, text: str, n: int, passage: str, similarity: float, threshold: float) -> CitationSupport:
    overlap = term_overlap(text, passage)
    score = round(combined_score(similarity, overlap), 3)
    numbers, names = missing_numbers(claim, passage), missing_names(claim, passage)
    code, reason = "", ""
    if numbers:
        code, reason = "number_missing", NUMBER_MISSING.format(n=n, numbers=", ".join(numbers[:MAX_MISSING_SHOWN]))
    elif names:
        code, reason = "name_missing", NAME_MISSING.format(n=n, names=", ".join(names[:MAX_MISSING_SHOWN]))
    elif score < threshold and (missing := missing_words(claim, passage)) and overlap < similarity:
        code, reason = "few_words", FEW_WORDS.format(n=n, words=", ".join(missing[:MAX_MISSING_SHOWN]))
    elif score < threshold:
        code, reason = "low_similarity", LOW_SIMILARITY.format(n=n, similarity=similarity)
    return CitationSupport(
        n=n, claim=claim, score=score, similarity=round(similarity, 3), overlap=round(overlap, 3),
        weak=bool(code), code=code, reason=reason, missing=tuple(numbers + names),
    )


def _numbers(text: str) -> list[int]:
    return [n for match in MARKER.finditer(text) for n in marker_numbers(match.group(1))]


# The claim's numbers and names, against what the passage holds.

_SPELLED_PT = """dois 2 duas 2 tres 3 quatro 4 cinco 5 seis 6 sete 7 oito 8 nove 9 dez 10 onze 11 doze 12 treze 13
    catorze 14 quatorze 14 quinze 15 dezesseis 16 dezasseis 16 dezessete 17 dezassete 17 dezoito 18 dezenove 19
    dezanove 19 vinte 20 trinta 30 quarenta 40 cinquenta 50 sessenta 60 setenta 70 oitenta 80 noventa 90 cem 100
    cento 100 duzentos 200 duzentas 200 trezentos 300 trezentas 300 quatrocentos 400 quatrocentas 400
    quinhentos 500 quinhentas 500 seiscentos 600 seiscentas 600 setecentos 700 setecentas 700 oitocentos 800
    oitocentas 800 novecentos 900 novecentas 900 mil 1000 milhao 1e6 milhoes 1e6 bilhao 1e9 bilhoes 1e9
    trilhao 1e12 trilhoes 1e12 terceiro 3 terceira 3 quinto 5 sexto 6 setimo 7 setima 7 oitavo 8 oitava 8 nono 9
    nona 9 decimo 10 decima 10"""
_SPELLED_EN = """two 2 three 3 four 4 five 5 six 6 seven 7 eight 8 nine 9 ten 10 eleven 11 twelve 12 thirteen 13
    fourteen 14 fifteen 15 sixteen 16 seventeen 17 eighteen 18 nineteen 19 twenty 20 thirty 30 forty 40 fifty 50
    sixty 60 seventy 70 eighty 80 ninety 90 hundred 100 thousand 1000 million 1e6 billion 1e9 trillion 1e12
    third 3 fourth 4 fifth 5 sixth 6 seventh 7 eighth 8 ninth 9 tenth 10 eleventh 11 twelfth 12 twentieth 20"""
_SPELLED = {w: float(v) for w, v in zip(*[iter((_SPELLED_PT + " " + _SPELLED_EN).split())] * 2, strict=True)}
_SCALES = frozenset("mil milhao milhoes bilhao bilhoes trilhao trilhoes thousand million billion trillion".split())
_CONNECTORS = frozenset(("e", "and"))
MAX_QUOTED_WORDS = 4
# A short reply opening with a capital is no name ("Sim [1].").
_REPLIES = frozenset("sim yes ok certo correto exato verdadeiro falso true false".split())

_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:['’\-–]\w+)*")
_NUM_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
_SHORT_QUOTE = re.compile(r"[\"“«]([^\"“”«»\n]{1,60})[\"”»]")
_ORDINAL_SUFFIX = re.compile(r"(?<=\d)(?:º|ª|°|st|nd|rd|th|o|a|os|as|s)$", re.IGNORECASE)
_OPENERS = " \t\r\n\"'“‘«([{—–-•*"
_NON_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class _Facts:
    names: frozenset[str]  # name keys of every word, and of each part of hyphenated words
    codes: frozenset[str]  # every word, and every two adjacent words, squashed to letters and digits
    terms: frozenset[str]  # `tokenize` terms
    values: frozenset[str]  # every number's value, digits or spelled out, as `_canon` writes it


def missing_numbers(claim: str, passage: str) -> list[str]:
    """Numbers of the claim whose value the passage lacks, in order, as the claim writes them."""
    facts = _facts(passage)
    found = [(m.start(), m.group(0)) for m in _WORD.finditer(claim) if _is_number(m.group(0))
             and not facts.terms.intersection(tokenize(m.group(0))) and _word_value(m.group(0)) not in facts.values]
    found += [(start, text) for start, text, value, _, spelled in _number_runs(claim)
              if spelled and _canon(value) not in facts.values]
    return list(dict.fromkeys(text for _, text in sorted(found)))


def missing_names(claim: str, passage: str) -> list[str]:
    """Names of the claim (see the module's docstring) the passage lacks, in order, as the claim writes them."""
    facts = _facts(passage)
    found = [(m.start(), m.group(0)) for m in _WORD.finditer(claim)
             if _NUMBER.search(m.group(0)) and not _is_number(m.group(0)) and not _has_code(m.group(0), facts)]
    found += [(start, word) for start, word in claim_names(claim) if not _has_name(word, facts)]
    return list(dict.fromkeys(text for _, text in sorted(found)))


def claim_names(claim: str) -> list[tuple[int, str]]:
    """(position, word) of the claim's names without digits: capitalised mid-sentence or opening a run of
    capitalised words, acronyms and inner capitals anywhere, and the words of a short quoted term."""
    tokens = list(_TOKEN.finditer(claim))
    fragment = len(set(tokenize(claim))) < MIN_CLAIM_TERMS
    quotes = [m.span(1) for m in _SHORT_QUOTE.finditer(claim) if len(m.group(1).split()) <= MAX_QUOTED_WORDS]
    names = []
    for i, m in enumerate(tokens):
        word, key = m.group(0), _name_key(m.group(0))
        if _NUMBER.search(word) or key in STOPWORDS or key in _TITLES or key in _SPELLED:
            continue
        quoted = any(start <= m.start() < end for start, end in quotes)
        capitalised = word[0].isupper() and (fragment and key not in _REPLIES or not _opens_sentence(claim, m.start())
                                             or _name_follows(claim, tokens, i))
        if quoted or capitalised or any(c.isupper() for c in word[1:]):
            names.append((m.start(), word))
    return names


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(_OPENERS)
    if not before or any(c in text[len(before) : start] for c in "\n\"“‘«"):
        return True
    if before[-1] not in ".!?…:;":
        return False
    last = before[:-1].rsplit(None, 1)[-1] if before[:-1].strip() else ""
    return not (last.lower() in _TITLES or (len(last) == 1 and last.isupper()))


def _name_follows(text: str, tokens: list[re.Match], i: int) -> bool:
    """The next word is capitalised, no stopword, and only a space away: "Carolina Panthers"."""
    if i + 1 >= len(tokens) or text[tokens[i].end() : tokens[i + 1].start()] != " ":
        return False
    following = tokens[i + 1].group(0)
    return following[0].isupper() and _name_key(following) not in STOPWORDS


def _name_key(word: str) -> str:
    key = fold(word).lower().replace("’", "'").replace(".", "")
    return key[:-2] if key.endswith("'s") else key.rstrip("'")


def _has_name(word: str, facts: _Facts) -> bool:
    key = _name_key(word)
    parts = [p for p in re.split(r"[-–]", key) if p]
    return bool(_inflections(key) & facts.names) or all(_inflections(p) & facts.names for p in parts)


def _inflections(key: str) -> set[str]:
    forms = {key, key + "s", key + "es"}
    if key.endswith("s"):
        forms.add(key[:-1])
    if key.endswith("es"):
        forms.add(key[:-2])
    return forms


def _has_code(word: str, facts: _Facts) -> bool:
    """ "COVID-19", "ISO 9001", "art. 7": written the same, or each digit part and a word part found."""
    squashed = _NON_ALNUM.sub("", fold(word).lower())
    if squashed in facts.codes:
        return True
    terms = [t for t in tokenize(word)[1:] if t != squashed]
    digits = {t for t in terms if _NUMBER.search(t)}
    words = {t for t in terms if not _NUMBER.search(t)}
    return bool(digits) and digits <= facts.terms and (not words or bool(words & facts.terms))


def _is_number(word: str) -> bool:
    """Digits, with separators and an ordinal or decade ending at most: "1.000", "24-10", "7º", "3rd", "1990s"."""
    bare = _ORDINAL_SUFFIX.sub("", word)
    return bool(_NUMBER.search(bare)) and not any(c.isalpha() for c in bare)


def _word_value(word: str) -> str | None:
    value = _digits_value(_ORDINAL_SUFFIX.sub("", word))
    return None if value is None else _canon(value)


def _digits_value(text: str) -> float | None:
    """ "1.000" and "1,000" are a thousand, "5,5" and "5.5" five and a half; None for "1.2.3" or "13/2018"."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+|\d+", text):
        return float(re.sub(r"[.,]", "", text))
    if re.fullmatch(r"\d+[.,]\d+", text):
        return float(text.replace(",", "."))
    return None


def _canon(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.6g}"


def _number_runs(text: str) -> list[tuple[int, str, float, list[float], bool]]:
    """Numbers as runs of numerals ("vinte e cinco", "two hundred", "5 million"): (position, text, value, the
    multipliers before a scale word ("5" of "5 million"), whether a word is spelled out). Digits only start a run,
    and only a scale word follows them: "between 1980 and 1984 five" holds 1980, 1984 and five."""
    runs: list[list[tuple[re.Match, str]]] = []
    previous: re.Match | None = None
    open_run = after_connector = False  # a numeral may join the last run; a connector ("e", "and") was just seen
    for m in _NUM_TOKEN.finditer(text):
        token = fold(m.group(0)).lower()
        adjacent = previous is not None and not text[previous.end() : m.start()].strip(" -–")
        previous = m
        if token in _SPELLED or (token[0].isdigit() and _digits_value(token) is not None):
            if open_run and adjacent and (token in _SCALES or not runs[-1][-1][1][0].isdigit()) and token[0].isalpha():
                runs[-1].append((m, token))
            else:
                runs.append([(m, token)])
            open_run, after_connector = True, False
        else:
            open_run = open_run and adjacent and token in _CONNECTORS and not after_connector
            after_connector = open_run
    return [_run_value(text, run) for run in runs]


def _run_value(text: str, run: list[tuple[re.Match, str]]) -> tuple[int, str, float, list[float], bool]:
    total, current, multipliers = 0.0, 0.0, []
    for _, token in run:
        value = _SPELLED.get(token)
        if value is None:
            current += _digits_value(token) or 0.0
        elif token == "hundred":
            current = (current or 1.0) * value
        elif token in _SCALES:
            multipliers += [current] if current else []
            total, current = total + (current or 1.0) * value, 0.0
        else:
            current += value
    start, end = run[0][0].start(), run[-1][0].end()
    return start, text[start:end], total + current, multipliers, any(t in _SPELLED for _, t in run)


@functools.lru_cache(maxsize=256)
def _facts(passage: str) -> _Facts:
    words = [m.group(0) for m in _TOKEN.finditer(passage)]
    keys = [_name_key(w) for w in words]
    squashed = [_NON_ALNUM.sub("", fold(w).lower()) for w in words]
    values = {_canon(v) for _, _, total, parts, _ in _number_runs(passage) for v in (total, *parts)}
    values |= {v for m in _WORD.finditer(passage) if _is_number(m.group(0)) and (v := _word_value(m.group(0)))}
    return _Facts(
        names=frozenset(keys + [p for k in keys for p in re.split(r"[-–]", k) if p]),
        codes=frozenset(squashed + [a + b for a, b in zip(squashed, squashed[1:])]),
        terms=frozenset(tokenize(passage)),
        values=frozenset(values),
    )
