"""`dalil`: the maintainers' and agents' command line. Each command is a thin shell
over a library function (tests call those directly)."""
from __future__ import annotations

import argparse
import json
import os
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
    if not sys.stdout.isatty() or os.environ.get("DALIL_BIDI", "1") == "0":
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
    from knowledge.catalog.tools import import_csv

    n, errors = import_csv(Path(args.file), Path(args.dir or settings().catalog_dir))
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if errors:
        print(f"nothing imported: {len(errors)} error(s)", file=sys.stderr)
        return EXIT_ERRORS
    print(f"imported {n} services into {args.dir or settings().catalog_dir}")
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


# --- index and search ----------------------------------------------------------------

def cmd_index_build(args) -> int:
    from knowledge.catalog import CatalogError
    from knowledge.search import ensure_index

    try:
        path = ensure_index(progress=True)
    except CatalogError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERRORS
    manifest = json.loads((path / "manifest.json").read_text("utf-8"))
    print(f"index ready: {path} ({manifest['services']} services, {manifest['vectors']} vectors, "
          f"{manifest['dense_index']}, model {manifest['model_id']})")
    return EXIT_OK


def _searcher():
    from knowledge.catalog import CatalogError
    from knowledge.index import IndexProblem
    from knowledge.search import default_searcher

    try:
        return default_searcher()
    except (IndexProblem, CatalogError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    verdict = "confident" if result.confident else "NOT confident"
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
    from knowledge.evaluation import calibrate

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
    i = csub.add_parser("import", help="replace the catalog with a CSV file (validated first)")
    i.add_argument("file")
    i.set_defaults(func=cmd_catalog_import)
    s = csub.add_parser("stats", help="services per body, per category, language completeness")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_catalog_stats)

    idx = sub.add_parser("index", help="build the search index")
    isub = idx.add_subparsers(dest="index_command", required=True)
    b = isub.add_parser("build", help="embed the catalog and write FAISS + BM25 artifacts (if stale)")
    b.set_defaults(func=cmd_index_build)

    q = sub.add_parser("search", help="search the catalog (no server needed)")
    q.add_argument("query", help="the question, or - to read one question per line from stdin")
    q.add_argument("--json", action="store_true")
    q.add_argument("-k", type=int, default=5)
    q.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    q.set_defaults(func=cmd_search)

    c = sub.add_parser("calibrate", help="fit fusion weights and the confidence threshold on the dev questions")
    c.set_defaults(func=cmd_calibrate)

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
