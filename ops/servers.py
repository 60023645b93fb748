"""Start and stop the real processes: the rasa-sdk action server (3.11 env) and the
Rasa server (3.10 env). Used by `make run` (ops/run.py) and the end-to-end tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from knowledge.config import ROOT, ensure_secret, settings
from knowledge.maintain.rasa import RASA, ensure_model, model_inputs_hash, model_path, rasa_env

__all__ = ["RASA", "ROOT", "ensure_model", "model_inputs_hash", "model_path", "rasa_env", "free_port", "start_stack"]

PYTHON = ROOT / ".venv" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Service:
    """One server process: how to start it and how to tell it is ready."""

    name: str
    cmd: list[str]
    env: dict
    log: Path
    ready: Callable[[], bool]
    proc: subprocess.Popen | None = None

    def start(self, timeout: float) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}:\n"
                                   f"{self.log.read_text(errors='replace')[-3000:]}")
            try:
                if self.ready():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not become ready within {timeout:.0f} s; see {self.log}")

    def signal_stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def wait_stopped(self, deadline: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # also children left in the group
        except ProcessLookupError:
            pass
        self.proc.wait()

    def stop(self, timeout: float = 20.0) -> None:
        self.signal_stop()
        self.wait_stopped(time.time() + timeout)


@dataclass
class Stack:
    rasa_url: str
    action_url: str
    web_url: str
    var_dir: Path
    rasa_token: str = ""
    services: dict[str, Service] = field(default_factory=dict)

    @property
    def processes(self) -> list[subprocess.Popen]:
        return [s.proc for s in self.services.values() if s.proc is not None]

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM every process group, then SIGKILL what is left: nothing stays behind."""
        for s in self.services.values():
            s.signal_stop()
        deadline = time.time() + timeout
        for s in self.services.values():
            s.wait_stopped(deadline)

    def restart(self, name: str, timeout: float = 240.0) -> None:
        """Stop one server (if running) and start it again on the same port."""
        self.services[name].stop()
        self.services[name].start(timeout)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def write_endpoints(var_dir: Path, action_port: int, tracker: dict | None = None, lock_store: dict | None = None,
                    action_token: str = "") -> Path:
    """endpoints.yml for this stack: the SQLite tracker store by default, or PostgreSQL
    ({"host", "port", "user"}); an in-memory lock store, or Redis ({"host", "port"}).
    Rasa sends `action_token` to the action server (which refuses calls without it)."""
    lines = [f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n  token: "{action_token}"']
    if tracker is None:
        lines.append(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {var_dir / 'tracker.sqlite3'}")
    else:
        lines.append("tracker_store:\n  type: SQL\n  dialect: postgresql\n"
                     f"  url: {tracker['host']}\n  port: {tracker['port']}\n  username: {tracker['user']}\n"
                     f"  password: ''\n  db: {tracker.get('db', 'rasa')}")
    if lock_store is not None:
        # Rasa's own redis store can issue one ticket twice across replicas (bot/lock_store.py)
        lines.append(f"lock_store:\n  type: bot.lock_store.AtomicRedisLockStore\n  url: {lock_store['host']}\n"
                     f"  port: {lock_store['port']}\n  db: 1")
    path = var_dir / "endpoints.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_credentials(var_dir: Path, limits: dict) -> Path:
    """credentials.yml with `limits` applied to both of our channels."""
    import yaml

    data = yaml.safe_load((ROOT / "credentials.yml").read_text("utf-8"))
    for name in ("bot.channels.DalilRestInput", "bot.channels.DalilSocketIOInput"):
        data[name] = {**(data.get(name) or {}), **limits}
    path = var_dir / "credentials.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _ok(url: str, **params) -> Callable[[], bool]:
    return lambda: requests.get(url, params=params, timeout=2).status_code == 200


def _model_loaded(url: str, token: str | None) -> Callable[[], bool]:
    # Rasa answers "/" before the model is loaded; /status needs the API and a loaded model.
    def check() -> bool:
        r = requests.get(f"{url}/status", params={"token": token} if token else {}, timeout=2)
        return r.status_code == 200 and bool(r.json().get("model_file"))
    return check


def start_stack(model: Path, var_dir: Path, rasa_port: int | None = None, action_port: int | None = None,
                web_port: int | None = None, cors: str | None = None, env: dict | None = None,
                timeout: float = 240.0, host: str = "127.0.0.1", tracker: dict | None = None,
                lock_store: dict | None = None, rasa_replicas: int = 1, limits: dict | None = None) -> Stack:
    """Start the action server, the web server (widget, console) and the Rasa server on
    free ports and wait until all answer. `limits` overrides the channels' limits of
    credentials.yml (e.g. {"ip_rate_limit": 5}). With rasa_replicas > 1 (which needs a shared
    `tracker` and `lock_store`), the Rasa servers sit behind a round-robin proxy."""
    var_dir = Path(var_dir).resolve()
    (var_dir / "logs").mkdir(parents=True, exist_ok=True)
    rasa_port = rasa_port or free_port()
    action_port = action_port or free_port()
    web_port = web_port or free_port()
    stack = Stack(rasa_url=f"http://{host}:{rasa_port}", action_url=f"http://127.0.0.1:{action_port}",
                  web_url=f"http://{host}:{web_port}", var_dir=var_dir)
    # DALIL_RASA_URL: the web server pauses and resumes conversations through Rasa's API.
    base_env = {**os.environ, "DALIL_VAR_DIR": str(var_dir), "DALIL_PUBLIC_RASA_URL": stack.rasa_url,
                "DALIL_RASA_URL": stack.rasa_url, **(env or {})}
    base_env.setdefault("DALIL_INDEX_DIR", str(ROOT / "var" / "index"))
    # Every API is behind a token: given in the environment, or generated once and kept in
    # var/secrets so `dalil ask` and the console find it.
    token = base_env.get("DALIL_RASA_TOKEN") or ensure_secret("DALIL_RASA_TOKEN", var_dir)
    action_token = base_env.get("DALIL_ACTION_TOKEN") or ensure_secret("DALIL_ACTION_TOKEN", var_dir)
    base_env.update(DALIL_RASA_TOKEN=token, DALIL_ACTION_TOKEN=action_token)
    stack.rasa_token = token
    # The widget is served by the web server, so its origin must pass Rasa's CORS check.
    origins = f"{stack.web_url} " + (cors if cors is not None else settings().cors_origins)
    endpoints = write_endpoints(var_dir, action_port, tracker, lock_store, action_token)
    credentials = write_credentials(var_dir, limits or {})

    def rasa_cmd(port: int) -> list[str]:
        return [str(RASA), "run", "--model", str(model), "--endpoints", str(endpoints),
                "--credentials", str(credentials), "--port", str(port), "--interface", "127.0.0.1",
                "--enable-api", f"--auth-token={token}",  # "=": a token may start with "-"
                "--cors", *origins.split()]

    replica_ports = [rasa_port] if rasa_replicas == 1 else [free_port() for _ in range(rasa_replicas)]
    # Sanic's own body limit (100 MB by default) for the Rasa server and its channels.
    rasa_env_ = {**rasa_env(), **base_env, "PYTHONPATH": rasa_env()["PYTHONPATH"],
                 "SANIC_REQUEST_MAX_SIZE": str(settings().max_body),
                 # the socket.io channel checks a browser's Origin against the same list
                 "DALIL_CORS_ORIGINS": origins}
    stack.services = {
        "actions": Service("action server", [str(PYTHON), "-m", "ops.action_server", "--port", str(action_port)],
                           base_env, var_dir / "logs" / "actions.log",
                           _ok(f"{stack.action_url}/health")),
        "web": Service("web server", [str(PYTHON), "-m", "web.server", "--port", str(web_port)], base_env,
                       var_dir / "logs" / "web.log", _ok(f"{stack.web_url}/health")),
    }
    for i, port in enumerate(replica_ports):
        name = "rasa" if i == 0 else f"rasa{i + 1}"
        stack.services[name] = Service(f"Rasa server {i + 1}", rasa_cmd(port), rasa_env_,
                                       var_dir / "logs" / f"{name}.log", _model_loaded(f"http://127.0.0.1:{port}", token))
    if rasa_replicas > 1:
        backends = ",".join(f"127.0.0.1:{p}" for p in replica_ports)
        stack.services["proxy"] = Service("proxy", [str(PYTHON), "-m", "ops.proxy", "--port", str(rasa_port),
                                                    "--backends", backends], base_env, var_dir / "logs" / "proxy.log",
                                          _model_loaded(stack.rasa_url, token))
    try:
        for service in stack.services.values():
            service.start(timeout)
    except BaseException:
        stack.stop()
        raise
    return stack


def start_web(var_dir: Path, env: dict | None = None, timeout: float = 60.0) -> Stack:
    """The web server alone (widget, console, feedback and agent API), on a free port, with
    its own var dir: for testing its API without Rasa."""
    var_dir = Path(var_dir).resolve()
    port = free_port()
    stack = Stack(rasa_url="", action_url="", web_url=f"http://127.0.0.1:{port}", var_dir=var_dir)
    # No Rasa: its URL is a port nothing listens on, so no other Rasa on this machine answers.
    base_env = {**os.environ, "DALIL_VAR_DIR": str(var_dir), "DALIL_RASA_URL": f"http://127.0.0.1:{free_port()}",
                **(env or {})}
    base_env.setdefault("DALIL_INDEX_DIR", str(ROOT / "var" / "index"))
    stack.services["web"] = Service("web server", [str(PYTHON), "-m", "web.server", "--port", str(port)], base_env,
                                    var_dir / "logs" / "web.log", _ok(f"{stack.web_url}/health"))
    try:
        stack.services["web"].start(timeout)
    except BaseException:
        stack.stop()
        raise
    return stack


if __name__ == "__main__":
    # `python -m ops.servers model`: train if needed and print the model path (Makefile).
    if sys.argv[1:] == ["model"]:
        print(ensure_model(quiet=not sys.stdout.isatty()))  # no epoch bars in CI logs
