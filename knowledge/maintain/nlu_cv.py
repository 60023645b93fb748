"""NLU cross-validation on the project's own training data (used by `dalil eval` and bench/nlu.py):
train Rasa on k-1 folds in its own environment and test on the held-out fold, per language."""
from __future__ import annotations

import json
import random
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

from knowledge.config import ROOT
from knowledge.maintain.rasa import RASA, rasa_env

SKIP_INTENTS = {"choose_service"}  # button payloads, not language


def _rasa(*args: str, cwd: Path) -> None:
    out = subprocess.run([str(RASA), *args], cwd=cwd, env=rasa_env(), capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"rasa {' '.join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


def write_nlu(path: Path, examples: list[tuple[str, str]], extra: str = "") -> None:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for intent, text in examples:
        by_intent[intent].append(text)
    doc = {"version": "3.1", "nlu": [{"intent": i, "examples": "".join(f"- {t}\n" for t in ts)}
                                      for i, ts in sorted(by_intent.items())]}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False) + extra, "utf-8")


def train_and_test(train: Path, tests: dict[str, Path], work: Path, config: Path, plots: Path | None = None) -> dict:
    """Train an NLU model and score it on each test file; with `plots`, keep each test's
    intent confusion matrix there as confusion-<test name>.png."""
    t0 = time.time()
    _rasa("train", "nlu", "--config", str(config), "--nlu", str(train), "--out", str(work / "models"),
          "--fixed-model-name", "bench", cwd=ROOT)
    train_s = time.time() - t0
    out: dict = {"train_s": round(train_s, 1)}
    for name, test in tests.items():
        report_dir = work / f"report-{name}"
        _rasa("test", "nlu", "--model", str(work / "models" / "bench.tar.gz"), "--nlu", str(test),
              "--out", str(report_dir), *([] if plots else ["--no-plot"]), cwd=ROOT)
        if plots and (report_dir / "intent_confusion_matrix.png").exists():
            plots.mkdir(parents=True, exist_ok=True)
            (plots / f"confusion-{name}.png").write_bytes((report_dir / "intent_confusion_matrix.png").read_bytes())
        intents = json.loads((report_dir / "intent_report.json").read_text("utf-8"))
        row: dict = {"intent_macro_f1": round(intents["macro avg"]["f1-score"], 4),
               "intent_accuracy": round(intents.get("accuracy", intents.get("micro avg", {}).get("f1-score", 0)), 4),
               "n": int(intents["macro avg"]["support"])}
        ents = report_dir / "DIETClassifier_report.json"
        if ents.exists():
            e = json.loads(ents.read_text("utf-8"))
            if "micro avg" in e:
                row["entity_micro_f1"] = round(e["micro avg"]["f1-score"], 4)
        out[name] = row
    return out


def own_examples() -> dict[str, list[tuple[str, str]]]:
    per_lang = {}
    for lang in ("ar", "en"):
        doc = yaml.safe_load((ROOT / "data" / "nlu" / f"{lang}.yml").read_text("utf-8"))
        ex = []
        for block in doc["nlu"]:
            if "intent" in block and block["intent"] not in SKIP_INTENTS:
                for line in block["examples"].splitlines():
                    t = line.strip().removeprefix("- ").strip()
                    if t:
                        ex.append((block["intent"], t))
        per_lang[lang] = ex
    return per_lang


def own_cv(folds: int, plots: Path | None = None) -> dict:
    per_lang = own_examples()
    synonyms = (ROOT / "data" / "nlu" / "synonyms.yml").read_text("utf-8")
    rng = random.Random(42)
    fold_of = {}
    for lang, ex in per_lang.items():  # stratified by intent within each language
        by_intent = defaultdict(list)
        for e in ex:
            by_intent[e[0]].append(e)
        for items in by_intent.values():
            rng.shuffle(items)
            for i, e in enumerate(items):
                fold_of[(lang, e)] = i % folds
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "synonyms.yml").write_text(synonyms, "utf-8")
        for k in range(folds):
            train = [e for (lang, e), f in fold_of.items() if f != k]
            tests = {}
            for lang in per_lang:
                path = work / f"test-{lang}.yml"
                write_nlu(path, [e for (l, e), f in fold_of.items() if f == k and l == lang])
                tests[lang] = path
            train_dir = work / "train"
            train_dir.mkdir(exist_ok=True)
            write_nlu(train_dir / "nlu.yml", train)
            (train_dir / "synonyms.yml").write_text(synonyms, "utf-8")
            print(f"  fold {k + 1}/{folds}", flush=True)
            rows.append(train_and_test(train_dir, tests, work, ROOT / "config.yml", plots if k == 0 else None))
    out: dict = {"folds": folds, "train_s_mean": round(sum(r["train_s"] for r in rows) / folds, 1)}
    for lang in per_lang:
        for key in ("intent_macro_f1", "entity_micro_f1"):
            vals = [r[lang][key] for r in rows if key in r[lang]]
            if vals:
                out.setdefault(lang, {})[key] = round(sum(vals) / len(vals), 4)
        out[lang]["n"] = len(per_lang[lang])
    return out
