"""Spelling correction of English words against the catalog's own vocabulary.

"plice clearence certficate" shares few words, and not enough character 3-grams, with
"police clearance certificate"; corrected first, it matches on every channel. Only Latin
words that the vocabulary does not know are touched, each to the closest known word
(Damerau-Levenshtein distance 1, or 2 for words of seven letters or more), the most
frequent on a tie. Arabic and Arabizi are left alone: character n-grams and the Arabizi
word list cover them. Candidates are found by symmetric deletion (as SymSpell does), so a
lookup costs a few dictionary reads, not an edit enumeration.
"""
from __future__ import annotations

import re
from collections import Counter

from knowledge.text import distance

_WORD_RE = re.compile(r"[A-Za-z]+")
MIN_LENGTH = 5  # shorter words are too often other real words one letter away ("gone", "one")
LONG = 7  # from this length on, two edits are allowed


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


RARE = 10


class Speller:
    def __init__(self, texts: list[str]) -> None:
        self.counts = Counter(w.lower() for t in texts for w in _WORD_RE.findall(t))
        self._by_delete: dict[str, list[str]] = {}
        for word in self.counts:
            if len(word) >= MIN_LENGTH - 1:
                for d in _deletes(word, 2 if len(word) >= LONG - 1 else 1):
                    self._by_delete.setdefault(d, []).append(word)

    def correct_word(self, word: str) -> str:
        low = word.lower()
        if len(low) < MIN_LENGTH or word.isupper():
            return word  # short, or an abbreviation (QID, NOC)
        known = self.counts.get(low, 0)
        if known > 1:
            return word
        # A word seen once may itself be a misspelling kept on purpose (a catalog keyword
        # "police clearence"): corrected only to a neighbour at least RARE times as common.
        limit = 1 if known else (2 if len(low) >= LONG else 1)
        best: tuple[int, int, str] | None = None
        for d in _deletes(low, limit):
            for cand in self._by_delete.get(d, ()):
                dist = distance(low, cand)
                if dist <= limit and (not known or (cand != low and self.counts[cand] >= RARE * known)):
                    key = (dist, -self.counts[cand], cand)
                    if best is None or key < best:
                        best = key
        return best[2] if best else word

    def correct(self, text: str) -> str:
        """`text` with each unknown Latin word replaced by its correction."""
        return _WORD_RE.sub(lambda m: self.correct_word(m.group(0)), text)


def catalog_vocabulary(catalog) -> list[str]:
    """The English the catalog is written in, and the words of the bank's English questions
    that recur (three times or more: a misspelling written once or twice is not vocabulary)."""
    texts = [t for s in catalog.services for kind, t in s.texts() if kind.endswith("_en")]
    bank = Counter(w.lower() for q in catalog.questions if q.register == "en" for w in _WORD_RE.findall(q.text))
    return texts + [w for w, n in bank.items() if n >= 3]
