"""Entity recognition (issue #15): precision and recall per entity type, language slice and
overall, on knowledge/eval/entities/messages.yaml (written apart from catalog/_synonyms.yaml).
A predicted entity counts as right when its type and canonical id are among the message's
labels (the span is not compared: annotators and patterns draw clitics differently). The
messages are split dev/test by the same fixed hash as the questions; synonyms are tuned on
the dev part's errors only, and the test part is what is reported.
Writes bench/results/entities.{json,md}."""
from __future__ import annotations

import hashlib
import json
import time

import yaml

from bench.results_file import RESULTS
from knowledge.catalog import load_catalog
from knowledge.config import ROOT, settings
from knowledge.entities import TYPES, EntityFinder
from knowledge.search.evaluation import DEV_SHARE

EVAL = ROOT / "knowledge" / "eval" / "entities" / "messages.yaml"


def split_of(text: str) -> str:
    h = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)
    return "dev" if h % 10 < DEV_SHARE else "test"


def _pr(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4), "tp": tp, "fp": fp, "fn": fn}


def evaluate(messages: list[dict], finder: EntityFinder) -> dict:
    counts: dict[str, list[int]] = {}
    errors = []
    for m in messages:
        gold = {(e["type"], e["id"]) for e in m["entities"]}
        got = {(f.type, f.id) for f in finder.find(m["text"])}
        for key, group in ((t, t) for t in TYPES):
            g = {x for x in gold if x[0] == group}
            p = {x for x in got if x[0] == group}
            for name in (key, f"slice:{m['slice']}", "all"):
                c = counts.setdefault(name, [0, 0, 0])
                c[0] += len(g & p)
                c[1] += len(p - g)
                c[2] += len(g - p)
        if gold != got:
            errors.append({"text": m["text"], "slice": m["slice"], "missed": sorted(map(list, gold - got)),
                           "wrong": sorted(map(list, got - gold))})
    return {name: _pr(*c) for name, c in sorted(counts.items())} | {"_errors": errors}


def main() -> None:
    messages = [m for m in yaml.safe_load(EVAL.read_text("utf-8"))["messages"] if split_of(m["text"]) == "test"]
    finder = EntityFinder(list(load_catalog(settings().catalog_dir).things))
    t0 = time.perf_counter()
    finder.find("warm up")
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = evaluate(messages, finder)
    per_message_ms = (time.perf_counter() - t0) / len(messages) * 1000
    errors = result.pop("_errors")
    out = {"messages": len(messages), "pipeline_build_s": round(build_s, 2),
           "ms_per_message": round(per_message_ms, 3), "figures": result, "errors": errors}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "entities.json").write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", "utf-8")
    lines = ["# Entity recognition (`make bench-entities`)", "",
             f"{len(messages)} labelled messages, the test part of {EVAL.relative_to(ROOT)}; pipeline built in {out['pipeline_build_s']} s, "
             f"{out['ms_per_message']} ms per message. Targets (issue #15): precision >= 0.95, recall >= 0.90.", "",
             "| group | precision | recall | tp | fp | fn |", "|---|---|---|---|---|---|"]
    for name, f in result.items():
        lines.append(f"| {name} | {f['precision']} | {f['recall']} | {f['tp']} | {f['fp']} | {f['fn']} |")
    lines += ["", f"## Messages not recognised exactly ({len(errors)})", ""]
    lines += [f"- [{e['slice']}] {e['text']} — missed {e['missed']}, wrong {e['wrong']}" for e in errors[:80]]
    (RESULTS / "entities.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines[:len(result) + 6]))


if __name__ == "__main__":
    main()
