"""Redaction of personal data (knowledge/conversations/privacy.py) against a labelled
corpus (tests/data/redaction_corpus.yaml): what must be redacted, to the exact output, and
what must come out unchanged, in Arabic and English."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.conversations.privacy import redact

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "redaction_corpus.yaml").read_text(encoding="utf-8"))
KINDS = {"QID", "PHONE", "EMAIL", "PASSPORT", "IBAN", "CARD"}


def _ids() -> list[str]:
    seen: Counter[tuple[str, str]] = Counter()
    ids = []
    for case in CORPUS:
        seen[case["kind"], case["lang"]] += 1
        ids.append(f"{case['kind']}-{case['lang']}-{seen[case['kind'], case['lang']]:02d}")
    return ids


@pytest.mark.parametrize("case", CORPUS, ids=_ids())
def test_corpus(case):
    assert redact(case["text"]) == case["expect"], case["text"]


def test_corpus_is_large_balanced_and_well_formed():
    assert len(CORPUS) >= 150
    assert all(set(case) == {"text", "expect", "lang", "kind"} for case in CORPUS)
    assert {case["lang"] for case in CORPUS} == {"ar", "en"}
    keep = [case for case in CORPUS if case["kind"] == "NONE"]
    assert len(keep) >= 40
    assert all(case["expect"] == case["text"] for case in keep)
    for lang in ("ar", "en"):
        assert len([c for c in keep if c["lang"] == lang]) >= 15, lang
        assert {c["kind"] for c in CORPUS if c["lang"] == lang} == KINDS | {"NONE"}, lang
    for case in CORPUS:
        if case["kind"] != "NONE":
            assert case["expect"] != case["text"] and f"[{case['kind']}]" in case["expect"], case["text"]
    texts = [case["text"] for case in CORPUS]
    assert len(texts) == len(set(texts)), "duplicate cases"


@pytest.mark.parametrize("case", CORPUS, ids=_ids())
def test_redaction_is_idempotent(case):
    once = redact(case["text"])
    assert redact(once) == once
    assert redact(case["expect"]) == case["expect"]


@pytest.mark.parametrize("text", [
    "", " ", "   \t\n ", "\u200b\u200f\u00ad", "😀👋🏽🇶🇦", "e\u0301\u0301\u0301", "٥\u0651٥\u064b",
    "\ud800 55123456 \udfff",  # lone surrogates can be in a str (not in UTF-8 text)
    "\x00\x01\x7f", "@", "@@.@.", "+", "((((", "QA", "at dot at dot", "١٢٣٤٥٦٧٨٩٠" * 3,
])
def test_odd_text_does_not_raise(text):
    out = redact(text)
    assert isinstance(out, str) and redact(out) == out


def test_text_outside_matches_is_returned_as_typed():
    text = "\u200fمرحبا\u00ad  يا\u200c  hello\u00a0 ٥٥١٢٣٤٥٦\u200f ١٢٣"
    assert redact(text) == "\u200fمرحبا\u00ad  يا\u200c  hello\u00a0 [PHONE]\u200f ١٢٣"


@pytest.mark.parametrize("text", [
    "a" * 100_000, "1" * 100_000, "1 " * 50_000, "12 " * 33_333, "1." * 50_000, "1-" * 50_000, "a@" + "1." * 50_000,
    "QA58 " * 20_000, "x at y dot " * 9_000, "😀\u0301" * 50_000, "ابي اجدد اقامتي وجوالي ٥٥١٢٣٤٥٦ " * 3_000,
])
def test_long_text_is_redacted_in_reasonable_time(text):
    start = time.perf_counter()
    redact(text)
    assert time.perf_counter() - start < 5


_PIECES = st.sampled_from([
    " ", "-", ".", "/", ",", "،", "٬", "(", ")", "+", "@", "at", "dot", "\u00ad", "\u200b", "QA58", "A", "DOHB",
    "55123456", "٥٥١٢", "3456", "974", "00", "28412345678", "4111", "1111", "2024", "ali", "gmail", "com", "ريال", "QAR",
])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(st.text(), st.lists(_PIECES, max_size=30).map("".join)))
def test_never_raises_and_is_idempotent(text):
    out = redact(text)
    assert redact(out) == out
