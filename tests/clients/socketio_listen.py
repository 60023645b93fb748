"""A real socket.io client (python-socketio from the Rasa env) that asks for a person and
then stays connected: prints the handoff reference as soon as the bot gives it (one JSON line),
then every message it is sent until one has the text given as `until` (or 60 s pass), as a
second JSON line, and exits at once: disconnecting a polling client can wait for its open long
poll, and its transport threads can keep the process alive after main returns."""
import json
import os
import sys
import threading

import socketio


def main(url: str, origin: str, ask: str, until: str) -> None:
    client = socketio.Client()
    received: list[dict] = []
    confirmed, handed, done = threading.Event(), threading.Event(), threading.Event()
    session = {"id": None}

    @client.on("bot_uttered")
    def on_bot(data):
        received.append(data)
        custom = data.get("custom") or {}
        if custom.get("type") == "handoff":
            print(json.dumps({"session_id": session["id"], "reference": custom["reference"]}), flush=True)
            handed.set()
        if data.get("text") == until:
            done.set()

    @client.on("session_confirm")
    def on_confirm(sid):
        session["id"] = sid
        confirmed.set()

    client.connect(url, socketio_path="/socket.io", transports=["polling"], headers={"Origin": origin})
    client.emit("session_request", {"session_id": None})
    if not confirmed.wait(timeout=30):
        raise SystemExit("no session_confirm")
    client.emit("user_uttered", {"message": ask, "session_id": session["id"]})
    if not handed.wait(timeout=60):
        raise SystemExit("no handoff")
    done.wait(timeout=60)
    print(json.dumps({"received": received}, ensure_ascii=False), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main(*sys.argv[1:5])
