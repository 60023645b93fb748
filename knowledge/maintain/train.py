"""`dalil train`: validate, build the index, train the Rasa model, and record them as one
version named after their inputs. Nothing is rebuilt when nothing changed."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.catalog import validate_catalog
from knowledge.config import settings
from knowledge.maintain import nlu_bank


@dataclass
class TrainReport:
    version: str = ""
    steps: list[dict] = field(default_factory=list)
    ok: bool = True
    errors: list[str] = field(default_factory=list)

    def step(self, name: str, seconds: float, detail: str) -> None:
        self.steps.append({"step": name, "seconds": round(seconds, 1), "detail": detail})


def version_id(model_hash: str, catalog_sha: str, model_id: str) -> str:
    return hashlib.sha256(f"{model_hash}:{catalog_sha}:{model_id}".encode()).hexdigest()[:12]


def versions_dir() -> Path:
    return settings().var_dir / "versions"


def train(root: Path | None = None, progress=print) -> TrainReport:
    """Run every step, stopping at the first that fails; write var/versions/<version>.json."""
    from knowledge.config import ROOT
    from knowledge.maintain.rasa import RASA, ensure_model, model_inputs_hash, rasa_env
    from knowledge.search import ensure_index
    from knowledge.search.embeddings import get_embedder

    root = root or ROOT
    report = TrainReport()
    cfg = settings()

    t = time.time()
    progress("1/4 validating the catalog ...")
    catalog, errors = validate_catalog(cfg.catalog_dir)
    if errors:
        report.ok = False
        report.errors = [str(e) for e in errors]
        report.step("catalog", time.time() - t, f"{len(errors)} error(s)")
        return report
    report.step("catalog", time.time() - t, f"{len(catalog.services)} services, {len(catalog.entities)} bodies, "
                f"{len(catalog.questions)} bank questions")
    if nlu_bank.write(catalog, cfg.nlu_dir / "bank.yml"):
        progress("    data/nlu/bank.yml regenerated from the question bank")

    t = time.time()
    progress("2/4 validating the training data (rasa data validate) ...")
    out = subprocess.run([str(RASA), "data", "validate"], cwd=root, env=rasa_env(root), capture_output=True, text=True)
    if out.returncode != 0:
        report.ok = False
        report.errors = [line for line in (out.stdout + out.stderr).splitlines() if "rror" in line][-20:] or \
            [(out.stdout + out.stderr)[-2000:]]
        report.step("training data", time.time() - t, "invalid")
        return report
    report.step("training data", time.time() - t, "valid")

    t = time.time()
    progress("3/4 building the search index (if the catalog or model changed) ...")
    embedder = get_embedder(cfg.embedder)
    index_path = ensure_index(catalog, embedder, progress=sys.stderr.isatty())
    report.step("index", time.time() - t, str(index_path))

    t = time.time()
    progress("4/4 training the Rasa model (if config, domain or data changed) ...")
    model = ensure_model(root, quiet=True)
    report.step("model", time.time() - t, str(model))

    model_hash = model_inputs_hash(root)
    report.version = version_id(model_hash, catalog.sha256, embedder.model_id)
    record = {"version": report.version, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "model": str(model), "index": str(index_path), "model_inputs_sha256": model_hash,
              "catalog_sha256": catalog.sha256, "embedder": embedder.model_id, "services": len(catalog.services)}
    path = versions_dir() / f"{report.version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(json.dumps(record, indent=2) + "\n", "utf-8")
    return report
