"""Maintainer tools over the catalog: CSV export/import (spreadsheet editing) and stats."""
from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.catalog.loader import ENTITY_ID_RE, ValidationError, catalog_files, validate_catalog
from knowledge.catalog.schema import LIST_FIELDS, OPTIONAL_TEXT_FIELDS, TEXT_FIELDS, Catalog, Service
from knowledge.entities import SYNONYMS_FILE

LIST_SEP = "\n"  # list items are lines inside one spreadsheet cell
ENTITY_COLUMNS = ["entity_id", "entity_name_en", "entity_name_ar", "entity_url"]
SERVICE_COLUMNS = (
    ["id", "category", "audience"]
    + [f"{f}_{l}" for f in ("name", "description") for l in ("en", "ar")]
    + [f"{f}_{l}" for f in ("steps", "documents") for l in ("en", "ar")]
    + ["fees_status", "fees_amount", "fees_currency", "fees_note_en", "fees_note_ar"]
    + [f"processing_time_{l}" for l in ("en", "ar")]
    + ["channels", "url"]
    + [f"eligibility_{l}" for l in ("en", "ar")]
    + [f"keywords_{l}" for l in ("en", "ar")]
    + ["source", "source_kind", "last_verified", "unsure"]
)
COLUMNS = ENTITY_COLUMNS + SERVICE_COLUMNS
SINGLE_LINE_LISTS = ("audience", "channels", "unsure")  # short codes: comma-separated


def service_to_mapping(s: Service) -> dict:
    """The YAML mapping of a service, in the field order of SCHEMA.md."""
    out: dict = {"id": s.id, "name_en": s.name_en, "name_ar": s.name_ar, "category": s.category,
                 "audience": list(s.audience)}
    for f in ("description", "steps", "documents"):
        for l in ("en", "ar"):
            v = s.get(f, l)
            out[f"{f}_{l}"] = list(v) if isinstance(v, tuple) else v
    fees = {"status": s.fees.status}
    for f in ("amount", "currency", "note_en", "note_ar"):
        if getattr(s.fees, f) is not None:
            fees[f] = getattr(s.fees, f)
    out["fees"] = fees
    if s.processing_time_en:
        out["processing_time_en"], out["processing_time_ar"] = s.processing_time_en, s.processing_time_ar
    out["channels"] = list(s.channels)
    out["url"] = s.url
    out["eligibility_en"], out["eligibility_ar"] = s.eligibility_en, s.eligibility_ar
    out["keywords_en"], out["keywords_ar"] = list(s.keywords_en), list(s.keywords_ar)
    out["source"] = s.source
    if s.source_kind != "page":
        out["source_kind"] = s.source_kind
    out["last_verified"] = s.last_verified
    if s.unsure:
        out["unsure"] = list(s.unsure)
    return out


def export_csv(catalog: Catalog, path: Path) -> int:
    """Write one row per service; returns the number of rows."""
    with open(path, "w", newline="", encoding="utf-8-sig") as f:  # BOM: spreadsheets then read UTF-8
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for s in catalog.services:
            m = service_to_mapping(s)
            row = {"entity_id": s.entity.id, "entity_name_en": s.entity.name_en,
                   "entity_name_ar": s.entity.name_ar, "entity_url": s.entity.url}
            for col in SERVICE_COLUMNS:
                if col.startswith("fees_"):
                    v = m["fees"].get(col[5:])
                else:
                    v = m.get(col)
                if isinstance(v, list):
                    v = (", " if col in SINGLE_LINE_LISTS else LIST_SEP).join(v)
                row[col] = "" if v is None else v
            w.writerow(row)
    return len(catalog.services)


def _parse_amount(text: str):
    try:
        value = float(text)
    except ValueError:
        return text  # left as text: validation reports it against the field
    return int(value) if value.is_integer() else value


def _row_to_service(row: dict) -> dict:
    out: dict = {}
    for col in SERVICE_COLUMNS:
        v = (row.get(col) or "").strip()
        if col.startswith("fees_"):
            if v:
                out.setdefault("fees", {})[col[5:]] = _parse_amount(v) if col == "fees_amount" else v
            continue
        if col in SINGLE_LINE_LISTS:
            if v or col != "unsure":
                out[col] = [x.strip() for x in v.split(",") if x.strip()]
        elif col.rsplit("_", 1)[0] in LIST_FIELDS:
            out[col] = [x.strip() for x in v.split(LIST_SEP) if x.strip()]
        elif v or (col != "source_kind" and col.rsplit("_", 1)[0] not in OPTIONAL_TEXT_FIELDS):
            out[col] = v
    return out


@dataclass(frozen=True)
class ImportResult:
    """What `import_catalog` did: services and bodies written, bodies removed, or the errors
    (then nothing was written)."""
    services: int
    bodies: tuple[str, ...]
    removed: tuple[str, ...]
    errors: tuple[ValidationError, ...]


def _read_rows(path: Path) -> tuple[dict[str, dict], list[ValidationError]]:
    """The CSV as catalog documents by body id, or the errors that stop the import."""
    name = Path(path).name
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return {}, [ValidationError(name, None, c, "missing column") for c in missing]
        rows = list(reader)
    files: dict[str, dict] = defaultdict(lambda: {"entity": None, "services": []})
    errors: list[ValidationError] = []
    for n, row in enumerate(rows, 2):  # spreadsheet row numbers: the header is row 1
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a spreadsheet's trailing row of empty cells
        eid = (row.get("entity_id") or "").strip()
        if not ENTITY_ID_RE.fullmatch(eid) or eid.startswith("_"):  # it names a file: no '', '_draft', '../x'
            sid = (row.get("id") or "").strip() or None
            errors.append(ValidationError(f"{name} row {n}", sid, "entity_id",
                                          f"missing or invalid body id {eid!r}: use [a-z0-9_]"))
            continue
        doc = files[eid]
        if doc["entity"] is None:
            doc["entity"] = {"id": eid, "name_en": (row["entity_name_en"] or "").strip(),
                             "name_ar": (row["entity_name_ar"] or "").strip(), "url": (row["entity_url"] or "").strip()}
        doc["services"].append(_row_to_service(row))
    return dict(files), errors


def _write(path: Path, data: bytes) -> None:
    """Replace one file whole: a reader never sees it half written."""
    part = path.with_name(f".{path.name}.part")  # not *.yaml: never taken for a catalog file
    part.write_bytes(data)
    os.replace(part, path)


def import_catalog(path: Path, catalog_dir: Path, replace: bool = False) -> ImportResult:
    """Write the bodies of a CSV into the catalog; writes nothing unless the result validates.

    Each body in the CSV replaces that body's file whole. Bodies absent from the CSV are
    kept (a CSV filtered to one body updates that body only) unless `replace`: then the CSV
    is the whole catalog and the other bodies' files are removed. The question bank
    (questions/) is never changed, and is validated against the result: a removed body
    whose bank file is still there, or a service dropped that the bank still asks about,
    is an error; so is a synonym (_synonyms.yaml) of a removed body.
    """
    files, errors = _read_rows(path)
    if errors:
        return ImportResult(0, (), (), tuple(errors))
    catalog_dir = Path(catalog_dir)
    existing = {p.stem: p for p in catalog_files(catalog_dir)}
    removed = tuple(sorted(set(existing) - set(files))) if replace else ()
    texts = {eid: yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000).encode("utf-8")
             for eid, doc in files.items()}
    with tempfile.TemporaryDirectory() as tmp:
        # The whole catalog as it would be: kept bodies, imported bodies, the bank.
        for eid, p in existing.items():
            if eid not in files and eid not in removed:
                shutil.copyfile(p, Path(tmp) / p.name)
        for eid, text in texts.items():
            (Path(tmp) / f"{eid}.yaml").write_bytes(text)
        if (catalog_dir / "questions").is_dir():
            shutil.copytree(catalog_dir / "questions", Path(tmp) / "questions")
        if (catalog_dir / SYNONYMS_FILE).exists():  # its bodies must still exist, like the bank's
            shutil.copyfile(catalog_dir / SYNONYMS_FILE, Path(tmp) / SYNONYMS_FILE)
        catalog, errors = validate_catalog(Path(tmp))
    if errors:
        return ImportResult(0, (), (), tuple(errors))
    catalog_dir.mkdir(parents=True, exist_ok=True)
    for eid in sorted(texts):
        _write(catalog_dir / f"{eid}.yaml", texts[eid])
    for eid in removed:
        existing[eid].unlink()
    services = sum(1 for s in catalog.services if Path(s.entity.file).stem in files)
    return ImportResult(services, tuple(sorted(files)), removed, ())


def import_csv(path: Path, catalog_dir: Path, replace: bool = False) -> tuple[int, list[ValidationError]]:
    """`import_catalog` as (services imported, errors)."""
    result = import_catalog(path, catalog_dir, replace=replace)
    return result.services, list(result.errors)


def catalog_stats(catalog: Catalog) -> dict:
    """Services per body and category; how complete each language and field is."""
    per_body = Counter(s.entity.id for s in catalog.services)
    per_category = Counter(s.category for s in catalog.services)
    completeness = {}
    for lang in ("en", "ar"):
        fields = [f"{f}_{lang}" for f in TEXT_FIELDS + LIST_FIELDS + OPTIONAL_TEXT_FIELDS]
        filled = sum(1 for s in catalog.services for f in fields if getattr(s, f))
        completeness[lang] = round(filled / max(1, len(fields) * len(catalog.services)), 4)
    return {
        "services": len(catalog.services),
        "entities": len(catalog.entities),
        "per_body": dict(sorted(per_body.items(), key=lambda kv: (-kv[1], kv[0]))),
        "per_category": dict(sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0]))),
        "language_completeness": completeness,
        "fees": dict(Counter(s.fees.status for s in catalog.services)),
        "with_processing_time": sum(1 for s in catalog.services if s.processing_time_en),
        "with_unsure_fields": sum(1 for s in catalog.services if s.unsure),
    }
