"""Redaction of personal data people type into the chat (used by the Rasa channel before
anything is logged or stored, and by anything else that stores user text).

Each match is replaced by a placeholder naming its kind, so the bot still understands
"my QID is [QID]" while the number itself is never kept:

[EMAIL]     addresses, also with an Arabic local part or domain, spaces around "@", or
            spelled out ("name at gmail dot com", "name(at)gmail(dot)com").
[IBAN]      two letters, two check digits and 11-30 letters or digits, compact or in
            groups of four; only when the ISO 13616 mod-97 check passes (any country).
[PASSPORT]  one or two letters (not a currency: "QR1500000") and 6-9 digits ("A1234567",
            "passportA1234567"); one capital, a space or dash and 7-9 digits ("A 1234567").
[CARD]      13-19 digits passing the Luhn check, compact or in groups of four (Amex 4-6-5,
            Diners 4-6-4), separated by spaces, dashes or dots.
[QID]       Qatar ID: 11 digits starting with 2 or 3, however grouped.
[PHONE]     Qatar numbers (8 digits starting 3-7, optionally after 974, +974 or 00974)
            and international ones written with "+", "00" or a national leading "0".

Left alone on purpose, because over-redaction hides what the user asked about: amounts
and ranges ("1500-2000 QAR", "QAR 10,000", "3000-5000"), dates, times, years,
percentages, counts, short service and reference numbers ("109", "ref 20240501"), and long
numbers that are none of the kinds above. A 16-digit number that fails the Luhn check is
not a card anyone can charge: it is kept as a transaction or application reference, and
is not split into phone-sized pieces either.

How: the text is folded into a working copy in which digits of any script are ASCII,
invisible format characters (soft hyphen, zero-width characters, bidi marks) are gone,
and spaces, dashes and Arabic commas / thousands separators are unified. A position map
leads every working character back to the original, so everything outside a match comes
back exactly as typed. The order matters: e-mails first (a local part may be a number),
then IBANs and passports (letters and digits), then runs of digits, each run classified
card before QID before phone; every span found is masked so later kinds cannot match
inside it.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from itertools import accumulate

Span = tuple[int, int, str]  # start and end in the working copy, kind
_MASK = "\x00"  # what a found span becomes in the working copy: matches no pattern
_KEEP = "KEEP"  # digits that are an amount, a date or a card failing Luhn: left as typed

# --- the working copy ---------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    """One character of the working copy: "" to drop `ch`, else exactly one character."""
    if ch.isdecimal():
        return str(unicodedata.decimal(ch))  # Arabic-Indic, Persian, full-width... digits
    category = unicodedata.category(ch)
    if category == "Cf":
        return ""  # soft hyphen, zero-width (non-)joiner/space, bidi marks, BOM
    if category == "Zs":
        return " "
    if category == "Pd" or ch == "\u2212":
        return "-"
    if ch in "\u060c\u066c":  # Arabic comma, Arabic thousands separator
        return ","
    if ch == "\u066b":  # Arabic decimal separator
        return "."
    folded = unicodedata.normalize("NFKC", ch)  # full-width @ and letters
    return folded if len(folded) == 1 else ch


def _working_copy(text: str) -> tuple[str, list[int]]:
    """(folded text, index in `text` of each of its characters)."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold(ch)
        if folded:
            chars.append(folded)
            where.append(i)
    return "".join(chars), where


def _scan(kind: str, pattern: re.Pattern[str], accept: Callable[[re.Match[str]], int | None], work: str) -> Iterator[Span]:
    """Spans of `pattern` in `work` that `accept` takes (it returns where the span ends).
    A refused candidate is retried one character on, so it cannot hide a later match."""
    pos = 0
    while (m := pattern.search(work, pos)) is not None:
        end = accept(m)
        if end is None:
            pos = m.start() + 1
        else:
            yield m.start(), end, kind
            pos = end


# --- e-mail -------------------------------------------------------------------------------

_LABEL = r"[A-Za-z0-9\-\u0621-\u064A]+"
_DOT = r"(?:\.|\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+)"
_EMAIL = re.compile(
    r"(?P<local>(?<![\w.%+\-])[\w.%+\-]+)"
    r"(?P<at>\s*@\s*|\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+)"
    rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*){_DOT}"
    r"(?P<tld>[A-Za-z]{2,}|[\u0621-\u064A]{2,})",
    re.IGNORECASE)
# Spelled-out addresses must end in a real top-level domain, and "at" between plain words
# must not start at words that are never addresses ("look at the dot com bubble").
_TLDS = frozenset("com net org edu gov info biz io co qa ae sa kw om bh jo lb eg uk pk ph lk np bd fr de ca au tr ru iq ma tn".split())
_NOT_LOCAL = frozenset("is are am was be me us we i you it him her them site website page portal app here there "
                       "available found located look looked click visit apply online or and".split())
_NOT_DOMAIN = frozenset("the a an this that my your our his her their its".split())


def _email_end(m: re.Match[str]) -> int | None:
    """End of the address, or None when a spelled-out "at"/"dot" is ordinary English."""
    spelled_at = "@" not in m.group("at")
    spelled_dot = re.search(r"[\s(\[{<]dot[\s)\]}>]", m.group()[m.end("at") - m.start():], re.IGNORECASE) is not None
    if (spelled_at or spelled_dot) and m.group("tld").lower() not in _TLDS:
        return None
    if spelled_at and not re.search(r"[(\[{<]", m.group("at")) and (
            m.group("local").lower() in _NOT_LOCAL or re.split(r"\W", m.group("domain"))[0].lower() in _NOT_DOMAIN):
        return None
    return m.end()


# --- IBAN and passport --------------------------------------------------------------------

# IBANs and passports are tokens of their own: not glued to a letter, a digit, or a
# placeholder (which stood for digits when the text was first redacted).
_KINDS = ("EMAIL", "IBAN", "PASSPORT", "CARD", "QID", "PHONE")
_PLACEHOLDER = re.compile(r"\[(?:%s)\]" % "|".join(_KINDS))
_NOT_GLUED = r"(?<![A-Za-z0-9])" + "".join(rf"(?<!\[{kind}\])" for kind in _KINDS)
_IBAN = re.compile(rf"{_NOT_GLUED}[A-Za-z]{{2}}[0-9]{{2}}(?:[ \-]?[A-Za-z0-9]){{11,30}}")


def _mod97(iban: str) -> bool:
    rotated = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rotated.upper())) % 97 == 1


def _iban_end(m: re.Match[str]) -> int | None:
    """End of the longest IBAN the candidate starts with: compact ("QA58DOHB0000...") or
    in groups of four ("QA58 DOHB 0000 ..."), the last group any length."""
    work, best, compact, pos = m.string, None, "", m.start()
    for group in re.split(r"[ \-]", m.group()):
        compact += group
        pos += len(group)
        boundary = pos == len(work) or not work[pos].isalnum() and not _PLACEHOLDER.match(work, pos)
        if boundary and 15 <= len(compact) <= 34 and _mod97(compact):
            best = pos
        if len(group) != 4 or len(compact) >= 34:
            break
        pos += 1  # the separator
    return best


_PASSPORT = re.compile(
    rf"(?:{_NOT_GLUED}|(?<=(?i:passport)))"
    r"(?P<letters>[A-Za-z]{1,2}|[A-Z](?P<sep> ?- ?| ))(?P<digits>[0-9]{6,9})(?![A-Za-z0-9])")
_CURRENCIES = frozenset("qr rs sr rm kd bd ro".split())  # "QR1500000" is an amount


def _passport_end(m: re.Match[str]) -> int | None:
    if m.group("sep") and len(m.group("digits")) < 7 or m.group("letters").lower() in _CURRENCIES:
        return None
    return m.end()


# --- runs of digits: card, QID, phone -----------------------------------------------------

# Digits grouped as people type them: "284 - 1234 - 5678", "5512.3456", "٥٥١٢،٣٤٥٦",
# "+974 (55) 123 456". A comma or dot followed by a space ends a run ("1, 2, 3").
_SEP = r"(?:[ \t]*[\-/()][ \t]*|[.,]|[ \t]+)"
_RUN = re.compile(rf"(?P<open>\([ \t]*(?=\+))?(?P<plus>\+[ \t]*)?[0-9]+(?:{_SEP}[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
_MONEY_AFTER = re.compile(r"\s*(?:QAR|QR|Q\.R|riyals?|rials?|USD|dollars?|AED|SAR|EUR|\$|€|ريال|ريالات|ر\.ق|ر\.س|درهم|دولار)",
                          re.IGNORECASE)
_MONEY_BEFORE = re.compile(r"(?:QAR|QR|USD|AED|SAR|EUR|\$|€)\s*$", re.IGNORECASE)


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _card_shaped(groups: list[str], seps: list[str]) -> bool:
    sizes = [len(g) for g in groups]
    return len(groups) == 1 or len({s.strip() for s in seps}) == 1 and (
        all(n == 4 for n in sizes[:-1]) and sizes[-1] <= 4 or sizes in ([4, 6, 5], [4, 6, 4]))


def _not_personal(groups: list[str], seps: list[str]) -> bool:
    """A date ("31/12/2024", "2024-05-01", "31 12 2024"), an amount in thousands
    ("10,000,000") or a range of round numbers ("3000-5000")."""
    marks = {s.strip() for s in seps}
    sizes = [len(g) for g in groups]
    if len(groups) == 3 and len(marks) == 1 and marks <= {"-", "/", ".", ""}:
        a, b, c = (int(g) for g in groups)
        if sizes[2] == 4 and sizes[0] <= 2 and sizes[1] <= 2 and 1900 <= c <= 2099 and min(a, b) >= 1 and (
                a <= 31 and b <= 12 or a <= 12 and b <= 31):
            return True
        if sizes[0] == 4 and sizes[1] <= 2 and sizes[2] <= 2 and 1900 <= a <= 2099 and 1 <= b <= 12 and 1 <= c <= 31:
            return True
    if len(groups) >= 2 and len(marks) == 1 and marks <= {",", "."} and sizes[0] <= 3 and all(n == 3 for n in sizes[1:]):
        return True
    return (len(groups) == 2 and marks == {"-"} and int(groups[0]) < int(groups[1])
            and groups[0].endswith("0") and groups[1].endswith("0"))


def _is_phone(digits: str, plus: bool) -> bool:
    n = len(digits)
    if plus:
        return 7 <= n <= 15
    if digits.startswith("00"):
        return 9 <= n <= 17
    if n == 8:
        return digits[0] in "34567"
    if n == 11 and digits.startswith("974"):
        return True
    return digits[0] == "0" and 9 <= n <= 12


def _kind(groups: list[str], seps: list[str], plus: bool, money: bool) -> str | None:
    """CARD, QID or PHONE for digits grouped as typed, _KEEP for an amount, date or
    failed card, None for anything else (a shorter piece of it may still be personal)."""
    digits = "".join(groups)
    n = len(digits)
    if not plus and 13 <= n <= 19 and digits[0] != "0" and _card_shaped(groups, seps):
        return "CARD" if _luhn(digits) else _KEEP
    if not plus and n == 11 and digits[0] in "23":
        return "QID"
    if money or _not_personal(groups, seps):
        return _KEEP
    return "PHONE" if _is_phone(digits, plus) else None


def _pieces(groups: list[str], seps: list[str], plus: bool, money_before: bool, money_after: bool) -> list[tuple[int, int, str]]:
    """(first group, end group, kind) of the personal data in a run of digit groups.

    A stretch of the run (at first all of it) is tried whole. When it is nothing, its first
    piece that is something is taken (leftmost, longest first: "2024 55123456", a QID and
    a phone typed one after the other), and what lies either side is a stretch again, as
    it is when the redacted text is redacted again. Pieces are made of groups of two digits
    or more, so lists of counts stay counts."""
    n = len(groups)
    count = list(accumulate((len(g) for g in groups), initial=0))
    next_short = [n] * (n + 1)
    for k in range(n - 1, -1, -1):
        next_short[k] = k if len(groups[k]) < 2 else next_short[k + 1]

    def kind(i: int, j: int) -> str | None:
        if not 7 <= count[j] - count[i] <= 19:  # nothing personal is shorter or longer
            return None
        return _kind(groups[i:j], seps[i:j - 1], plus and i == 0, money_before and i == 0 or money_after and j == n)

    def first_piece(lo: int, hi: int) -> tuple[int, int, str] | None:
        for i in range(lo, hi):
            for j in range(min(hi, next_short[i], bisect_right(count, count[i] + 19) - 1), i, -1):
                if found := kind(i, j):
                    return i, j, found
        return None

    pieces, stretches = [], [(0, n)]
    while stretches:
        lo, hi = stretches.pop()
        whole = kind(lo, hi)
        piece = (lo, hi, whole) if whole else first_piece(lo, hi)
        if piece:
            pieces.append(piece)
            stretches += [(a, b) for a, b in ((lo, piece[0]), (piece[1], hi)) if a < b]
    return [p for p in pieces if p[2] != _KEEP]


def _numbers(work: str) -> Iterator[Span]:
    """Cards, QIDs and phones in runs of digits ("284 - 1234 - 5678", "+974 (55) 123 456")."""
    for m in _RUN.finditer(work):
        if all(0 <= k < len(work) and work[k].isascii() and work[k].isalpha() for k in (m.start() - 1, m.end())):
            continue  # inside a code ("QA00DOHB0000...ABC" that failed its IBAN check), unlike "Tel55123456"
        spans = [(g.start(), g.end()) for g in _GROUP.finditer(work, m.start(), m.end())]
        seps = [work[spans[k][1]:spans[k + 1][0]] for k in range(len(spans) - 1)]
        money_before = _MONEY_BEFORE.search(work, max(0, m.start() - 8), m.start()) is not None
        money_after = _MONEY_AFTER.match(work, m.end()) is not None
        for i, j, kind in _pieces([work[s:e] for s, e in spans], seps, m.group("plus") is not None, money_before, money_after):
            start = spans[i][0]
            if i == 0 and m.group("plus"):
                start = m.start() if m.group("open") and seps and ")" in seps[0] else m.start("plus")
            yield start, spans[j - 1][1], kind


# --- redact -------------------------------------------------------------------------------

_FINDERS: tuple[Callable[[str], Iterator[Span]], ...] = (  # in this order
    partial(_scan, "EMAIL", _EMAIL, _email_end),
    partial(_scan, "IBAN", _IBAN, _iban_end),
    partial(_scan, "PASSPORT", _PASSPORT, _passport_end),
    _numbers,  # CARD, QID, PHONE
)


def redact(text: str) -> str:
    """`text` with personal data replaced by [EMAIL], [IBAN], [PASSPORT], [CARD], [QID] or
    [PHONE]; every other character is returned as it was typed."""
    if not text:
        return text
    work, where = _working_copy(text)
    found: list[Span] = []
    for finder in _FINDERS:
        spans = sorted(finder(work))
        if spans:
            found += spans
            parts, last = [], 0
            for start, end, _ in spans:
                parts += [work[last:start], _MASK * (end - start)]
                last = end
            work = "".join(parts) + work[last:]
    out, last = [], 0
    for start, end, kind in sorted(found):
        out += [text[last:where[start]], f"[{kind}]"]
        last = where[end - 1] + 1
    out.append(text[last:])
    return "".join(out)
