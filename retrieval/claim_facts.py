"""The facts a claim states that its passage must hold: numbers and names (see `retrieval.support`).

- numbers: digits ("30", "1.000", "7º") and numbers spelled out in Portuguese or English ("três", "vinte e
  cinco", "three", "two hundred"), equal when their values are ("três" = "3"); "um", "uma", "one", "first",
  "segundo", "second" are left out: they are articles, pronouns and prepositions more often than numbers;
- names: words capitalised mid-sentence, acronyms, words with inner capitals, codes mixing letters and digits, and
  the words of a short quoted term; a capital that opens a sentence or a quotation proves nothing unless it starts
  a run of capitalised words or the claim is a short reply. Compared folded, with light inflection.

`missing_numbers` and `missing_names` return the claim's words the passage lacks, as the claim writes them.
"""

import functools
import re
from dataclasses import dataclass

from retrieval.lexical import fold, tokenize
from retrieval.stopwords import STOPWORDS

# A word as the claim checks read it: inner dots, commas, slashes and hyphens kept ("13.709/2018", "COVID-19").
WORD = re.compile(r"\w+(?:[.,/\-]\w+)*")
_NUMBER = re.compile(r"\d")
# Titles and abbreviations whose full stop ends no sentence ("Dr. Silva"): the capital after them opens none.
TITLES = frozenset("sr sra srta dr dra prof profa mr mrs ms st sto sta art arts inc ltd jr vol cap fig".split())
_TITLES = TITLES

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
# A claim with fewer terms is a fragment ("Localiza."): its capitalised words are the answer itself, names.
MIN_CLAIM_TERMS = 4
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
    found = [(m.start(), m.group(0)) for m in WORD.finditer(claim) if _is_number(m.group(0))
             and not facts.terms.intersection(tokenize(m.group(0))) and _word_value(m.group(0)) not in facts.values]
    found += [(start, text) for start, text, value, _, spelled in _number_runs(claim)
              if spelled and _canon(value) not in facts.values]
    return list(dict.fromkeys(text for _, text in sorted(found)))


def missing_names(claim: str, passage: str) -> list[str]:
    """Names of the claim (see the module's docstring) the passage lacks, in order, as the claim writes them."""
    facts = _facts(passage)
    found = [(m.start(), m.group(0)) for m in WORD.finditer(claim)
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
    values |= {v for m in WORD.finditer(passage) if _is_number(m.group(0)) and (v := _word_value(m.group(0)))}
    return _Facts(
        names=frozenset(keys + [p for k in keys for p in re.split(r"[-–]", k) if p]),
        codes=frozenset(squashed + [a + b for a, b in zip(squashed, squashed[1:])]),
        terms=frozenset(tokenize(passage)),
        values=frozenset(values),
    )
