"""`dalil` as maintainers run it: the catalog commands (export, import, stats) and search.

Each behaviour is checked on the library function the command wraps and on the real
`.venv/bin/dalil` in a subprocess, on a copy of the catalog in tmp_path (the shipped
catalog is only ever read)."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from knowledge.catalog import load_catalog
from knowledge.catalog.tools import COLUMNS, catalog_stats, export_csv, import_catalog
from knowledge.config import ROOT, settings

DALIL = ROOT / ".venv" / "bin" / "dalil"
SHIPPED = ROOT / "knowledge" / "catalog"
ARABIC = re.compile(r"[\u0600-\u06FF]")
DL_QUERY = "how do I renew my driving licence"
DL_ID = "moi-dl-renewal"  # knowledge/catalog/moi.yaml
DL_NAME_EN = "Driving Licence Renewal"
DL_NAME_AR = "تجديد رخصة القيادة"


# --- helpers -------------------------------------------------------------------------------

@pytest.fixture()
def catalog_copy(tmp_path) -> Path:
    """The shipped catalog's data (body files and question bank) in tmp_path."""
    return Path(shutil.copytree(SHIPPED, tmp_path / "catalog", ignore=shutil.ignore_patterns("*.py", "*.md", "__pycache__")))


def dalil(tmp_path: Path, *args: str, catalog_dir: Path = SHIPPED) -> subprocess.CompletedProcess:
    """The installed `dalil`, run from tmp_path on `catalog_dir`; var/ points into tmp_path
    (the search index is the one the session built: `settings().index_dir`)."""
    return subprocess.run([str(DALIL), *args], cwd=tmp_path, env=dalil_env(tmp_path, catalog_dir), capture_output=True,
                          text=True, timeout=120)


def dalil_env(tmp_path: Path, catalog_dir: Path = SHIPPED, **overrides: str) -> dict:
    """The environment `dalil` runs in for these tests, without PYTHONPATH (as installed)."""
    cfg = settings()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(DALIL_CATALOG_DIR=str(catalog_dir), DALIL_VAR_DIR=str(tmp_path / "var"),
               DALIL_INDEX_DIR=str(cfg.index_dir), DALIL_CALIBRATION=str(cfg.calibration_file),
               COLUMNS="250")  # a wide table: rich would wrap names at 80 columns
    env.update(overrides)
    return env


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def yaml_counts(directory: Path) -> dict[str, int]:
    """Services per body, read with plain YAML (not with the code under test)."""
    out = {}
    for path in sorted(directory.glob("*.yaml")):
        if not path.name.startswith("_"):
            data = yaml.safe_load(path.read_text("utf-8"))
            out[data["entity"]["id"]] = len(data["services"])
    return out


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def moi_only_csv(catalog_dir: Path, path: Path, new_name: str | None = None) -> Path:
    """The catalog exported, filtered to the Ministry of Interior; optionally one name edited."""
    export_csv(load_catalog(catalog_dir), path)
    rows = [r for r in read_rows(path) if r["entity_id"] == "moi"]
    if new_name:
        next(r for r in rows if r["id"] == DL_ID)["name_en"] = new_name
    return write_rows(path, rows)


def search_json(tmp_path: Path, query: str, *args: str) -> dict:
    out = dalil(tmp_path, "search", query, "--json", *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


# --- catalog export / import ---------------------------------------------------------------

def test_export_then_import_round_trip_gives_identical_services(tmp_path, catalog_copy):
    original = load_catalog(SHIPPED)
    csv_path = tmp_path / "catalog.csv"
    out = dalil(tmp_path, "catalog", "export", "--csv", str(csv_path), catalog_dir=catalog_copy)
    assert out.returncode == 0, out.stderr
    assert len(read_rows(csv_path)) == len(original.services)

    out = dalil(tmp_path, "catalog", "import", str(csv_path), catalog_dir=catalog_copy)
    assert out.returncode == 0, out.stderr
    assert f"imported {len(original.services)} services" in out.stdout
    reloaded = load_catalog(catalog_copy)  # the bank in questions/ validates against it too
    assert reloaded.services == original.services
    assert reloaded.entities == original.entities
    assert reloaded.questions == original.questions

    again = import_catalog(csv_path, catalog_copy)  # the function the command wraps
    assert again.errors == () and again.removed == ()
    assert again.services == len(original.services) and len(again.bodies) == len(original.entities)


def test_import_of_one_body_keeps_the_other_bodies(tmp_path, catalog_copy):
    csv_path = moi_only_csv(catalog_copy, tmp_path / "moi.csv", new_name="Driving Licence Renewal Online")
    before = snapshot(catalog_copy)

    out = dalil(tmp_path, "catalog", "import", str(csv_path), catalog_dir=catalog_copy)
    assert out.returncode == 0, out.stderr
    after = snapshot(catalog_copy)
    assert set(after) == set(before)  # no file removed, none added
    assert {f for f in before if after[f] != before[f]} == {"moi.yaml"}
    assert yaml_counts(catalog_copy) == yaml_counts(SHIPPED)
    catalog = load_catalog(catalog_copy)
    assert next(s for s in catalog.services if s.id == DL_ID).name_en == "Driving Licence Renewal Online"
    assert "no body removed" in out.stdout


def test_import_function_keeps_bodies_absent_from_the_csv(tmp_path, catalog_copy):
    csv_path = moi_only_csv(catalog_copy, tmp_path / "moi.csv")
    result = import_catalog(csv_path, catalog_copy)
    assert result.errors == ()
    assert result.bodies == ("moi",) and result.removed == ()
    assert result.services == yaml_counts(SHIPPED)["moi"]
    assert yaml_counts(catalog_copy) == yaml_counts(SHIPPED)


def test_replace_removes_the_bodies_absent_from_the_csv_and_names_them(tmp_path, catalog_copy):
    csv_path = moi_only_csv(catalog_copy, tmp_path / "moi.csv")
    others = sorted(set(yaml_counts(catalog_copy)) - {"moi"})

    # Their question-bank files still ask about them: the result would not validate.
    before = snapshot(catalog_copy)
    out = dalil(tmp_path, "catalog", "import", "--replace", str(csv_path), catalog_dir=catalog_copy)
    assert out.returncode == 1
    assert f"questions/{others[0]}.yaml" in out.stderr and "nothing imported" in out.stderr
    assert snapshot(catalog_copy) == before

    # The maintainer removes those bank files too, and the synonyms naming them (here the
    # whole synonyms file); then --replace removes the bodies.
    for body in others:
        (catalog_copy / "questions" / f"{body}.yaml").unlink()
    out = dalil(tmp_path, "catalog", "import", "--replace", str(csv_path), catalog_dir=catalog_copy)
    assert out.returncode == 1 and "_synonyms.yaml" in out.stderr and "nothing imported" in out.stderr
    (catalog_copy / "_synonyms.yaml").unlink()
    out = dalil(tmp_path, "catalog", "import", "--replace", str(csv_path), catalog_dir=catalog_copy)
    assert out.returncode == 0, out.stderr
    assert f"removed {len(others)} bodies not in the CSV: {', '.join(others)}" in out.stdout
    assert yaml_counts(catalog_copy) == {"moi": yaml_counts(SHIPPED)["moi"]}
    assert (catalog_copy / "questions" / "moi.yaml").read_bytes() == (SHIPPED / "questions" / "moi.yaml").read_bytes()
    assert [e.id for e in load_catalog(catalog_copy).entities] == ["moi"]


def test_replace_function_reports_the_removed_bodies(tmp_path, catalog_copy):
    shutil.rmtree(catalog_copy / "questions")  # a catalog without a bank or synonyms
    (catalog_copy / "_synonyms.yaml").unlink()
    csv_path = moi_only_csv(catalog_copy, tmp_path / "moi.csv")
    result = import_catalog(csv_path, catalog_copy, replace=True)
    assert result.errors == ()
    assert result.removed == tuple(sorted(set(yaml_counts(SHIPPED)) - {"moi"}))
    assert sorted(p.name for p in catalog_copy.glob("*.yaml")) == ["moi.yaml"]


@pytest.mark.parametrize("replace", [False, True])
def test_import_with_a_bad_row_names_it_and_changes_nothing(tmp_path, catalog_copy, replace):
    csv_path = tmp_path / "bad.csv"
    export_csv(load_catalog(catalog_copy), csv_path)
    rows = read_rows(csv_path)
    if replace:  # a filtered CSV: --replace would remove the other bodies if it validated
        rows = [r for r in rows if r["entity_id"] == "moi"]
    next(r for r in rows if r["id"] == DL_ID)["fees_status"] = "maybe"
    write_rows(csv_path, rows)
    before = snapshot(catalog_copy)

    out = dalil(tmp_path, "catalog", "import", str(csv_path), *(["--replace"] if replace else []), catalog_dir=catalog_copy)
    assert out.returncode == 1
    assert re.search(rf"^error: moi\.yaml \[{DL_ID}\] fees\.status: .*'maybe'", out.stderr, re.M), out.stderr
    assert "nothing imported" in out.stderr and "imported" not in out.stdout
    assert snapshot(catalog_copy) == before

    result = import_catalog(csv_path, catalog_copy, replace=replace)
    assert (DL_ID, "fees.status") in [(e.service, e.field) for e in result.errors]
    assert result.services == 0 and result.removed == ()
    assert snapshot(catalog_copy) == before


def test_import_rejects_a_row_without_a_usable_body_id(tmp_path, catalog_copy):
    csv_path = moi_only_csv(catalog_copy, tmp_path / "moi.csv")
    rows = read_rows(csv_path)
    rows[2]["entity_id"] = "../escape"
    rows[3]["entity_id"] = ""
    write_rows(csv_path, rows)
    before = snapshot(catalog_copy)
    result = import_catalog(csv_path, catalog_copy)
    assert [(e.file, e.service, e.field) for e in result.errors] == [
        ("moi.csv row 4", rows[2]["id"], "entity_id"), ("moi.csv row 5", rows[3]["id"], "entity_id")]
    assert snapshot(catalog_copy) == before
    assert not (tmp_path / "escape.yaml").exists()


def test_import_of_a_missing_file_is_a_usage_error(tmp_path, catalog_copy):
    out = dalil(tmp_path, "catalog", "import", str(tmp_path / "nope.csv"), catalog_dir=catalog_copy)
    assert out.returncode == 2
    assert "cannot read" in out.stderr and "Traceback" not in out.stderr


# --- catalog stats ---------------------------------------------------------------------------

def test_stats_json_counts_the_services_in_the_files(tmp_path, catalog_copy):
    counts = yaml_counts(catalog_copy)
    out = dalil(tmp_path, "catalog", "stats", "--json", catalog_dir=catalog_copy)
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["services"] == sum(counts.values())
    assert stats["entities"] == len(counts)
    assert stats["per_body"] == counts
    assert catalog_stats(load_catalog(catalog_copy))["per_body"] == counts


# --- search --------------------------------------------------------------------------------

def test_search_json_top_result(tmp_path, searcher):
    result = search_json(tmp_path, DL_QUERY)
    assert result["results"][0]["id"] == DL_ID
    assert searcher.search(DL_QUERY).hits[0].service.id == DL_ID


@pytest.mark.parametrize("mode", ["lexical", "dense"])
def test_search_modes_are_accepted(tmp_path, searcher, mode):
    result = search_json(tmp_path, DL_QUERY, "--mode", mode, "-k", "3")
    ids = [r["id"] for r in result["results"]]
    assert ids and ids == [h.service.id for h in searcher.search(DL_QUERY, k=3, mode=mode).hits]


def test_search_unknown_mode_is_refused(tmp_path):
    out = dalil(tmp_path, "search", DL_QUERY, "--mode", "fuzzy")
    assert out.returncode == 2
    assert "invalid choice: 'fuzzy'" in out.stderr and out.stdout == ""


def test_search_table_shows_the_english_name(tmp_path, searcher):
    out = dalil(tmp_path, "search", DL_QUERY)
    assert out.returncode == 0, out.stderr
    row = next(line for line in out.stdout.splitlines() if DL_ID in line)
    assert DL_NAME_EN in row


def test_search_table_for_an_arabic_query_shows_arabic(tmp_path, searcher):
    query = "تجديد رخصة القيادة"
    out = dalil(tmp_path, "search", query)
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if "moi-" in line]
    assert rows and all(ARABIC.search(line) for line in rows)  # each row, not just the title
    assert DL_NAME_AR in next(line for line in rows if DL_ID in line)


def in_a_terminal(tmp_path: Path, *args: str, bidi: str) -> str:
    """`dalil` with its stdout on a pseudo-terminal, as a maintainer runs it; what it wrote."""
    import pty

    env = dalil_env(tmp_path, DALIL_BIDI=bidi, TERM="dumb")
    leader, follower = pty.openpty()
    proc = subprocess.Popen([str(DALIL), *args], cwd=tmp_path, env=env, stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode("utf-8", "replace")


def test_arabic_is_shown_in_visual_order_in_a_terminal_unless_it_does_bidi(tmp_path, searcher):
    # Most terminals lay text out left to right: the name is written reversed so it reads right.
    shown = in_a_terminal(tmp_path, "search", "تجديد رخصة القيادة", bidi="1")
    assert "ةدايقلا ةصخر ديدجت" in shown and DL_NAME_AR not in shown
    shown = in_a_terminal(tmp_path, "search", "تجديد رخصة القيادة", bidi="0")  # the terminal does bidi itself
    assert DL_NAME_AR in shown and "ةدايقلا ةصخر ديدجت" not in shown


# --- index build and review ----------------------------------------------------------------

def test_index_build_reports_the_index_and_reuses_it_when_nothing_changed(tmp_path, catalog_copy):
    services = sum(yaml_counts(catalog_copy).values())
    env_index = tmp_path / "index"

    def build() -> subprocess.CompletedProcess:
        return subprocess.run([str(DALIL), "index", "build"], cwd=tmp_path,
                              env=dalil_env(tmp_path, catalog_copy, DALIL_INDEX_DIR=str(env_index)),
                              capture_output=True, text=True, timeout=600)

    first = build()
    assert first.returncode == 0, first.stderr
    line = first.stdout.strip()
    assert line.startswith(f"index ready: {env_index}/") and f"({services} services, " in line
    [built] = [p for p in env_index.iterdir() if p.is_dir() and (p / "manifest.json").exists()]
    manifest = json.loads((built / "manifest.json").read_text("utf-8"))
    assert line.endswith(f"{manifest['vectors']} vectors, {manifest['dense_index']}, model {manifest['model_id']})")
    stamp = (built / "manifest.json").stat().st_mtime_ns
    again = build()
    assert again.returncode == 0 and again.stdout == first.stdout
    assert (built / "manifest.json").stat().st_mtime_ns == stamp  # nothing rebuilt


def test_review_lists_negative_feedback_as_a_table_and_as_json(tmp_path):
    from knowledge.conversations.feedback import FeedbackStore

    out = dalil(tmp_path, "review")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "nothing to review"
    (tmp_path / "var").mkdir(exist_ok=True)
    FeedbackStore(tmp_path / "var" / "dalil.sqlite3").add("c1", "Fees for Health Card Renewal", -1)
    out = dalil(tmp_path, "review")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "group 1 (1)"
    assert out.stdout.splitlines()[1].split() == ["[en]", "negative_feedback", "Fees", "for", "Health", "Card", "Renewal"]
    out = dalil(tmp_path, "review", "--json")
    assert json.loads(out.stdout) == [[{"text": "Fees for Health Card Renewal", "language": "en",
                                        "reason": "negative_feedback", "conversation_id": "c1"}]]
