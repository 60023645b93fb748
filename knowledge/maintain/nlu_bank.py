"""A sample of the question bank as Rasa NLU examples of `ask_service` (data/nlu/bank.yml).

The classifier must not send "tajdeed jawaz" or "ابي اجدد ال RP" to out_of_scope before
search sees it; a few bank questions per service in every register teach it that. The file
is generated (by `dalil train`, before training) and committed; a test checks it is current.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from knowledge.catalog import Catalog

PER_REGISTER = {"msa": 1, "gulf": 1, "en": 1, "arabizi": 1, "mixed": 1, "typo": 0, "indirect": 1}
HEADER = "# Generated from knowledge/catalog/questions by `dalil train` (knowledge/maintain/nlu_bank.py); do not edit.\n"
_MARKUP = re.compile(r"[\[\]{}()]")  # Rasa would read these as entity annotations


def _pick(texts: list[str], n: int) -> list[str]:
    # Deterministic and spread over the list: the same bank always gives the same file.
    return sorted(texts, key=lambda t: hashlib.sha1(t.encode("utf-8")).hexdigest())[:n]


def bank_examples(catalog: Catalog) -> list[str]:
    by: dict[tuple[str, str], list[str]] = {}
    for q in catalog.questions:
        by.setdefault((q.service, q.register), []).append(q.text)
    out: list[str] = []
    for s in catalog.services:
        for register, n in PER_REGISTER.items():
            out += [_MARKUP.sub(" ", t).strip() for t in _pick(by.get((s.id, register), []), n)]
    return out


def render(catalog: Catalog) -> str:
    lines = [HEADER, 'version: "3.1"', "nlu:", "- intent: ask_service", "  examples: |"]
    lines += [f"    - {t}" for t in bank_examples(catalog)]
    return "\n".join(lines) + "\n"


def write(catalog: Catalog, path: Path) -> bool:
    """Write the file if it changed; True when it did."""
    text = render(catalog)
    if path.exists() and path.read_text("utf-8") == text:
        return False
    path.write_text(text, "utf-8")
    return True
