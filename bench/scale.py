"""Speed and size: index build time, query latency (embedding included) and memory for
catalogs grown synthetically to 1k, 10k and 100k services; ANN recall against exact.

    python -m bench.scale [--sizes 1000,10000,100000] [--queries 200]

Synthetic services are copies of real ones with new ids, their vectors the real ones
plus Gaussian noise (re-normalized), their BM25 documents the real ones plus random
vocabulary words. Up to 6 vectors per synthetic service (names, descriptions and two
keywords) keep 100k services within memory and build time on 2 cores.
Writes bench/results/scale.json and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import time

import numpy as np
import psutil

from bench.results_file import table, write
from knowledge.catalog import Catalog
from knowledge.config import settings
from knowledge.search import Searcher, default_searcher
from knowledge.search.embeddings import l2_normalize
from knowledge.search.evaluation import load_questions
from knowledge.search.index import SearchIndex, build_dense, build_lexical, lexical_document

VECTORS_PER_SERVICE = 6


def rss_mb() -> float:
    return psutil.Process(os.getpid()).memory_info().rss / 2**20


def synthetic(base: Searcher, size: int, rng: np.random.Generator):
    cat = base.catalog
    n_base = len(cat.services)
    base_vectors = base.index.dense.reconstruct_n(0, base.index.dense.ntotal)
    owner = base.index.vector_service
    per_service = [np.flatnonzero(owner == i)[:VECTORS_PER_SERVICE] for i in range(n_base)]
    vocab = sorted({w for s in cat.services for w in lexical_document(s).split()})
    services, vectors, vec_owner, docs = [], [], [], []
    for i in range(size):
        b = i % n_base
        src = cat.services[b]
        svc = src if i < n_base else dataclasses.replace(src, id=f"syn{i}-{src.id}")
        services.append(svc)
        rows = base_vectors[per_service[b]] if i >= n_base else base_vectors[owner == b]
        if i >= n_base:
            rows = l2_normalize(rows + rng.normal(scale=0.02, size=rows.shape).astype(np.float32))
        vectors.append(rows)
        vec_owner.extend([i] * len(rows))
        extra = " ".join(rng.choice(vocab, size=8)) if i >= n_base else ""
        docs.append(lexical_document(src) + " " + extra)
    return Catalog(entities=cat.entities, services=tuple(services), sha256=f"synthetic-{size}"), \
        np.vstack(vectors).astype(np.float32), np.asarray(vec_owner, np.int32), docs


def run_size(base: Searcher, size: int, queries: list[str], rng) -> dict:
    catalog, vectors, owner, docs = synthetic(base, size, rng)
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    dense = build_dense(vectors, settings().ann_threshold)
    t_dense = time.perf_counter() - t0
    t0 = time.perf_counter()
    lexical = {a: build_lexical(docs, a) for a in ("word", "char")}
    t_lex = time.perf_counter() - t0
    # The synthetic catalog has no question bank: empty question channels.
    lexical.update({"qword": build_lexical([""], "word"), "qchar": build_lexical([""], "char")})
    index = SearchIndex(dense=dense, vector_service=owner, vector_kind=np.zeros(len(owner), np.int8),
                        question_service=np.zeros(1, np.int32), negatives=base.index.negatives, lexical=lexical,
                        service_ids=[s.id for s in catalog.services], manifest={})
    searcher = Searcher(catalog, base.embedder, index, base.params)
    mem = rss_mb() - before
    recall = None
    if hasattr(dense, "hnsw"):
        exact = build_dense(vectors, ann_threshold=10**12)
        qv = base.embedder.encode(queries[:100])
        _, truth = exact.search(qv, 10)
        _, got = dense.search(qv, 10)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, got)]))
        del exact
    for q in queries[:5]:
        searcher.search(q)  # warm-up
    lat = []
    for q in queries:
        t0 = time.perf_counter()
        searcher.search(q, k=5)
        lat.append((time.perf_counter() - t0) * 1000)
    return {"services": size, "vectors": int(len(vectors)), "dense_index": type(dense).__name__,
            "build_dense_s": round(t_dense, 2), "build_lexical_s": round(t_lex, 2),
            "index_memory_mb": round(mem, 1), "p50_ms": round(float(np.percentile(lat, 50)), 2),
            "p95_ms": round(float(np.percentile(lat, 95)), 2), "ann_recall@10": None if recall is None else round(recall, 4)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    base = default_searcher()
    rng = np.random.default_rng(42)
    queries = [q.text for q in load_questions()][: args.queries]
    rows = []
    for size in map(int, args.sizes.split(",")):
        print(f"{size} services ...", flush=True)
        rows.append(run_size(base, size, queries, rng))
        print(rows[-1], flush=True)
        gc.collect()
    out = {"threads": os.cpu_count(), "ann_threshold": settings().ann_threshold, "rows": rows}
    columns = ["services", "vectors", "dense index", "build dense s", "build BM25 s", "memory MB", "p50 ms", "p95 ms",
               "ANN recall@10"]
    table_rows = [[r["services"], r["vectors"], r["dense_index"], r["build_dense_s"], r["build_lexical_s"], r["index_memory_mb"],
                   r["p50_ms"], r["p95_ms"], r["ann_recall@10"] or "-"] for r in rows]
    write("scale", out, "Scale benchmark", table(columns, table_rows))


if __name__ == "__main__":
    main()
