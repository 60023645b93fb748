"""Where every benchmark writes its figures: bench/results/<name>.json and <name>.md (committed;
documents quote these files), and the table printed."""
from __future__ import annotations

import json

from knowledge.config import ROOT

RESULTS = ROOT / "bench" / "results"


def table(columns: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write(name: str, figures: dict, title: str, markdown: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (RESULTS / f"{name}.md").write_text(f"# {title}\n\n{markdown}\n", "utf-8")
    print(markdown)
