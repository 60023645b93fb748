"""The catalog: the shipped data is valid and complete; each kind of mistake is reported
with its file, service and field; CSV export/import round-trips without loss."""
import copy
import json

import pytest
from tests_support import GOOD_SERVICE, write_catalog

from knowledge.catalog import CatalogError, load_catalog, validate_catalog
from knowledge.catalog.audit import audit, audit_table
from knowledge.catalog.loader import is_site_root
from knowledge.catalog.tools import catalog_stats, export_csv, import_csv
from knowledge.cli import main
from knowledge.config import ROOT

CATALOG_DIR = ROOT / "knowledge" / "catalog"

def errors_for(tmp_path, service_changes=None, remove=(), extra_services=()):
    svc = copy.deepcopy(GOOD_SERVICE)
    svc.update(service_changes or {})
    for f in remove:
        svc.pop(f)
    write_catalog(tmp_path, [svc, *extra_services])
    _, errors = validate_catalog(tmp_path)
    return [(e.file, e.service, e.field) for e in errors], errors


# --- the shipped catalog ---------------------------------------------------------------

def test_shipped_catalog_is_valid_and_large_enough():
    catalog, errors = validate_catalog(CATALOG_DIR)
    assert errors == []
    assert len(catalog.services) >= 150
    assert len(catalog.entities) >= 15


# Issue 3's must-have list, each a separate service.
MUST_HAVE = [
    "moi-rp-renewal", "moi-rp-issuance", "moi-rp-cancellation", "moi-family-visit-visa",
    "moi-visit-visa-extension", "moi-work-visa", "mol-recruitment-approval", "mol-change-employer",
    "mol-labour-complaint", "moi-traffic-fine-payment", "moi-istimara-renewal", "moi-vehicle-ownership-transfer",
    "moi-dl-renewal", "moi-accident-report", "moi-police-clearance", "moi-qid-replacement",
    "moi-passport-renewal", "cgb-kawader-registration", "moj-property-sale-registration", "moj-general-poa",
    "moj-marriage-contract", "mm-building-permit", "moci-cr-issuance", "moci-cr-renewal",
    "moci-consumer-complaint", "hmc-health-card-issuance", "phcc-appointment-booking", "moph-birth-certificate",
    "moph-residency-medical-exam", "mehe-public-school-registration", "mehe-university-degree-equivalency",
    "mofa-document-attestation", "customs-clearance-al-nadeeb", "kahramaa-bill-payment", "awqaf-hajj-registration",
    "mcit-nas-registration",
]


@pytest.fixture(scope="module")
def shipped():
    return load_catalog(CATALOG_DIR)


def test_must_have_services_are_present(shipped):
    missing = [sid for sid in MUST_HAVE if shipped.get(sid) is None]
    assert missing == []


def test_every_service_has_source_and_verified_date(shipped):
    for s in shipped.services:
        assert s.source.startswith("http") and len(s.last_verified) == 10, s.id


# --- each kind of error ---------------------------------------------------------------

def test_good_fixture_is_valid(tmp_path):
    keys, _ = errors_for(tmp_path)
    assert keys == []


@pytest.mark.parametrize("changes, remove, expected_field, words", [
    ({}, ["name_ar"], "name_ar", "missing language"),
    ({"steps_en": []}, [], "steps_en", "empty list"),
    ({"url": "ftp://x.qa/a"}, [], "url", "not an http(s) URL"),
    ({"source": "not a url"}, [], "source", "not an http(s) URL"),
    ({"channels": ["metrash2", "fax"]}, [], "channels", "unknown channel 'fax'"),
    ({"fees": {"status": "known", "amount": 100}}, [], "fees.currency", "without a currency"),
    ({"fees": {"status": "known"}}, [], "fees.amount", "no amount"),
    ({"fees": {"status": "cheap"}}, [], "fees.status", "must be one of"),
    ({"category": "space"}, [], "category", "unknown category"),
    ({"audience": ["aliens"]}, [], "audience", "unknown audience"),
    ({"name_ar": "Residence renewal"}, [], "name_ar", "no Arabic text"),
    ({"description_en": "تجديد"}, [], "description_en", "contains Arabic"),
    ({"last_verified": "2999-01-01"}, [], "last_verified", "in the future"),
    ({"last_verified": "yesterday"}, [], "last_verified", "must be a date"),
    ({"colour": "blue"}, [], "colour", "unknown field"),
    ({"processing_time_en": "3 days"}, [], "processing_time_ar", "one language only"),
    ({"id": "Bad Id"}, [], "id", "invalid id"),
    ({"id": "other-rp-renewal"}, [], "id", "must start with the entity id"),
])
def test_each_error_names_file_service_and_field(tmp_path, changes, remove, expected_field, words):
    keys, errors = errors_for(tmp_path, changes, remove)
    sid = changes.get("id", GOOD_SERVICE["id"])
    assert ("test.yaml", sid, expected_field) in keys, [str(e) for e in errors]
    assert any(words in e.message for e in errors), [str(e) for e in errors]


def test_duplicate_id_across_files(tmp_path):
    write_catalog(tmp_path, [GOOD_SERVICE])
    write_catalog(tmp_path, [GOOD_SERVICE], name="test2", entity_id="test")
    _, errors = validate_catalog(tmp_path)
    messages = [str(e) for e in errors]
    assert any("duplicate id (also in test.yaml)" in m and "[test-rp-renewal]" in m for m in messages), messages


def test_yaml_syntax_error_names_the_file(tmp_path):
    (tmp_path / "broken.yaml").write_text("entity: {id: broken\nservices: [", "utf-8")
    _, errors = validate_catalog(tmp_path)
    assert errors[0].file == "broken.yaml" and "YAML syntax error" in errors[0].message


def test_strict_load_raises_with_every_error(tmp_path):
    errors_for(tmp_path, {"url": "x", "channels": ["fax"]})
    with pytest.raises(CatalogError) as exc:
        load_catalog(tmp_path)
    assert len(exc.value.errors) == 2 and "dalil catalog validate" in str(exc.value)


def test_validate_cli_json_contract(tmp_path, capsys):
    errors_for(tmp_path, {"url": "x"})
    code = main(["catalog", "--dir", str(tmp_path), "validate", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["services"] == 1 and out["entities"] == 1
    assert out["errors"] == [{"file": "test.yaml", "service": "test-rp-renewal", "field": "url",
                              "message": "not an http(s) URL: 'x'"}]


def test_validate_cli_on_shipped_catalog(capsys):
    assert main(["catalog", "validate", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["errors"] == [] and out["services"] >= 150 and out["entities"] >= 15


# --- CSV round trip and stats -----------------------------------------------------------

def test_csv_round_trip_is_lossless(tmp_path, shipped):
    original = shipped
    csv_path = tmp_path / "catalog.csv"
    assert export_csv(original, csv_path) == len(original.services)
    target = tmp_path / "catalog"
    target.mkdir()
    count, errors = import_csv(csv_path, target)
    assert errors == [] and count == len(original.services)
    reloaded = load_catalog(target)
    assert reloaded.services == original.services
    assert reloaded.entities == original.entities


def test_csv_import_with_an_error_changes_nothing(tmp_path):
    write_catalog(tmp_path / "cat", [GOOD_SERVICE])
    before = (tmp_path / "cat" / "test.yaml").read_text("utf-8")
    csv_path = tmp_path / "c.csv"
    export_csv(load_catalog(tmp_path / "cat"), csv_path)
    text = csv_path.read_text("utf-8-sig").replace("https://portal.moi.gov.qa", "portal")
    csv_path.write_text(text, "utf-8")
    count, errors = import_csv(csv_path, tmp_path / "cat")
    assert count == 0 and [(e.service, e.field) for e in errors] == [("test-rp-renewal", "url")]
    assert (tmp_path / "cat" / "test.yaml").read_text("utf-8") == before


def test_stats_of_a_small_catalog_with_known_counts(tmp_path):
    """Three services whose counts are known by construction: 2 bodies, 2 categories, one
    fee status each, 19 of the 21 text fields filled per language (no processing time on
    one, no documents on another)."""
    b = {**copy.deepcopy(GOOD_SERVICE), "id": "test-traffic", "category": "traffic", "fees": {"status": "free"},
         "documents_en": [], "documents_ar": [], "processing_time_en": "1 day", "processing_time_ar": "يوم واحد",
         "unsure": ["fees"]}
    c = {**copy.deepcopy(GOOD_SERVICE), "id": "other-rp", "fees": {"status": "unknown"},
         "processing_time_en": "1 day", "processing_time_ar": "يوم واحد"}
    write_catalog(tmp_path, [copy.deepcopy(GOOD_SERVICE), b])
    write_catalog(tmp_path, [c], entity_id="other")
    stats = catalog_stats(load_catalog(tmp_path))
    assert stats == {"services": 3, "entities": 2, "per_body": {"test": 2, "other": 1},
                     "per_category": {"residency": 2, "traffic": 1},
                     "language_completeness": {"en": 0.9048, "ar": 0.9048},
                     "fees": {"known": 1, "free": 1, "unknown": 1}, "with_processing_time": 2, "with_unsure_fields": 1}


def test_stats_count_bodies_categories_and_completeness(shipped):
    stats = catalog_stats(shipped)
    assert sum(stats["per_body"].values()) == stats["services"]
    assert sum(stats["per_category"].values()) == stats["services"]
    assert set(stats["language_completeness"]) == {"en", "ar"}
    assert stats["language_completeness"]["en"] == stats["language_completeness"]["ar"]


def test_audit_of_a_small_catalog_with_known_figures(tmp_path):
    """Three services, two bodies (one, `moj`, with a published count of 281): one cites a
    portal only, two have unsure fields; figures known by construction."""
    a = {**copy.deepcopy(GOOD_SERVICE), "id": "moj-a", "last_verified": "2025-01-05"}
    b = {**copy.deepcopy(GOOD_SERVICE), "id": "moj-b", "fees": {"status": "unknown"}, "unsure": ["fees", "steps"],
         "source": "https://www.moj.gov.qa", "source_kind": "portal", "last_verified": "2024-03-01"}
    c = {**copy.deepcopy(GOOD_SERVICE), "id": "other-c", "fees": {"status": "varies"}, "unsure": ["fees"]}
    write_catalog(tmp_path, [a, b], entity_id="moj")
    write_catalog(tmp_path, [c], entity_id="other")
    report = audit(load_catalog(tmp_path))
    assert report["services"] == 3 and report["bodies"] == 2
    assert report["deep_link_share"] == 0.6667 and report["portal_only"] == ["moj-b"]
    assert report["fees"] == {"known": 1, "varies": 1, "free": 0, "unknown": 1}
    assert report["with_unsure_fields"] == 2 and report["unsure_fields"] == {"fees": 2, "steps": 1}
    assert report["per_body"] == [
        {"body": "moj", "services": 2, "published": 281, "coverage": round(2 / 281, 4), "deep_link_share": 0.5},
        {"body": "other", "services": 1, "published": None, "coverage": None, "deep_link_share": 1.0}]
    assert [o["id"] for o in report["oldest_sources"]] == ["moj-b", "moj-a", "other-c"]
    table = "\n".join(audit_table(report))
    assert table.splitlines()[0] == ("3 services from 2 bodies; 67% cite a page that states their facts "
                                     "(1 only a portal or home page)")
    assert "moj                 2        281        1%         50%" in table


@pytest.mark.parametrize("url, root", [
    ("https://www.moj.gov.qa", True), ("https://hukoomi.gov.qa/en/", True), ("https://www.mm.gov.qa/Default.aspx", True),
    ("https://site.qa/ar/Pages/default.aspx?lang=ar", True),
    ("https://www.mohamoon-qa.com/Default.aspx?ID=1234", False),  # an article chosen by its query
    ("https://hukoomi.gov.qa/en/service/renew-residence-permit", False),
])
def test_a_home_page_is_told_from_a_page_by_path_and_query(url, root):
    assert is_site_root(url) is root
