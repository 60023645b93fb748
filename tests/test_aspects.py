"""What a question asks (knowledge/aspects.py): one question intent plus an aspect."""
from pathlib import Path

import pytest
import yaml

from knowledge.aspects import ASPECTS, action_stems, detect_aspect, only_shared_noun, service_words

EXAMPLES = yaml.safe_load((Path(__file__).parent / "data" / "aspect_examples.yml").read_text("utf-8"))


def test_the_former_intents_examples_get_their_aspect():
    """The examples once labelled ask_documents, ask_fees, ... (tests/data) get that aspect:
    at least 95% overall and 85% for each aspect (measured: see the printout on failure)."""
    per = {a: [detect_aspect(t) == a for t in EXAMPLES[a]] for a in ASPECTS}
    overall = sum(sum(v) for v in per.values()) / sum(len(v) for v in per.values())
    shares = {a: round(sum(v) / len(v), 3) for a, v in per.items()}
    assert overall >= 0.95 and min(shares.values()) >= 0.85, (overall, shares)


@pytest.mark.parametrize("text, aspect", [
    ("how much does it cost?", "fees"), ("كم الرسوم", "fees"), ("kam el rosoom", "fees"),
    ("what documents do I need to renew my driving licence", "documents"), ("وش الاوراق المطلوبة", "documents"),
    ("how long does it take", "processing_time"), ("متى تطلع", "processing_time"),
    ("can I do it on Metrash2?", "channel"), ("وين اقدم", "channel"),
    ("who can apply", "eligibility"), ("من يحق له التقديم؟", "eligibility"),
    ("what are the steps", "steps"), ("شلون اسويها", "steps"),
    ("ابي اجدد اقامتي", None), ("tajdeed jawaz", None), ("QID replacement", None),
])
def test_detect_aspect(text, aspect):
    assert detect_aspect(text) == aspect


@pytest.mark.parametrize("text, named", [
    ("how much does it cost?", False), ("and the fees?", False), ("كم الرسوم؟", False), ("وش الخطوات", False),
    ("what documents do I need to renew my driving licence", True), ("كم رسوم تجديد الاقامة", True),
])
def test_service_words_tell_a_follow_up_from_a_new_question(text, named):
    assert bool(service_words(text)) is named


@pytest.mark.parametrize("text, shared", [
    ("ابي اجدد رخصة", True), ("renew license", True), ("I need a certificate", True), ("lost my card", True),
    ("renew my driving license", False), ("كيف اجدد رخصة الاقامة", False), ("how do I renew my RP", False),
    ("how much does it cost?", False),  # no noun at all: a follow-up, not this
])
def test_a_shared_noun_alone_does_not_name_a_service(text, shared):
    assert only_shared_noun(text) is shared


@pytest.mark.parametrize("text, stems", [
    ("ابي اجدد رخصة", {"renew"}),
    ("I lost my card", {"replac"}),
    ("ابي الغي التصريح", {"cancel"}),
    ("I need a certificate", set()),  # "need" says nothing a service name repeats
])
def test_action_stems_name_what_the_message_says_to_do(text, stems):
    assert action_stems(text) == stems
