"""Retrieval evaluation on the labelled questions in knowledge/eval/, and calibration.

Questions are split deterministically by a hash of their text: about 40% form the
development part (calibration), the rest the test part (reporting).
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from knowledge.config import ROOT

EVAL_DIR = ROOT / "knowledge" / "eval"
DEV_SHARE = 4  # out of 10


@dataclass(frozen=True)
class Question:
    text: str
    service: str | None  # None: out of scope
    lang: str
    variety: str

    @property
    def split(self) -> str:
        h = int(hashlib.sha1(self.text.encode("utf-8")).hexdigest(), 16)
        return "dev" if h % 10 < DEV_SHARE else "test"


def load_questions(directory: Path = EVAL_DIR) -> list[Question]:
    out: list[Question] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        for item in yaml.safe_load(path.read_text("utf-8")) or []:
            out.append(Question(text=str(item["text"]), service=item.get("service"),
                                lang=item["lang"], variety=item.get("variety", item["lang"])))
    return out


def run_questions(searcher, questions: list[Question], mode: str, k: int = 10) -> list[dict]:
    """Search every question; one record with rank of the right service and top score."""
    rows = []
    for q in questions:
        res = searcher.search(q.text, k=k, mode=mode)
        ids = [h.service.id for h in res.hits]
        rank = ids.index(q.service) + 1 if q.service in ids else None
        rows.append({"q": q, "rank": rank, "top": res.hits[0].score if res.hits else 0.0,
                     "confident": res.confident, "top_id": ids[0] if ids else None})
    return rows


def metrics(rows: list[dict]) -> dict:
    ins = [r for r in rows if r["q"].service]
    oos = [r for r in rows if not r["q"].service]
    out: dict = {"n": len(ins), "n_oos": len(oos)}
    if ins:
        ranks = [r["rank"] for r in ins]
        out["recall@1"] = round(sum(1 for r in ranks if r == 1) / len(ins), 4)
        out["recall@3"] = round(sum(1 for r in ranks if r and r <= 3) / len(ins), 4)
        out["mrr"] = round(sum(1.0 / r for r in ranks if r) / len(ins), 4)
        out["false_rejection"] = round(sum(1 for r in ins if not r["confident"]) / len(ins), 4)
        out["confident_accuracy"] = round(
            sum(1 for r in ins if r["confident"] and r["rank"] == 1) / len(ins), 4)
    if oos:
        out["oos_rejection"] = round(sum(1 for r in oos if not r["confident"]) / len(oos), 4)
    return out


def grouped_metrics(rows: list[dict]) -> dict:
    """Overall, per language and per variety (MSA, Gulf, English, typo, mixed)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups["all"].append(r)
        groups[f"lang:{r['q'].lang}"].append(r)
        groups[f"variety:{r['q'].variety}"].append(r)
    return {g: metrics(rs) for g, rs in sorted(groups.items())}


def _only(ch: dict, params: dict) -> dict:
    """The channels a parameter set uses (a mode without dense must not see dense scores)."""
    keep = {"dense": params["w_dense"] > 0, "word": params["w_word"] > 0, "char": params["w_char"] > 0}
    return {k: v for k, v in ch.items() if keep.get(k, False)}


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 4000, lr: float = 0.5):
    """Class-balanced L2 logistic regression by gradient descent (a handful of features)."""
    w = np.zeros(X.shape[1])
    b = 0.0
    pos = max(1.0, y.sum())
    neg = max(1.0, len(y) - y.sum())
    sample_w = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg))
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        g = (p - y) * sample_w
        w -= lr * (X.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    return w, b


def _grid(mode: str) -> list[dict]:
    steps = [i / 10 for i in range(11)]
    if mode == "dense":
        weights = [(1.0, 0.0, 0.0)]
    elif mode == "lexical":
        weights = [(0.0, w, round(1 - w, 1)) for w in steps]
    else:
        weights = [(d, w, round(1 - d - w, 1)) for d in steps for w in steps if d > 0 and d + w <= 1.0001]
    ks = [(kw, kc) for kw in (2.0, 5.0, 10.0) for kc in (20.0, 50.0, 100.0)] if mode != "dense" else [(5.0, 50.0)]
    return [{"w_dense": d, "w_word": w, "w_char": max(0.0, c), "k_word": kw, "k_char": kc}
            for d, w, c in weights for kw, kc in ks]


def calibrate_mode(searcher, dev: list[Question], mode: str, max_false_rejection: float = 0.04) -> dict:
    """Pick fusion weights by dev MRR, then the highest threshold that keeps false rejection low.

    Channel scores are computed once per question; only the cheap fusion runs per grid point.
    """
    from knowledge.search.ranking import confidence, confidence_features, fuse

    ids = searcher.index.service_ids
    cached = [(q, searcher.channel_scores(q.text)) for q in dev]
    best = None
    for params in _grid(mode):
        ranks, feats = [], []
        for q, ch in cached:
            ranked = fuse(_only(ch, params), params)
            order = [ids[pos] for pos, *_ in ranked[:10]]
            ranks.append(order.index(q.service) + 1 if q.service in order else None)
            feats.append(confidence_features(ranked))
        ins = [r for q, r in zip(dev, ranks) if q.service]
        mrr = sum(1.0 / r for r in ins if r) / max(1, len(ins))
        r1 = sum(1 for r in ins if r == 1) / max(1, len(ins))
        if best is None or (mrr, r1) > best[0]:
            best = ((mrr, r1), params, feats)
    (mrr, _), params, feats = best
    X = np.array(feats)
    y = np.array([1.0 if q.service else 0.0 for q in dev])
    weights, bias = fit_logistic(X, y)
    params = {**params, "conf_weights": [round(float(w), 6) for w in weights], "conf_bias": round(float(bias), 6)}
    probs = [confidence(list(f), params) for f in feats]
    in_scores = np.array(sorted(t for q, t in zip(dev, probs) if q.service))
    oos_scores = np.array([t for q, t in zip(dev, probs) if not q.service])
    # Largest threshold rejecting at most `max_false_rejection` of in-scope dev questions.
    cut = int(np.floor(max_false_rejection * len(in_scores)))
    threshold = float(in_scores[cut]) if len(in_scores) else 0.5
    result = {**searcher.params[mode], **params, "threshold": round(threshold - 1e-6, 6)}
    searcher.params[mode] = result
    return {**result, "dev_mrr": round(mrr, 4), "dev_oos_rejection":
            round(float(np.mean(oos_scores < result["threshold"])) if len(oos_scores) else 0.0, 4)}


def calibrate(searcher, path: Path) -> dict:
    """Calibrate every mode on the dev questions and store it under the embedder's model id."""
    dev = [q for q in load_questions() if q.split == "dev"]
    result = {mode: calibrate_mode(searcher, dev, mode) for mode in ("hybrid", "dense", "lexical")}
    stored = json.loads(Path(path).read_text("utf-8")) if Path(path).exists() else {}
    stored[searcher.embedder.model_id] = {m: {k: v for k, v in r.items() if not k.startswith("dev_")}
                                          for m, r in result.items()}
    Path(path).write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", "utf-8")
    return result
