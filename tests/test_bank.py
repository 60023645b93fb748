"""The question bank (knowledge/catalog/questions/) and the held-out evaluation set
(knowledge/eval/): counts, registers, duplicates, and that the evaluation is independent
of what the system learns from."""
from collections import Counter

import pytest
import yaml
from tests_support import GOOD_SERVICE, write_catalog

from knowledge.catalog import load_catalog, validate_catalog
from knowledge.catalog.bank import MIN_QUESTIONS, REGISTERS
from knowledge.config import ROOT, settings
from knowledge.search.evaluation import VARIETIES, load_questions, near_duplicates


def write_bank(directory, body: str, bank: dict) -> None:
    (directory / "questions").mkdir(exist_ok=True)
    (directory / "questions" / f"{body}.yaml").write_text(yaml.safe_dump(bank, allow_unicode=True), "utf-8")


def full_bank(prefix: str) -> dict:
    """A complete bank entry: 4 questions in each of the seven registers (28 >= 20)."""
    return {r: [f"{prefix} {r} question {i}" for i in range(4)] for r in REGISTERS}


def problems(tmp_path):
    _, errors = validate_catalog(tmp_path)
    return [(e.file, e.service, e.field, e.message) for e in errors]


def test_a_complete_bank_is_valid_and_part_of_the_catalog_hash(tmp_path):
    write_catalog(tmp_path, [GOOD_SERVICE])
    before = load_catalog(tmp_path).sha256
    write_bank(tmp_path, "test", {"test-rp-renewal": full_bank("renew")})
    assert problems(tmp_path) == []
    catalog = load_catalog(tmp_path)
    assert len(catalog.questions) == 4 * len(REGISTERS) and catalog.sha256 != before  # a bank edit rebuilds the index


@pytest.mark.parametrize("bank, service, field, words", [
    ({"test-rp-renewal": {"msa": ["one question"]}}, "test-rp-renewal", None, "1 questions; at least 20"),
    ({"test-rp-renewal": {**full_bank("a"), "klingon": ["x"]}}, "test-rp-renewal", "klingon", "unknown register"),
    ({"test-rp-renewal": {**full_bank("a"), "typo": ["a msa question 0"]}}, "test-rp-renewal", "typo[1]",
     "duplicate question 'a msa question 0' (again)"),
    ({"test-rp-renewal": full_bank("a"), "test-nope": full_bank("b")}, "test-nope", None, "no such service"),
    ({"test-rp-renewal": {**full_bank("a"), "typo": []}}, "test-rp-renewal", "typo", "0 questions; at least 1"),
])
def test_bank_problems_name_file_service_and_field(tmp_path, bank, service, field, words):
    write_catalog(tmp_path, [GOOD_SERVICE])
    write_bank(tmp_path, "test", bank)
    found = problems(tmp_path)
    assert any(f == "questions/test.yaml" and s == service and fld == field and words in m for f, s, fld, m in found), found


def test_the_same_question_under_two_services_is_an_error(tmp_path):
    other = {**GOOD_SERVICE, "id": "test-dl-renewal", "name_en": "Driving Licence Renewal"}
    write_catalog(tmp_path, [GOOD_SERVICE, other])
    write_bank(tmp_path, "test", {"test-rp-renewal": full_bank("a"),
                                  "test-dl-renewal": {**full_bank("b"), "en": ["A EN QUESTION 0", "x1", "x2", "x3"]}})
    found = problems(tmp_path)
    # Files are read in key order, so the second occurrence (under test-rp-renewal) is the one reported.
    assert any(s == "test-rp-renewal" and "also under test-dl-renewal" in m for _, s, _, m in found), found


def test_bank_file_without_a_catalog_file_is_an_error(tmp_path):
    write_catalog(tmp_path, [GOOD_SERVICE])
    write_bank(tmp_path, "test", {"test-rp-renewal": full_bank("a")})
    write_bank(tmp_path, "ghost", {})
    assert ("questions/ghost.yaml", None, None, "no catalog file ghost.yaml for this bank file") in problems(tmp_path)


# --- the shipped bank and evaluation set ----------------------------------------------------

def test_every_shipped_service_has_a_full_bank(catalog):
    per = Counter(q.service for q in catalog.questions)
    registers = {(q.service, q.register) for q in catalog.questions}
    assert {s.id for s in catalog.services if per[s.id] < MIN_QUESTIONS} == set()
    assert {(s.id, r) for s in catalog.services for r in REGISTERS} <= registers


def test_evaluation_set_covers_every_service_with_valid_labels():
    questions = load_questions(settings().eval_dir)
    ins = [q for q in questions if q.service]
    shipped = load_catalog(ROOT / "knowledge" / "catalog", strict=False)
    assert {s.id for s in shipped.services} <= {q.service for q in ins}
    assert {q.service for q in ins} <= {s.id for s in shipped.services}  # no label names a missing service
    assert all(q.lang in ("ar", "en") for q in questions)
    assert {q.variety for q in ins} <= set(VARIETIES)
    splits = Counter(q.split for q in questions)
    assert 0.3 < splits["dev"] / len(questions) < 0.5  # ~40% dev by a fixed hash of the text


def test_evaluation_set_has_the_size_and_slices_issue_11_asks():
    questions = load_questions(settings().eval_dir)
    ins = [q for q in questions if q.service]
    assert len(ins) >= 1500 and len(questions) - len(ins) >= 250
    slices = Counter(q.variety for q in ins)
    assert all(slices[v] >= 40 for v in VARIETIES), slices


def test_evaluation_questions_are_not_near_duplicates_of_what_search_learns_from(searcher):
    found = near_duplicates(searcher.catalog, searcher.embedder, load_questions(settings().eval_dir),
                            settings().index_dir)
    assert found == []


def test_nlu_examples_from_the_bank_are_current(catalog):
    """data/nlu/bank.yml is what `dalil train` generates from the bank (regenerate: `dalil train`)."""
    from knowledge.maintain.nlu_bank import render

    assert (ROOT / "data" / "nlu" / "bank.yml").read_text("utf-8") == render(catalog)
