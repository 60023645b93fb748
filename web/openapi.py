"""OpenAPI description of the console API (served at /api/openapi.json)."""

_ERROR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Dalil console API", "version": "1.0",
             "description": "Catalog search, service details and the handoff queue for Government Contact Center "
                            "agents. Every /api path except /api/feedback needs `Authorization: Bearer <token>`."},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
            "SearchResult": {"type": "object", "properties": {
                "query": {"type": "string"}, "language": {"type": "string", "enum": ["ar", "en"]},
                "confident": {"type": "boolean"},
                "results": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"}, "name_en": {"type": "string"}, "name_ar": {"type": "string"},
                    "entity_en": {"type": "string"}, "entity_ar": {"type": "string"}, "score": {"type": "number"}}}}}},
            "Handoff": {"type": "object", "properties": {
                "id": {"type": "string"}, "conversation_id": {"type": "string"}, "language": {"type": "string"},
                "service_id": {"type": "string", "nullable": True}, "reason": {"type": "string"},
                "status": {"type": "string", "enum": ["open", "taken", "resolved"]},
                "transcript": {"type": "array", "items": {"type": "object"}},
                "created_at": {"type": "string"}, "updated_at": {"type": "string"}}},
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/search": {"get": {
            "summary": "Hybrid search over the catalog",
            "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 500}},
                           {"name": "k", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}}],
            "responses": {"200": {"description": "ranked services", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/SearchResult"}}}}, "400": _ERROR, "401": _ERROR}}},
        "/api/services/{service_id}": {"get": {
            "summary": "Full details of one service, both languages",
            "parameters": [{"name": "service_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "the service", "content": {"application/json": {"schema": {"type": "object"}}}},
                          "401": _ERROR, "404": _ERROR}}},
        "/api/handoffs": {"get": {
            "summary": "Conversations handed over to agents",
            "parameters": [{"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "taken", "resolved"]}}],
            "responses": {"200": {"description": "the queue", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"handoffs": {"type": "array", "items": {"$ref": "#/components/schemas/Handoff"}}}}}}},
                "400": _ERROR, "401": _ERROR}}},
        "/api/handoffs/{ref}/status": {"post": {
            "summary": "Mark a handoff taken or resolved",
            "parameters": [{"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"status": {"type": "string", "enum": ["open", "taken", "resolved"]}},
                "required": ["status"]}}}},
            "responses": {"200": {"description": "the updated handoff", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Handoff"}}}}, "400": _ERROR, "401": _ERROR, "404": _ERROR}}},
        "/api/feedback": {"post": {
            "summary": "Thumbs up/down on an answer (public: the citizen widget sends it)",
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"conversation_id": {"type": "string"}, "message": {"type": "string"},
                                                 "rating": {"type": "integer", "enum": [-1, 1]},
                                                 "service_id": {"type": "string"}},
                "required": ["conversation_id", "rating"]}}}},
            "responses": {"201": {"description": "stored"}, "400": _ERROR}}},
    },
}
