"""What people name in a message: the government body, the card or document, the app or portal.

The patterns come from the catalog (each body's own names) and `catalog/_synonyms.yaml` (what
people call bodies, departments, documents and apps, in English, Arabic and Arabizi), so a new
body brings its names with it. One spaCy pipeline matches them: a blank tokenizer, `WordKeys`
(each token's `norm_` set to the normalized, clitic-stripped form search uses, with a typo
repaired against the patterns' own words) and an `entity_ruler` on those norms; the ruler
gives each match the canonical id (`moi`, `residence_permit`, `metrash2`). A phrase in which a
form means something else ("visa card", "البريد الإلكتروني") is a pattern too, of the label
NOT_LABEL: as the longer match it wins, and `spans` leaves it out.

Two environments use it: Rasa loads the pipeline saved at training time (`save_pipeline`, run
by `dalil train` in the Rasa environment, whose spaCy is 3.4), and search builds the same
pipeline in process from the same patterns (`EntityFinder`). spaCy is imported only there.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.text import _AR_PREFIXES, distance, is_arabic_token, normalize, stem_ar

TYPES = ("body", "document", "app")
SECTIONS = {"bodies": "body", "documents": "document", "apps": "app"}
FORM_KEYS = ("en", "ar", "arabizi")
ENTRY_KEYS = {*FORM_KEYS, "exact", "expand_en", "expand_ar", "parent", "categories", "services", "not_forms", "not_in"}
FACTORY = "dalil_word_keys"
PIPELINE_VERSION = 3  # bump when the pipeline's structure changes: saved pipelines rebuild
SYNONYMS_FILE = "_synonyms.yaml"
NOT_LABEL = "not_named"  # a phrase where a form names nothing (spans drops it)


@dataclass(frozen=True)
class Thing:
    """One body, document or app, with every form people use for it."""

    type: str
    id: str
    forms: tuple[str, ...]
    exact: tuple[str, ...] = ()  # matched only as typed ("ID", not "id")
    expand_en: str = ""
    expand_ar: str = ""
    parent: str | None = None  # a department: the catalog body it belongs to
    categories: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    not_forms: tuple[str, ...] = ()  # names of the catalog's not to match (an everyday word too)
    not_in: tuple[str, ...] = ()  # longer phrases where a form means something else ("visa card")


@dataclass(frozen=True)
class Found:
    type: str
    id: str
    text: str
    start: int
    end: int


class SynonymError(ValueError):
    pass


def load_synonyms(path: Path) -> list[Thing]:
    """The entries of a synonyms file; SynonymError naming the entry and field when malformed."""
    try:
        data = yaml.safe_load(Path(path).read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise SynonymError(f"{Path(path).name}: {e}") from e
    if not isinstance(data, dict) or set(data) - set(SECTIONS):
        raise SynonymError(f"{Path(path).name}: top level must be a mapping of {', '.join(SECTIONS)}")
    things = []
    for section, kind in SECTIONS.items():
        for tid, entry in (data.get(section) or {}).items():
            where = f"{Path(path).name}: {section}.{tid}"
            if not isinstance(entry, dict) or set(entry) - ENTRY_KEYS:
                raise SynonymError(f"{where}: must be a mapping with keys among {', '.join(sorted(ENTRY_KEYS))}")
            lists = {}
            for key in (*FORM_KEYS, "exact", "categories", "services", "not_forms", "not_in"):
                value = entry.get(key) or []
                if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                    raise SynonymError(f"{where}.{key}: must be a list of non-empty strings")
                lists[key] = tuple(value)
            things.append(Thing(type=kind, id=str(tid), forms=lists["en"] + lists["ar"] + lists["arabizi"],
                                exact=lists["exact"], expand_en=str(entry.get("expand_en") or ""),
                                expand_ar=str(entry.get("expand_ar") or ""), parent=entry.get("parent"),
                                categories=lists["categories"], services=lists["services"],
                                not_forms=lists["not_forms"], not_in=lists["not_in"]))
    return things


def _catalog_names(name: str) -> list[str]:
    """"Public Works Authority (Ashghal)" -> the whole name, the part before and the part inside."""
    out = [name]
    if "(" in name and name.endswith(")"):
        head, _, inner = name[:-1].partition("(")
        out += [head.strip(), inner.strip()]
    return [n for n in out if n]


def catalog_things(catalog, synonyms: list[Thing]) -> list[Thing]:
    """The synonyms, with every catalog body's own names added to its entry (a body the
    synonyms do not list gets an entry of its own names)."""
    bodies = {t.id: t for t in synonyms if t.type == "body"}
    out = [t for t in synonyms if t.type != "body" or t.parent]
    for entity in catalog.entities:
        base = bodies.get(entity.id) or Thing(type="body", id=entity.id, forms=())
        own = tuple(n for n in _catalog_names(entity.name_en) + _catalog_names(entity.name_ar) if n not in base.not_forms)
        # A body typed as its abbreviation ("MOI") is spelled out as the catalog names it.
        out.append(Thing(**{**asdict(base), "forms": base.forms + own,
                            "expand_en": base.expand_en or entity.name_en, "expand_ar": base.expand_ar or entity.name_ar}))
    return sorted(out, key=lambda t: (TYPES.index(t.type), t.id))


def synonym_problems(catalog, synonyms: list[Thing]) -> list[tuple[str, str, str]]:
    """(entry, field, problem) for synonyms that point to no body or service of the catalog,
    and for a form two entries share."""
    bodies = {e.id for e in catalog.entities}
    categories: dict[str, set[str]] = {}
    for s in catalog.services:
        categories.setdefault(s.entity.id, set()).add(s.category)
    problems = []
    for t in synonyms:
        where = f"{t.type} {t.id}"
        if t.type == "body" and not t.parent and t.id not in bodies:
            problems.append((where, "id", "no catalog body has this id (a department names its `parent`)"))
        if t.parent and t.parent not in bodies:
            problems.append((where, "parent", f"{t.parent!r} is no catalog body"))
        for c in t.categories:
            if c not in categories.get(t.parent or t.id, set()):
                problems.append((where, "categories", f"no service of {t.parent or t.id} has category {c!r}"))
        for sid in t.services:
            if catalog.get(sid) is None:
                problems.append((where, "services", f"service {sid!r} is not in the catalog"))
        if t.parent and not (t.categories or t.services):
            problems.append((where, "parent", "a department names the `categories` or `services` it runs"))
        if not t.forms and not t.exact:
            problems.append((where, "en", "no forms"))
        keys = [[word_key(w) for w in normalize(f).split()] for f in t.forms + t.exact]
        for phrase in t.not_in:
            words = [w if w.endswith("*") else word_key(w) for w in normalize(phrase).split()]
            if not any(len(k) < len(words) and any(words[i:i + len(k)] == k for i in range(len(words))) for k in keys):
                problems.append((where, "not_in", f"{phrase!r} must contain one of the forms and a word more"))
    seen: dict[str, str] = {}
    for t in synonyms:
        for form in t.forms:
            key = " ".join(word_key(w) for w in normalize(form).split())
            other = seen.setdefault(key, f"{t.type} {t.id}")
            if other != f"{t.type} {t.id}":
                problems.append((f"{t.type} {t.id}", "forms", f"{form!r} is also a form of {other}"))
    return problems


def services_of(thing: Thing, catalog) -> set[str]:
    """The catalog services a body or department runs (empty for documents and apps)."""
    if thing.type != "body":
        return set()
    if thing.services:
        return set(thing.services)
    body = thing.parent or thing.id
    return {s.id for s in catalog.services
            if s.entity.id == body and (not thing.categories or s.category in thing.categories)}


# Pronoun endings (the search stemmer's suffixes without the plural endings: الجوازات, the
# passports department, is not الجواز, a passport); "تي/تك/ته" first so that اقامتي meets اقامة.
_AR_SUFFIXES = ("تهما", "تكما", "تها", "تهم", "تكم", "تنا", "هما", "كما", "ها", "هم", "هن", "كم", "كن", "نا",
                "تي", "تك", "ته", "ه", "ي", "ك")


def word_key(word: str) -> str:
    """One word as the patterns match it: normalized; Arabic without one clitic in front and
    one pronoun ending behind (الإقامة, اقامتي, بالإقامة -> one key); English without a
    plural s."""
    w = normalize(word)
    if is_arabic_token(w):
        return stem_ar(w, _AR_SUFFIXES)
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    return w


def _arabic_readings(word: str) -> set[str]:
    """Every key an Arabic word may have with up to two prefixes and one pronoun ending off."""
    stems = {word}
    for _ in range(2):
        stems |= {w[len(p):] for w in stems for p in _AR_PREFIXES if w.startswith(p) and len(w) - len(p) >= 3}
    return stems | {w[:-len(x)] for w in stems for x in _AR_SUFFIXES if w.endswith(x) and len(w) - len(x) >= 3}


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


ARABIZI_ARTICLES = ("el", "al", "il", "l")
MIN_TYPO_LENGTH = 5  # shorter words have too many one-letter neighbours
# Next to a word it goes with in a pattern ("deth certificate", "number plat"), a typo is
# repaired from four letters, or two edits away from six ("vehical registration").
PAIRED_TYPO_LENGTH = 4
PAIRED_TWO_EDITS_LENGTH = 6


class WordKeys:
    """spaCy component: each token's norm_ is its word_key, or the pattern word one typo away
    ("metrsh" -> "metrash") when exactly one such word exists, or else the one pattern word
    near it that follows or precedes its neighbour in a pattern ("deth certificate")."""

    def __init__(self, vocabulary: list[str] | None = None, pairs: list[tuple[str, str]] | None = None) -> None:
        self.set_vocabulary(vocabulary or [], pairs or [])

    def set_vocabulary(self, vocabulary: list[str], pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.vocabulary = sorted(set(vocabulary))
        self.pairs = sorted(set(pairs))
        self._known = set(self.vocabulary)
        self._after: dict[str, set[str]] = {}
        self._before: dict[str, set[str]] = {}
        for a, b in self.pairs:
            self._after.setdefault(a, set()).add(b)
            self._before.setdefault(b, set()).add(a)
        self._by_delete: dict[str, set[str]] = {}
        for w in self.vocabulary:
            # Arabizi spellings with digits (ash8al) are not typo targets: one letter from
            # them is usually one letter from the spelling in letters too (ashghal), and two
            # targets for one word repair neither.
            if len(w) >= MIN_TYPO_LENGTH and w.isalpha():
                for d in _deletes(w) | {w}:
                    self._by_delete.setdefault(d, set()).add(w)

    def key(self, text: str) -> str:
        k = word_key(text)
        if k in self._known:
            return k
        if is_arabic_token(k):
            # One prefix stripped may be the wrong one: لوزارة keeps its و (وزار), while the
            # pattern's وزارة lost it (زار). The other readings, if exactly one is a pattern word.
            known = {alt for alt in _arabic_readings(normalize(text)) if alt in self._known}
            if len(known) == 1:
                return known.pop()
        if len(k) < MIN_TYPO_LENGTH or not k.isalpha():
            return k
        near = set().union(*(self._by_delete.get(d, set()) for d in _deletes(k) | {k}))
        near = {w for w in near if distance(k, w) == 1}
        return near.pop() if len(near) == 1 else k

    def paired(self, k: str, left: str | None, right: str | None) -> str:
        """`k` repaired to the one pattern word near it that goes with a neighbour."""
        if k in self._known or len(k) < PAIRED_TYPO_LENGTH or not k.isalpha():
            return k
        limit = 2 if len(k) >= PAIRED_TWO_EDITS_LENGTH else 1
        near = {w for w in self._after.get(left or "", set()) | self._before.get(right or "", set())
                if len(w) >= PAIRED_TYPO_LENGTH and distance(k, w) <= limit}
        return near.pop() if len(near) == 1 else k

    def keys(self, words: list[str]) -> list[str]:
        ks = [self.key(w) for w in words]
        # An Arabizi article is no anchor: "el yadeed" is not "el bareed".
        anchor = [None if k in ARABIZI_ARTICLES else k for k in ks]
        for i, k in enumerate(ks):
            ks[i] = self.paired(k, anchor[i - 1] if i else None, anchor[i + 1] if i + 1 < len(ks) else None)
            anchor[i] = ks[i] if anchor[i] else None
        return ks

    def __call__(self, doc):
        for token, k in zip(doc, self.keys([t.text for t in doc])):
            token.norm_ = k
        return doc

    def to_disk(self, path, exclude=()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        words = {"vocabulary": self.vocabulary, "pairs": self.pairs}
        (Path(path) / "words.json").write_text(json.dumps(words, ensure_ascii=False), "utf-8")

    def from_disk(self, path, exclude=()):
        words = json.loads((Path(path) / "words.json").read_text("utf-8"))
        self.set_vocabulary(words["vocabulary"], [tuple(p) for p in words["pairs"]])
        return self


def register_spacy_factory() -> None:
    """Make `dalil_word_keys` known to spaCy (before loading a saved pipeline)."""
    from spacy.language import Language

    if not Language.has_factory(FACTORY):
        Language.factory(FACTORY, func=_make_word_keys)


def _make_word_keys(nlp, name: str) -> WordKeys:
    return WordKeys()


def fingerprint(things: list[Thing]) -> str:
    """Names the pipeline these things build (and what a saved one was built from)."""
    payload = json.dumps([PIPELINE_VERSION, [asdict(t) for t in things]], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def build_pipeline(things: list[Thing]):
    """The spaCy pipeline matching `things` (blank tokenizer, word keys, entity ruler)."""
    import spacy

    register_spacy_factory()
    nlp = spacy.blank("xx")
    keys: Any = nlp.add_pipe(FACTORY)  # our WordKeys (spaCy types pipes as callables)
    patterns: list[dict[str, Any]] = []
    vocabulary: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for t in things:
        for label, forms in ((t.type, t.forms), (NOT_LABEL, t.not_in)):
            for form in forms:
                ks = [k for w in form.split()
                      for k in ([w] if w.endswith("*") else [word_key(tok.text) for tok in nlp.make_doc(w)])]
                ks = [k for k in ks if k]
                if not ks:
                    continue
                vocabulary.update(k for k in ks if not k.endswith("*"))  # known words are not repaired
                if label != NOT_LABEL:
                    pairs.update(zip(ks, ks[1:]))
                pattern: list[dict[str, Any]] = []
                for i, k in enumerate(ks):
                    if i and k.isascii():  # Arabizi puts an article between words: "ru5sa el tijariya"
                        pattern.append({"NORM": {"IN": list(ARABIZI_ARTICLES)}, "OP": "?"})
                    # "ال*": any word so beginning ("الطرق الداخلية" is no ministry)
                    pattern.append({"TEXT": {"REGEX": "^" + re.escape(k[:-1])}} if k.endswith("*") else {"NORM": k})
                patterns.append({"label": label, "id": t.id, "pattern": pattern})
        for form in t.exact:
            patterns.append({"label": t.type, "id": t.id, "pattern": [{"ORTH": w.text} for w in nlp.make_doc(form)]})
    keys.set_vocabulary(sorted(vocabulary), sorted(pairs))
    ruler: Any = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(patterns)
    nlp.meta["name"] = "dalil_entities"
    nlp.meta["version"] = f"{PIPELINE_VERSION}.0.0"
    nlp.meta["description"] = "Bodies, documents and apps named in a message (knowledge/entities.py)"
    nlp.meta["dalil_fingerprint"] = fingerprint(things)
    return nlp


def spans(doc) -> list:
    """The entities of a processed message, without the phrases that name nothing."""
    return [e for e in doc.ents if e.label_ != NOT_LABEL]


def find(nlp, text: str) -> list[Found]:
    return [Found(e.label_, e.ent_id_ or e.text, e.text, e.start_char, e.end_char) for e in spans(nlp(text))]


def saved_fingerprint(path: Path) -> str | None:
    try:
        return json.loads((Path(path) / "meta.json").read_text("utf-8")).get("dalil_fingerprint")
    except (OSError, ValueError):
        return None


def save_pipeline(things: list[Thing], out: Path) -> None:
    """Build and save the pipeline to `out`, replacing what is there in one rename (a
    running Rasa that loads it meanwhile sees the old or the new one, never half)."""
    out = Path(out)
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    build_pipeline(things).to_disk(tmp)
    old = out.with_name(out.name + f".old{os.getpid()}")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def things_file(things: list[Thing], path: Path) -> None:
    Path(path).write_text(json.dumps([asdict(t) for t in things], ensure_ascii=False), "utf-8")


def read_things_file(path: Path) -> list[Thing]:
    out = []
    for d in json.loads(Path(path).read_text("utf-8")):
        fields: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()}
        out.append(Thing(**fields))
    return out


class EntityFinder:
    """Search's side: the same pipeline, built in process on first use."""

    def __init__(self, things: list[Thing]) -> None:
        self.things = things
        self.by_key = {(t.type, t.id): t for t in things}
        self._nlp = None
        self._last: tuple[str, tuple[Found, ...]] | None = None

    def find(self, text: str) -> list[Found]:
        # One search reads the same message for its spelled-out forms and for the
        # names-only check: the last message's entities are kept.
        if self._last is not None and self._last[0] == text:
            return list(self._last[1])
        if self._nlp is None:
            self._nlp = build_pipeline(self.things)
        found = find(self._nlp, text)
        self._last = (text, tuple(found))
        return found


def main(argv: list[str]) -> int:
    """`python -m knowledge.entities THINGS.json OUT_DIR`: how `dalil train` saves the pipeline
    with the Rasa environment's spaCy (the things come from the other environment as JSON)."""
    if len(argv) != 2:
        print("usage: python -m knowledge.entities THINGS.json OUT_DIR", file=sys.stderr)
        return 2
    save_pipeline(read_things_file(Path(argv[0])), Path(argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
