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

import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request

from knowledge.conversations.privacy import redact
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


class RateLimiter:
    """At most `limit` messages per sender in any `window` seconds (in this process)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        q = self._seen[key]
        while q and now - q[0] > self.window:
            q.popleft()
        if len(q) >= self.limit:
            return False
        q.append(now)
        if len(self._seen) > 100_000:  # forget idle senders rather than grow without bound
            for k in [k for k, v in self._seen.items() if not v or now - v[-1] > self.window][:50_000]:
                del self._seen[k]
        return True


def prepare_text(message: str, max_length: int) -> str:
    """What Rasa should see for a user's message: payloads unchanged (and short), blank
    or over-long text as the intents that answer it, anything else cleaned and redacted."""
    if message.startswith("/"):
        return message[:500]  # button payloads (intent + entities), short by nature
    text = clean(message)
    if not text:
        return "/empty_message"
    if len(text) > max_length:
        lang = detect_language(text[:max_length]) or "ar"
        return '/message_too_long{"detected_language": "%s"}' % lang
    return redact(text)


class DalilRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"  # keeps the public URL /webhooks/rest/webhook

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(**(credentials or {}))

    def __init__(self, max_length: int = 2000, rate_limit: int = 30, rate_window: float = 60.0) -> None:
        self.max_length = int(max_length)
        self.limiter = RateLimiter(int(rate_limit), float(rate_window))

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
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER:
            return None, None, self._error(f"'sender' must be a non-empty string of at most {MAX_SENDER} characters")
        if message is None:
            message = ""
        if not isinstance(message, str):
            return None, None, self._error("'message' must be a string")
        return sender, prepare_text(message, self.max_length), None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = remember_app(Blueprint("dalil_rest_webhook", __name__))

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            try:
                body = json.loads(request.body.decode("utf-8"))
            except UnicodeDecodeError:
                return self._error("the body is not valid UTF-8")
            except ValueError:
                return self._error("the body is not valid JSON")
            sender, text, error = self.prepare(body)
            if error is not None or sender is None or text is None:
                return error or self._error("the body must be a JSON object with 'sender' and 'message'")
            lang = detect_language(text) if not text.startswith("/") else None
            if not self.limiter.allow(sender):
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


class DalilSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with the same input handling as the REST channel:
    control characters removed, personal data redacted, blank and over-long messages
    answered politely, and the per-sender rate limit."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = dict(credentials or {})
        own = {k: credentials.pop(k) for k in ("max_length", "rate_limit", "rate_window") if k in credentials}
        channel = cls(**credentials)
        channel.max_length = int(own.get("max_length", 2000))
        channel.limiter = RateLimiter(int(own.get("rate_limit", 30)), float(own.get("rate_window", 60.0)))
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def guarded(message: UserMessage) -> None:
            raw = message.text if isinstance(message.text, str) else ""
            if not self.limiter.allow(str(message.sender_id)):
                await message.output_channel.send_text_message(
                    message.sender_id, domain_text("utter_rate_limited", detect_language(raw) or "ar"))
                return
            message.text = prepare_text(raw, self.max_length)
            await on_new_message(message)

        return remember_app(super().blueprint(guarded))
