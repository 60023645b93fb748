"""Running Rasa in its own environment (.venv-rasa): the model-inputs hash, training, its env.

In the library (not ops/) because `dalil train` and `dalil eval` need it and knowledge/
imports none of the process packages."""
from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

from knowledge.config import ROOT

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
# What training reads: the components and the text module they tokenize with (bot/channels.py
# is not used by training, so editing it retrains nothing).
MODEL_INPUTS = ("config.yml", "domain.yml", "data", "bot/components.py", "knowledge/text.py", "knowledge/arabizi.py",
                "knowledge/aspects.py", "knowledge/entities.py")
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
ENTITY_PIPELINE = "models/entities"  # config.yml's SpacyNLP model, relative to the repository


def model_inputs_hash(root: Path = ROOT) -> str:
    """sha256 over everything training reads, so a model is named after its inputs."""
    h = hashlib.sha256()
    for name in MODEL_INPUTS:
        p = root / name
        files = sorted(f for f in p.rglob("*") if f.is_file() and "__pycache__" not in f.parts) if p.is_dir() else [p]
        for f in files:
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def model_path(root: Path = ROOT) -> Path:
    return root / "models" / f"dalil-{model_inputs_hash(root)[:12]}.tar.gz"


def rasa_env(root: Path = ROOT) -> dict:
    env = dict(os.environ)
    # bot/ (custom components) imports knowledge.text: both live at the repository root.
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    # No telemetry or error reports leave this machine (and there is no network to reach).
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return env


def ensure_entity_pipeline(root: Path = ROOT, catalog=None) -> bool:
    """Save the entity pipeline (knowledge/entities.py) unless the saved one was built from
    the current catalog and synonyms; True when it was (re)built. Built by the Rasa
    environment's spaCy, the version Rasa's SpacyNLP accepts."""
    from knowledge.catalog import load_catalog
    from knowledge.config import settings
    from knowledge.entities import fingerprint, saved_fingerprint, things_file

    things = list((catalog or load_catalog(settings().catalog_dir)).things)
    out = root / ENTITY_PIPELINE
    if saved_fingerprint(out) == fingerprint(things):
        return False
    out.parent.mkdir(parents=True, exist_ok=True)
    spec = out.with_name("entities-things.json")
    things_file(things, spec)
    # The code is this checkout's (ROOT); `root` says where the pipeline goes.
    done = subprocess.run([str(RASA_PYTHON), "-m", "knowledge.entities", str(spec), str(out)], cwd=ROOT,
                          env=rasa_env(ROOT), capture_output=True, text=True)
    spec.unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"saving the entity pipeline failed: {done.stderr[-2000:]}")
    return True


def ensure_model(root: Path = ROOT, quiet: bool = False) -> Path:
    """Train the Rasa model unless one built from the current inputs exists (and save the
    entity pipeline it loads, when the catalog or synonyms changed)."""
    ensure_entity_pipeline(root)
    path = model_path(root)
    if path.exists():
        return path
    print(f"training the Rasa model ({path.name}); this takes a few minutes on 2 cores...", flush=True)
    t0 = time.time()
    cmd = [str(RASA), "train", "--fixed-model-name", path.name[: -len(".tar.gz")], "--out", str(path.parent),
           "--config", "config.yml", "--domain", "domain.yml", "--data", "data"]
    out = subprocess.run(cmd, cwd=root, env=rasa_env(root), capture_output=quiet, text=True)
    if out.returncode != 0 or not path.exists():
        tail = (out.stdout or "")[-3000:] + (out.stderr or "")[-3000:] if quiet else ""
        raise RuntimeError(f"rasa train failed (exit {out.returncode}){': ' + tail if tail else ''}")
    print(f"trained in {time.time() - t0:.0f} s: {path}", flush=True)
    return path
