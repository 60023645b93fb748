"""Evaluation on the held-out questions (the evaluation directory, a setting), and calibration.

The questions are written separately from the question bank (a test checks that none is a
near-duplicate of a bank question or a keyword). They are split by a fixed hash of their
text: about 40% form the development part (calibration only), the rest the test part
(every reported figure).

Outcomes of a question: `answered_correctly`, `confidently_wrong` (answered with another
service, or any answer to an out-of-scope question), `clarified` (right service among the
options or not), `falsely_declined` (an in-scope question declined), `declined` (out of scope).
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from knowledge.config import settings

DEV_SHARE = 4  # out of 10
VARIETIES = ("msa", "gulf", "en", "arabizi", "mixed", "typo", "indirect", "abbrev")


@dataclass(frozen=True)
class Question:
    text: str
    service: str | None  # None: out of scope
    lang: str
    variety: str
    source: str = ""  # file name

    @property
    def split(self) -> str:
        h = int(hashlib.sha1(self.text.encode("utf-8")).hexdigest(), 16)
        return "dev" if h % 10 < DEV_SHARE else "test"


def load_questions(directory: Path | None = None) -> list[Question]:
    out: list[Question] = []
    for path in sorted(Path(directory or settings().eval_dir).glob("*.yaml")):
        for item in yaml.safe_load(path.read_text("utf-8")) or []:
            out.append(Question(text=str(item["text"]), service=item.get("service"), lang=item["lang"],
                                variety=item.get("variety", item["lang"]), source=path.name))
    return out


def outcome(q: Question, decision: str, top_id: str | None, option_ids: list[str]) -> str:
    if q.service is None:
        return "declined" if decision == "decline" else ("clarified_oos" if decision == "clarify" else "confidently_wrong")
    if decision == "answer":
        return "answered_correctly" if top_id == q.service else "confidently_wrong"
    if decision == "clarify":
        return "clarified_right" if q.service in option_ids else "clarified_wrong"
    return "falsely_declined"


def run_questions(searcher, questions: list[Question], mode: str = "hybrid", k: int = 10) -> list[dict]:
    """Search every question; one record with the rank of the right service and the outcome."""
    rows = []
    for q in questions:
        res = searcher.search(q.text, k=k, mode=mode)
        ids = [h.service.id for h in res.hits]
        rank = ids.index(q.service) + 1 if q.service in ids else None
        rows.append({"q": q, "rank": rank, "top_id": ids[0] if ids else None, "decision": res.decision,
                     "outcome": outcome(q, res.decision, ids[0] if ids else None, [h.service.id for h in res.options]),
                     "language": res.language})
    return rows


def metrics(rows: list[dict]) -> dict:
    ins = [r for r in rows if r["q"].service]
    oos = [r for r in rows if not r["q"].service]
    out: dict = {"n": len(ins), "n_oos": len(oos)}
    if ins:
        n = len(ins)
        ranks = [r["rank"] for r in ins]
        share = lambda name: round(sum(1 for r in ins if r["outcome"] == name) / n, 4)  # noqa: E731
        out["recall@1"] = round(sum(1 for r in ranks if r == 1) / n, 4)
        out["recall@3"] = round(sum(1 for r in ranks if r and r <= 3) / n, 4)
        out["mrr"] = round(sum(1.0 / r for r in ranks if r) / n, 4)
        out["answered_correctly"] = share("answered_correctly")
        out["confidently_wrong"] = share("confidently_wrong")
        out["falsely_declined"] = share("falsely_declined")
        out["clarified"] = round(share("clarified_right") + share("clarified_wrong"), 4)
        # Right service on the first answer, counting a clarification that offers it as half.
        out["right_first_answer"] = round(out["answered_correctly"], 4)
        out["right_or_offered"] = round(out["answered_correctly"] + share("clarified_right"), 4)
    if oos:
        out["oos_declined"] = round(sum(1 for r in oos if r["outcome"] == "declined") / len(oos), 4)
        out["oos_answered"] = round(sum(1 for r in oos if r["outcome"] == "confidently_wrong") / len(oos), 4)
    return out


def grouped_metrics(rows: list[dict]) -> dict:
    """Overall, per language and per slice (variety), in scope and out of scope apart."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups["all"].append(r)
        groups[f"lang:{r['q'].lang}"].append(r)
        groups[f"variety:{r['q'].variety}" if r["q"].service else "out_of_scope"].append(r)
    return {g: metrics(rs) for g, rs in sorted(groups.items())}


# --- calibration ---------------------------------------------------------------------------

def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 4000, lr: float = 0.5,
                 signs: np.ndarray | None = None):
    """Class-balanced L2 logistic regression by gradient descent (a handful of features).
    `signs` (+1 / -1 / 0 per feature) keeps a weight non-negative / non-positive / free: more
    similarity never lowers the confidence, which correlated features would otherwise learn."""
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
        if signs is not None:
            w = np.where(signs > 0, np.maximum(w, 0.0), np.where(signs < 0, np.minimum(w, 0.0), w))
    return w, b


RANKING_L2 = 0.005


def fit_ranking(examples: list[tuple[np.ndarray, int]], allowed: np.ndarray, prior: np.ndarray, l2: float = RANKING_L2,
                steps: int = 300, lr: float = 0.5) -> np.ndarray:
    """Listwise ranking weights: softmax over each question's candidates, the right one as
    the target, by gradient descent. `allowed` masks the features a mode may use. The
    penalty pulls toward `prior` rather than zero: a few hundred development questions
    should adjust the channels' balance, not overturn it (they were once written next to the
    keywords, and a fit to them alone leaned on the keyword channels)."""
    w = prior * allowed
    for _ in range(steps):
        grad = np.zeros_like(w)
        for F, target in examples:
            z = F @ (w * 4.0)  # a fixed temperature keeps the step size sensible
            z -= z.max()
            p = np.exp(z)
            p /= p.sum()
            grad += 4.0 * (F.T @ p - F[target])
        w -= lr * (grad / max(1, len(examples)) + l2 * (w - prior))
        w *= allowed
    return w



COSTS = {"answered_correctly": 0.0, "confidently_wrong": 1.0, "falsely_declined": 1.0, "clarified_right": 0.35,
         "clarified_wrong": 1.0, "declined": 0.0, "clarified_oos": 0.5}
MIN_OOS_DECLINED = 0.90  # a floor on dev; the cost already counts each answered out-of-scope question as wrong


def choose_thresholds(dev_rows: list[tuple[Question, list[float], list[float], list[str]]], base: dict) -> dict:
    """t_scope, t_answer and clarify_margin with the least dev cost, declining at least
    MIN_OOS_DECLINED of the out-of-scope questions. Vectorised over the questions: the
    probabilities do not depend on the thresholds."""
    from knowledge.search.decision import CONF_FEATURES, probability

    scope = np.array([probability(f, base, "scope") for _, f, _, _ in dev_rows])
    prob = np.array([probability(f, base) for _, f, _, _ in dev_rows])
    named = np.array([f[CONF_FEATURES.index("foreign")] >= 2.0 for _, f, _, _ in dev_rows])
    oos = np.array([q.service is None for q, _, _, _ in dev_rows])
    right1 = np.array([bool(ids) and ids[0] == q.service for q, _, _, ids in dev_rows])
    best: tuple | None = None
    grid = sorted({round(float(x), 3) for x in np.linspace(0.0, 1.0, 41)})
    # Margins on the scale of the learnt scores: quantiles of the dev questions' first-second gaps.
    gaps = [tops[0] - tops[1] for _, _, tops, _ in dev_rows if len(tops) > 1]
    margins = sorted({0.0, *(round(float(g), 4) for g in np.quantile(gaps, [0.05, 0.1, 0.15, 0.2, 0.3]))}) if gaps else [0.0]
    for margin in margins:
        close = np.array([sum(1 for s in tops[:3] if tops[0] - s <= margin) if tops else 0 for _, _, tops, _ in dev_rows])
        offered = np.array([q.service in ids[:c] for (q, _, _, ids), c in zip(dev_rows, close)])
        for ts in grid:
            decline = named | (scope < ts)
            if oos.any() and (decline & oos).sum() / oos.sum() < MIN_OOS_DECLINED:
                continue
            for ta in grid:
                clarify = ~decline & (prob < ta) & (close >= 2)
                answer = ~decline & ~clarify
                cost = (COSTS["confidently_wrong"] * ((answer & ~oos & ~right1).sum() + (answer & oos).sum())
                        + COSTS["falsely_declined"] * (decline & ~oos).sum()
                        + COSTS["clarified_right"] * (clarify & ~oos & offered).sum()
                        + COSTS["clarified_wrong"] * (clarify & ~oos & ~offered).sum()
                        + COSTS["clarified_oos"] * (clarify & oos).sum())
                key = (float(cost), ts, ta)
                if best is None or key < best[0]:
                    best = (key, {"t_scope": ts, "t_answer": ta, "clarify_margin": margin})
    return best[1] if best else {"t_scope": 0.95, "t_answer": 0.95, "clarify_margin": 0.0}


def _forms(searcher, text: str, mode: str):
    from knowledge.search.ranking import MODE_FEATURES
    from knowledge.text import clean

    lexical, dense = searcher.forms(clean(text)[:2000])
    return lexical, MODE_FEATURES[mode], dense


def calibrate_mode(searcher, dev: list[Question], mode: str) -> dict:
    """Fit ranking weights, the confidence model and the decision thresholds on `dev`."""
    from knowledge.search.decision import CONF_FEATURES, CONF_SIGNS, decision_features, probability
    from knowledge.search.ranking import DEFAULT_PARAMS, FEATURES, MODE_FEATURES, candidate_features, oos_similarity, rank

    ids = searcher.index.service_ids
    position = {sid: i for i, sid in enumerate(ids)}
    channels = [searcher.channel_scores(*_forms(searcher, q.text, mode)) for q in dev]
    cached = [(q, candidate_features(ch)) for q, ch in zip(dev, channels)]
    allowed = np.array([1.0 if f in MODE_FEATURES[mode] else 0.0 for f in FEATURES])
    examples = []
    for q, cands in cached:
        if q.service and position.get(q.service) in cands:
            order = list(cands)
            examples.append((np.array([cands[c] for c in order]), order.index(position[q.service])))
    default = np.array(DEFAULT_PARAMS[mode]["weights"])
    prior = default / max(default.sum(), 1e-9) * allowed.sum()  # the defaults, on the scale the fit starts from
    weights = fit_ranking(examples, allowed, prior)
    feats, labels, dev_rows = [], [], []
    for (q, cands), ch in zip(cached, channels):
        ranked = rank(cands, list(weights))
        f = decision_features(ranked, q.text, oos_similarity(ch))
        top_ids = [ids[pos] for pos, _, _ in ranked[:3]]
        feats.append(f)
        labels.append(1.0 if q.service and top_ids and top_ids[0] == q.service else 0.0)
        dev_rows.append((q, f, [s for _, s, _ in ranked[:3]], top_ids))
    X = np.array(feats)
    y = np.array(labels)
    signs = np.array([CONF_SIGNS[f] for f in CONF_FEATURES])
    ins = np.array([q.service is not None for q in dev])
    cw, cb = fit_logistic(X[ins], y[ins], signs=signs)  # is the first hit right, given it is ours
    sw, sb = fit_logistic(X, ins.astype(float), signs=signs)  # is it ours at all
    r6 = lambda v: [round(float(x), 6) for x in v]  # noqa: E731
    params = {"weights": r6(weights), "conf_weights": r6(cw), "conf_bias": round(float(cb), 6),
              "scope_weights": r6(sw), "scope_bias": round(float(sb), 6)}
    params.update(choose_thresholds(dev_rows, params))
    searcher.params[mode] = {**searcher.params[mode], **params}
    probs = [probability(f, params) for f in feats]
    return {**params, "dev_questions": len(dev), "dev_mean_p": round(float(np.mean(probs)), 4)}


def calibrate(searcher, path: Path, modes=("hybrid", "dense", "lexical", "hybrid_no_entities")) -> dict:
    """Calibrate every mode on the dev questions and store it under the embedder's model id."""
    dev = [q for q in load_questions() if q.split == "dev"]
    result = {mode: calibrate_mode(searcher, dev, mode) for mode in modes}
    stored = json.loads(Path(path).read_text("utf-8")) if Path(path).exists() else {}
    stored[searcher.embedder.model_id] = {m: {k: v for k, v in r.items() if not k.startswith("dev_")}
                                          for m, r in result.items()}
    Path(path).write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", "utf-8")
    return result


# --- independence of the evaluation ---------------------------------------------------------

NEAR_DUPLICATE = 0.92


def near_duplicates(catalog, embedder, questions: list[Question], cache_dir: Path,
                    threshold: float = NEAR_DUPLICATE) -> list[dict]:
    """Evaluation questions too close to what the system learns from: within `threshold`
    cosine of a bank question or a catalog keyword, or equal to one once normalized.
    Embeddings are cached by text next to the index (the bank and keywords are there already)."""
    from knowledge.search.embeddings import EmbeddingCache
    from knowledge.text import normalize

    learnt = [(q.text, f"bank:{q.service}") for q in catalog.questions]
    learnt += [(t, "out_of_scope") for t in catalog.negatives]
    for s in catalog.services:
        learnt += [(k, f"keyword:{s.id}") for k in s.keywords_en + s.keywords_ar]
    cache = EmbeddingCache(Path(cache_dir) / f"embeddings-{embedder.model_id}.npz", embedder)
    learnt_vecs = cache.encode([t for t, _ in learnt])
    eval_vecs = cache.encode([q.text for q in questions])
    cache.save()
    found = []
    exact = {" ".join(normalize(t).split()): (t, src) for t, src in learnt}
    for start in range(0, len(questions), 256):
        sims = eval_vecs[start:start + 256] @ learnt_vecs.T
        for i, row in enumerate(sims):
            q = questions[start + i]
            j = int(np.argmax(row))
            same = exact.get(" ".join(normalize(q.text).split()))
            if row[j] >= threshold or same:
                text, src = same or learnt[j]
                found.append({"question": q.text, "file": q.source, "close_to": text, "source": src,
                              "cosine": round(float(row[j]), 4)})
    return found
