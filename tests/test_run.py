"""`make run` as a person starts it (`python -m ops.run`, what the Makefile's run target
calls), on free ports and a var directory of its own: it answers, and when one of its
servers dies it says so, stops the others and exits non-zero."""
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
import requests

from knowledge.config import ROOT, settings
from ops.servers import free_port

pytestmark = pytest.mark.e2e


def start_run(tmp_path):
    ports = {"DALIL_RASA_PORT": free_port(), "DALIL_ACTION_PORT": free_port(), "DALIL_WEB_PORT": free_port()}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "DALIL_VAR_DIR": str(tmp_path / "var"),
           "DALIL_INDEX_DIR": str(settings().index_dir)}
    env.pop("DALIL_RASA_TOKEN", None)  # generated and kept in var/secrets/, as on a first `make run`
    proc = subprocess.Popen([sys.executable, "-m", "ops.run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines = []
    deadline = time.time() + 600
    while time.time() < deadline:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        if line.startswith("Press Ctrl-C to stop."):
            return proc, ports, "".join(lines)
    proc.kill()
    raise AssertionError("make run did not come up:\n" + "".join(lines) + (proc.stderr.read() if proc.stderr else ""))


def test_make_run_answers_and_stops_everything_when_a_server_dies(tmp_path):
    proc, ports, banner = start_run(tmp_path)
    try:
        assert f"POST http://localhost:{ports['DALIL_RASA_PORT']}/webhooks/rest/webhook" in banner
        token = (tmp_path / "var" / "secrets" / "dalil_console_token").read_text().strip()
        assert f"token: {token}" in banner
        r = requests.post(f"http://localhost:{ports['DALIL_RASA_PORT']}/webhooks/rest/webhook",
                          json={"sender": "run-1", "message": "hello"}, timeout=60)
        assert r.status_code == 200 and r.json()[0]["text"].startswith("Hello! I'm Dalil")
        family = psutil.Process(proc.pid).children(recursive=True)
        [action] = [p for p in family if any(c.laddr.port == ports["DALIL_ACTION_PORT"]
                                             for c in p.net_connections("tcp") if c.status == psutil.CONN_LISTEN)]
        action.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == 1
        err = proc.stderr.read() if proc.stderr else ""
        assert "a process exited (code -9); stopping." in err
        gone, alive = psutil.wait_procs(family, timeout=30)
        assert alive == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
