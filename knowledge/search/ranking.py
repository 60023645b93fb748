"""Hybrid search: dense (FAISS) + two BM25 channels fused, with a calibrated `confident`.

score(service) = w_dense * dense + w_word * sat(bm25_word, k_word) + w_char * sat(bm25_char, k_char)
  dense:     the best cosine between the query and any of the service's texts;
  bm25_word: BM25 of the service document on stemmed, normalized words;
  bm25_char: BM25 on character 3-grams (typos, spelling variants);
  sat(x, k) = x / (x + k) squashes BM25 into [0, 1).
`confident` comes from a logistic model over a few features of the ranking (top score,
margin to the second, and the top hit's score in each channel), fitted with its
threshold on the development questions
(knowledge/search/calibration.json, written by `dalil calibrate`); without a calibration, a plain
threshold on the top score.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from knowledge.catalog import Catalog, Service, load_catalog
from knowledge.config import settings
from knowledge.search.embeddings import Embedder, get_embedder
from knowledge.search.index import (
    LEXICAL_ANALYZERS,
    IndexProblem,
    SearchIndex,
    build_index,
    check_index,
    index_dir_for,
    load_index,
)
from knowledge.text import ENGLISH, clean, detect_language

MODES = ("hybrid", "dense", "lexical")
_COMMON = {"k_word": 5.0, "k_char": 50.0, "threshold": 0.45, "ambiguity_margin": 0.02}
# Used until a calibration exists for the embedder in use.
DEFAULT_PARAMS = {
    "hybrid": {**_COMMON, "w_dense": 0.4, "w_word": 0.4, "w_char": 0.2},
    "dense": {**_COMMON, "w_dense": 1.0, "w_word": 0.0, "w_char": 0.0},
    "lexical": {**_COMMON, "w_dense": 0.0, "w_word": 0.7, "w_char": 0.3},
}
DENSE_CANDIDATES = 256
LEXICAL_CANDIDATES = 64


@dataclass(frozen=True)
class Hit:
    service: Service
    score: float
    dense: float
    lexical: float  # the word channel, squashed to [0, 1)

    def to_dict(self) -> dict:
        s = self.service
        return {"id": s.id, "name_en": s.name_en, "name_ar": s.name_ar,
                "entity_en": s.entity.name_en, "entity_ar": s.entity.name_ar, "score": round(self.score, 4)}


@dataclass(frozen=True)
class SearchResult:
    query: str
    language: str
    confident: bool
    hits: list[Hit] = field(default_factory=list)
    ambiguous: bool = False
    confidence: float = 0.0

    def to_dict(self) -> dict:
        return {"query": self.query, "language": self.language, "confident": self.confident,
                "results": [h.to_dict() for h in self.hits]}


N_FEATURES = 5  # length of confidence_features(); a calibration for another length is stale


def load_calibration(path: Path, model_id: str) -> dict:
    """Calibrated parameters for this embedder; defaults for modes never calibrated or
    calibrated for another feature set (with a warning naming `dalil calibrate`)."""
    params = {m: dict(p) for m, p in DEFAULT_PARAMS.items()}
    if Path(path).exists():
        stored = json.loads(Path(path).read_text("utf-8")).get(model_id, {})
        for mode, values in stored.items():
            if len(values.get("conf_weights") or [0] * N_FEATURES) != N_FEATURES:
                import warnings

                warnings.warn(f"calibration for {model_id}/{mode} in {path} is stale; run `dalil calibrate`")
                continue
            if mode in params:
                params[mode].update({k: v for k, v in values.items() if k in params[mode] or k.startswith("conf_")})
    return params


class Searcher:
    def __init__(self, catalog: Catalog, embedder: Embedder, index: SearchIndex, params: dict) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.index = index
        self.params = params
        self._services = [catalog.get(sid) for sid in index.service_ids]

    def channel_scores(self, query: str, channels=("dense", "word", "char")) -> dict[str, dict[int, float]]:
        """Per-channel scores of candidate services (position in the catalog -> score)."""
        out: dict[str, dict[int, float]] = {}
        if "dense" in channels:
            dense: dict[int, float] = {}
            n = min(DENSE_CANDIDATES, self.index.dense.ntotal)
            if n:
                qvec = self.embedder.encode([query])
                scores, ids = self.index.dense.search(qvec, n)
                for score, vid in zip(scores[0], ids[0]):
                    pos = int(self.index.vector_service[vid]) if vid >= 0 else -1
                    if pos >= 0 and score > dense.get(pos, -1.0):
                        dense[pos] = float(score)
            out["dense"] = dense
        for name in ("word", "char"):
            if name not in channels:
                continue
            tokens = LEXICAL_ANALYZERS[name](query)
            scores: dict[int, float] = {}
            if tokens:
                bm = self.index.lexical[name].get_scores(tokens)
                m = min(LEXICAL_CANDIDATES, len(bm))
                top = np.argpartition(-bm, m - 1)[:m] if m < len(bm) else np.arange(len(bm))
                scores = {int(i): float(bm[i]) for i in top if bm[i] > 0}
            out[name] = scores
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
        wanted = tuple(c for c, w in (("dense", p["w_dense"]), ("word", p["w_word"]), ("char", p["w_char"])) if w > 0)
        ch = self.channel_scores(text, wanted)
        ranked = fuse(ch, p)
        hits = [Hit(self._services[pos], s, d, w) for pos, s, d, w, _ in ranked[:k]]
        features = confidence_features(ranked)
        conf = confidence(features, p) if ranked else 0.0
        confident = bool(ranked) and features[0] > 0 and conf >= p["threshold"]
        ambiguous = confident and len(hits) > 1 and hits[0].score - hits[1].score < p["ambiguity_margin"]
        return SearchResult(query=query, language=language, confident=confident, hits=hits, ambiguous=ambiguous,
                            confidence=conf)


def fuse(ch: dict[str, dict[int, float]], p: dict) -> list[tuple[int, float, float, float, float]]:
    """Rank candidates by fused score, best first:
    [(position, score, dense cosine, word BM25 squashed, char BM25 squashed)]."""
    dense = ch.get("dense", {})
    floor = min(dense.values()) if dense else 0.0  # unseen in dense top-n: at most the n-th score
    word, char = ch.get("word", {}), ch.get("char", {})
    out = []
    for pos in set(dense) | set(word) | set(char):
        d = dense.get(pos, floor) if "dense" in ch else 0.0
        w, c = word.get(pos, 0.0), char.get(pos, 0.0)
        ws, cs = w / (w + p["k_word"]), c / (c + p["k_char"])
        score = p["w_dense"] * d + p["w_word"] * ws + p["w_char"] * cs
        out.append((pos, score, d, ws, cs))
    out.sort(key=lambda t: (-t[1], t[0]))
    return out


def confidence_features(ranked: list[tuple]) -> list[float]:
    """[top score, margin to the second, top hit's cosine, its squashed word BM25, its squashed char BM25]."""
    if not ranked:
        return [0.0] * N_FEATURES
    _, top, cos, word, char = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return [top, top - second, cos, word, char]


def confidence(features: list[float], p: dict) -> float:
    """Probability-like confidence from the calibrated logistic model (or the raw top score)."""
    if not p.get("conf_weights"):
        return features[0]
    z = float(np.dot(p["conf_weights"], features) + p["conf_bias"])
    return float(1.0 / (1.0 + np.exp(-z)))


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
