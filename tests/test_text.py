"""Language detection and Arabic normalization (knowledge/text.py, shared with bot/)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.text import analyze, char_ngrams, detect_language, normalize, stem_ar, tokenize


@pytest.mark.parametrize("text, lang", [
    ("السلام عليكم", "ar"),
    ("hello", "en"),
    ("ابي اجدد RP في Metrash2", "ar"),                 # Latin brand names inside Arabic
    ("كيف اجدد الاستمارة من Metrash2؟", "ar"),
    ("ضيعت QID حقي", "ar"),
    ("how do I renew my iqama اقامة please", "en"),    # one Arabic word in an English sentence
    ("renew RP", "en"),
    ("٢٠٢٤ تجديد", "ar"),                              # Arabic-Indic digits
    ("مرحبا 👋😀", "ar"),                               # emoji are ignored
    ("hi 👋 123", "en"),
    ("أهلاً", "ar"),                                    # diacritics
    ("ابي QID replacement", "ar"),                      # 1 Arabic word, 2 Latin: Arabic starts it
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "12345", "😀😀", "?!.,", "٣٤٥"])
def test_no_letters_means_no_language(text):
    assert detect_language(text) is None


@pytest.mark.parametrize("raw, expected", [
    ("أحمد", "احمد"), ("إقامة", "اقامه"), ("آمنة", "امنه"),          # hamza on alef, teh marbuta
    ("مستشفى", "مستشفي"),                                            # alef maksura
    ("مَطْرَاش", "مطراش"),                                           # diacritics
    ("مـــطراش", "مطراش"),                                           # tatweel
    ("مسؤول", "مسوول"), ("رئيس", "رييس"),                            # hamza on waw / ya
    ("٢٠٢٤", "2024"), ("۱۲", "12"),                                  # Arabic-Indic and Persian digits
    ("Metrash2", "metrash2"),
    ("a\u200fb\x00c", "a b c"),                                      # bidi marks and NUL removed
    ("QID\ud800 renew\udfff", "qid renew"),                         # lone surrogates: no UTF-8 can carry them
    ("🇶🇦 visa", "🇶🇦 visa"),                                          # a real astral character stays
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_tokenize_splits_scripts_and_drops_punctuation():
    assert tokenize("ابي اجدد RP، في Metrash2!") == ["ابي", "اجدد", "rp", "في", "metrash2"]


@pytest.mark.parametrize("word, stem", [
    ("والاقامه", "اقام"), ("اقامتي", "اقام"), ("اقامه", "اقام"),   # the same stem with clitics
    ("بالسياره", "سيار"), ("سيارتي", "سيار"),
    ("رخص", "رخص"),                                                  # too short to strip
])
def test_light_arabic_stemming(word, stem):
    assert stem_ar(word) == stem


def test_analyze_stems_both_languages():
    assert analyze("renewing permits") == ["renew", "permit"]
    assert analyze("الإقامة") == analyze("الاقامه") == analyze("اقامه")


def test_char_ngrams_mark_word_boundaries():
    assert char_ngrams("RP") == ["<rp", "rp>"]
    assert char_ngrams("a") == ["<a>"]


@given(st.text())
def test_normalize_is_idempotent_and_total(text):
    once = normalize(text)
    assert normalize(once) == once
    assert detect_language(text) in (None, "ar", "en")


@given(st.text(alphabet=st.characters(whitelist_categories=("Nd", "So", "Po", "Zs"))))
def test_digits_emoji_punctuation_have_no_language(text):
    # Arabic-Indic digits are Nd too; none of these categories contains letters.
    assert detect_language(text) is None
