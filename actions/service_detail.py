"""Which response answers an aspect (documents, fees, ...) of a service."""
from __future__ import annotations

from knowledge.catalog import Service


def response_for(aspect: str | None, service: Service) -> str:
    """The domain response for `aspect` of `service`; the whole card when no aspect was asked
    (or "steps" of a named service: the card leads with them)."""
    if aspect == "documents":
        return "utter_service_documents" if service.documents_en else "utter_service_no_documents"
    if aspect == "processing_time":
        return "utter_service_processing_time" if service.processing_time_en else "utter_processing_time_unknown"
    return {
        "fees": "utter_service_fees",
        "steps": "utter_service_steps",
        "channel": "utter_service_channels",
        "eligibility": "utter_service_eligibility",
    }.get(aspect or "", "utter_service_card")
