"""A service's facts as strings in one language, to fill the domain's response templates.

The sentences around these values live in domain.yml; this module only turns catalog
data (channel codes, fee records, lists) into words of the requested language.
"""
from __future__ import annotations

from knowledge.catalog import Service

CHANNEL_LABELS = {
    "metrash2": ("Metrash2 app", "تطبيق مطراش2"),
    "hukoomi": ("Hukoomi portal", "بوابة حكومي"),
    "website": ("the official website", "الموقع الرسمي"),
    "mobile_app": ("the official app", "التطبيق الرسمي"),
    "service_center": ("service centers", "مراكز الخدمة"),
    "phone": ("phone", "الهاتف"),
    "email": ("e-mail", "البريد الإلكتروني"),
}
FEE_WORDS = {
    "free": ("Free of charge", "مجانية"),
    "unknown": ("Not confirmed in our guide; please check the official page", "غير مؤكدة في دليلنا؛ يرجى مراجعة الصفحة الرسمية"),
    "varies": ("Vary by case", "تختلف حسب الحالة"),
}
CURRENCY_WORDS = {"QAR": ("QAR", "ريال قطري")}
LIST_SEPARATOR = {"en": ", ", "ar": "، "}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "ar" else pair[0]


def fee_text(service: Service, lang: str) -> str:
    f = service.fees
    if f.status == "known" and f.amount is not None:
        amount = f"{f.amount:g}"
        cur = _pick(CURRENCY_WORDS.get(f.currency or "", (f.currency or "", f.currency or "")), lang)
        text = f"{amount} {cur}" if lang == "ar" else f"{cur} {amount}"
    else:
        text = _pick(FEE_WORDS.get(f.status, FEE_WORDS["unknown"]), lang)
    note = f.note_ar if lang == "ar" else f.note_en
    if note:
        text = f"{text} ({note})"
    return text


def channels_text(service: Service, lang: str) -> str:
    return LIST_SEPARATOR[lang].join(_pick(CHANNEL_LABELS[c], lang) for c in service.channels)


def numbered(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))


def bulleted(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def card_values(service: Service, lang: str) -> dict:
    """Values for utter_service_card and the detail responses."""
    return {
        "service_id": service.id,
        "name": service.name(lang),
        "body": service.entity.name(lang),
        "description": service.get("description", lang),
        "channels": channels_text(service, lang),
        "fees": fee_text(service, lang),
        "url": service.url,
        "steps": numbered(service.get("steps", lang)),
        "documents": bulleted(service.get("documents", lang)),
        "eligibility": service.get("eligibility", lang),
        "processing_time": service.get("processing_time", lang) or "",
    }


def card_payload(service: Service, lang: str) -> dict:
    """Structured service card for the web widget (sent as the message's `custom` part)."""
    return {
        "type": "service_card",
        "lang": lang,
        "id": service.id,
        "name": service.name(lang),
        "body": service.entity.name(lang),
        "description": service.get("description", lang),
        "channels": [_pick(CHANNEL_LABELS[c], lang) for c in service.channels],
        "fees": fee_text(service, lang),
        "url": service.url,
    }


def service_detail(service: Service) -> dict:
    """Everything about a service in both languages, for the agents' console."""
    out = {"id": service.id, "category": service.category, "audience": list(service.audience),
           "url": service.url, "source": service.source, "last_verified": service.last_verified,
           "unsure": list(service.unsure), "channels": list(service.channels),
           "entity": {"id": service.entity.id, "en": service.entity.name_en, "ar": service.entity.name_ar}}
    for lang in ("en", "ar"):
        out[lang] = {
            "name": service.name(lang), "description": service.get("description", lang),
            "steps": list(service.get("steps", lang)), "documents": list(service.get("documents", lang)),
            "eligibility": service.get("eligibility", lang), "processing_time": service.get("processing_time", lang),
            "fees": fee_text(service, lang), "channels": [_pick(CHANNEL_LABELS[c], lang) for c in service.channels],
        }
    return out
