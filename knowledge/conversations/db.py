"""SQLite connection shared by the stores (handoffs, feedback): one file, WAL mode, so the
action server and the web server can both write."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=10)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    return db


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
