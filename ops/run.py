"""`make run`: build what is missing, start every process, print the URLs, stop all on Ctrl-C."""
from __future__ import annotations

import signal
import sys
import time

from knowledge.catalog import CatalogError
from knowledge.config import ensure_secret, settings
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
    # Tokens come from the environment or are generated once and kept in var/secrets/ (0600),
    # where `dalil ask`, `dalil chat` and the next `make run` find them.
    token = ensure_secret("DALIL_CONSOLE_TOKEN", cfg.var_dir)
    stack = start_stack(model, cfg.var_dir, rasa_port=rasa_port, action_port=action_port, web_port=web_port,
                        env={"DALIL_CONSOLE_TOKEN": token}, host="localhost")
    secrets_dir = cfg.var_dir / "secrets"
    base = f"http://localhost:{rasa_port}"
    print(
        "\nDalil is running:\n"
        f"  REST channel     POST {base}/webhooks/rest/webhook   {{\"sender\": \"me\", \"message\": \"hello\"}}\n"
        f"  socket.io        {base}/socket.io\n"
        f"  Rasa HTTP API    {base}/status?token=...   (token in {secrets_dir / 'dalil_rasa_token'})\n"
        f"  action server    http://127.0.0.1:{action_port}/health   (only Rasa may call it: token)\n"
        f"  demo page        http://localhost:{web_port}/demo   (the citizen widget)\n"
        f"  agent console    http://localhost:{web_port}/console   token: {token}"
        f"{'' if cfg.console_token else ' (generated; set DALIL_CONSOLE_TOKEN to choose one)'}\n"
        f"  analytics        http://localhost:{web_port}/analytics   (the same token; agents' own: dalil agents add NAME)\n"
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
