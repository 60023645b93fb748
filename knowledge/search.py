"""Hybrid search: dense (FAISS) + lexical (BM25) fused, with a calibrated `confident`.

score(service) = alpha * dense + (1 - alpha) * bm25 / (bm25 + k)
  dense: the best cosine between the query and any of the service's texts;
  bm25:  the service document's BM25 score, squashed into [0, 1).
`confident` is true when the top fused score reaches a threshold calibrated on the
development questions (knowledge/calibration.json, written by `dalil calibrate`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from knowledge.catalog import Catalog, Service, load_catalog
from knowledge.config import settings
from knowledge.embeddings import Embedder, get_embedder
from knowledge.index import SearchIndex, build_index, check_index, index_dir_for, load_index, IndexProblem
from knowledge.text import ENGLISH, analyze, clean, detect_language

MODES = ("hybrid", "dense", "lexical")
# Used until a calibration exists for the embedder in use.
DEFAULT_PARAMS = {
    "hybrid": {"alpha": 0.6, "k": 5.0, "threshold": 0.45, "ambiguity_margin": 0.02},
    "dense": {"alpha": 1.0, "k": 5.0, "threshold": 0.45, "ambiguity_margin": 0.02},
    "lexical": {"alpha": 0.0, "k": 5.0, "threshold": 0.45, "ambiguity_margin": 0.02},
}
DENSE_CANDIDATES = 256
LEXICAL_CANDIDATES = 64


@dataclass(frozen=True)
class Hit:
    service: Service
    score: float
    dense: float
    lexical: float

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

    def to_dict(self) -> dict:
        return {"query": self.query, "language": self.language, "confident": self.confident,
                "results": [h.to_dict() for h in self.hits]}


def load_calibration(path: Path, model_id: str) -> dict:
    params = {m: dict(p) for m, p in DEFAULT_PARAMS.items()}
    if Path(path).exists():
        stored = json.loads(Path(path).read_text("utf-8")).get(model_id, {})
        for mode, values in stored.items():
            if mode in params:
                params[mode].update({k: v for k, v in values.items() if k in params[mode]})
    return params


class Searcher:
    def __init__(self, catalog: Catalog, embedder: Embedder, index: SearchIndex, params: dict) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.index = index
        self.params = params
        self._services = [catalog.get(sid) for sid in index.service_ids]

    def channel_scores(self, query: str) -> tuple[dict[int, float], dict[int, float]]:
        """Per-service dense cosine and raw BM25 for the candidates of each channel."""
        dense: dict[int, float] = {}
        qvec = self.embedder.encode([query])
        n = min(DENSE_CANDIDATES, self.index.dense.ntotal)
        if n:
            scores, ids = self.index.dense.search(qvec, n)
            for score, vid in zip(scores[0], ids[0]):
                if vid < 0:
                    continue
                pos = int(self.index.vector_service[vid])
                if score > dense.get(pos, -1.0):
                    dense[pos] = float(score)
        lexical: dict[int, float] = {}
        tokens = analyze(query)
        if tokens:
            bm = self.index.lexical.get_scores(tokens)
            m = min(LEXICAL_CANDIDATES, len(bm))
            top = np.argpartition(-bm, m - 1)[:m] if m < len(bm) else np.arange(len(bm))
            lexical = {int(i): float(bm[i]) for i in top if bm[i] > 0}
        return dense, lexical

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
        dense, lexical = self.channel_scores(text)
        floor = min(dense.values()) if dense else 0.0  # unseen in dense top-n: at most the n-th score
        fused: dict[int, tuple[float, float, float]] = {}
        for pos in set(dense) | set(lexical):
            d = dense.get(pos, floor)
            raw = lexical.get(pos, 0.0)
            lx = raw / (raw + p["k"])
            fused[pos] = (p["alpha"] * d + (1 - p["alpha"]) * lx, d, raw)
        ranked = sorted(fused.items(), key=lambda kv: (-kv[1][0], kv[0]))[:k]
        hits = [Hit(self._services[pos], s, d, raw) for pos, (s, d, raw) in ranked]
        confident = bool(hits) and hits[0].score >= p["threshold"]
        ambiguous = confident and len(hits) > 1 and hits[0].score - hits[1].score < p["ambiguity_margin"]
        return SearchResult(query=query, language=language, confident=confident, hits=hits, ambiguous=ambiguous)


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
