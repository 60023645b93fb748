"""What the abbreviations and dialect words people use in Qatar stand for.

"how do i get NOC" or "ال RP حقي" carry their whole meaning in a token the embedding model
has barely seen and the catalog may spell out; "ليسن" and "سياقه" are the Gulf words for a
driving licence where the catalog writes "رخصة القيادة". Search appends the spelled-out
words to the query (both languages: the bank and the catalog hold both), so every channel
sees them. Keys are matched as whole normalized tokens.
"""
from __future__ import annotations

import re

from knowledge.text import normalize

# Abbreviations people type in Latin letters (issue #11's list and the bodies' acronyms).
ABBREVIATIONS: dict[str, str] = {
    "rp": "residence permit اقامه",
    "qid": "qatar id card residence permit اقامه",  # most QID holders are residents: their card is the RP
    "cr": "commercial registration سجل تجاري",
    "noc": "no objection certificate شهاده عدم ممانعه",
    "pcc": "police clearance certificate شهاده حسن سيره وسلوك",
    "dl": "driving licence رخصه قياده",
    "poa": "power of attorney وكاله",
    "trc": "tax residency certificate شهاده اقامه ضريبيه",
    "cd": "civil defence الدفاع المدني",
    "km": "kahramaa electricity water كهرماء",
    "istimara": "vehicle registration استماره",
    "istimarah": "vehicle registration استماره",
    "sak": "title deed صك",
    "mofa": "ministry of foreign affairs وزاره الخارجيه",
    "moi": "ministry of interior وزاره الداخليه",
    "moph": "ministry of public health وزاره الصحه العامه",
    "mol": "ministry of labour وزاره العمل",
    "moci": "ministry of commerce and industry وزاره التجاره والصناعه",
    "mehe": "ministry of education وزاره التربيه والتعليم",
    "moehe": "ministry of education وزاره التربيه والتعليم",
    "moj": "ministry of justice وزاره العدل",
    "gta": "general tax authority الهيئه العامه للضرائب",
    "hmc": "hamad medical corporation مؤسسه حمد الطبيه",
    "phcc": "primary health care corporation مؤسسه الرعايه الصحيه الاوليه",
}
# Gulf words for what the catalog names in MSA.
DIALECT: dict[str, str] = {
    "ليسن": "رخصه قياده", "الليسن": "رخصه قياده", "لايسن": "رخصه قياده", "ليسني": "رخصه قياده",
    "سياقه": "قياده", "السياقه": "قياده", "سواقه": "قياده", "السواقه": "قياده",
    "استماره": "تسجيل مركبه", "الاستماره": "تسجيل مركبه",
    "كرت": "بطاقه", "الكرت": "بطاقه",
}
_EXPANSIONS = {normalize(k): v for k, v in {**ABBREVIATIONS, **DIALECT}.items()}
_TOKEN_RE = re.compile(r"[^\W_]+")


def expansions(text: str) -> list[str]:
    """The spelled-out forms of the abbreviations and dialect words in `text`, once each."""
    out: list[str] = []
    for token in _TOKEN_RE.findall(normalize(text)):
        found = _EXPANSIONS.get(token)
        if found and found not in out:
            out.append(found)
    return out
