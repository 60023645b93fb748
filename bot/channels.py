"""The public REST channel (POST /webhooks/rest/webhook), hardened for a public website.

Compared with Rasa's built-in `rest` channel it:
- answers malformed requests (bad JSON, invalid UTF-8, missing sender) with a clear 400;
- removes control characters and bidi overrides, and redacts personal data (QID,
  passport, phone, e-mail) before Rasa sees the text, so none of it reaches logs or the
  tracker store;
- turns an empty or over-long message into an intent the dialogue answers politely;
- limits messages per sender (HTTP 429 with a polite reply);
- when the action server is down (the turn ends in silence or in Rasa's default
  fallback and the action server fails its health check), answers that the service is
  temporarily unavailable, in the user's language; every message tries the action
  server again, so it recovers by itself.
Replies written here come from domain.yml, in the message's language.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request

from knowledge.config import settings
from knowledge.conversations.privacy import redact
from knowledge.ratelimit import RateLimiter
from knowledge.text import clean, detect_language

logger = logging.getLogger(__name__)
MAX_SENDER = 128
_app: dict[str, Any] = {}  # the Sanic app the channel runs in, set when the server starts


def domain_text(name: str, lang: str) -> str:
    """The text of a domain response in one language, from the loaded model's domain (what a
    deployment ships), not from domain.yml."""
    app = _app.get("app")
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    variations = agent.domain.responses[name] if agent is not None and agent.domain else []
    for variation in variations:
        if any(c.get("name") == "language" and c.get("value") == lang for c in variation.get("condition", [])):
            return variation["text"]
    if variations:
        return variations[0]["text"]
    # No model loaded yet: Rasa answers nothing then either; keep the two languages.
    return "عذراً، حاول مرة أخرى بعد قليل." if lang == "ar" else "Sorry, please try again in a moment."


def remember_app(bp: Blueprint) -> Blueprint:
    @bp.listener("after_server_start")
    async def _remember(app, loop) -> None:
        _app["app"] = app

    return bp


def shared_redis(app: Any) -> Any:
    """Rasa's own Redis connection when the lock store is Redis (several Rasa processes)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    return getattr(getattr(agent, "lock_store", None), "red", None)


SENDER_RE = re.compile(r"[A-Za-z0-9_.:@\-]{1,%d}" % MAX_SENDER)
_PAYLOAD_RE = re.compile(r"/([A-Za-z_][A-Za-z0-9_]{0,63})(\{.{0,400}\})?", re.DOTALL)
_VALUE_RE = re.compile(r"[\w\-. ]{1,100}")


def _domain() -> Any:
    agent = getattr(getattr(_app.get("app"), "ctx", None), "agent", None)
    return agent.domain if agent is not None else None


def button_payload(message: str) -> str | None:
    """`message` when it is a payload the bot's own buttons could have sent: a known intent,
    optionally with a JSON object of known entities and short plain values. Anything else
    starting with "/" is not a payload: it is text, cleaned and redacted like any message."""
    match = _PAYLOAD_RE.fullmatch(message)
    domain = _domain()
    if match is None or domain is None or match.group(1) not in domain.intents:
        return None
    if match.group(2):
        try:
            entities = json.loads(match.group(2))
        except ValueError:
            return None
        if not isinstance(entities, dict) or not all(
                k in domain.entities and isinstance(v, str) and _VALUE_RE.fullmatch(v) and redact(v) == v
                for k, v in entities.items()):
            return None
    return message


def prepare_text(message: str, max_length: int) -> str:
    """What Rasa should see for a user's message: the bot's own button payloads unchanged,
    blank or over-long text as the intents that answer it, anything else cleaned and redacted."""
    if message.startswith("/") and button_payload(message) is not None:
        return message
    # Leading slashes would make Rasa read the text as a payload and skip the NLU.
    text = clean(message).lstrip("/ ")
    if not text:
        return "/empty_message"
    if len(text) > max_length:
        lang = detect_language(text[:max_length]) or "ar"
        return '/message_too_long{"detected_language": "%s"}' % lang
    return redact(text)


def parse_body(raw: bytes, max_body: int) -> tuple[Any, str | None]:
    """(parsed JSON, error message) for a request body."""
    if len(raw) > max_body:
        return None, f"the body is larger than {max_body} bytes"
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "the body is not valid UTF-8"
    except RecursionError:
        return None, "the body is nested too deeply"
    except ValueError:
        return None, "the body is not valid JSON"


class _Limits:
    """The limits both channels share: message length, per-sender and per-IP rates, body size."""

    def __init__(self, max_length: int = 2000, rate_limit: int = 30, rate_window: float = 60.0,
                 ip_rate_limit: int = 120, max_body: int | None = None) -> None:
        self.max_length = int(max_length)
        self.limiter = RateLimiter(int(rate_limit), float(rate_window))
        # Several people may share an address (an office, a mobile carrier's NAT): a wider limit.
        self.ip_limiter = RateLimiter(int(ip_rate_limit), float(rate_window))
        self.max_body = int(max_body) if max_body else settings().max_body

    def allow(self, sender: str, ip: str | None, app: Any) -> bool:
        redis = shared_redis(app)
        if ip and not self.ip_limiter.allow(f"ip:{ip}", redis=redis):
            return False
        return self.limiter.allow(f"sender:{sender}", redis=redis)


LIMIT_KEYS = ("max_length", "rate_limit", "rate_window", "ip_rate_limit", "max_body")


class DalilRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"  # keeps the public URL /webhooks/rest/webhook

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(**(credentials or {}))

    def __init__(self, **limits: Any) -> None:
        self.limits = _Limits(**limits)

    @staticmethod
    async def _actions_failed(request: Request, messages: list) -> bool:
        """True when the turn produced nothing but silence or Rasa's "I didn't understand"
        fallback *and* the action server does not answer its health check: then the
        honest reply is "temporarily unavailable"."""
        fallback = {domain_text("utter_default", lang) for lang in ("ar", "en")}
        if any(m.get("text") not in fallback for m in messages):
            return False
        agent = getattr(request.app.ctx, "agent", None)
        endpoint = getattr(agent, "action_endpoint", None)
        if endpoint is None or not endpoint.url:
            return False
        import aiohttp

        health = endpoint.url.rsplit("/webhook", 1)[0] + "/health"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
                async with session.get(health) as resp:
                    return resp.status != 200
        except (aiohttp.ClientError, OSError, TimeoutError):
            return True

    @staticmethod
    def _error(message: str, status: int = 400) -> response.HTTPResponse:
        return response.json({"error": message}, status=status)

    def prepare(self, body: Any) -> tuple[str | None, str | None, response.HTTPResponse | None]:
        """(sender, text for Rasa, error response) from a parsed request body."""
        if not isinstance(body, dict):
            return None, None, self._error("the body must be a JSON object with 'sender' and 'message'")
        sender, message = body.get("sender"), body.get("message", "")
        if not isinstance(sender, str) or not SENDER_RE.fullmatch(sender):
            return None, None, self._error(f"'sender' must be 1 to {MAX_SENDER} characters from A-Z a-z 0-9 _ . : @ -")
        if message is None:
            message = ""
        if not isinstance(message, str):
            return None, None, self._error("'message' must be a string")
        return sender, prepare_text(message, self.limits.max_length), None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = remember_app(Blueprint("dalil_rest_webhook", __name__))

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            body, problem = parse_body(request.body or b"", self.limits.max_body)
            if problem is not None:
                return self._error(problem, 413 if problem.startswith("the body is larger") else 400)
            sender, text, error = self.prepare(body)
            if error is not None or sender is None or text is None:
                return error or self._error("the body must be a JSON object with 'sender' and 'message'")
            lang = detect_language(text) if not text.startswith("/") else None
            if not self.limits.allow(sender, request.remote_addr or request.ip, request.app):
                return response.json([{"recipient_id": sender, "text": domain_text("utter_rate_limited", lang or "ar")}],
                                     status=429)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=None))
            except Exception:  # the processor failed; the fallback below still answers
                logger.exception("processing a REST message failed")
            if await self._actions_failed(request, collector.messages):
                collector.messages[:] = [{"recipient_id": sender,
                                          "text": domain_text("utter_service_unavailable", lang or "ar")}]
            return response.json(collector.messages)

        return bp


MAX_METADATA = 2048  # bytes of JSON a socket.io client may attach to a message


def clean_metadata(metadata: Any) -> dict:
    """socket.io metadata as stored: a small JSON object, every string redacted; else {}."""
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata[:MAX_METADATA + 1])
        except (ValueError, RecursionError):
            return {}
    if not isinstance(metadata, dict):
        return {}
    try:
        if len(json.dumps(metadata, ensure_ascii=False).encode()) > MAX_METADATA:
            return {}
    except (TypeError, ValueError, RecursionError):
        return {}

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return redact(clean(value))
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {redact(clean(str(k))): scrub(v) for k, v in value.items()}
        return value

    return scrub(metadata)


class SessionIds:
    """socket.io session ids the server issued, signed, so a client can rejoin its own
    conversation after a reload but never join another's room by naming its id."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def issue(self) -> str:
        sid = uuid.uuid4().hex
        return f"{sid}.{self._sign(sid)}"

    def valid(self, session_id: Any) -> bool:
        if not isinstance(session_id, str) or len(session_id) > MAX_SENDER or "." not in session_id:
            return False
        sid, signature = session_id.split(".", 1)
        return bool(SENDER_RE.fullmatch(sid)) and hmac.compare_digest(signature, self._sign(sid))

    def _sign(self, sid: str) -> str:
        return hmac.new(self.key, sid.encode(), hashlib.sha256).hexdigest()[:32]


def _socketio_output(sio: Any, event: str) -> Any:
    from rasa.core.channels.socketio import SocketIOOutput

    class DalilSocketIOOutput(SocketIOOutput):
        """Rasa 3.6's socket.io output passes a custom message as keyword arguments of
        `emit` and fails on our service card (`type` is not an argument); the failed turn
        is then never saved, so the next question lost its service. Sent as `custom`, as
        the REST channel does."""

        async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
            await self._send_message(recipient_id, {"custom": json_message})

    return DalilSocketIOOutput(sio, event)


def _allowed_origins() -> set[str]:
    return {o.rstrip("/") for o in settings().cors_origins.split()}


class DalilSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with the REST channel's input handling (control characters
    removed, personal data redacted, blank and over-long messages answered, per-sender and
    per-IP rate limits), and closed where Rasa's is open: a browser connects only from an
    allowed origin; session ids are issued and signed by the server, and a connection speaks
    only for the session it was confirmed in; metadata is small and redacted."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = dict(credentials or {})
        own = {k: credentials.pop(k) for k in LIMIT_KEYS if k in credentials}
        channel = cls(**credentials)
        channel.limits = _Limits(**own)
        return channel

    def get_output_channel(self) -> Any:
        return _socketio_output(self.sio, self.bot_message_evt) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        from rasa.core.channels.socketio import SocketBlueprint
        from socketio import AsyncServer

        limits: _Limits = getattr(self, "limits", None) or _Limits()
        token = settings().rasa_token
        sessions = SessionIds(hashlib.sha256(b"socketio-session:" + token.encode()).digest() if token
                              else secrets.token_bytes(32))
        confirmed: dict[str, str] = {}  # socket id -> its session id
        addresses: dict[str, str] = {}  # socket id -> client address
        # async_handlers=False: one connection's events are handled in the order sent, so a
        # message right after session_request belongs to the session it confirms (with
        # concurrent handlers the first message could land in another conversation).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], async_handlers=False)
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            origin = (environ.get("HTTP_ORIGIN") or "").rstrip("/")
            if origin and origin not in _allowed_origins():
                logger.info("socket.io connection from a foreign origin refused")
                return False  # browsers always send Origin; other clients are not a CSRF risk
            request = environ.get("sanic.request")
            addresses[sid] = str(getattr(request, "remote_addr", "") or getattr(request, "ip", "")
                                 or environ.get("REMOTE_ADDR", ""))
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            confirmed.pop(sid, None)
            addresses.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None) -> None:  # a client may emit no data
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = asked if isinstance(asked, str) and sessions.valid(asked) else sessions.issue()
            old = confirmed.get(sid)
            if old and old != session_id:
                sio.leave_room(sid, old, namespace=self.namespace)
            confirmed[sid] = session_id
            sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            output = _socketio_output(sio, self.bot_message_evt)
            data = data if isinstance(data, dict) else {}
            session_id = confirmed.get(sid)
            if session_id is None:
                # No session_request on this socket: a signed id the client kept proves the
                # conversation is its own; otherwise a new one for this socket only.
                asked = data.get("session_id")
                session_id = asked if isinstance(asked, str) and sessions.valid(asked) else sessions.issue()
                confirmed[sid] = session_id
                sio.enter_room(sid, session_id, namespace=self.namespace)
                await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            raw = data.get("message")
            raw = raw if isinstance(raw, str) else ""
            if not limits.allow(session_id, addresses.get(sid), _app.get("app")):
                await output.send_text_message(session_id, domain_text("utter_rate_limited",
                                                                       detect_language(raw) or "ar"))
                return
            message = UserMessage(prepare_text(raw, limits.max_length), output, session_id,
                                  input_channel=self.name(), metadata=clean_metadata(data.get(self.metadata_key)))
            await on_new_message(message)

        return remember_app(bp)
