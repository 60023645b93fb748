"""What the abbreviations and dialect words people use in Qatar stand for.

"how do i get NOC" or "ال RP حقي" carry their whole meaning in a token the embedding model
has barely seen and the catalog may spell out; "ليسن" and "سياقه" are the Gulf words for a
driving licence where the catalog writes "رخصة القيادة". Search appends the spelled-out
words to the query (both languages: the bank and the catalog hold both), so every channel
sees them. Documents and apps found in Latin letters (an abbreviation, English, Arabizi)
bring their `expand_en` / `expand_ar` from catalog/_synonyms.yaml (knowledge/entities.py);
the Gulf words below are not entities, matched as whole normalized tokens.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.entities import Found
from knowledge.text import _AR_WORD_RE, normalize

# Gulf words for what the catalog names in MSA.
DIALECT: dict[str, str] = {
    "ليسن": "رخصه قياده", "الليسن": "رخصه قياده", "لايسن": "رخصه قياده", "ليسني": "رخصه قياده",
    "سياقه": "قياده", "السياقه": "قياده", "سواقه": "قياده", "السواقه": "قياده",
    "استماره": "تسجيل مركبه", "الاستماره": "تسجيل مركبه",
    "كرت": "بطاقه", "الكرت": "بطاقه",
}
_EXPANSIONS = {normalize(k): v for k, v in DIALECT.items()}
_TOKEN_RE = re.compile(r"[^\W_]+")


def _spelled_out_for(f: Found, arabizi: bool) -> bool:
    """A one-word name in Latin letters ("RP", "qid", "istimara") outside an Arabizi message:
    an English name ("residence permit") already says what it means to every channel, and an
    Arabizi message is searched in Arabic script already (spelling it out as well lowered
    Arabizi recall@1 from 0.92 to 0.82 on the development questions)."""
    return not arabizi and not _AR_WORD_RE.search(f.text) and len(f.text.split()) == 1 \
        and len(f.text) <= MAX_ABBREVIATION


MAX_ABBREVIATION = 8  # "istimara"




def expansions(text: str, found: Sequence[Found] = (), things: dict | None = None, arabizi: bool = False) -> list[str]:
    """The spelled-out forms of the entities `found` that are abbreviations or Arabizi (their
    things by (type, id) in `things`) and of the Gulf words in `text`, once each."""
    out: list[str] = []
    for f in found:
        thing = (things or {}).get((f.type, f.id))
        spelled = " ".join(x for x in (thing.expand_en, thing.expand_ar) if x) if thing else ""
        if spelled and _spelled_out_for(f, arabizi) and normalize(spelled) not in out:
            out.append(normalize(spelled))
    for token in _TOKEN_RE.findall(normalize(text)):
        word = _EXPANSIONS.get(token)
        if word and word not in out:
            out.append(word)
    return out
