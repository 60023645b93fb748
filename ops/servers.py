"""Start and stop the real processes: the rasa-sdk action server (3.11 env) and the
Rasa server (3.10 env). Used by `make run` (ops/run.py) and the end-to-end tests."""
from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
PYTHON = ROOT / ".venv" / "bin" / "python"
MODEL_INPUTS = ("config.yml", "domain.yml", "data", "bot")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    return env


def ensure_model(root: Path = ROOT, quiet: bool = False) -> Path:
    """Train the Rasa model unless one built from the current inputs exists."""
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


@dataclass
class Stack:
    rasa_url: str
    action_url: str
    web_url: str
    var_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM each process group, then SIGKILL what is left: nothing stays behind."""
        for p in self.processes:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + timeout
        for p in self.processes:
            try:
                p.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(p.pid, signal.SIGKILL)  # also children left in the group
            except ProcessLookupError:
                pass
            p.wait()

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def write_endpoints(var_dir: Path, action_port: int, tracker_db: Path) -> Path:
    path = var_dir / "endpoints.yml"
    path.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tracker_db}\n",
        encoding="utf-8",
    )
    return path


def _wait(url: str, proc: subprocess.Popen, log: Path, timeout: float, name: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; see {log}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{name} did not become ready at {url} within {timeout:.0f} s; see {log}")


def start_action_server(port: int, var_dir: Path, env: dict | None = None) -> tuple[subprocess.Popen, Path]:
    log = var_dir / "logs" / "actions.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DALIL_VAR_DIR": str(var_dir), **(env or {})}
    env.setdefault("DALIL_INDEX_DIR", str(ROOT / "var" / "index"))
    proc = subprocess.Popen([str(PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    return proc, log


def start_web_server(port: int, var_dir: Path, rasa_url: str, env: dict | None = None) -> tuple[subprocess.Popen, Path]:
    log = var_dir / "logs" / "web.log"
    env = {**os.environ, "DALIL_VAR_DIR": str(var_dir), "DALIL_PUBLIC_RASA_URL": rasa_url, **(env or {})}
    env.setdefault("DALIL_INDEX_DIR", str(ROOT / "var" / "index"))
    proc = subprocess.Popen([str(PYTHON), "-m", "web.server", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
    return proc, log


def start_stack(model: Path, var_dir: Path, rasa_port: int | None = None, action_port: int | None = None,
                web_port: int | None = None, cors: str | None = None, env: dict | None = None,
                timeout: float = 240.0, host: str = "127.0.0.1") -> Stack:
    """Start the action server, the Rasa server and the web server (widget, console) on
    free ports and wait until all answer."""
    var_dir = Path(var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    rasa_port = rasa_port or free_port()
    action_port = action_port or free_port()
    web_port = web_port or free_port()
    stack = Stack(rasa_url=f"http://{host}:{rasa_port}", action_url=f"http://127.0.0.1:{action_port}",
                  web_url=f"http://{host}:{web_port}", var_dir=var_dir)
    # The widget is served by the web server, so its origin must pass Rasa's CORS check.
    origins = f"{stack.web_url} " + (cors if cors is not None else os.environ.get("DALIL_CORS_ORIGINS", ""))
    try:
        proc, log = start_action_server(action_port, var_dir, env)
        stack.processes.append(proc)
        stack.logs.append(log)
        web, web_log = start_web_server(web_port, var_dir, stack.rasa_url, env)
        stack.processes.append(web)
        stack.logs.append(web_log)
        endpoints = write_endpoints(var_dir, action_port, var_dir / "tracker.sqlite3")
        rasa_log = var_dir / "logs" / "rasa.log"
        cmd = [str(RASA), "run", "--model", str(model), "--endpoints", str(endpoints),
               "--credentials", str(ROOT / "credentials.yml"), "--port", str(rasa_port), "--interface", "127.0.0.1",
               "--enable-api", "--cors", *origins.split()]
        token = (env or {}).get("DALIL_RASA_TOKEN") or os.environ.get("DALIL_RASA_TOKEN")
        if token:
            cmd += ["--auth-token", token]
        rasa = subprocess.Popen(cmd, cwd=ROOT, env={**rasa_env(), **(env or {})}, stdout=open(rasa_log, "ab"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        stack.processes.append(rasa)
        stack.logs.append(rasa_log)
        _wait(f"{stack.action_url}/health", proc, log, timeout, "action server")
        _wait(f"{stack.web_url}/health", web, web_log, timeout, "web server")
        _wait(f"{stack.rasa_url}/", rasa, rasa_log, timeout, "Rasa server")
        # Rasa answers "/" before the model is loaded; /status needs the API and a loaded model.
        _wait_model_loaded(stack, rasa, rasa_log, timeout, token)
    except BaseException:
        stack.stop()
        raise
    return stack


def _wait_model_loaded(stack: Stack, proc: subprocess.Popen, log: Path, timeout: float, token: str | None) -> None:
    deadline = time.time() + timeout
    params = {"token": token} if token else {}
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Rasa server exited with {proc.returncode}; see {log}")
        try:
            r = requests.get(f"{stack.rasa_url}/status", params=params, timeout=2)
            if r.status_code == 200 and r.json().get("model_file"):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"Rasa server did not load its model within {timeout:.0f} s; see {log}")


if __name__ == "__main__":
    # `python -m ops.servers model`: train if needed and print the model path (Makefile).
    if sys.argv[1:] == ["model"]:
        print(ensure_model())
