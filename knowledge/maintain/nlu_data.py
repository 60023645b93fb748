"""Reading Rasa NLU training data (data/nlu/*.yml) as plain text."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")


def nlu_examples(nlu_dir: Path, intents: set[str]) -> list[str]:
    """Plain text of the NLU examples of `intents` (entity annotations removed)."""
    out: list[str] = []
    for path in sorted(Path(nlu_dir).glob("*.yml")):
        for block in (yaml.safe_load(path.read_text("utf-8")) or {}).get("nlu", []):
            if block.get("intent") in intents:
                for line in str(block.get("examples", "")).splitlines():
                    text = _ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
                    if text:
                        out.append(text)
    return out
