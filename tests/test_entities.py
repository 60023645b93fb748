"""Entities from the catalog (issue #15): the word keys, the pipeline search builds, the one
Rasa loads (saved by the Rasa environment's spaCy), the synonyms' validation, and what the
entity channel changes in search. Expected ids come from knowledge/catalog/_synonyms.yaml."""
from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from knowledge.catalog.loader import validate_catalog
from knowledge.config import ROOT
from knowledge.entities import EntityFinder, fingerprint, saved_fingerprint, word_key
from knowledge.maintain.rasa import RASA_PYTHON, ensure_entity_pipeline, rasa_env

CATALOG = ROOT / "knowledge" / "catalog"


@pytest.mark.parametrize("forms", [
    ["الإقامة", "الاقامه", "اقامتي", "بالإقامة", "واقامتك"],     # article, hamza, taa marbuta, clitics
    ["Passports", "passport", "PASSPORT's"],
])
def test_word_keys_fold_what_people_vary(forms):
    assert len({word_key(f) for f in forms}) == 1


def test_plural_is_not_folded_the_passports_department_is_not_a_passport():
    assert word_key("الجوازات") != word_key("الجواز")


@pytest.fixture(scope="module")
def finder(catalog):
    return EntityFinder(list(catalog.things))


@pytest.mark.parametrize("text, expected", [
    ("how can I renew my QID", [("document", "qid")]),
    ("ال ID حقي ضايع", [("document", "qid")]),
    ("I'd like to know my id number", []),                       # "ID" only as typed
    ("ابي اجدد اقامتي من مطراش", [("document", "residence_permit"), ("app", "metrash2")]),
    ("renew istimara on metrsh", [("document", "vehicle_registration"), ("app", "metrash2")]),  # one-letter typo
    ("تجديد رخصة في المرور", [("body", "traffic")]),
    ("Public Works Authority road complaint", [("body", "ashghal")]),  # the catalog's own name for the body
    ("ashgal road complaint", [("body", "ashghal")]),  # a typo one letter from ashghal (and from ash8al)
    ("stuck at customs for a week", [("body", "customs")]),
    ("a custom made cake", []),  # the word, not the body
    ("شهادة حسن سيرة وسلوك من الداخلية", [("document", "police_clearance"), ("body", "moi")]),
    ("I passed the test", []),
    ("deth certificate", [("document", "death_certificate")]),    # a short typo next to its pattern partner
    ("number plat transfer", [("document", "number_plate")]),
    ("vehical registration renewal", [("document", "vehicle_registration")]),  # two edits, long word
    ("عقد الزاوج", [("document", "marriage_contract")]),
    ("abi jawaz 7ag waladi el yadeed", [("document", "passport")]),  # an article is no partner: not el bareed
    ("my visa card was declined", []),                             # a phrase where the form is something else
    ("I need a visit visa for my mother", [("document", "visa")]),
    ("ابي اسوي وكالة لاخوي", [("document", "power_of_attorney")]),
    ("وكالة السيارات ما ردت علي", []),
    ("الطرق الداخلية في الحي", []),                               # an adjective after a definite noun
    ("راجعت الداخلية امس", [("body", "moi")]),
    ("الأنشطة الصيفية لوزارة الثقافة", [("body", "moc")]),       # ل off, و kept: the pattern's other reading
    ("ابي اعرف مخالفات المرور اللي علي", []),                     # the fines, not the department
])
def test_finder_names_the_canonical_ids(finder, text, expected):
    assert [(f.type, f.id) for f in finder.find(text)] == expected


def test_a_short_word_is_not_repaired_into_a_pattern_word(finder):
    assert finder.find("my hmm is fine") == []  # "hmm" is one letter from "hmc" but too short to repair


def test_the_saved_pipeline_loads_in_the_rasa_environment_and_agrees(tmp_path, catalog, finder):
    ensure_entity_pipeline(ROOT)  # what dalil train and the stack do
    saved = ROOT / "models" / "entities"
    assert saved_fingerprint(saved) == fingerprint(list(catalog.things))
    texts = ["ابي اجدد اقامتي من مطراش", "renew istimara on metrsh", "تجديد رخصة في المرور", "how do i get NOC"]
    script = ("import json,sys,spacy\nfrom knowledge.entities import register_spacy_factory, find\n"
              "register_spacy_factory()\nnlp=spacy.load(sys.argv[1])\nassert spacy.__version__.startswith('3.4')\n"
              "print(json.dumps([[(f.type,f.id,f.start,f.end) for f in find(nlp,t)] for t in json.loads(sys.argv[2])]))")
    out = subprocess.run([str(RASA_PYTHON), "-c", script, str(saved), json.dumps(texts)], cwd=ROOT,
                         env=rasa_env(ROOT), capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [[[f.type, f.id, f.start, f.end] for f in finder.find(t)] for t in texts]


def test_pipeline_is_rebuilt_only_when_the_catalog_or_synonyms_change(tmp_path, catalog, monkeypatch):
    import shutil

    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    monkeypatch.setenv("DALIL_CATALOG_DIR", str(copy))
    root = tmp_path / "root"
    (root / "models").mkdir(parents=True)
    assert ensure_entity_pipeline(root) is True
    assert ensure_entity_pipeline(root) is False          # nothing changed
    data = yaml.safe_load((copy / "_synonyms.yaml").read_text("utf-8"))
    data["apps"]["metrash2"]["en"].append("mtrsh app")
    (copy / "_synonyms.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    assert ensure_entity_pipeline(root) is True


def test_validate_names_a_synonym_that_points_to_no_body_or_service(tmp_path):
    import shutil

    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    data = yaml.safe_load((copy / "_synonyms.yaml").read_text("utf-8"))
    data["bodies"]["mystery"] = {"en": ["mystery ministry"]}
    data["bodies"]["traffic"]["categories"] = ["visas_and_more"]
    data["bodies"]["civil_defence"]["services"] = ["moi-no-such-service"]
    data["documents"]["visa"]["not_in"].append("credit card")  # names no form of the visa
    (copy / "_synonyms.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    _, errors = validate_catalog(copy)
    found = {(e.file, e.service, e.field) for e in errors}
    assert found == {("_synonyms.yaml", "body mystery", "id"), ("_synonyms.yaml", "body traffic", "categories"),
                     ("_synonyms.yaml", "body civil_defence", "services"), ("_synonyms.yaml", "document visa", "not_in")}


@pytest.mark.parametrize("text, expected", [
    ("تجديد رخصة في المرور", "moi-dl-renewal"),                     # the traffic department's licence
    ("تجديد رخصة في التجارة", "moci-commercial-licence-renewal"),   # the commerce ministry's
])
def test_a_named_body_decides_which_licence(searcher, text, expected):
    assert searcher.search(text).hits[0].service.id == expected


def test_entity_eval_is_written_apart_from_the_patterns(catalog):
    forms = {" ".join(word_key(w) for w in f.split()) for t in catalog.things for f in t.forms}
    messages = yaml.safe_load((ROOT / "knowledge/eval/entities/messages.yaml").read_text("utf-8"))["messages"]
    assert len(messages) >= 300
    # A bare name ("شهادة الوفاة") is what some people type; more than 1% would mean copying.
    copied = [m["text"] for m in messages if " ".join(word_key(w) for w in m["text"].split()) in forms]
    assert len(copied) <= len(messages) // 100, copied
