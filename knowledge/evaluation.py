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


def calibrate_mode(searcher, dev: list[Question], mode: str, max_false_rejection: float = 0.04) -> dict:
    """Pick fusion weights by dev MRR, then the highest threshold that keeps false rejection low."""
    alphas = {"hybrid": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8], "dense": [1.0], "lexical": [0.0]}[mode]
    ks = [2.0, 5.0, 10.0] if mode != "dense" else [5.0]
    best = None
    base = dict(searcher.params[mode])
    for alpha in alphas:
        for k in ks:
            searcher.params[mode] = {**base, "alpha": alpha, "k": k, "threshold": -1.0}
            rows = run_questions(searcher, dev, mode)
            m = metrics(rows)
            key = (m["mrr"], m["recall@1"])
            if best is None or key > best[0]:
                best = (key, alpha, k, rows)
    _, alpha, k, rows = best
    in_scores = np.array(sorted(r["top"] for r in rows if r["q"].service))
    oos_scores = np.array([r["top"] for r in rows if not r["q"].service])
    # Largest threshold rejecting at most `max_false_rejection` of in-scope dev questions.
    cut = int(np.floor(max_false_rejection * len(in_scores)))
    threshold = float(in_scores[cut]) if len(in_scores) else 0.5
    params = {**base, "alpha": alpha, "k": k, "threshold": round(threshold - 1e-6, 6)}
    searcher.params[mode] = params
    return {**params, "dev_mrr": best[0][0], "dev_oos_rejection":
            round(float(np.mean(oos_scores < params["threshold"])) if len(oos_scores) else 0.0, 4)}


def calibrate(searcher, path: Path) -> dict:
    """Calibrate every mode on the dev questions and store it under the embedder's model id."""
    dev = [q for q in load_questions() if q.split == "dev"]
    result = {mode: calibrate_mode(searcher, dev, mode) for mode in ("hybrid", "dense", "lexical")}
    stored = json.loads(Path(path).read_text("utf-8")) if Path(path).exists() else {}
    stored[searcher.embedder.model_id] = {m: {k: v for k, v in r.items() if not k.startswith("dev_")}
                                          for m, r in result.items()}
    Path(path).write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", "utf-8")
    return result
