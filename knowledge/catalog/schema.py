"""Typed catalog records. The YAML layout is documented in SCHEMA.md beside this file."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

CATEGORIES = (
    "residency", "visas", "traffic", "identity_travel", "security", "justice", "real_estate",
    "family", "municipality", "housing", "labour", "employment", "business", "consumer",
    "health", "education", "attestation", "customs", "utilities", "religious", "social",
    "digital_identity", "postal", "tax", "environment", "transport", "other",
)
CHANNELS = ("metrash2", "hukoomi", "website", "mobile_app", "service_center", "phone", "email")
AUDIENCES = ("citizens", "residents", "visitors", "businesses")
FEE_STATUSES = ("known", "unknown", "free", "varies")

# Bilingual text fields of a service: each exists as <name>_en and <name>_ar.
TEXT_FIELDS = ("name", "description", "eligibility")
LIST_FIELDS = ("steps", "documents", "keywords")
OPTIONAL_TEXT_FIELDS = ("processing_time",)


@dataclass(frozen=True)
class Fees:
    status: str
    amount: float | None = None
    currency: str | None = None
    note_en: str | None = None
    note_ar: str | None = None


@dataclass(frozen=True)
class Entity:
    id: str
    name_en: str
    name_ar: str
    url: str
    file: str = ""

    def name(self, lang: str) -> str:
        return self.name_ar if lang == "ar" else self.name_en


@dataclass(frozen=True)
class Service:
    id: str
    entity: Entity
    name_en: str
    name_ar: str
    category: str
    audience: tuple[str, ...]
    description_en: str
    description_ar: str
    steps_en: tuple[str, ...]
    steps_ar: tuple[str, ...]
    documents_en: tuple[str, ...]
    documents_ar: tuple[str, ...]
    fees: Fees
    channels: tuple[str, ...]
    url: str
    eligibility_en: str
    eligibility_ar: str
    keywords_en: tuple[str, ...]
    keywords_ar: tuple[str, ...]
    source: str
    last_verified: str
    processing_time_en: str | None = None
    processing_time_ar: str | None = None
    source_kind: str = "page"  # "portal": only a portal or home page exists for this service
    unsure: tuple[str, ...] = field(default_factory=tuple)

    def get(self, name: str, lang: str):
        """A bilingual field in one language: get("steps", "ar")."""
        return getattr(self, f"{name}_{'ar' if lang == 'ar' else 'en'}")

    def name(self, lang: str) -> str:
        return self.get("name", lang)

    def texts(self) -> list[tuple[str, str]]:
        """(kind, text) pairs embedded and indexed for retrieval, in both languages."""
        out: list[tuple[str, str]] = []
        for lang in ("en", "ar"):
            out.append((f"name_{lang}", self.get("name", lang)))
            out.append((f"description_{lang}", self.get("description", lang)))
            out.extend((f"keyword_{lang}", k) for k in self.get("keywords", lang))
        return out


@dataclass(frozen=True)
class Catalog:
    entities: tuple[Entity, ...]
    services: tuple[Service, ...]
    sha256: str
    questions: tuple = ()  # BankQuestion records of the question bank, if the catalog has one
    negatives: tuple = ()  # questions that are not about any service (questions/_out_of_scope.yaml)
    things: tuple = ()  # bodies, documents and apps people name (knowledge/entities.py, _synonyms.yaml)

    def __post_init__(self):
        object.__setattr__(self, "_by_id", {s.id: s for s in self.services})

    def get(self, service_id: str) -> Service | None:
        return self._by_id.get(service_id)  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self.services)


def sha256_of(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()
