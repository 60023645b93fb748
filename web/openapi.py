"""OpenAPI description of the console API (served at /api/openapi.json).

It is also the fuzz tests' contract (tests/test_web_api.py runs Schemathesis against it):
every status an operation answers is listed, with its body's schema."""
from __future__ import annotations

from typing import Any

from knowledge.conversations.analytics import OUTCOMES as _OUTCOMES
from knowledge.conversations.handoffs import STATUSES as _STATUSES

STATUSES = list(_STATUSES)


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_401 = _error("no or wrong token (an agent's own, or the shared console token)")
_REF = [{"name": "ref", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9A-F]{8}$"}}]
_409 = {"description": "another agent holds the conversation (`agent` names them), or it is not held",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conflict"}}}}
_429 = _error("too many requests; see Retry-After where given")
_CID = [{"name": "conversation_id", "in": "path", "required": True,
         "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:@-]{1,128}$"}}]
_502 = _error("the bot server (Rasa) could not be reached; nothing changed")


def _resolving(summary: str) -> dict:
    """A POST that ends the agent's hold (hand back, close): it answers with the handoff."""
    return {"post": {"summary": summary, "parameters": _REF,
                     "responses": {"200": _json("the handoff", {"$ref": "#/components/schemas/Handoff"}),
                                   "400": _error("a query parameter"), "401": _401, "404": _error("no such handoff"),
                                   "409": _409, "429": _429, "502": _502}}}
_TEXT = {"type": "string"}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Dalil console API", "version": "1.2",
             "description": "Catalog search, service details, the handoff queue and live takeover for Government "
                            "Contact Center agents. Every /api path except /api/feedback and /api/live needs "
                            "`Authorization: Bearer <token>`: an agent's own token (`dalil agents add NAME`) or the "
                            "shared console token (an administrator, named `admin`). "
                            "Bodies are at most 64 KiB (413 beyond). Every error is a JSON object with `error`; "
                            "query parameters that are not described are refused (400)."},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "properties": {"error": _TEXT}, "required": ["error"]},
            "SearchResult": {"type": "object", "required": ["query", "language", "confident", "results"], "properties": {
                "query": _TEXT, "language": {"type": "string", "enum": ["ar", "en"]},
                "confident": {"type": "boolean"},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["id", "name_en", "name_ar", "entity_en", "entity_ar", "score"],
                    "properties": {"id": _TEXT, "name_en": _TEXT, "name_ar": _TEXT,
                                   "entity_en": _TEXT, "entity_ar": _TEXT, "score": {"type": "number"}}}}}},
            "Handoff": {"type": "object", "required": ["id", "conversation_id", "language", "service_id", "reason", "status",
                                                       "transcript", "created_at", "updated_at"], "properties": {
                "id": _TEXT, "conversation_id": _TEXT, "language": _TEXT,
                "service_id": {"type": "string", "nullable": True}, "reason": _TEXT,
                "status": {"type": "string", "enum": STATUSES},
                "transcript": {"type": "array", "items": {"type": "object", "properties": {
                    "role": {"type": "string", "enum": ["user", "bot"]}, "text": _TEXT,
                    "timestamp": {"type": "number", "nullable": True}}}},
                "created_at": _TEXT, "updated_at": _TEXT,
                "agent": {"type": "string", "nullable": True, "description": "who holds it live (status taken)"}}},
            "Analytics": {"type": "object", "required": [
                "since", "until", "questions", "questions_per_day", "outcomes", "shares", "top_services", "feedback",
                "handoff_wait"], "properties": {
                "since": _TEXT, "until": _TEXT, "questions": {"type": "integer"},
                "questions_per_day": {"type": "array", "items": {"type": "object", "required": ["day", "ar", "en"],
                                                                 "properties": {"day": _TEXT, "ar": {"type": "integer"},
                                                                                "en": {"type": "integer"}}}},
                "outcomes": {"type": "object", "additionalProperties": {"type": "integer"}},
                "shares": {"type": "object", "additionalProperties": {"type": "number"}},
                "top_services": {"type": "array", "items": {"type": "object", "required": ["service_id", "count"]}},
                "feedback": {"type": "array", "items": {"type": "object", "required": ["service_id", "up", "down"]}},
                "handoff_wait": {"type": "object", "required": ["handoffs", "taken", "waiting", "mean_seconds",
                                                                "median_seconds", "max_seconds"]}}},
            "Conflict": {"type": "object", "required": ["error"], "properties": {"error": _TEXT, "agent": _TEXT}},
            "Turn": {"type": "object", "required": ["role", "text"], "properties": {
                "role": {"type": "string", "enum": ["user", "bot", "agent", "event"]}, "text": _TEXT,
                "agent": _TEXT, "service_id": {"type": "string", "nullable": True},
                "at": {"type": "number", "nullable": True}}},
            "LiveMessage": {"type": "object", "required": ["id", "kind", "agent", "text", "card", "at"], "properties": {
                "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["text", "card", "joined", "handed_back",
                                                                               "closed"]},
                "agent": _TEXT, "text": {"type": "string", "nullable": True},
                "card": {"type": "object", "nullable": True, "description": "a service card in `ar` and `en`"},
                "at": _TEXT}},
            "HandoffPage": {"type": "object", "required": ["handoffs", "total", "limit", "offset"], "properties": {
                "handoffs": {"type": "array", "items": {"$ref": "#/components/schemas/Handoff"}},
                "total": {"type": "integer", "minimum": 0, "description": "handoffs with this status (all pages)"},
                "limit": {"type": "integer"}, "offset": {"type": "integer"}}},
            "Feedback": {"type": "object", "additionalProperties": False, "required": ["conversation_id", "rating"],
                         "properties": {
                "conversation_id": {"type": "string", "pattern": "^[A-Za-z0-9_.:@-]{1,128}$",
                                    "description": "the chat's sender id"},
                "rating": {"type": "integer", "enum": [-1, 1], "description": "1 helpful, -1 not helpful"},
                "message": {"type": "string", "maxLength": 4000, "nullable": True, "description": "the answer rated"},
                "comment": {"type": "string", "maxLength": 1000, "nullable": True, "description": "what the person wrote"},
                "service_id": {"type": "string", "pattern": "^[a-z0-9-]{1,80}$", "nullable": True}}},
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/openapi.json": {"get": {
            "summary": "This description",
            "responses": {"200": _json("the OpenAPI document", {"type": "object"}), "400": _error("a query parameter"),
                          "401": _401}}},
        "/api/search": {"get": {
            "summary": "Hybrid search over the catalog",
            "parameters": [{"name": "q", "in": "query", "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "\\S"}},
                           {"name": "k", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}}],
            "responses": {"200": _json("ranked services", {"$ref": "#/components/schemas/SearchResult"}),
                          "400": _error("bad q or k"), "401": _401}}},
        "/api/services/{service_id}": {"get": {
            "summary": "Full details of one service, both languages",
            "parameters": [{"name": "service_id", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,80}$"}}],
            "responses": {"200": _json("the service", {"type": "object"}), "400": _error("not a catalog id, or a query parameter"),
                          "401": _401, "404": _error("no such service")}}},
        "/api/handoffs": {"get": {
            "summary": "Conversations handed over to agents, oldest first, a page at a time",
            "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": STATUSES}},
                {"name": "limit", "in": "query", "description": "handoffs per page",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                {"name": "offset", "in": "query", "description": "how many to skip (`total` in the answer says how many there are)",
                 "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}}],
            "responses": {"200": _json("one page of the queue", {"$ref": "#/components/schemas/HandoffPage"}),
                          "400": _error("bad status, limit or offset"), "401": _401}}},
        "/api/handoffs/{ref}/status": {"post": {
            "summary": "Mark a handoff open, taken or resolved",
            "parameters": [{"name": "ref", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9A-F]{8}$"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False,
                "properties": {"status": {"type": "string", "enum": STATUSES}}, "required": ["status"]}}}},
            "responses": {"200": _json("the updated handoff", {"$ref": "#/components/schemas/Handoff"}),
                          "400": _error("bad body or a query parameter"), "401": _401, "404": _error("no such handoff"),
                          "409": _409, "413": _error("body over 64 KiB")}}},
        "/api/me": {"get": {
            "summary": "Who the token speaks for",
            "responses": {"200": _json("the agent", {"type": "object", "required": ["name"], "properties": {"name": _TEXT}}),
                          "400": _error("a query parameter"), "401": _401}}},
        "/api/handoffs/{ref}/take": {"post": {
            "summary": "Take the conversation live: the bot is paused for it (Rasa's pause event in its tracker) "
                       "and the citizen's widget says a person joined. One agent per conversation.",
            "parameters": _REF,
            "responses": {"200": _json("the handoff, now taken by you", {"$ref": "#/components/schemas/Handoff"}),
                          "400": _error("a query parameter"), "401": _401, "404": _error("no such handoff"),
                          "409": _409, "429": _429, "502": _502}}},
        "/api/handoffs/{ref}/conversation": {"get": {
            "summary": "The handoff and the whole conversation, from Rasa's tracker (redacted); the console polls it",
            "parameters": _REF,
            "responses": {"200": _json("the conversation", {"type": "object", "required": ["handoff", "turns"], "properties": {
                "handoff": {"$ref": "#/components/schemas/Handoff"},
                "turns": {"type": "array", "items": {"$ref": "#/components/schemas/Turn"}}}}),
                          "400": _error("a query parameter"), "401": _401, "404": _error("no such handoff"),
                          "502": _502}}},
        "/api/handoffs/{ref}/messages": {"post": {
            "summary": "Send the citizen a text (stored redacted) or a service card; only the agent who holds it",
            "parameters": _REF,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
                {"type": "object", "additionalProperties": False, "required": ["text"],
                 "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": "\\S"}}},
                {"type": "object", "additionalProperties": False, "required": ["service_id"],
                 "properties": {"service_id": {"type": "string", "pattern": "^[a-z0-9-]{1,80}$"}}}]}}}},
            "responses": {"201": _json("sent", {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "integer"}, "text": {"type": "string", "nullable": True},
                "card": {"type": "object", "nullable": True}}}),
                          "400": _error("bad body or a query parameter"), "401": _401,
                          "404": _error("no such handoff or service"), "409": _409, "413": _error("body over 64 KiB"),
                          "429": _429, "502": _502}}},
        "/api/handoffs/{ref}/handback": _resolving(
            "Hand the conversation back to the bot (Rasa's resume event); the handoff is resolved"),
        "/api/handoffs/{ref}/close": _resolving(
            "Close the conversation (the bot is resumed for any new question); the handoff is resolved"),
        "/api/audit": {"get": {
            "summary": "The audit log: who took, answered, sent a card, handed back or closed which handoff, when",
            "parameters": [
                {"name": "handoff", "in": "query", "schema": {"type": "string", "pattern": "^[0-9A-F]{8}$"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                {"name": "offset", "in": "query",
                 "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}}],
            "responses": {"200": _json("one page of the log, oldest first", {
                "type": "object", "required": ["audit", "limit", "offset"], "properties": {
                    "audit": {"type": "array", "items": {"type": "object", "required": [
                        "at", "agent", "action", "handoff_id", "conversation_id"], "properties": {
                        "at": _TEXT, "agent": _TEXT, "action": {"type": "string", "enum": [
                            "took", "answered", "sent_card", "handed_back", "closed"]},
                        "handoff_id": _TEXT, "conversation_id": _TEXT}}},
                    "limit": {"type": "integer"}, "offset": {"type": "integer"}}}),
                          "400": _error("bad handoff, limit or offset"), "401": _401}}},
        "/api/analytics": {"get": {
            "summary": "Figures for the analytics page, over UTC days `since`..`until` (both included; the last 30 days "
                       "by default; a longer range than 366 days starts 366 days before `until`, a `since` after "
                       "`until` is empty: the answer names the range it covers): questions per day by language, outcome counts and shares, the most "
                       "asked services, thumbs up/down per service, handoff waiting time. A question is a typed message; "
                       "its outcome what the bot did first (answered, clarified, declined, handed_over, other).",
            "parameters": [{"name": "since", "in": "query", "schema": {"type": "string", "format": "date"}},
                           {"name": "until", "in": "query", "schema": {"type": "string", "format": "date"}}],
            "responses": {"200": _json("the figures", {"$ref": "#/components/schemas/Analytics"}),
                          "400": _error("bad since or until"), "401": _401}}},
        "/api/conversations": {"get": {
            "summary": "Past conversations with a typed question in UTC days `since`..`until` (the last 30 days by "
                       "default, at most 366, as for /api/analytics), newest first, a page at a time; `language` is that of the first "
                       "question, `outcome` one that any of its questions had",
            "parameters": [{"name": "since", "in": "query", "schema": {"type": "string", "format": "date"}},
                           {"name": "until", "in": "query", "schema": {"type": "string", "format": "date"}},
                           {"name": "language", "in": "query", "schema": {"type": "string", "enum": ["ar", "en"]}},
                           {"name": "outcome", "in": "query", "schema": {"type": "string", "enum": list(_OUTCOMES)}},
                           {"name": "limit", "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                           {"name": "offset", "in": "query",
                            "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}}],
            "responses": {"200": _json("one page", {"type": "object", "required": ["conversations", "total", "limit", "offset"],
                                                    "properties": {
                "conversations": {"type": "array", "items": {"type": "object", "required": [
                    "conversation_id", "language", "started_at", "last_at", "questions", "outcomes", "first_question"]}},
                "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
                "since": _TEXT, "until": _TEXT}}),
                          "400": _error("bad since, until, language, outcome, limit or offset"), "401": _401}}},
        "/api/conversations/{conversation_id}": {"get": {
            "summary": "One conversation's turns from the tracker store (what people wrote redacted)",
            "parameters": _CID,
            "responses": {"200": _json("the conversation", {"type": "object", "required": ["conversation_id", "turns"],
                                                            "properties": {"conversation_id": _TEXT, "turns": {
                                                                "type": "array",
                                                                "items": {"$ref": "#/components/schemas/Turn"}}}}),
                          "400": _error("bad conversation id or a query parameter"), "401": _401,
                          "404": _error("no such conversation")}}},
        "/api/conversations/{conversation_id}/export": {"get": {
            "summary": "One conversation, redacted, as a JSON file (Content-Disposition: attachment)",
            "parameters": _CID,
            "responses": {"200": _json("the file", {"type": "object", "required": [
                "conversation_id", "exported_at", "redacted", "turns"]}),
                          "400": _error("bad conversation id or a query parameter"), "401": _401,
                          "404": _error("no such conversation")}}},
        "/api/live": {"post": {
            "summary": "The citizen widget's poll (public): is a person on the conversation, and the agent's "
                       "messages after `after`. The conversation id is the widget's own random id: only such "
                       "ids (32 hex digits) are served. At most 150 a minute per address.",
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False, "required": ["conversation_id"], "properties": {
                    "conversation_id": {"type": "string", "pattern": "^[0-9a-f]{32}(\\.[0-9a-f]{32})?$"},
                    "after": {"type": "integer", "minimum": 0, "maximum": 9007199254740992, "default": 0}}}}}},
            "responses": {"200": _json("the state and new messages", {
                "type": "object", "required": ["state", "agent", "messages"], "properties": {
                    "state": {"type": "string", "enum": ["bot", "waiting", "agent"]},
                    "agent": {"type": "string", "nullable": True},
                    "messages": {"type": "array", "items": {"$ref": "#/components/schemas/LiveMessage"}}}}),
                          "400": _error("bad body"), "413": _error("body over 64 KiB"),
                          "429": _error("too many from this address; see Retry-After")}}},
        "/api/feedback": {"post": {
            "summary": "Thumbs up/down on an answer (public: the citizen widget sends it; at most 20 a minute per address)",
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Feedback"}}}},
            "responses": {"201": _json("stored (its texts redacted)", {"type": "object", "required": ["id"],
                                                                        "properties": {"id": {"type": "integer"}}}),
                          "400": _error("bad body; the message names the field"), "413": _error("body over 64 KiB"),
                          "429": _error("too many from this address; see Retry-After")}}},
    },
}
