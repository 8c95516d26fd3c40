"""Names as the matcher compares them: folded to plain lower-case ASCII tokens.

Two forms per name:
- `tokens`: case folded, diacritics removed (unicodedata NFKD), letters without a decomposition
  spelled out (ß -> ss, ø -> o ...), Cyrillic transliterated, punctuation dropped, legal-form
  words (Ltd, GmbH, OOO ...) and honorifics removed from the ends;
- `folded`: each token reduced further for transliteration variants: every vowel becomes "a",
  "h" after another letter is dropped, doubled letters collapse ("Mohammed" and "Muhammad" both
  give "mahamad").
Sorting the tokens makes the comparison independent of word order ("SIDOROV, Ivan").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters NFKD leaves alone, spelled the way lists and banks write them in ASCII.
_LETTERS = {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
            "ı": "i", "ħ": "h", "ŧ": "t", "ŋ": "ng", "ĸ": "k"}
# Cyrillic (Russian, Ukrainian, Belarusian letters) in a simple passport-style romanisation.
_CYRILLIC = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
             "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
             "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
             "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
             "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u"}
_TRANSLATE = str.maketrans({**_LETTERS, **_CYRILLIC})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


LEGAL_FORMS = _words("""
    ltd limited llc llp lp plc inc incorporated corp corporation co company cie
    gmbh ag kg ohg ug sa sas sarl sl slu spa srl snc bv nv vof oy oyj ab as asa aps
    ooo oao zao pao jsc ojsc cjsc pjsc ao tov pt tbk bhd sdn pte pty kft zrt sro spol
    fze fzco fzc fzllc dmcc wll saog saoc psc
    """)
"""Legal-form words dropped from either end of a name (after dotted forms are joined:
"S.A." -> "sa", "L.L.C." -> "llc")."""

ARTICLES = _words("al el")
HONORIFICS = _words("mr mrs ms miss dr prof sir messrs")

_DOTTED = re.compile(r"\b(?:[a-z0-9]\.){2,}")
_APOSTROPHES = re.compile(r"['’`´]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_VOWELS = re.compile(r"[aeiouy]+")
_INNER_H = re.compile(r"(?<=.)h")
_REPEATS = re.compile(r"(.)\1+")
_SKELETON = re.compile(r"[aeiouyh]")
_SOUNDS = str.maketrans({"w": "v", "q": "k", "c": "k", "z": "s", "x": "k"})


def _ascii(text: str) -> str:
    text = text.casefold().translate(_TRANSLATE)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _drop_articles(words: list[str]) -> list[str]:
    """The Arabic article before a noun is left out, however it was written or whether it was
    written at all: "Al-Rashid", "AL RASHID", "El Rashid" and "Rashid" all give "rashid"."""
    return [w for i, w in enumerate(words) if w not in ARTICLES or i == len(words) - 1]


@lru_cache(maxsize=65536)
def tokens(name: str) -> tuple[str, ...]:
    """The name's words in plain ASCII, in their original order, legal forms trimmed."""
    text = _ascii(name)
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    text = _APOSTROPHES.sub("", text)
    words = [w for w in _NOT_WORD.split(text) if w]
    words = _drop_articles(words)
    while len(words) > 1 and (words[-1] in LEGAL_FORMS or words[-1] in HONORIFICS):
        words.pop()
    while len(words) > 1 and (words[0] in LEGAL_FORMS or words[0] in HONORIFICS):
        words.pop(0)
    return tuple(words)


def _consonants(token: str) -> str:
    """Letters that transliterations write either way made one ("w"/"v", "ph"/"f" ...)."""
    return token.translate(_SOUNDS).replace("ph", "f")


def fold(token: str) -> str:
    """A token with its spelling variants reduced (vowels, inner h, doubled letters)."""
    return _REPEATS.sub(r"\1", _VOWELS.sub("a", _INNER_H.sub("", _consonants(token))))


def sort_key(words: tuple[str, ...]) -> str:
    return " ".join(sorted(words))


@lru_cache(maxsize=65536)
def block_key(token: str) -> str:
    """The index key of a token: its first letter and consonant skeleton ("mohammed" and
    "muhammad" -> "mmd", "iwan" and "ivan" -> "ivn")."""
    token = _consonants(token)
    return token[0] + _REPEATS.sub(r"\1", _SKELETON.sub("", token[1:]))


def normal_bic(bic: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", bic.upper())
