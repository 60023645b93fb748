"""Redaction of personal data people type into the chat (used by the Rasa channel before
anything is logged or stored, and by anything else that stores user text).

Kinds: Qatar ID numbers (11 digits starting 2 or 3), passport numbers (1-2 letters and
6-9 digits), phone numbers (Qatar 8-digit mobiles and landlines with or without +974 /
00974, and other international numbers), e-mail addresses. Arabic-Indic digits count as
digits. Each match is replaced by a placeholder naming its kind, so the bot still
understands "my QID is [QID]" while the number itself is never kept.
"""
from __future__ import annotations

import re

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Digits may be separated by spaces or dashes as people type them ("3012 345 6789").
_D = r"[0-9٠-٩۰-۹]"
_SEP = r"[ \-]?"
PATTERNS = [
    ("EMAIL", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")),
    ("QID", re.compile(rf"(?<![0-9٠-٩۰-۹])[23٢٣۲۳](?:{_SEP}{_D}){{10}}(?![0-9٠-٩۰-۹])")),
    ("PASSPORT", re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}[0-9٠-٩۰-۹]{6,9}(?![A-Za-z0-9٠-٩۰-۹])")),
    ("PHONE", re.compile(rf"(?<![0-9٠-٩۰-۹+A-Za-z])(?:(?:\+|00){_D}{{1,3}}{_SEP})?(?:\(?{_D}{{2,4}}\)?{_SEP}){{1,3}}{_D}{{3,4}}(?![0-9٠-٩۰-۹])")),
]


def _phone_like(match: str) -> bool:
    digits = re.sub(r"\D", "", match.translate(_DIGITS))
    return 8 <= len(digits) <= 15  # shorter runs are years, fees, counts


def redact(text: str) -> str:
    """`text` with personal data replaced by [EMAIL], [QID], [PHONE] or [PASSPORT]."""
    if not text:
        return text
    for kind, pattern in PATTERNS:
        if kind == "PHONE":
            text = pattern.sub(lambda m: "[PHONE]" if _phone_like(m.group()) else m.group(), text)
        else:
            text = pattern.sub(f"[{kind}]", text)
    return text
