"""`dalil eval`: measure a version (retrieval, NLU, conversations), write a report, and
compare with an earlier version as a regression gate."""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from knowledge.config import settings
from knowledge.search.evaluation import grouped_metrics, load_questions, run_questions

# Figures where higher is better, and the ones where lower is better.
HIGHER = ("recall@1", "recall@3", "mrr", "answered_correctly", "oos_declined", "intent_macro_f1", "entity_micro_f1",
          "conversations_passed")
LOWER = ("confidently_wrong", "falsely_declined")


def retrieval_figures(searcher, split: str = "test", questions: list | None = None) -> tuple[dict, list[dict]]:
    """Per-language figures and the questions that failed, on `questions` (the held-out
    `split` of the evaluation set when not given)."""
    if questions is None:
        questions = [q for q in load_questions() if q.split == split]
    rows = run_questions(searcher, questions, "hybrid")
    metrics = grouped_metrics(rows)
    failed = [{"text": r["q"].text, "lang": r["q"].lang, "variety": r["q"].variety, "expected": r["q"].service,
               "got": r["top_id"] if r["decision"] == "answer" else r["decision"], "rank": r["rank"]}
              for r in rows if r["outcome"] not in ("answered_correctly", "declined")]
    return {g: m for g, m in metrics.items() if g in ("all", "lang:ar", "lang:en", "out_of_scope")
            or g.startswith("variety:")}, failed


def nlu_figures(folds: int = 3, plots: Path | None = None) -> dict:
    """Cross-validated intent/entity F1 per language (bench.nlu's procedure, fewer folds);
    the first fold's confusion matrices go to `plots`."""
    from knowledge.maintain.nlu_cv import own_cv

    res = own_cv(folds, plots)
    return {lang: {k: v for k, v in res[lang].items() if k != "n"} for lang in ("ar", "en")}


def conversation_figures(model: Path, out_dir: Path, stories: Path | None = None) -> dict:
    """The share of conversation tests (`stories`: a file or folder, tests/stories by default)
    the model passes. A `rasa test` that fails to run is an error, not a perfect score."""
    from knowledge.config import ROOT
    from knowledge.maintain.rasa import RASA, rasa_env

    stories = Path(stories or ROOT / "tests" / "stories")
    out = subprocess.run([str(RASA), "test", "core", "--model", str(model), "--stories", str(stories),
                          "--out", str(out_dir)], cwd=ROOT, env=rasa_env(), capture_output=True, text=True)
    if out.returncode != 0 or not (out_dir / "story_report.json").exists():
        raise RuntimeError(f"rasa test core failed (exit {out.returncode}): {(out.stdout + out.stderr)[-2000:]}")
    failed = out_dir / "failed_test_stories.yml"
    n_failed = failed.read_text("utf-8").count("- story:") if failed.exists() else 0
    files = sorted(stories.rglob("*.yml")) if stories.is_dir() else [stories]
    total = sum(f.read_text("utf-8").count("- story:") for f in files)
    return {"conversations_passed": round((total - n_failed) / max(1, total), 4), "stories": total,
            "failed_stories": n_failed}


def flatten(figures: dict, prefix: str = "") -> dict[str, float]:
    out = {}
    for k, v in figures.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}/"))
        elif isinstance(v, (int, float)) and k.split("/")[-1] in HIGHER + LOWER:
            out[f"{prefix}{k}"] = float(v)
    return out


def compare(current: dict, previous: dict, margin: float = 0.02) -> list[dict]:
    """Every figure in both reports with its change; `regression` when it got worse by more than margin."""
    cur, prev = flatten(current), flatten(previous)
    rows = []
    for key in sorted(set(cur) & set(prev)):
        delta = cur[key] - prev[key]
        worse = -delta if key.split("/")[-1] in HIGHER else delta
        rows.append({"figure": key, "previous": prev[key], "current": cur[key], "delta": round(delta, 4),
                     "regression": worse > margin})
    return rows


def markdown(version: str, figures: dict, failed: list[dict], comparison: list[dict] | None,
             confusion: list[Path]) -> str:
    lines = [f"# Dalil evaluation — version {version}", ""]
    r = figures.get("retrieval", {})
    if r:
        lines += ["## Retrieval (hybrid, held-out test questions)", "",
                  "| group | n | right | confidently wrong | falsely declined | clarified | R@1 | OOS declined |",
                  "|---|---|---|---|---|---|---|---|"]
        for g, m in r.items():
            lines.append(f"| {g} | {m.get('n') or m.get('n_oos')} | {m.get('answered_correctly', '-')} | "
                         f"{m.get('confidently_wrong', '-')} | {m.get('falsely_declined', '-')} | {m.get('clarified', '-')} | "
                         f"{m.get('recall@1', '-')} | {m.get('oos_declined', '-')} |")
        lines.append("")
    if figures.get("nlu"):
        lines += ["## NLU (cross-validation)", "", "| language | intent macro-F1 | entity micro-F1 |", "|---|---|---|"]
        for lang, m in figures["nlu"].items():
            lines.append(f"| {lang} | {m.get('intent_macro_f1')} | {m.get('entity_micro_f1', '-')} |")
        lines.append("")
    for png in confusion:
        lines += [f"### Intent confusion matrix ({png.stem.split('-')[-1]}, first fold)", "", f"![confusion]({png.name})", ""]
    if figures.get("conversations"):
        c = figures["conversations"]
        lines += ["## Conversation tests", "", f"{c['stories'] - c['failed_stories']} of {c['stories']} stories pass.", ""]
    if comparison:
        lines += ["## Compared with the previous version", "", "| figure | previous | current | change | |",
                  "|---|---|---|---|---|"]
        for row in comparison:
            flag = "REGRESSION" if row["regression"] else ""
            lines.append(f"| {row['figure']} | {row['previous']} | {row['current']} | {row['delta']:+} | {flag} |")
        lines.append("")
    if failed:
        lines += ["## Questions that failed", "", "| lang | variety | question | expected | got | rank |",
                  "|---|---|---|---|---|---|"]
        for f in failed:
            lines.append(f"| {f['lang']} | {f['variety']} | {f['text']} | {f['expected'] or 'out of scope'} | "
                         f"{f['got'] or 'not confident'} | {f['rank'] or '-'} |")
    return "\n".join(lines) + "\n"


def evaluate(version: str, searcher=None, model: Path | None = None, nlu: bool = True, conversations: bool = True,
             folds: int = 3, compare_to: str | None = None, margin: float = 0.02,
             out_root: Path | None = None, questions: list | None = None) -> dict:
    """Run the chosen evaluations, write reports/<version>/{report.md, figures.json}; return a
    summary. `questions` replaces the held-out test split (a quicker, rougher check)."""
    from knowledge.search import default_searcher

    root = out_root or settings().var_dir / "reports"
    prev_path = root / compare_to / "figures.json" if compare_to else None
    if prev_path is not None and not prev_path.exists():  # before minutes of evaluation, not after
        raise FileNotFoundError(f"no evaluation of version {compare_to} at {prev_path}; run `dalil eval` on it first")
    out_dir = root / version
    out_dir.mkdir(parents=True, exist_ok=True)
    figures: dict = {}
    retrieval, failed = retrieval_figures(searcher or default_searcher(), questions=questions)
    figures["retrieval"] = retrieval
    if nlu:
        figures["nlu"] = nlu_figures(folds, plots=out_dir)
    if conversations and model is not None:
        with tempfile.TemporaryDirectory() as tmp:
            figures["conversations"] = conversation_figures(model, Path(tmp))
    confusion = sorted(out_dir.glob("confusion-*.png"))
    comparison = None
    if prev_path is not None:
        comparison = compare(figures, json.loads(prev_path.read_text("utf-8")), margin)
    (out_dir / "figures.json").write_text(json.dumps(figures, indent=2) + "\n", "utf-8")
    (out_dir / "report.md").write_text(markdown(version, figures, failed, comparison, confusion), "utf-8")
    regressions = [r for r in comparison or [] if r["regression"]]
    return {"version": version, "report": str(out_dir / "report.md"), "figures": figures,
            "regressions": regressions, "failed_questions": len(failed)}
