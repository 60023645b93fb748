"""Hybrid search over service texts and the question bank, and one decision per query:
answer, clarify or decline.

Per candidate service, six channels (FEATURES):
  doc_dense  best cosine between the query and the service's own texts (names, description, keywords);
  q_dense    best cosine between the query and the service's bank questions;
  doc_word / doc_char   BM25 of the service document on stemmed words / character 3-grams;
  q_word / q_char       best BM25 among the service's bank questions (same two analyzers);
BM25 scores are squashed with x / (x + k). The ranking score is a weighted sum, weights
learnt on the development questions (`dalil calibrate`, knowledge/search/decision.py).

An Arabizi query is matched lexically in Arabic script plus its original spelling, so it meets
both the Arabic and the Arabizi questions of the bank; it is embedded in Arabic script only
(the mixed string embeds worse than either).
"""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from knowledge.aspects import action_stems, only_shared_noun, service_words
from knowledge.catalog import Catalog, Service, load_catalog
from knowledge.config import settings
from knowledge.entities import EntityFinder, Found, services_of, word_key
from knowledge.search.decision import CONF_FEATURES, Decision, decide, decision_features
from knowledge.search.embeddings import Embedder, get_embedder
from knowledge.search.expansion import expansions
from knowledge.search.index import (
    KIND_QUESTION,
    LEXICAL_ANALYZERS,
    LEXICAL_INDEXES,
    IndexProblem,
    SearchIndex,
    build_index,
    check_index,
    index_dir_for,
    load_index,
)
from knowledge.search.spelling import Speller, catalog_vocabulary
from knowledge.text import ENGLISH, clean, dense_form, detect_language, is_arabizi, search_form

MODES = ("hybrid", "dense", "lexical", "hybrid_no_entities")
FEATURES = ("doc_dense", "q_dense", "doc_word", "doc_char", "q_word", "q_char", "entity")
SATURATION = {"doc_word": 5.0, "doc_char": 50.0, "q_word": 5.0, "q_char": 30.0}
# Which features each mode may use (the benchmarks compare the channels).
# The benchmark keeps hybrid_no_entities to show what the entity channel adds (issue #15).
MODE_FEATURES = {
    "hybrid": FEATURES,
    "dense": ("doc_dense", "q_dense"),
    "lexical": ("doc_word", "doc_char", "q_word", "q_char"),
    "hybrid_no_entities": FEATURES[:-1],
}
_W = {"doc_dense": 0.3, "q_dense": 0.4, "doc_word": 0.1, "doc_char": 0.05, "q_word": 0.1, "q_char": 0.05, "entity": 0.1}
# Used until a calibration exists for the embedder in use.
DEFAULT_PARAMS = {
    mode: {"weights": [(_W[f] if f in MODE_FEATURES[mode] else 0.0) for f in FEATURES],
           "conf_weights": [], "conf_bias": 0.0, "scope_weights": [], "scope_bias": 0.0,
           "t_answer": 0.55, "t_scope": 0.45, "clarify_margin": 0.03}
    for mode in MODES
}
DENSE_CANDIDATES = 256
SHARED_NOUN_POOL = 10  # how far down a shared-noun question looks for services doing what it says
OOS = "_out_of_scope"  # channel_scores key: not a candidate's feature, evidence for the decision
LEXICAL_CANDIDATES = 64


@dataclass(frozen=True)
class Hit:
    service: Service
    score: float
    dense: float  # the better of the two dense channels
    lexical: float  # the better of the two word channels, squashed to [0, 1)

    def to_dict(self) -> dict:
        s = self.service
        return {"id": s.id, "name_en": s.name_en, "name_ar": s.name_ar,
                "entity_en": s.entity.name_en, "entity_ar": s.entity.name_ar, "score": round(self.score, 4)}


@dataclass(frozen=True)
class SearchResult:
    query: str
    language: str
    confident: bool  # answer or clarify: the question is about one of the hits
    hits: list[Hit] = field(default_factory=list)
    ambiguous: bool = False  # clarify: offer `options`
    confidence: float = 0.0  # estimated probability that the first hit is right
    decision: str = "decline"  # answer | clarify | decline
    options: list[Hit] = field(default_factory=list)  # the close candidates to offer when clarifying

    def to_dict(self) -> dict:
        # The DESIGN.md contract: exactly these keys (`confident` is answer or clarify).
        return {"query": self.query, "language": self.language, "confident": self.confident,
                "results": [h.to_dict() for h in self.hits]}


def load_calibration(path: Path, model_id: str) -> dict:
    """Calibrated parameters for this embedder; defaults for modes never calibrated or
    calibrated for another feature set (with a warning naming `dalil calibrate`)."""
    params = {m: dict(p) for m, p in DEFAULT_PARAMS.items()}
    if Path(path).exists():
        stored = json.loads(Path(path).read_text("utf-8")).get(model_id, {})
        for mode, values in stored.items():
            if len(values.get("weights") or []) != len(FEATURES) or "t_scope" not in values or any(
                    len(values.get(k) or [0] * len(CONF_FEATURES)) != len(CONF_FEATURES)
                    for k in ("conf_weights", "scope_weights")):
                warnings.warn(f"calibration for {model_id}/{mode} in {path} is stale; run `dalil calibrate`", stacklevel=2)
                continue
            if mode in params:
                params[mode].update({k: v for k, v in values.items() if k in params[mode]})
    return params


class Searcher:
    def __init__(self, catalog: Catalog, embedder: Embedder, index: SearchIndex, params: dict) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.index = index
        self.params = params
        services = [catalog.get(sid) for sid in index.service_ids]
        if any(s is None for s in services):
            raise IndexProblem("the index names services the catalog does not have; run `dalil index build`")
        self._services: list[Service] = [s for s in services if s is not None]
        self._speller: Speller | None = None
        self.finder = EntityFinder(list(catalog.things))
        position = {s.id: i for i, s in enumerate(self._services)}
        # A named body or department -> the candidates it runs (the `entity` channel).
        self._runs = {(t.type, t.id): [position[sid] for sid in sorted(services_of(t, catalog)) if sid in position]
                      for t in catalog.things if t.type == "body"}

    def same_kind(self, service: Service, body_id: str) -> Service | None:
        """The service of the body (or department) `body_id` most like `service`: "and what
        about the Kahramaa one?" after a question about another body's service. None when
        that body runs nothing search would offer for it."""
        thing = self.finder.by_key.get(("body", body_id))
        runs = services_of(thing, self.catalog) if thing else set()
        if not runs or service.id in runs:
            return None
        # Of the same kind: the two names share a word that is more than what is done to any
        # document (licence renewal -> licence renewal, fine payment -> bill payment); a
        # residence permit has no counterpart at the MOJ (its expert centre renewal is not one).
        kind = _name_words(service) - _ANY_DOCUMENT
        alike = {sid for sid in runs if (found := self.catalog.get(sid)) is not None and _name_words(found) & kind}
        if not alike:
            return None
        body_names = self.catalog_body_names(thing)
        # Among them, the one search ranks first for the service's names and the body's: the
        # whole ranking, since the other body's own services fill its top.
        result = self.search(f"{service.name_en} {service.name_ar} {body_names}", k=len(self._services))
        if result.decision == "decline":
            return None
        return next((h.service for h in result.hits if h.service.id in alike), None)

    def catalog_body_names(self, thing) -> str:
        body = thing.parent or thing.id
        entity = next((e for e in self.catalog.entities if e.id == body), None)
        return f"{entity.name_en} {entity.name_ar}" if entity else ""

    def _names_only_a_thing(self, text: str) -> bool:
        """The message names a body, document or app and nothing else a service could be."""
        spans = [(f.start, f.end) for f in self.entities(text)]
        if not spans:
            return False
        rest = "".join(ch for i, ch in enumerate(text) if not any(a <= i < b for a, b in spans))
        return not service_words(rest)

    def entities(self, text: str) -> list[Found]:
        """The bodies, documents and apps `text` names (knowledge/entities.py)."""
        return self.finder.find(text)

    def forms(self, text: str) -> tuple[str, str]:
        """(what the lexical channels match, what is embedded). An Arabizi message in Arabic
        script (text.search_form / dense_form); unknown English words also in their corrected
        spelling, for the lexical channels only: a correction can be wrong, an addition
        costs little."""
        if is_arabizi(text):
            lexical, dense = search_form(text), dense_form(text)
        else:
            if self._speller is None:
                self._speller = Speller(catalog_vocabulary(self.catalog))
            extra = [c for w, c in zip(text.split(), self._speller.correct(text).split()) if w != c]
            lexical, dense = " ".join([text, *extra]), text
        spelled_out = expansions(dense, self.entities(text), self.finder.by_key, is_arabizi(text))
        return " ".join([lexical, *spelled_out]), " ".join([dense, *spelled_out])

    def channel_scores(self, text: str, features=FEATURES, dense_text: str | None = None) -> dict[str, dict[int, float]]:
        """Raw per-channel scores of candidate services (position in the catalog -> score).
        `dense_text` (default `text`) is what is embedded. Under OOS, {-1: the cosine of the
        closest out-of-scope question}."""
        out: dict[str, dict[int, float]] = {}
        if "doc_dense" in features or "q_dense" in features:
            doc: dict[int, float] = {}
            qst: dict[int, float] = {}
            n = min(DENSE_CANDIDATES * 4, self.index.dense.ntotal)
            if n:
                vec = self.embedder.encode([dense_text or text])
                scores, ids = self.index.dense.search(vec, n)
                if len(self.index.negatives):
                    out[OOS] = {-1: float((self.index.negatives @ vec[0]).max())}
                for score, vid in zip(scores[0], ids[0]):
                    if vid < 0:
                        continue
                    pos = int(self.index.vector_service[vid])
                    target = qst if self.index.vector_kind[vid] == KIND_QUESTION else doc
                    if score > target.get(pos, -1.0):
                        target[pos] = float(score)
            out["doc_dense"], out["q_dense"] = doc, qst
        for name, analyzer in LEXICAL_INDEXES.items():
            feature = ("q_" if name.startswith("q") else "doc_") + analyzer
            if feature not in features:
                continue
            tokens = LEXICAL_ANALYZERS[analyzer](text)
            found: dict[int, float] = {}
            if tokens:
                bm = self.index.lexical[name].get_scores(tokens)
                m = min(LEXICAL_CANDIDATES * (4 if name.startswith("q") else 1), len(bm))
                top = np.argpartition(-bm, m - 1)[:m] if m < len(bm) else np.arange(len(bm))
                owner = self.index.question_service if name.startswith("q") else None
                for i in top:
                    if bm[i] <= 0:
                        continue
                    pos = int(owner[i]) if owner is not None else int(i)
                    found[pos] = max(found.get(pos, 0.0), float(bm[i]))
            out[feature] = found
        if "entity" in features:
            # "تجديد رخصة في المرور": the traffic department's licences, not the commercial one.
            out["entity"] = {pos: 1.0 for f in self.entities(text) for pos in self._runs.get((f.type, f.id), [])}
        return out

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> SearchResult:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if not isinstance(query, str):
            raise TypeError("query must be a string")
        if k < 1:
            raise ValueError("k must be at least 1")
        text = clean(query)[:2000]  # a longer message adds no signal, only cost
        language = detect_language(text) or ENGLISH
        if not text:
            return SearchResult(query=query, language=language, confident=False)
        p = self.params[mode]
        lexical, dense = self.forms(text)
        ch = self.channel_scores(lexical, MODE_FEATURES[mode], dense)
        ranked = rank(candidate_features(ch), p["weights"])
        def hit(pos: int, score: float, f: list[float]) -> Hit:
            return Hit(self._services[pos], score, max(f[0], f[1]), max(f[2], f[4]))

        hits = [hit(*r) for r in ranked[:k]]
        options: list[Hit] | None = None
        verdict: Decision = decide(decision_features(ranked, text, oos_similarity(ch)), [s for _, s, _ in ranked[:3]], p)
        if verdict.action == "answer" and len(hits) > 1 and self._names_only_a_thing(text):
            # "what about the Ministry of Justice?", "health card": which of its services (issue,
            # renew, replace ...) is not said; offer them instead of guessing.
            tops = [s for _, s, _ in ranked[:3]]
            close = sum(1 for s in tops if tops[0] - s <= p["clarify_margin"])
            verdict = Decision("clarify", verdict.probability, max(2, close))
        elif verdict.action != "decline" and len(hits) > 2 and only_shared_noun(plain := dense_form(text) if is_arabizi(text) else text):
            # "renew license", "ابي اجدد رخصة": which licence is not said, and the two closest
            # may both be of one kind (commercial issue / renew): offer three, preferring those
            # that do what the message says (renewals, not the issue of a licence).
            verdict = Decision("clarify", verdict.probability, 3)
            stems = action_stems(plain)
            doing = [hit(*r) for r in ranked[:SHARED_NOUN_POOL] if any(stem in self._services[r[0]].name_en.lower() for stem in stems)]
            if len(doing) >= 2:
                # A person chatting who names no licence most often means a personal one: the
                # services not for businesses come first, each kind in ranking order.
                options = sorted(doing, key=lambda h: "businesses" in h.service.audience)[:3]
        if options is None:
            options = hits[:verdict.n_options] if verdict.action == "clarify" else []
        return SearchResult(query=query, language=language, confident=verdict.action != "decline", hits=hits,
                            ambiguous=verdict.action == "clarify", confidence=verdict.probability,
                            decision=verdict.action, options=options)


_NAME_STOP = frozenset("and the for from with into your via of a an in on to".split())
_ANY_DOCUMENT = frozenset(word_key(w) for w in "renewal issuance replacement cancellation registration transfer request new".split())


def _name_words(service: Service) -> set[str]:
    words = re.findall(r"[a-z]+", service.name_en.lower())
    return {word_key(w) for w in words if len(w) > 2 and w not in _NAME_STOP}


def oos_similarity(ch: dict[str, dict[int, float]]) -> float:
    return ch.get(OOS, {}).get(-1, 0.0)


def candidate_features(ch: dict[str, dict[int, float]]) -> dict[int, list[float]]:
    """Every candidate's FEATURES vector; a dense channel's unseen candidate gets that channel's
    lowest seen score (it ranked below all of them), a lexical one gets 0."""
    candidates: set[int] = set()
    for name, scores in ch.items():
        if name != OOS:
            candidates |= set(scores)
    floors = {f: (min(ch[f].values()) if ch.get(f) else 0.0) for f in ("doc_dense", "q_dense")}
    out = {}
    for pos in candidates:
        vec = []
        for f in FEATURES:
            raw = ch.get(f, {}).get(pos)
            if f.endswith("dense"):
                vec.append(raw if raw is not None else floors[f])
            elif f == "entity":
                vec.append(raw or 0.0)
            else:
                x = raw or 0.0
                vec.append(x / (x + SATURATION[f]))
        out[pos] = vec
    return out


def rank(features: dict[int, list[float]], weights: list[float]) -> list[tuple[int, float, list[float]]]:
    """Candidates by weighted score, best first: [(position, score, features)]."""
    w = np.asarray(weights, dtype=np.float64)
    out = [(pos, float(np.dot(w, f)), f) for pos, f in features.items()]
    out.sort(key=lambda t: (-t[1], t[0]))
    return out


def ensure_index(catalog: Catalog | None = None, embedder: Embedder | None = None, progress: bool = False) -> Path:
    """Build the index unless a valid one for this catalog and model exists; return its path."""
    cfg = settings()
    catalog = catalog or load_catalog(cfg.catalog_dir)
    embedder = embedder or get_embedder(cfg.embedder)
    path = index_dir_for(cfg.index_dir, embedder.model_id, catalog.sha256)
    try:
        check_index(path, catalog, embedder.model_id)
    except IndexProblem:
        path = build_index(catalog, embedder, cfg.index_dir, cfg.ann_threshold, progress=progress)
    return path


def open_searcher(embedder_spec: str | None = None) -> Searcher:
    """A Searcher over the configured catalog and its index; IndexProblem if the index is not usable."""
    cfg = settings()
    catalog = load_catalog(cfg.catalog_dir)
    embedder = get_embedder(embedder_spec or cfg.embedder)
    index = load_index(catalog, embedder.model_id, cfg.index_dir)
    return Searcher(catalog, embedder, index, load_calibration(cfg.calibration_file, embedder.model_id))


@lru_cache(maxsize=1)
def default_searcher() -> Searcher:
    """Process-wide searcher for the action server and CLI (loaded on first use, not at import)."""
    return open_searcher()
