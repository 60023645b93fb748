"""Arabic/English text handling shared by the Rasa components (bot/) and search.

One module on purpose: the Rasa NLU pipeline and the retrieval index must normalize
Arabic identically, or a query normalized one way misses documents normalized another.
It only needs camel-tools' pure-Python utilities, which import in both environments.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
    normalize_unicode,
)

from knowledge.arabizi import is_arabizi, transliterate

ARABIC = "ar"
ENGLISH = "en"

# Arabic letters (basic block + supplement + presentation forms), excluding digits and
# punctuation (U+060C comma, U+061F question mark, U+0660-0669 digits, U+06D4 full stop).
_AR_LETTER = r"\u0621-\u064A\u066E-\u06D3\u06D5\u06FA-\u06FC\u06FF\u0750-\u077F\uFB50-\uFBB1\uFBD3-\uFD3D\uFD50-\uFD8F\uFD92-\uFDC7\uFDF0-\uFDFB\uFE70-\uFE74\uFE76-\uFEFC"  # noqa: E501
_AR_WORD_RE = re.compile(f"[{_AR_LETTER}]+")
_LATIN_WORD_RE = re.compile(r"[A-Za-z\u00C0-\u024F]+")
_TATWEEL = "\u0640"
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_HAMZA_CARRIERS = str.maketrans({"ؤ": "و", "ئ": "ي"})
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_TOKEN_RE = re.compile(rf"[{_AR_LETTER}]+|[a-z0-9\u00C0-\u024F]+")


def detect_language(text: str) -> str | None:
    """Return "ar" or "en" for the language a reply should come in, or None when the
    message has no letters (the conversation keeps its language).

    The rule (README, "Languages"): Arabizi, Arabic typed in Latin letters, is Arabic.
    Otherwise Arabic-script words are counted against Latin words, ignoring digits, emoji
    and punctuation, and Arabic wins when it has at least half as many words as Latin:
    Arabic speakers type Latin abbreviations and brand names inside Arabic sentences
    ("ابي اجدد ال RP في Metrash2") while English speakers rarely type Arabic script
    ("how do I renew استمارة" stays English).
    """
    if not text:
        return None
    ar_words = len(_AR_WORD_RE.findall(text))
    latin_words = len(_LATIN_WORD_RE.findall(text))
    if ar_words == 0 and latin_words == 0:
        return None
    if ar_words > 0 and 2 * ar_words >= latin_words:
        return ARABIC
    if ar_words == 0 and is_arabizi(text):
        return ARABIC
    return ENGLISH


def dense_form(text: str) -> str:
    """What search embeds: an Arabizi message in Arabic script; any other text unchanged."""
    return transliterate(text) if is_arabizi(text) else text


def search_form(text: str) -> str:
    """What search embeds and matches: an Arabizi message in Arabic script followed by its
    original spelling (the bank holds Arabizi questions too); any other text unchanged."""
    return f"{transliterate(text)} {text}" if is_arabizi(text) else text


def clean(text: str) -> str:
    """Unicode-normalize, drop control and bidi-override characters, collapse spaces."""
    text = normalize_unicode(text or "")
    text = _CONTROL_RE.sub(" ", text)
    return " ".join(text.split())


def normalize(text: str) -> str:
    """Search-form of a text: Arabic orthographic variants folded, Latin lower-cased.

    Folds diacritics, tatweel, alef forms (أ إ آ ٱ -> ا), alef maksura (ى -> ي),
    teh marbuta (ة -> ه), hamza carriers (ؤ -> و, ئ -> ي) and Arabic-Indic digits.
    Length may change, so callers that need character offsets keep the original.
    """
    text = clean(text)
    text = dediac_ar(text).replace(_TATWEEL, "")
    text = normalize_alef_ar(text)
    text = normalize_alef_maksura_ar(text)
    text = normalize_teh_marbuta_ar(text)
    text = text.translate(_HAMZA_CARRIERS).translate(_DIGITS)
    return text.lower()


def tokenize(text: str) -> list[str]:
    """Normalized word tokens (Arabic letter runs, Latin/digit runs)."""
    return _TOKEN_RE.findall(normalize(text))


# Light Arabic clitic stripping (in the spirit of Larkey's light10): conjunctions,
# prepositions and the article in front, common pronoun/plural suffixes behind.
_AR_PREFIXES = ("وبال", "وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ل")
_AR_SUFFIXES = ("هما", "كما", "ات", "ان", "ون", "ين", "يه", "ها", "هم", "هن", "كم", "كن", "نا", "تي", "ه", "ي", "ك")


def stem_ar(token: str, suffixes: tuple[str, ...] = _AR_SUFFIXES) -> str:
    """Strip at most one prefix and one of `suffixes`, keeping a stem of 3+ letters."""
    for p in _AR_PREFIXES:
        if token.startswith(p) and len(token) - len(p) >= 3:
            token = token[len(p):]
            break
    for s in suffixes:
        if token.endswith(s) and len(token) - len(s) >= 3:
            token = token[: -len(s)]
            break
    return token


@lru_cache(maxsize=1)
def _english_stemmer():
    # Imported lazily: only the search side needs it, and the Rasa env may lack it.
    import Stemmer

    return Stemmer.Stemmer("english")


def is_arabic_token(token: str) -> bool:
    return bool(_AR_WORD_RE.fullmatch(token))


def stem_tokens(tokens: list[str]) -> list[str]:
    """Arabic light stemming and English Snowball stemming, token by token."""
    eng = _english_stemmer()
    return [stem_ar(t) if is_arabic_token(t) else eng.stemWord(t) for t in tokens]


def analyze(text: str) -> list[str]:
    """Normalize, tokenize and stem: the lexical index's analyzer."""
    return stem_tokens(tokenize(text))


def char_ngrams(text: str, n: int = 3) -> list[str]:
    """Character n-grams of each normalized word, with word-boundary marks.

    A typo ("plice clearence") or an unseen inflection still shares most of its
    n-grams with the right word, where whole-word matching shares nothing.
    """
    grams: list[str] = []
    for tok in tokenize(text):
        padded = f"<{tok}>"
        if len(padded) <= n:
            grams.append(padded)
        else:
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams


def is_blank(text: str) -> bool:
    return not clean(text) or all(unicodedata.category(c)[0] in "ZC" for c in text)


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]
