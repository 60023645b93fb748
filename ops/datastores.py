"""Real PostgreSQL and Redis servers from Debian's packages, started on free loopback
ports in a temporary directory (tests and benchmarks), stopped afterwards."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from ops.servers import free_port


def _wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres_server():
    """Yields {"host", "port", "user", "db"} (database "rasa" exists); trust authentication
    on loopback only."""
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed: `make setup` installs Debian's postgresql package")
    # Its own directory directly under /tmp: the postgres user must reach it, and pytest's
    # temporary directories are private to root.
    workdir = Path(tempfile.mkdtemp(prefix="dalil-pg-"))
    data = workdir / "pgdata"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
        shutil.chown(data, "postgres")
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "-E", "UTF8", "--locale=C"]), check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(_as_postgres([str(bindir / "postgres"), "-D", str(data), "-p", str(port),
                                          "-c", "listen_addresses=127.0.0.1", "-k", str(data)]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_port(port)
        # Rasa does not create the database, and silently falls back to an in-memory
        # tracker store when it is missing: create it first.
        for _ in range(20):
            done = subprocess.run(_as_postgres([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                                                "-U", "postgres", "rasa"]), capture_output=True, text=True)
            if done.returncode == 0:
                break
            time.sleep(0.5)  # the port opens slightly before connections are accepted
        else:
            raise RuntimeError(f"createdb failed: {done.stderr}")
        yield {"host": "127.0.0.1", "port": port, "user": "postgres", "db": "rasa"}
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def redis_server(workdir: Path):
    """Yields {"host", "port"}."""
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("Redis is not installed: `make setup` installs Debian's redis-server package")
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        _wait_port(port)
        yield {"host": "127.0.0.1", "port": port}
    finally:
        proc.terminate()
        proc.wait(30)
