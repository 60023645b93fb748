"""`dalil`: the maintainers' and agents' command line. Each command is a thin shell
over a library function (tests call those directly)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from knowledge.config import settings

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def display(text: str) -> str:
    """Arabic for a terminal: reordered visually when stdout is a terminal without bidi.

    Most terminals lay out text left to right only; python-bidi reorders Arabic runs so
    they read correctly there. DALIL_BIDI=0 turns it off for terminals that do bidi.
    """
    if not sys.stdout.isatty() or not settings().bidi:
        return text
    from bidi import get_display

    return get_display(text)


# --- catalog -------------------------------------------------------------------------

def cmd_catalog_validate(args) -> int:
    from knowledge.catalog import validate_catalog

    catalog, errors = validate_catalog(Path(args.dir or settings().catalog_dir))
    if args.json:
        _print_json({"services": len(catalog.services), "entities": len(catalog.entities),
                     "errors": [e.to_dict() for e in errors]})
    else:
        for e in errors:
            print(f"error: {e}", file=sys.stderr)
        print(f"{len(catalog.services)} services from {len(catalog.entities)} bodies, {len(errors)} error(s)")
    return EXIT_ERRORS if errors else EXIT_OK


def cmd_catalog_export(args) -> int:
    from knowledge.catalog import load_catalog
    from knowledge.catalog.tools import export_csv

    n = export_csv(load_catalog(Path(args.dir or settings().catalog_dir)), Path(args.csv))
    print(f"exported {n} services to {args.csv}")
    return EXIT_OK


def cmd_catalog_import(args) -> int:
    from knowledge.catalog.tools import import_catalog

    directory = Path(args.dir or settings().catalog_dir)
    try:
        result = import_catalog(Path(args.file), directory, replace=args.replace)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for e in result.errors:
        print(f"error: {e}", file=sys.stderr)
    if result.errors:
        print(f"nothing imported: {len(result.errors)} error(s)", file=sys.stderr)
        return EXIT_ERRORS
    print(f"imported {result.services} services of {len(result.bodies)} bodies ({', '.join(result.bodies) or 'none'}) "
          f"into {directory}")
    if result.removed:
        print(f"removed {len(result.removed)} bodies not in the CSV: {', '.join(result.removed)}")
    elif not args.replace:
        print("no body removed (bodies not in the CSV are kept; --replace removes them)")
    else:
        print("no body removed")
    return EXIT_OK


def cmd_catalog_stats(args) -> int:
    from knowledge.catalog import load_catalog
    from knowledge.catalog.tools import catalog_stats

    stats = catalog_stats(load_catalog(Path(args.dir or settings().catalog_dir), strict=False))
    if args.json:
        _print_json(stats)
        return EXIT_OK
    print(f"{stats['services']} services, {stats['entities']} bodies")
    print("per body:     " + ", ".join(f"{k} {v}" for k, v in stats["per_body"].items()))
    print("per category: " + ", ".join(f"{k} {v}" for k, v in stats["per_category"].items()))
    print("completeness: " + ", ".join(f"{k} {v:.1%}" for k, v in stats["language_completeness"].items()))
    print("fees:         " + ", ".join(f"{k} {v}" for k, v in stats["fees"].items()))
    return EXIT_OK


def cmd_catalog_audit(args) -> int:
    from knowledge.catalog import load_catalog
    from knowledge.catalog.audit import audit, audit_table

    report = audit(load_catalog(Path(args.dir or settings().catalog_dir), strict=False))
    if args.json:
        _print_json(report)
    else:
        print("\n".join(audit_table(report)))
    return EXIT_OK


# --- index and search ----------------------------------------------------------------

def cmd_index_build(args) -> int:
    from knowledge.catalog import CatalogError
    from knowledge.search import ensure_index

    try:
        path = ensure_index(progress=sys.stderr.isatty())  # no bar redraws in CI logs
    except CatalogError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERRORS
    manifest = json.loads((path / "manifest.json").read_text("utf-8"))
    print(f"index ready: {path} ({manifest['services']} services, {manifest['vectors']} vectors, "
          f"{manifest['dense_index']}, model {manifest['model_id']})")
    return EXIT_OK


def _searcher():
    from knowledge.catalog import CatalogError
    from knowledge.search import default_searcher
    from knowledge.search.index import IndexProblem

    try:
        return default_searcher()
    except (IndexProblem, CatalogError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    verdict = {"answer": "would answer", "clarify": "would ask which of the first "
               f"{len(result.options)}", "decline": "would decline"}[result.decision]
    table = Table(title=f"{display(result.query)}  [{result.language}, {verdict}]")
    for col in ("#", "score", "id", "service (en)", "الخدمة", "body"):
        table.add_column(display(col))
    for i, h in enumerate(result.hits, 1):
        table.add_row(str(i), f"{h.score:.3f}", h.service.id, h.service.name_en,
                      display(h.service.name_ar), h.service.entity.name_en)
    Console().print(table)


def cmd_search(args) -> int:
    if args.k < 1:
        print("error: -k must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    searcher = _searcher()
    if searcher is None:
        return EXIT_ERRORS
    queries = (line.rstrip("\n") for line in sys.stdin) if args.query == "-" else [args.query]
    for q in queries:
        if args.query == "-" and not q.strip():
            continue
        result = searcher.search(q, k=args.k, mode=args.mode)
        if args.json:
            _print_json(result.to_dict())
        else:
            print_table(result)
    return EXIT_OK


def cmd_calibrate(args) -> int:
    from knowledge.search.evaluation import calibrate

    searcher = _searcher()
    if searcher is None:
        return EXIT_ERRORS
    result = calibrate(searcher, settings().calibration_file)
    _print_json(result)
    return EXIT_OK


# --- the running bot -----------------------------------------------------------------

def cmd_ask(args) -> int:
    from knowledge.client import BotUnavailable, ask

    try:
        answer = ask(args.query, sender=args.sender, url=args.url or settings().rasa_url)
    except BotUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    if args.json:
        _print_json(answer)
    else:
        for r in answer["replies"]:
            print(display(r["text"] or ""))
            for b in r["buttons"]:
                print(f"  [{display(b.get('title', ''))}]")
    return EXIT_OK


# --- maintainers: train, eval, review, chat -----------------------------------------

def cmd_train(args) -> int:
    from knowledge.maintain.train import train

    report = train(progress=lambda m: print(m, flush=True))
    print()
    for step in report.steps:
        print(f"  {step['step']:<14} {step['seconds']:>7.1f} s  {step['detail']}")
    if not report.ok:
        for e in report.errors:
            print(f"error: {e}", file=sys.stderr)
        print("training stopped: fix the errors above", file=sys.stderr)
        return EXIT_ERRORS
    print(f"version {report.version} is ready (var/versions/{report.version}.json)")
    return EXIT_OK


def _current_version() -> tuple[str, Path] | None:
    from knowledge.maintain.train import versions_dir

    files = sorted(versions_dir().glob("*.json"), key=lambda p: p.stat().st_mtime)
    if not files:
        return None
    record = json.loads(files[-1].read_text("utf-8"))
    return record["version"], Path(record["model"])


def cmd_eval(args) -> int:
    from knowledge.maintain.report import evaluate

    current = _current_version()
    if current is None:
        print("error: no trained version; run `dalil train` first", file=sys.stderr)
        return EXIT_ERRORS
    version, model = current
    try:
        summary = evaluate(version, model=model, nlu=not args.no_nlu, conversations=not args.no_conversations,
                           folds=args.folds, compare_to=args.compare, margin=args.margin)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"report: {summary['report']}")
    for r in summary["regressions"]:
        print(f"REGRESSION {r['figure']}: {r['previous']} -> {r['current']} ({r['delta']:+})", file=sys.stderr)
    return EXIT_ERRORS if summary["regressions"] else EXIT_OK


def cmd_review(args) -> int:
    from knowledge.conversations.review import collect, export, group
    from knowledge.search.embeddings import get_embedder

    cfg = settings()
    groups = group(collect(Path(args.tracker or cfg.var_dir / "tracker.sqlite3"), cfg.db_path), get_embedder())
    if args.export:
        n = export(groups, Path(args.export))
        print(f"exported {n} items in {len(groups)} groups to {args.export}")
        return EXIT_OK
    if args.json:
        _print_json([[{"text": i.text, "language": i.language, "reason": i.reason, "conversation_id": i.conversation_id}
                      for i in g] for g in groups])
        return EXIT_OK
    for gi, g in enumerate(groups, 1):
        print(f"group {gi} ({len(g)})")
        for it in g:
            print(f"  [{it.language}] {it.reason:<17} {display(it.text)}")
    if not groups:
        print("nothing to review")
    return EXIT_OK


def cmd_chat(args) -> int:
    import uuid

    from knowledge.client import BotUnavailable, ask

    sender = args.sender or f"chat-{uuid.uuid4().hex[:8]}"
    url = args.url or settings().rasa_url
    print("Dalil chat (empty line or Ctrl-D to quit) — دليل")
    while True:
        try:
            text = input("> ")
        except EOFError:
            break
        if not text.strip():
            break
        try:
            answer = ask(text, sender=sender, url=url)
        except BotUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERRORS
        for r in answer["replies"]:
            for line in (r["text"] or "").splitlines():
                print(display(line))
            for b in r["buttons"]:
                print(f"  [{display(b.get('title', ''))}]  {b.get('payload', '')}")
    return EXIT_OK


def cmd_agents(args) -> int:
    from knowledge.conversations.agents import AgentExists, AgentStore, add_agent

    db = settings().db_path
    if args.agents_command == "add":
        try:
            token = add_agent(db, args.name)
        except (AgentExists, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERRORS
        # Shown once: only its hash is stored, so a lost token means a new agent entry.
        print(f"agent {args.name.strip()!r} added. Their console token (shown only now, keep it safe):")
        print(token)
        return EXIT_OK
    if args.agents_command == "disable":
        if not AgentStore(db).disable(args.name):
            print(f"error: no agent named {args.name!r}", file=sys.stderr)
            return EXIT_ERRORS
        print(f"agent {args.name!r} disabled: their token no longer works")
        return EXIT_OK
    agents = AgentStore(db).list()
    if args.json:
        _print_json(agents)
    for a in agents if not args.json else []:
        print("\t".join([display(a["name"]), a["created_at"], *(["disabled"] if a["disabled"] else [])]))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dalil", description="Dalil: Qatar government e-services assistant")
    sub = p.add_subparsers(dest="command", required=True)

    cat = sub.add_parser("catalog", help="validate, export, import and count the service catalog")
    cat.add_argument("--dir", help="catalog directory (default: DALIL_CATALOG_DIR or knowledge/catalog)")
    csub = cat.add_subparsers(dest="catalog_command", required=True)
    v = csub.add_parser("validate", help="check every catalog file; non-zero exit on errors")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_catalog_validate)
    e = csub.add_parser("export", help="write the catalog to a CSV file for spreadsheet editing")
    e.add_argument("--csv", required=True, metavar="FILE")
    e.set_defaults(func=cmd_catalog_export)
    i = csub.add_parser("import", help="write the bodies of a CSV file into the catalog (validated first)")
    i.add_argument("file")
    i.add_argument("--replace", action="store_true",
                   help="the CSV is the whole catalog: remove the bodies not in it (default: keep them)")
    i.set_defaults(func=cmd_catalog_import)
    s = csub.add_parser("stats", help="services per body, per category, language completeness")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_catalog_stats)
    au = csub.add_parser("audit", help="coverage against published counts, traceable sources, fees, unsure facts")
    au.add_argument("--json", action="store_true")
    au.set_defaults(func=cmd_catalog_audit)

    idx = sub.add_parser("index", help="build the search index")
    isub = idx.add_subparsers(dest="index_command", required=True)
    b = isub.add_parser("build", help="embed the catalog and write FAISS + BM25 artifacts (if stale)")
    b.set_defaults(func=cmd_index_build)

    q = sub.add_parser("search", help="search the catalog (no server needed)")
    q.add_argument("query", help="the question, or - to read one question per line from stdin")
    q.add_argument("--json", action="store_true")
    q.add_argument("-k", type=int, default=5)
    q.add_argument("--mode", choices=("hybrid", "dense", "lexical", "hybrid_no_entities"), default="hybrid")
    q.set_defaults(func=cmd_search)

    c = sub.add_parser("calibrate", help="fit fusion weights and the confidence threshold on the dev questions")
    c.set_defaults(func=cmd_calibrate)

    t = sub.add_parser("train", help="validate, build the index, train the Rasa model; record the version")
    t.set_defaults(func=cmd_train)

    ev = sub.add_parser("eval", help="evaluate the current version and write a report")
    ev.add_argument("--compare", metavar="VERSION", help="compare with an earlier version; non-zero exit on regression")
    ev.add_argument("--margin", type=float, default=0.02, help="largest drop tolerated by --compare (default 0.02)")
    ev.add_argument("--folds", type=int, default=3, help="NLU cross-validation folds (default 3)")
    ev.add_argument("--no-nlu", action="store_true", help="skip NLU cross-validation (the slow part)")
    ev.add_argument("--no-conversations", action="store_true", help="skip the conversation tests")
    ev.set_defaults(func=cmd_eval)

    r = sub.add_parser("review", help="list what the bot could not answer well, grouped by similarity")
    r.add_argument("--export", metavar="FILE", help="write a CSV to label")
    r.add_argument("--json", action="store_true")
    r.add_argument("--tracker", help="tracker store SQLite file (default: var/tracker.sqlite3)")
    r.set_defaults(func=cmd_review)

    ch = sub.add_parser("chat", help="chat with the running bot in the terminal")
    ch.add_argument("--sender", default=None)
    ch.add_argument("--url", default=None)
    ch.set_defaults(func=cmd_chat)

    ag = sub.add_parser("agents", help="Contact Center agents who sign in to the console (add, list, disable)")
    agsub = ag.add_subparsers(dest="agents_command", required=True)
    aa = agsub.add_parser("add", help="add an agent and print their console token (once)")
    aa.add_argument("name", help="the name the agent is known by (shown to citizens when they join)")
    ad = agsub.add_parser("disable", help="stop an agent's token from working")
    ad.add_argument("name")
    al = agsub.add_parser("list", help="agents' names and when they were added (never their tokens)")
    al.add_argument("--json", action="store_true")
    ag.set_defaults(func=cmd_agents)

    a = sub.add_parser("ask", help="send a message to the running bot")
    a.add_argument("query")
    a.add_argument("--json", action="store_true")
    a.add_argument("--sender", default="dalil-cli")
    a.add_argument("--url", default=None, help="Rasa server URL (default: DALIL_RASA_URL or http://localhost:5005)")
    a.set_defaults(func=cmd_ask)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
