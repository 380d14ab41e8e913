"""`/api/v1/openapi.json`, written from the route table so it cannot drift from the code."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, TypeAdapter

from hub.domain.webhooks import WEBHOOK_EVENT_TYPES
from hub.web.api.routing import ApiRoute

REF = "#/components/schemas/{model}"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {}},
        "required": ["code", "message"]}},
    "required": ["error"],
}


def _schema(type_: Any, components: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(type_).json_schema(ref_template=REF, by_alias=True)
    components.update(schema.pop("$defs", {}))
    if isinstance(type_, type) and issubclass(type_, BaseModel) and "title" in schema:
        components[type_.__name__] = schema
        return {"$ref": REF.format(model=type_.__name__)}
    return schema


def _answer_schema(route: ApiRoute, components: dict[str, Any]) -> dict[str, Any]:
    if route.answer.model is None:
        return {"type": "object"}
    item = _schema(route.answer.model, components)
    if not route.answer.paged:
        return item
    return {"type": "object", "properties": {
        "items": {"type": "array", "items": item},
        "next_cursor": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}


def _operation(route: ApiRoute, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": route.summary,
        "operationId": route.handler.__name__,
        "responses": {
            str(route.status): {"description": route.answer.description, "content": {
                "application/json": {"schema": _answer_schema(route, components)}}},
            "4XX": {"description": "invalid request, see error.code",
                    "content": {"application/json": {"schema": ERROR_SCHEMA}}},
        },
    }
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in re.findall(r"{(\w+)}", route.path)]
    if route.query is not None:
        query_schema = route.query.model_json_schema()
        required = set(query_schema.get("required", []))
        params += [{"name": name, "in": "query", "required": name in required, "schema": prop}
                   for name, prop in query_schema["properties"].items()]
    if params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _schema(route.body, components)}}}
    if route.roles is None:
        op["security"] = []
    else:
        op["x-roles"] = sorted({"admin", *route.roles})
    return op


def openapi_document(routes: list[ApiRoute], *, server_url: str) -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.url, {})[route.method.lower()] = _operation(route, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hub API", "version": "1"},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "webhooks": outgoing_webhooks(),
    }


def outgoing_webhooks() -> dict[str, Any]:
    """What Hub posts to a subscription (`/webhooks`): Standard Webhooks headers and body."""
    header = {"in": "header", "required": True, "schema": {"type": "string"}}
    return {"hubEvent": {"post": {
        "summary": "An event, signed per Standard Webhooks; retried for 24 h until a 2xx, "
                   "a 410 disables the subscription",
        "parameters": [
            {**header, "name": "webhook-id",
             "description": "the delivery's id: the same on every retry and replay"},
            {**header, "name": "webhook-timestamp", "description": "seconds since the epoch"},
            {**header, "name": "webhook-signature",
             "description": "`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed with "
                            "the base64 secret after `whsec_`"}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["type", "timestamp", "id", "data"],
            "properties": {
                "type": {"type": "string", "enum": list(WEBHOOK_EVENT_TYPES)},
                "timestamp": {"type": "string", "format": "date-time"},
                "id": {"type": "string", "description": "the event's stable id"},
                "data": {"type": "object"}}}}}},
        "responses": {"200": {"description": "received (any 2xx)"},
                      "410": {"description": "gone: the subscription is disabled"}}}}}
