"""`make run`: build what is missing, start every process, print the URLs, stop all on Ctrl-C."""
from __future__ import annotations

import secrets
import signal
import sys
import time

from knowledge.catalog import CatalogError
from knowledge.config import settings
from knowledge.search import ensure_index
from ops.servers import ensure_model, start_stack


def main() -> int:
    try:
        index = ensure_index(progress=sys.stderr.isatty())
    except CatalogError as exc:
        print(f"the catalog is invalid, not starting:\n{exc}", file=sys.stderr)
        return 1
    print(f"search index: {index}")
    model = ensure_model()
    cfg = settings()
    rasa_port, action_port, web_port = cfg.rasa_port, cfg.action_port, cfg.web_port
    token = cfg.console_token or secrets.token_urlsafe(18)
    stack = start_stack(model, settings().var_dir, rasa_port=rasa_port, action_port=action_port, web_port=web_port,
                        env={"DALIL_CONSOLE_TOKEN": token}, host="localhost")
    base = f"http://localhost:{rasa_port}"
    print(
        "\nDalil is running:\n"
        f"  REST channel     POST {base}/webhooks/rest/webhook   {{\"sender\": \"me\", \"message\": \"hello\"}}\n"
        f"  socket.io        {base}/socket.io\n"
        f"  Rasa HTTP API    {base}/status\n"
        f"  action server    http://localhost:{action_port}/health\n"
        f"  demo page        http://localhost:{web_port}/demo   (the citizen widget)\n"
        f"  agent console    http://localhost:{web_port}/console   token: {token}"
        f"{'' if cfg.console_token else ' (generated; set DALIL_CONSOLE_TOKEN to choose one)'}\n"
        f"  logs             {settings().var_dir / 'logs'}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    stopping = False

    def _stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping:
            dead = [p for p in stack.processes if p.poll() is not None]
            if dead:
                print(f"a process exited (code {dead[0].returncode}); stopping. See {settings().var_dir / 'logs'}",
                      file=sys.stderr)
                return 1
            time.sleep(0.5)
    finally:
        print("stopping...", flush=True)
        stack.stop()
        print("stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
