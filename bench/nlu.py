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
import re
import tempfile
from pathlib import Path

import yaml

from bench.results_file import RESULTS
from knowledge.config import ROOT
from knowledge.maintain.nlu_cv import own_cv, train_and_test, write_nlu

DATASETS = ROOT.parent / "shared" / "datasets"


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
