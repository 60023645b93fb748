"""Answer / clarify / decline (knowledge/search/decision.py) and the out-of-scope questions
search learns to decline (knowledge/catalog/questions/_out_of_scope.yaml)."""
import pytest
import yaml
from test_bank import full_bank, problems, write_bank
from tests_support import GOOD_SERVICE, write_catalog

from knowledge.catalog import load_catalog
from knowledge.search.decision import CONF_FEATURES, decide, foreign_document, mentions_foreign, names_foreign_system

# A hand-set calibration: P(in scope) follows q_dense alone, P(first is right) follows margin alone.
PARAMS = {
    "scope_weights": [20.0 if f == "q_dense" else 0.0 for f in CONF_FEATURES], "scope_bias": -10.0,
    "conf_weights": [20.0 if f == "margin" else 0.0 for f in CONF_FEATURES], "conf_bias": -10.0,
    "t_scope": 0.5, "t_answer": 0.5, "clarify_margin": 0.1,
}


def features(**values) -> list[float]:
    return [float(values.get(f, 0.0)) for f in CONF_FEATURES]


def test_in_scope_and_sure_is_answered():
    verdict = decide(features(q_dense=0.9, margin=0.9), [2.0, 1.1, 1.0], PARAMS)
    assert (verdict.action, verdict.n_options) == ("answer", 0)


def test_in_scope_unsure_with_close_candidates_is_clarified_with_only_the_close_ones():
    verdict = decide(features(q_dense=0.9, margin=0.05), [2.0, 1.95, 1.5], PARAMS)
    assert (verdict.action, verdict.n_options) == ("clarify", 2)


def test_in_scope_unsure_with_nothing_close_is_answered_not_declined():
    # A wrong refusal costs as much as a wrong answer: the first hit is the best bet.
    verdict = decide(features(q_dense=0.9, margin=0.05), [2.0, 1.5, 1.4], PARAMS)
    assert verdict.action == "answer"


def test_out_of_scope_is_declined_however_sure_the_ranking_is():
    assert decide(features(q_dense=0.2, margin=0.9), [2.0, 0.5, 0.4], PARAMS).action == "decline"


def test_a_named_foreign_system_is_declined_outright():
    assert decide(features(q_dense=0.95, margin=0.9, foreign=2.0), [2.0, 0.5], PARAMS).action == "decline"


def test_no_candidates_is_declined():
    assert decide(features(), [], PARAMS).action == "decline"


@pytest.mark.parametrize("text", ["Egyptian passport renewal", "how to renew my indian passport from doha",
                                  "تجديد الهوية الإماراتية", "كم رسوم جواز السفر المصري", "pakistani id card renewal",
                                  "tajdeed jawaz masri", "el hawiya el emaratiya 5al9at"])
def test_a_nationality_next_to_a_national_document_is_foreign(text):
    assert foreign_document(text)


@pytest.mark.parametrize("text", ["renew my Filipino maid's RP", "exchange my Indian driving licence",
                                  "تجديد اقامة العامل الهندي", "ابي اجدد جوازي القطري", "my wife is Egyptian, family visa"])
def test_nationalities_of_residents_are_not_foreign_documents(text):
    assert not foreign_document(text)


@pytest.mark.parametrize("text, system, mention", [
    ("تجديد الاقامه بالسعوديه", False, True),  # a clitic before the country name
    ("renew iqama on Absher", True, True),
    ("ابي اجدد اقامتي", False, False),
    ("tajdeed el iqama fi el sa3odiya", False, True),  # Arabizi: its transliteration drops the vowels
    ("abi adfa3 fatoorat el kahraba fi el kwait", False, True),
    ("abi ajaded el iqama", False, False),
])
def test_foreign_names_are_found_after_arabic_clitics(text, system, mention):
    assert (names_foreign_system(text), mentions_foreign(text)) == (system, mention)


def write_negatives(directory, data) -> None:
    (directory / "questions" / "_out_of_scope.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def test_out_of_scope_questions_are_loaded_and_part_of_the_catalog_hash(tmp_path):
    write_catalog(tmp_path, [GOOD_SERVICE])
    write_bank(tmp_path, "test", {"test-rp-renewal": full_bank("renew")})
    before = load_catalog(tmp_path).sha256
    write_negatives(tmp_path, {"foreign": ["renew iqama in Riyadh"], "chat": ["tell me a joke", "Tell me a joke"]})
    catalog = load_catalog(tmp_path)
    assert sorted(catalog.negatives) == ["renew iqama in Riyadh", "tell me a joke"]  # equal once normalized: once
    assert catalog.sha256 != before


@pytest.mark.parametrize("data, field, words", [
    ({"gossip": ["x"]}, "gossip", "unknown kind"),
    ({"chat": "not a list"}, "chat", "must be a list"),
    ({"chat": ["renew msa question 0"]}, "chat[1]", "also a bank question of test-rp-renewal"),
    (["a list"], None, "must map kinds"),
])
def test_out_of_scope_problems_name_file_and_field(tmp_path, data, field, words):
    write_catalog(tmp_path, [GOOD_SERVICE])
    write_bank(tmp_path, "test", {"test-rp-renewal": full_bank("renew")})
    write_negatives(tmp_path, data)
    found = problems(tmp_path)
    assert any(f == "questions/_out_of_scope.yaml" and fld == field and words in m for f, _, fld, m in found), found
