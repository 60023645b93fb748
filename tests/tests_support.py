"""Helpers shared by the tests: a valid service, a catalog writer, the console token of the
stacks the fixtures start."""
import time
import uuid
from pathlib import Path

import yaml

# The agent console's token in every stack the fixtures start (a test module may need it at
# import, for Schemathesis' configuration).
CONSOLE_TOKEN = "test-console-token-" + uuid.uuid4().hex[:8]

GOOD_SERVICE = {
    "id": "test-rp-renewal",
    "name_en": "Residence Permit Renewal",
    "name_ar": "تجديد الإقامة",
    "category": "residency",
    "audience": ["residents"],
    "description_en": "Renew a residence permit.",
    "description_ar": "تجديد رخصة الإقامة.",
    "steps_en": ["Open Metrash2", "Pay the fee"],
    "steps_ar": ["افتح مطراش2", "ادفع الرسوم"],
    "documents_en": ["Passport"],
    "documents_ar": ["جواز السفر"],
    "fees": {"status": "known", "amount": 500, "currency": "QAR"},
    "channels": ["metrash2"],
    "url": "https://portal.moi.gov.qa",
    "eligibility_en": "Residents",
    "eligibility_ar": "المقيمون",
    "keywords_en": ["RP renewal"],
    "keywords_ar": ["تجديد اقامه"],
    "source": "https://hukoomi.gov.qa/en/service/test-rp-renewal",
    "last_verified": "2026-11-01",
}


def write_catalog(directory: Path, services: list[dict], entity_id: str = "test", name: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    doc = {"entity": {"id": entity_id, "name_en": "Test Ministry", "name_ar": "وزارة الاختبار",
                      "url": "https://example.gov.qa"}, "services": services}
    path = directory / f"{name or entity_id}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def early_in_a_rate_window(needed: float, window: float = 60.0) -> None:
    """The rate limits count in fixed windows aligned to the clock (knowledge/ratelimit.py): a
    test that must stay inside one waits for the next when fewer than `needed` seconds are left."""
    left = window - time.time() % window
    if left < needed:
        time.sleep(left + 0.1)
