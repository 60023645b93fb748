"""A real socket.io client (python-socketio from the Rasa env, long-polling transport)
for the tests: connects, asks for a session (optionally resuming `session_id`), sends each
argument as a message, prints {"session_id": the confirmed id, "replies": [[...] per message]}.
Options before the messages: --origin URL sets the Origin header, --metadata JSON is sent
with every message."""
import json
import os
import sys
import threading

import socketio


def main(url: str, session_id: str, messages: list[str]) -> None:
    headers, metadata = {}, None
    while messages and messages[0] in ("--origin", "--metadata"):
        flag, value, messages = messages[0], messages[1], messages[2:]
        if flag == "--origin":
            headers["Origin"] = value
        else:
            metadata = json.loads(value)
    client = socketio.Client()
    replies: list[list[dict]] = []
    got, confirmed = threading.Event(), threading.Event()
    session = {"id": None}

    @client.on("bot_uttered")
    def on_bot(data):
        replies[-1].append(data)
        got.set()

    @client.on("session_confirm")
    def on_confirm(sid):
        session["id"] = sid
        confirmed.set()

    try:
        client.connect(url, socketio_path="/socket.io", transports=["polling"], headers=headers)
    except socketio.exceptions.ConnectionError as exc:
        print(json.dumps({"refused": str(exc)}))
        return
    client.emit("session_request", {"session_id": session_id or None})
    if not confirmed.wait(timeout=30):
        raise SystemExit("no session_confirm")
    for text in messages:
        replies.append([])
        got.clear()
        data = {"message": text, "session_id": session["id"]}
        if metadata is not None:
            data["metadata"] = metadata
        client.emit("user_uttered", data)
        if not got.wait(timeout=60):
            raise SystemExit(f"no reply to {text!r}")
        # A turn may send several messages, each as its action finishes: the turn is over once
        # none has come for half a second.
        while True:
            got.clear()
            if not got.wait(timeout=0.5):
                break
    print(json.dumps({"session_id": session["id"], "replies": replies}, ensure_ascii=False), flush=True)
    # A polling client's disconnect can hang on its transport threads: give it two seconds, then
    # leave (the server drops the session when the polls stop).
    leaving = threading.Thread(target=client.disconnect, daemon=True)
    leaving.start()
    leaving.join(timeout=2.0)
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
