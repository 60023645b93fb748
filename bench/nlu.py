"""NLU benchmark with our pipeline (config.yml), through Rasa's own CLI in the Rasa env:

- 5-fold cross-validation of our NLU data, scored per language (intent macro-F1, entity F1);
- ArBanking77: train on MSA_PAL_train, macro-F1 on the MSA, PAL, Saudi and Moroccan tests;
- Banking77 (English): train on train.csv, macro-F1 on test.csv.

    python -m bench.nlu [--only own|arbanking|banking] [--folds 5]

Writes bench/results/nlu.json and nlu.md. Takes tens of minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

from ops.servers import RASA, ROOT, rasa_env

RESULTS = ROOT / "bench" / "results"
DATASETS = ROOT.parent / "shared" / "datasets"
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
    out = {"train_s": round(train_s, 1)}
    for name, test in tests.items():
        report_dir = work / f"report-{name}"
        _rasa("test", "nlu", "--model", str(work / "models" / "bench.tar.gz"), "--nlu", str(test),
              "--out", str(report_dir), *([] if plots else ["--no-plot"]), cwd=ROOT)
        if plots and (report_dir / "intent_confusion_matrix.png").exists():
            plots.mkdir(parents=True, exist_ok=True)
            (plots / f"confusion-{name}.png").write_bytes((report_dir / "intent_confusion_matrix.png").read_bytes())
        intents = json.loads((report_dir / "intent_report.json").read_text("utf-8"))
        row = {"intent_macro_f1": round(intents["macro avg"]["f1-score"], 4),
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
    out = {"folds": folds, "train_s_mean": round(sum(r["train_s"] for r in rows) / folds, 1)}
    for lang in per_lang:
        for key in ("intent_macro_f1", "entity_micro_f1"):
            vals = [r[lang][key] for r in rows if key in r[lang]]
            if vals:
                out.setdefault(lang, {})[key] = round(sum(vals) / len(vals), 4)
        out[lang]["n"] = len(per_lang[lang])
    return out


def csv_examples(path: Path, text_col: str, label_col: str) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    clean = re.compile(r"[\[\]{}()\n\r]")  # Rasa markup characters would be read as annotations
    return [(re.sub(r"\W+", "_", r[label_col]).strip("_") or "label", clean.sub(" ", r[text_col]).strip())
            for r in rows if r[text_col].strip()]


def dataset_bench(name: str, train_csv: Path, tests: dict[str, Path], text_col: str, label_col: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # The same pipeline; count vectors capped so a 20k-example vocabulary fits in memory.
        cfg = yaml.safe_load((ROOT / "config.yml").read_text("utf-8"))
        for comp in cfg["pipeline"]:
            if comp["name"] == "CountVectorsFeaturizer":
                comp["max_features"] = 20000 if comp.get("analyzer") == "word" else 30000
        cfg_path = work / "config.yml"
        cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), "utf-8")
        train = work / "train.yml"
        write_nlu(train, csv_examples(train_csv, text_col, label_col))
        test_paths = {}
        for tname, path in tests.items():
            test_paths[tname] = work / f"test-{tname}.yml"
            write_nlu(test_paths[tname], csv_examples(path, text_col, label_col))
        print(f"  {name}: training", flush=True)
        return {**train_and_test(train, test_paths, work, cfg_path),
                "pipeline": [c["name"].split(".")[-1] for c in cfg["pipeline"]]}


def markdown(res: dict) -> str:
    lines = ["# NLU benchmark (pipeline of config.yml)", ""]
    if "own" in res:
        o = res["own"]
        lines += [f"## Own data, {o['folds']}-fold cross-validation (mean training {o['train_s_mean']} s per fold)", "",
                  "| language | examples | intent macro-F1 | entity micro-F1 |", "|---|---|---|---|"]
        for lang in ("ar", "en"):
            lines.append(f"| {lang} | {o[lang]['n']} | {o[lang]['intent_macro_f1']} | {o[lang].get('entity_micro_f1', '-')} |")
        lines.append("")
    for key, title in (("arbanking77", "ArBanking77 (train MSA_PAL_train)"), ("banking77", "Banking77 English")):
        if key in res:
            r = res[key]
            lines += [f"## {title}: training {r['train_s']} s", "", "| test set | n | intent macro-F1 | accuracy |",
                      "|---|---|---|---|"]
            if r.get("pipeline"):
                lines[-3:-3] = [f"Pipeline: {', '.join(r['pipeline'])}", ""]
            for t, v in r.items():
                if isinstance(v, dict):
                    lines.append(f"| {t} | {v['n']} | {v['intent_macro_f1']} | {v['intent_accuracy']} |")
            lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=("own", "arbanking", "banking"))
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "nlu.json"
    res = {}
    if args.only in (None, "own"):
        print("own data cross-validation ...", flush=True)
        res["own"] = own_cv(args.folds)
    ab = DATASETS / "arbanking77"
    if args.only in (None, "arbanking") and ab.exists():
        res["arbanking77"] = dataset_bench("ArBanking77", ab / "Banking77_Arabized_MSA_PAL_train.csv", {
            "MSA": ab / "Banking77_Arabized_MSA_test.csv", "PAL": ab / "Banking77_Arabized_PAL_test.csv",
            "Saudi": ab / "Banking77_Arabized_Saudi_test.csv",
            "Moroccan": ab / "Banking77_Arabized_Moroccan_test.csv"}, "text", "label")
    b = DATASETS / "banking77_en"
    if args.only in (None, "banking") and b.exists():
        res["banking77"] = dataset_bench("Banking77", b / "train.csv", {"test": b / "test.csv"}, "text", "category")
    # Merge with what other runs (--only ...) wrote, read now: they may have finished meanwhile.
    res = {**(json.loads(path.read_text("utf-8")) if path.exists() else {}), **res}
    path.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", "utf-8")
    md = markdown(res)
    (RESULTS / "nlu.md").write_text(md, "utf-8")
    print(md)


if __name__ == "__main__":
    main()
