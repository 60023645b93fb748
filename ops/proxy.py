"""A round-robin TCP proxy on loopback: each new connection goes to the next backend.
Stands in for the load balancer in front of several Rasa replicas (tests and bench).

    python -m ops.proxy --port 5005 --backends 127.0.0.1:5006,127.0.0.1:5007
"""
from __future__ import annotations

import argparse
import asyncio
import itertools


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def serve(port: int, backends: list[tuple[str, int]]) -> None:
    ring = itertools.cycle(backends)

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        host, bport = next(ring)
        print(f"connection -> {host}:{bport}", flush=True)  # which replica served it (tests read this)
        try:
            server_r, server_w = await asyncio.open_connection(host, bport)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, server_w), _pipe(server_r, client_w))

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--backends", required=True, help="host:port,host:port")
    args = ap.parse_args()
    backends = [(b.split(":")[0], int(b.split(":")[1])) for b in args.backends.split(",")]
    asyncio.run(serve(args.port, backends))


if __name__ == "__main__":
    main()
