"""Load catalog YAML files into typed records, collecting every problem found.

Validation never stops at the first error: a maintainer fixing a file wants the whole
list, each naming the file, the service id and the field.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import yaml

from knowledge.catalog.bank import BankQuestion, count_problems, load_bank, load_negatives
from knowledge.catalog.schema import (
    AUDIENCES,
    CATEGORIES,
    CHANNELS,
    FEE_STATUSES,
    LIST_FIELDS,
    OPTIONAL_TEXT_FIELDS,
    TEXT_FIELDS,
    Catalog,
    Entity,
    Fees,
    Service,
    sha256_of,
)
from knowledge.entities import SYNONYMS_FILE, SynonymError, Thing, catalog_things, load_synonyms, synonym_problems
from knowledge.text import _AR_WORD_RE

ENTITY_ID_RE = re.compile(r"^[a-z0-9_]+$")
SERVICE_ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
ROOT_PATH_RE = re.compile(r"(?i)(/(en|ar|english|arabic))?(/pages)?(/default\.aspx|/index\.html?)?")

SERVICE_FIELDS = {
    "id", "category", "audience", "fees", "channels", "url", "source", "source_kind", "last_verified", "unsure",
    *(f"{f}_{l}" for f in TEXT_FIELDS + LIST_FIELDS + OPTIONAL_TEXT_FIELDS for l in ("en", "ar")),
}
REQUIRED_FIELDS = SERVICE_FIELDS - {"unsure", "source_kind", "processing_time_en", "processing_time_ar"}
SOURCE_KINDS = ("page", "portal")
UNSURE_FIELDS = {"fees", "processing_time", "steps", "documents", "channels", "eligibility", "url", "description"}


def is_site_root(url: str) -> bool:
    """A home page (or a language's home page): it names a body, not a service's facts.
    A query naming something other than the language ("/Default.aspx?ID=123") is a page."""
    parts = urlparse(url)
    if set(parse_qs(parts.query)) - {"lang", "language", "l"}:
        return False
    return ROOT_PATH_RE.fullmatch(parts.path.rstrip("/")) is not None


@dataclass(frozen=True)
class ValidationError:
    file: str
    service: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f" [{self.service}]" if self.service else "") + (f" {self.field}" if self.field else "")
        return f"{where}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


class CatalogError(Exception):
    """Raised by load_catalog(strict=True) when the catalog has errors."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} catalog error(s):\n{lines}{more}\nRun `dalil catalog validate` for the full report.")


def _has_arabic(text: str) -> bool:
    return bool(_AR_WORD_RE.search(text))


class _FileValidator:
    def __init__(self, path: Path, data: object, errors: list[ValidationError]):
        self.file = path.name
        self.path = path
        self.data = data
        self.errors = errors

    def err(self, service: str | None, field: str | None, message: str) -> None:
        self.errors.append(ValidationError(self.file, service, field, message))

    def entity(self) -> Entity | None:
        if not isinstance(self.data, dict) or not isinstance(self.data.get("entity"), dict):
            self.err(None, "entity", "file must be a mapping with an `entity` mapping and a `services` list")
            return None
        e = self.data["entity"]
        ok = True
        for f in ("id", "name_en", "name_ar", "url"):
            if not isinstance(e.get(f), str) or not e.get(f).strip():
                self.err(None, f"entity.{f}", "missing or empty")
                ok = False
        if not ok:
            return None
        if not ENTITY_ID_RE.match(e["id"]):
            self.err(None, "entity.id", f"invalid id {e['id']!r}: use [a-z0-9_]")
        if e["id"] != self.path.stem:
            self.err(None, "entity.id", f"id {e['id']!r} must equal the file name {self.path.stem!r}")
        self._lang_text(None, "entity.name_en", e["name_en"], "en")
        self._lang_text(None, "entity.name_ar", e["name_ar"], "ar")
        if not URL_RE.match(e["url"]):
            self.err(None, "entity.url", f"not an http(s) URL: {e['url']!r}")
        return Entity(id=e["id"], name_en=e["name_en"].strip(), name_ar=e["name_ar"].strip(), url=e["url"], file=self.file)

    def _lang_text(self, sid: str | None, field: str, value: str, lang: str) -> None:
        if lang == "ar" and not _has_arabic(value):
            self.err(sid, field, "Arabic field contains no Arabic text")
        if lang == "en" and _has_arabic(value):
            self.err(sid, field, "English field contains Arabic text")

    def _text(self, sid: str, s: dict, field: str, required: bool = True) -> str | None:
        value = s.get(field)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.err(sid, field, "missing or empty" if value in (None, "") else "must be a non-empty string")
            return None
        self._lang_text(sid, field, value, field[-2:])
        return " ".join(value.split())

    def _list(self, sid: str, s: dict, field: str, allow_empty: bool) -> tuple[str, ...]:
        value = s.get(field)
        if not isinstance(value, list):
            self.err(sid, field, "missing; must be a list" if value is None else "must be a list")
            return ()
        if not value and not allow_empty:
            self.err(sid, field, "empty list")
        out = []
        for i, item in enumerate(value):
            if isinstance(item, (int, float)) and not isinstance(item, bool) and field.startswith("keywords"):
                item = str(item)  # a phone number such as 16060 is a fine keyword
            if not isinstance(item, str) or not item.strip():
                self.err(sid, field, f"item {i + 1} must be a non-empty string")
                continue
            # Arabic keywords may be Latin (people type "RP" or "QID" in Arabic chats).
            if not (field == "keywords_ar" and not _has_arabic(item)):
                self._lang_text(sid, f"{field}[{i + 1}]", item, field[-2:])
            out.append(" ".join(item.split()))
        if field == "keywords_ar" and out and not any(_has_arabic(k) for k in out):
            self.err(sid, field, "Arabic keywords contain no Arabic text")
        return tuple(out)

    def _fees(self, sid: str, value: object) -> Fees:
        if not isinstance(value, dict):
            self.err(sid, "fees", "missing; must be a mapping with a status")
            return Fees(status="unknown")
        status = value.get("status")
        if status not in FEE_STATUSES:
            self.err(sid, "fees.status", f"must be one of {', '.join(FEE_STATUSES)}, got {status!r}")
        amount = value.get("amount")
        currency = value.get("currency")
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0):
            self.err(sid, "fees.amount", f"must be a non-negative number, got {amount!r}")
            amount = None
        if amount is not None and not currency:
            self.err(sid, "fees.currency", "fees amount given without a currency")
        if currency is not None and not (isinstance(currency, str) and CURRENCY_RE.match(currency)):
            self.err(sid, "fees.currency", f"must be an ISO 4217 code such as QAR, got {currency!r}")
        if status == "known" and amount is None:
            self.err(sid, "fees.amount", "status is known but no amount is given")
        note_en, note_ar = value.get("note_en"), value.get("note_ar")
        if bool(note_en) != bool(note_ar):
            self.err(sid, "fees.note_ar" if note_en else "fees.note_en", "fee note given in one language only")
        for f, lang in (("note_en", "en"), ("note_ar", "ar")):
            if value.get(f):
                self._lang_text(sid, f"fees.{f}", str(value[f]), lang)
        unknown = set(value) - {"status", "amount", "currency", "note_en", "note_ar"}
        for f in sorted(unknown):
            self.err(sid, f"fees.{f}", "unknown field")
        return Fees(status=str(status), amount=amount, currency=currency, note_en=note_en, note_ar=note_ar)

    def _enum_list(self, sid: str, s: dict, field: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        value = s.get(field)
        if not isinstance(value, list) or not value:
            self.err(sid, field, f"must be a non-empty list of: {', '.join(allowed)}")
            return ()
        for v in value:
            if v not in allowed:
                self.err(sid, field, f"unknown {field[:-1] if field.endswith('s') else field} {v!r}; allowed: {', '.join(allowed)}")
        return tuple(v for v in value if v in allowed)

    def service(self, s: object, index: int, entity: Entity) -> Service | None:
        if not isinstance(s, dict):
            self.err(f"#{index + 1}", None, "service must be a mapping")
            return None
        sid = s.get("id")
        if not isinstance(sid, str) or not SERVICE_ID_RE.match(sid):
            self.err(f"#{index + 1}" if not isinstance(sid, str) else sid, "id",
                     f"missing or invalid id {sid!r}: use '<entity>-<slug>' with [a-z0-9-]")
            sid = sid if isinstance(sid, str) and sid else f"#{index + 1}"
        elif not sid.startswith(entity.id.replace("_", "-") + "-"):
            self.err(sid, "id", f"must start with the entity id '{entity.id}-'")
        for f in sorted(set(s) - SERVICE_FIELDS):
            self.err(sid, f, "unknown field (typo?)")
        for f in sorted(REQUIRED_FIELDS - set(s) - {"id"}):
            twin = f[:-2] + ("ar" if f.endswith("_en") else "en")
            if f.endswith(("_en", "_ar")) and twin in s:
                self.err(sid, f, f"missing language: {twin} is given but {f} is not")
        texts = {f"{f}_{l}": self._text(sid, s, f"{f}_{l}") for f in TEXT_FIELDS for l in ("en", "ar")}
        opt = {f"{f}_{l}": self._text(sid, s, f"{f}_{l}", required=False) for f in OPTIONAL_TEXT_FIELDS for l in ("en", "ar")}
        for f in OPTIONAL_TEXT_FIELDS:
            if bool(opt[f"{f}_en"]) != bool(opt[f"{f}_ar"]):
                self.err(sid, f"{f}_ar" if opt[f"{f}_en"] else f"{f}_en", "missing language: given in one language only")
        lists = {f"{f}_{l}": self._list(sid, s, f"{f}_{l}", allow_empty=(f == "documents"))
                 for f in LIST_FIELDS for l in ("en", "ar")}
        category = s.get("category")
        if category not in CATEGORIES:
            self.err(sid, "category", f"unknown category {category!r}; allowed: {', '.join(CATEGORIES)}")
        audience = self._enum_list(sid, s, "audience", AUDIENCES)
        channels = self._enum_list(sid, s, "channels", CHANNELS)
        fees = self._fees(sid, s.get("fees"))
        for f in ("url", "source"):
            v = s.get(f)
            if not isinstance(v, str) or not URL_RE.match(v):
                self.err(sid, f, f"not an http(s) URL: {v!r}")
        source_kind = s.get("source_kind", "page")
        if source_kind not in SOURCE_KINDS:
            self.err(sid, "source_kind", f"must be one of {', '.join(SOURCE_KINDS)}, got {source_kind!r}")
        elif source_kind == "page" and isinstance(s.get("source"), str) and is_site_root(s["source"]):
            self.err(sid, "source", "a site's home page states no service's facts: link the page "
                     "that does, or say `source_kind: portal`")
        verified = s.get("last_verified")
        if isinstance(verified, str):
            try:
                verified = dt.date.fromisoformat(verified)
            except ValueError:
                pass
        if not isinstance(verified, dt.date):
            self.err(sid, "last_verified", f"must be a date YYYY-MM-DD, got {verified!r}")
        elif verified > dt.date.today():
            self.err(sid, "last_verified", f"date {verified} is in the future")
        unsure = s.get("unsure") or []
        if not isinstance(unsure, list) or any(u not in UNSURE_FIELDS for u in unsure):
            self.err(sid, "unsure", f"must be a list of: {', '.join(sorted(UNSURE_FIELDS))}")
            unsure = []
        if any(v is None for v in texts.values()):
            return None
        fields: dict = {**texts, **opt, **lists}  # typed per field by the checks above
        return Service(
            id=sid, entity=entity, category=str(category), audience=audience, fees=fees,
            channels=channels, url=str(s.get("url")), source=str(s.get("source")),
            source_kind=str(source_kind), last_verified=str(verified), unsure=tuple(unsure), **fields,
        )


def _read(path: Path, errors: list[ValidationError]) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        errors.append(ValidationError(path.name, None, None, f"not UTF-8: {exc}"))
    except yaml.YAMLError as exc:
        errors.append(ValidationError(path.name, None, None, f"YAML syntax error: {exc}"))
    return None


def catalog_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yaml") if not p.name.startswith("_"))


def validate_catalog(directory: Path) -> tuple[Catalog, list[ValidationError]]:
    """Load every `*.yaml` in `directory`; return the valid services and all errors."""
    directory = Path(directory)
    errors: list[ValidationError] = []
    files = catalog_files(directory)
    if not files:
        errors.append(ValidationError(str(directory), None, None, "no catalog files (*.yaml) found"))
    entities: list[Entity] = []
    services: list[Service] = []
    seen: dict[str, str] = {}
    raw: list[bytes] = []
    for path in files:
        raw.append(path.name.encode() + b"\0" + path.read_bytes())
        data = _read(path, errors)
        if data is None and errors and errors[-1].file == path.name:
            continue
        v = _FileValidator(path, data, errors)
        entity = v.entity()
        if entity is None:
            continue
        entities.append(entity)
        items = data.get("services") if isinstance(data, dict) else None
        if not isinstance(items, list) or not items:
            v.err(None, "services", "must be a non-empty list")
            continue
        for i, item in enumerate(items):
            svc = v.service(item, i, entity)
            sid = item.get("id") if isinstance(item, dict) else None
            if isinstance(sid, str):
                if sid in seen:
                    v.err(sid, "id", f"duplicate id (also in {seen[sid]})")
                    continue
                seen[sid] = path.name
            if svc is not None:
                services.append(svc)
    questions: list[BankQuestion] = []
    negatives: list[str] = []
    bank_dir = directory / "questions"
    if bank_dir.is_dir():  # a catalog copy without a bank (tests, imports) is still a catalog
        by_file: dict[str, set[str]] = {}
        for s in services:
            by_file.setdefault(Path(s.entity.file).stem, set()).add(s.id)
        questions, bank_raw = load_bank(bank_dir, by_file, errors)
        count_problems(questions, by_file, errors)
        negatives, negatives_raw = load_negatives(bank_dir, questions, errors)
        raw += bank_raw + negatives_raw
    things = _synonyms(directory, entities, services, errors)
    return Catalog(entities=tuple(entities), services=tuple(services), sha256=sha256_of(raw),
                   questions=tuple(questions), negatives=tuple(negatives), things=tuple(things)), errors


def _synonyms(directory: Path, entities: list[Entity], services: list[Service],
              errors: list[ValidationError]) -> list[Thing]:
    """The entity patterns' things (knowledge/entities.py): the synonyms file checked against
    this catalog, with each body's own names added."""
    path = directory / SYNONYMS_FILE
    if not path.exists():
        return []
    try:
        synonyms = load_synonyms(path)
    except SynonymError as e:
        errors.append(ValidationError(SYNONYMS_FILE, None, None, str(e)))
        return []
    partial = Catalog(entities=tuple(entities), services=tuple(services), sha256="")
    for entry, field_name, problem in synonym_problems(partial, synonyms):
        errors.append(ValidationError(SYNONYMS_FILE, entry, field_name, problem))
    return catalog_things(partial, synonyms)


def load_catalog(directory: Path | None = None, strict: bool = True) -> Catalog:
    """The catalog; with strict=True (the default) any validation error raises CatalogError."""
    if directory is None:
        from knowledge.config import settings

        directory = settings().catalog_dir
    catalog, errors = validate_catalog(directory)
    if errors and strict:
        raise CatalogError(errors)
    return catalog
