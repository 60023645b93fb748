"""OpenAPI description of the console API (served at /api/openapi.json).

It is also the fuzz tests' contract (tests/test_web_api.py runs Schemathesis against it):
every status an operation answers is listed, with its body's schema."""
from __future__ import annotations

from typing import Any

from knowledge.conversations.handoffs import STATUSES as _STATUSES

STATUSES = list(_STATUSES)


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_401 = _error("no or wrong console token")
_TEXT = {"type": "string"}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Dalil console API", "version": "1.1",
             "description": "Catalog search, service details and the handoff queue for Government Contact Center "
                            "agents. Every /api path except /api/feedback needs `Authorization: Bearer <token>`. "
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
                "created_at": _TEXT, "updated_at": _TEXT}},
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
                          "413": _error("body over 64 KiB")}}},
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
