"""Portuguese or English? A cheap guess from function words and spelling, no model.

Used to choose the language of the prompt and of fixed answer texts. Tuned for the two languages Acervo serves;
anything else comes out as whichever of the two it resembles more, or the default.
"""

import re

_WORD = re.compile(r"[^\W\d_]+")

# Function words frequent in one language and rare in the other ("a", "as", "do", "no", "me" are in both).
_PT_WORDS = frozenset(
    """
    de da das dos que não nao para com uma um os o e é em na nas nos ao aos à às pelo pela pelos pelas
    qual quais quanto quantos quanta quantas quando onde como porque por se mais ou foi ser são sao está esta
    este isso isto sobre também tambem já ja há entre sem seu sua seus suas ele ela eles elas muito pode deve
    tem têm ter todos cada após apos até ate mesmo outro outra quem sendo você voce vocês
    """.split()
)
_EN_WORDS = frozenset(
    """
    the of and to in is are was were be been what how many much which who whom whose when where why does did
    with for that this these those by on it its from an at or not have has had can will would should there
    their they he she his her you we our my your than then into about after before during if
    """.split()
)
_PT_LETTERS = frozenset("ãõç")
_EN_LETTERS = frozenset("kwy")  # Portuguese uses them only in loanwords and names
_OTHER_ACCENTS = frozenset("áéíóúâêôà")
_PT_ENDINGS = ("ao", "oes", "mente", "dade", "dades", "agem")
_EN_ENDINGS = ("ing", "tion", "tions", "ness", "ship", "ough")


def guess_language(text: str) -> str | None:
    """Return "pt" or "en", or None when the text gives no evidence either way (or exactly as much for both)."""
    pt, en = _evidence(_WORD.findall(text.lower()))
    if pt > en:
        return "pt"
    if en > pt:
        return "en"
    return None


def detect_language(text: str, *, default: str = "en") -> str:
    """Return "pt" or "en"; `default` when unsure (a bare code or name such as "CPF" or "Jared Allen")."""
    return guess_language(text) or default


def _evidence(words: list[str]) -> tuple[float, float]:
    pt = en = 0.0
    for word in words:
        if word in _PT_WORDS:
            pt += 1.0
        elif word in _EN_WORDS:
            en += 1.0
        elif not word.isascii():
            pt += _accent_weight(word)
        elif word.endswith(_PT_ENDINGS):
            pt += 0.5
        elif word.endswith(_EN_ENDINGS) or not _EN_LETTERS.isdisjoint(word) or "th" in word:
            en += 0.5
    return pt, en


def _accent_weight(word: str) -> float:
    # ã, õ and ç are nearly unique to Portuguese; é or á also appear in names and loanwords in English text.
    chars = set(word)
    if chars & _PT_LETTERS:
        return 1.0
    if chars & _OTHER_ACCENTS:
        return 0.5
    return 0.0
