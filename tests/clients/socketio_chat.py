"""A real socket.io client (python-socketio from the Rasa env, long-polling transport)
for the tests: connects, asks for a session, sends each argument as a message, prints
the bot's replies to each as JSON."""
import json
import sys
import threading
import time

import socketio


def main(url: str, session_id: str, messages: list[str]) -> None:
    client = socketio.Client()
    replies: list[list[dict]] = []
    got = threading.Event()

    @client.on("bot_uttered")
    def on_bot(data):
        replies[-1].append(data)
        got.set()

    client.connect(url, socketio_path="/socket.io", transports=["polling"])
    client.emit("session_request", {"session_id": session_id})
    for text in messages:
        replies.append([])
        got.clear()
        client.emit("user_uttered", {"message": text, "session_id": session_id})
        if not got.wait(timeout=60):
            raise SystemExit(f"no reply to {text!r}")
        time.sleep(1.0)  # a turn may send several messages
    client.disconnect()
    print(json.dumps(replies, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
