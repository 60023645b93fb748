"""The layout's rules: knowledge/ imports no process package; the maintainer's commands work
from .venv/bin/dalil without make or PYTHONPATH; the README lists every setting."""
import ast
import os
import re
import subprocess
from pathlib import Path

from knowledge.config import ROOT, VARIABLES

PROCESS_PACKAGES = {"ops", "bench", "bot", "actions", "web", "tests"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_knowledge_imports_none_of_the_process_packages():
    bad = {str(p.relative_to(ROOT)): sorted(_imports(p) & PROCESS_PACKAGES)
           for p in (ROOT / "knowledge").rglob("*.py") if _imports(p) & PROCESS_PACKAGES}
    assert bad == {}


def test_only_the_config_module_reads_dalil_settings_from_the_environment():
    readers = []
    for folder in ("knowledge", "actions", "bot", "web", "ops", "bench"):
        for p in (ROOT / folder).rglob("*.py"):
            if p.name != "config.py" and re.search(r"environ(\.get)?\(?\[?[\"']DALIL_", p.read_text("utf-8")):
                readers.append(str(p.relative_to(ROOT)))
    assert readers == []


def test_every_knowledge_subpackage_says_what_it_holds():
    for init in (ROOT / "knowledge").glob("*/__init__.py"):
        assert ast.get_docstring(ast.parse(init.read_text("utf-8"))), init


def test_readme_lists_every_setting_with_its_default():
    readme = (ROOT / "README.md").read_text("utf-8")
    rows = dict(re.findall(r"^\| `(DALIL_[A-Z_]+)` \| `([^`]*)` \|", readme, flags=re.M))
    assert rows == {name: default for name, (default, _) in VARIABLES.items()}


def test_maintainer_commands_work_without_make_or_pythonpath(tmp_path):
    """`.venv/bin/dalil` from another directory, with no PYTHONPATH: help, and a train that
    has nothing to rebuild (the index and model exist; `make test` built them)."""
    dalil = ROOT / ".venv" / "bin" / "dalil"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for args in (["train", "--help"], ["eval", "--help"], ["review", "--help"]):
        out = subprocess.run([str(dalil), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert "usage: dalil" in out.stdout
    out = subprocess.run([str(dalil), "train"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ModuleNotFoundError" not in out.stderr
    assert "version" in out.stdout
