"""Maintainer commands' inner functions: train, the eval regression gate, review export."""
import json
from contextlib import closing

import pytest

from knowledge.conversations.review import Item, export, group
from knowledge.maintain.report import compare, evaluate, flatten
from knowledge.maintain.train import train
from knowledge.search import Searcher
from knowledge.search.evaluation import load_questions


def test_train_stops_on_an_invalid_catalog_naming_file_service_field(tmp_path, monkeypatch):
    bad = tmp_path / "catalog"
    bad.mkdir()
    (bad / "test.yaml").write_text("entity: {id: test, name_en: T, name_ar: ت, url: 'https://t.qa'}\n"
                                   "services: [{id: test-x, name_en: X}]\n", "utf-8")
    monkeypatch.setenv("DALIL_CATALOG_DIR", str(bad))
    monkeypatch.setenv("DALIL_VAR_DIR", str(tmp_path / "var"))
    report = train(progress=lambda m: None)
    assert report.ok is False and report.version == ""
    assert [s["step"] for s in report.steps] == ["catalog"]  # nothing else ran
    assert any(e.startswith("test.yaml [test-x] name_ar: missing language") for e in report.errors), report.errors


@pytest.mark.e2e
def test_train_with_nothing_changed_rebuilds_nothing(tmp_path, monkeypatch, searcher):
    from ops.servers import ensure_model

    model = ensure_model(quiet=True)
    mtime = model.stat().st_mtime
    monkeypatch.setenv("DALIL_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DALIL_INDEX_DIR", str(model.parent.parent / "var" / "index"))
    report = train(progress=lambda m: None)
    assert report.ok, report.errors
    assert [s["step"] for s in report.steps] == ["catalog", "training data", "index", "model"]
    assert model.stat().st_mtime == mtime
    record = json.loads((tmp_path / "versions" / f"{report.version}.json").read_text())
    assert record["model"] == str(model) and record["services"] == len(searcher.catalog.services)
    assert train(progress=lambda m: None).version == report.version  # same inputs, same version


def test_compare_flags_drops_beyond_the_margin():
    before = {"retrieval": {"lang:ar": {"recall@1": 0.92, "falsely_declined": 0.03}}, "nlu": {"en": {"intent_macro_f1": 0.97}}}
    after = {"retrieval": {"lang:ar": {"recall@1": 0.88, "falsely_declined": 0.03}}, "nlu": {"en": {"intent_macro_f1": 0.96}}}
    rows = {r["figure"]: r for r in compare(after, before, margin=0.02)}
    assert rows["retrieval/lang:ar/recall@1"]["regression"] is True
    assert rows["nlu/en/intent_macro_f1"]["regression"] is False        # within the margin
    assert rows["retrieval/lang:ar/falsely_declined"]["regression"] is False
    worse_fr = {"retrieval": {"lang:ar": {"recall@1": 0.92, "falsely_declined": 0.10}}}
    assert [r["figure"] for r in compare(worse_fr, before) if r["regression"]] == ["retrieval/lang:ar/falsely_declined"]
    assert flatten({"a": {"n": 3, "mrr": 0.5}}) == {"a/mrr": 0.5}      # counts are not figures


def test_regression_gate_fails_on_a_crafted_worse_model(tmp_path, searcher):
    # Every 8th held-out question (about 490): the whole split takes minutes per run, and a
    # model without its bank falls far more than the gate's margin on any fair sample.
    sample = [q for q in load_questions() if q.split == "test"][::8]
    good = evaluate("good", searcher=searcher, nlu=False, conversations=False, out_root=tmp_path, questions=sample)
    assert good["regressions"] == []
    # A worse "model": only the dense document channel ranks (no bank, no lexical channels).
    worse_params = {m: dict(p) for m, p in searcher.params.items()}
    worse_params["hybrid"].update({"weights": [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]})
    worse = Searcher(searcher.catalog, searcher.embedder, searcher.index, worse_params)
    result = evaluate("worse", searcher=worse, nlu=False, conversations=False, compare_to="good", out_root=tmp_path,
                      questions=sample)
    regressed = {r["figure"] for r in result["regressions"]}
    assert "retrieval/all/recall@1" in regressed
    report = (tmp_path / "worse" / "report.md").read_text("utf-8")
    assert "REGRESSION" in report and "## Questions that failed" in report
    same = evaluate("again", searcher=searcher, nlu=False, conversations=False, compare_to="good", out_root=tmp_path,
                    questions=sample)
    assert same["regressions"] == []


def test_compare_with_unknown_version_is_a_clear_error(tmp_path, searcher):
    with pytest.raises(FileNotFoundError, match="run `dalil eval` on it first"):
        evaluate("x", searcher=searcher, nlu=False, conversations=False, compare_to="nope", out_root=tmp_path)
    assert not (tmp_path / "x").exists()  # refused before evaluating: nothing half-written


def test_review_groups_similar_questions_and_exports_csv(tmp_path, searcher):
    items = [Item("how do I renew my boat licence", "en", "not_confident", "c1"),
             Item("renew boat licence online?", "en", "not_confident", "c2"),
             Item("ما هو سعر الذهب اليوم", "ar", "negative_feedback", "c3")]
    groups = group(items, searcher.embedder, threshold=0.5)
    assert sorted(len(g) for g in groups) == [1, 2]
    path = tmp_path / "review.csv"
    assert export(groups, path) == 3
    lines = path.read_text("utf-8-sig").splitlines()
    assert lines[0] == "group,text,language,reason,conversation_id,intent,service"
    assert lines[1].startswith("1,") and "boat" in lines[1]


def test_review_collects_each_reason_and_merges_one_turn(tmp_path):
    """`collect` over a tracker database in Rasa's SQL layout (table `events`; written here by
    hand, the one outside format) and the real feedback and handoff stores."""
    import json
    import sqlite3

    from knowledge.conversations.feedback import FeedbackStore
    from knowledge.conversations.handoffs import HandoffStore
    from knowledge.conversations.review import collect

    def user(text, intent):
        return ("user", {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}})

    def result(value):
        return ("slot", {"event": "slot", "name": "search_result", "value": value})

    rows = [("c1", *user("blorp snurgle", "nlu_fallback")), ("c1", *user("/greet", "nlu_fallback")),
            ("c2", *user("ابي اجدد اقامتي", "ask_service")), ("c2", *result("found")),
            ("c2", *user("who fixes my boat", "ask_service")), ("c2", *result("not_found")),
            ("c3", *user("رقمي 55123456 وش السالفة", "ask_service")), ("c3", *result("repeated_failure"))]
    tracker = tmp_path / "tracker.sqlite3"
    with closing(sqlite3.connect(tracker)) as db, db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, data TEXT)")
        db.executemany("INSERT INTO events (sender_id, type_name, data) VALUES (?, ?, ?)",
                       [(s, k, json.dumps(d)) for s, k, d in rows])
    store = tmp_path / "dalil.sqlite3"
    FeedbackStore(store).add("c4", "Fees for Health Card Renewal", -1, "hmc-health-card-renewal")
    FeedbackStore(store).add("c5", "Fees for Driving Licence Renewal", 1, "moi-dl-renewal")  # helpful: not reviewed
    HandoffStore(store).create("c2", "en", None, "repeated_failure",
                               [{"role": "user", "text": "who fixes my boat", "timestamp": 1.0}])
    got = sorted((i.conversation_id, i.text, i.language, i.reason) for i in collect(tracker, store))
    assert got == [("c1", "blorp snurgle", "en", "nlu_fallback"),
                   ("c2", "who fixes my boat", "en", "handoff+not_confident"),
                   ("c3", "رقمي [PHONE] وش السالفة", "ar", "not_confident"),
                   ("c4", "Fees for Health Card Renewal", "en", "negative_feedback")]


def test_the_model_is_retrained_when_what_training_reads_changes(tmp_path):
    """The model is named after a hash of its inputs: a change to any of them names a new
    model (so `make run` / `dalil train` retrain), a change elsewhere does not."""
    import ast
    import shutil

    from knowledge.config import ROOT
    from knowledge.maintain.rasa import MODEL_INPUTS, model_inputs_hash

    for name in MODEL_INPUTS:
        src, dst = ROOT / name, tmp_path / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dst) if src.is_dir() else shutil.copy2(src, dst)
    base = model_inputs_hash(tmp_path)
    assert base == model_inputs_hash(ROOT)
    (tmp_path / "README.md").write_text("not read by training", "utf-8")
    assert model_inputs_hash(tmp_path) == base
    for changed in ("domain.yml", "config.yml", "data/nlu/bank.yml", "knowledge/text.py", "bot/components.py"):
        path = tmp_path / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n# changed\n")
        assert model_inputs_hash(tmp_path) != base, changed
        path.write_bytes(original)
    assert model_inputs_hash(tmp_path) == base

    # Every module of this repository the custom NLU components import, however indirectly,
    # is an input: otherwise a change to it would leave a stale model in use.
    seen, todo = set(), ["bot/components.py"]
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        for node in ast.walk(ast.parse((ROOT / rel).read_text("utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for mod in names:
                if mod.split(".")[0] in ("knowledge", "bot"):
                    path = mod.replace(".", "/") + ".py"
                    todo.append(path if (ROOT / path).exists() else mod.replace(".", "/") + "/__init__.py")
    missing = [rel for rel in seen if not any(rel == n or rel.startswith(n + "/") for n in MODEL_INPUTS)]
    assert missing == []


@pytest.mark.e2e
def test_conversation_figures_count_what_passes_and_fail_loudly(tmp_path):
    """`dalil eval`'s conversation figure, on two stories of which one is wrong on purpose."""
    from knowledge.maintain.report import conversation_figures
    from ops.servers import ensure_model

    stories = tmp_path / "stories.yml"
    stories.write_text('''version: "3.1"
stories:
- story: a greeting is answered
  steps:
  - user: |
      hello
    intent: greet
  - action: utter_greet
- story: a greeting answered with the out-of-scope reply (wrong on purpose)
  steps:
  - user: |
      hello
    intent: greet
  - action: utter_out_of_scope
''', "utf-8")
    model = ensure_model(quiet=True)
    out = tmp_path / "out"
    assert conversation_figures(model, out, stories) == {"conversations_passed": 0.5, "stories": 2, "failed_stories": 1}
    broken = tmp_path / "broken.yml"
    broken.write_text('version: "3.1"\nstories:\n- story: [not, a, story\n', "utf-8")
    with pytest.raises(RuntimeError, match="rasa test core failed"):
        conversation_figures(model, tmp_path / "out2", broken)


@pytest.mark.e2e
def test_nlu_figures_are_rasa_s_scores_of_the_held_out_file(tmp_path):
    """`dalil eval`'s NLU figures (train on one file, score another) on data small enough to
    work out by hand: one test example is labelled wrong on purpose, so greet has precision
    2/3 and recall 1 (F1 0.8), goodbye precision 1 and recall 1/2 (F1 2/3): macro-F1 0.7333,
    accuracy 3/4."""
    from knowledge.maintain.nlu_cv import train_and_test, write_nlu

    config = tmp_path / "config.yml"
    config.write_text("""recipe: default.v1
language: en
assistant_id: figures-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 60
    random_seed: 1
    entity_recognition: false
policies: []
""", "utf-8")
    greet = ["hello", "hello there friend", "hi", "hi there", "good morning", "hello hello", "hey hi"]
    bye = ["goodbye", "bye", "bye bye", "see you later", "goodbye friend", "see you", "bye for now"]
    write_nlu(tmp_path / "train.yml", [("greet", t) for t in greet] + [("goodbye", t) for t in bye])
    write_nlu(tmp_path / "test.yml", [("greet", "hi friend"), ("greet", "hello there"), ("goodbye", "bye friend"),
                                      ("goodbye", "hello morning")])  # the last is a greeting: labelled wrong
    out = train_and_test(tmp_path / "train.yml", {"held_out": tmp_path / "test.yml"}, tmp_path / "work", config)
    assert out["held_out"] == {"intent_macro_f1": 0.7333, "intent_accuracy": 0.75, "n": 4}
