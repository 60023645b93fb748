"""A socket.io client for the fuzz test (python-socketio from the Rasa env): reads a JSON
list of `user_uttered` payloads (any JSON value) on stdin, emits each on one connection
after a session_request, waits for the bot's replies to each, and prints
{"replies": [number of bot messages per payload], "connected": still connected at the end}."""
import json
import sys
import threading
import time

import socketio


def main(url: str) -> None:
    payloads = json.load(sys.stdin)
    client = socketio.Client()
    counts: list[int] = []
    got, confirmed = threading.Event(), threading.Event()
    session = {"id": None}

    @client.on("bot_uttered")
    def on_bot(data):
        if counts:
            counts[-1] += 1
        got.set()

    @client.on("session_confirm")
    def on_confirm(sid):
        session["id"] = sid
        confirmed.set()

    client.connect(url, socketio_path="/socket.io", transports=["polling"])
    client.emit("session_request", {"session_id": None})
    if not confirmed.wait(timeout=30):
        raise SystemExit("no session_confirm")
    for data in payloads:
        counts.append(0)
        got.clear()
        client.emit("user_uttered", data)
        got.wait(timeout=60)
        time.sleep(0.5)  # a turn may send several messages
    print(json.dumps({"replies": counts, "connected": client.connected}))
    client.disconnect()


if __name__ == "__main__":
    main(sys.argv[1])
