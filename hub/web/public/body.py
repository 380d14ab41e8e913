"""Reading a public POST body: size-limited before it is read, form-encoded or JSON."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from hub.i18n import N_
from hub.web.json_input import parse_json
from hub.web.locale import Viewer

FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
MAX_FIELDS = 200


class BodyProblem(Exception):
    """The body cannot be read; `status` and `code` say why, `message` says what to do (in
English; `text(viewer)` in the viewer's language)."""

    def __init__(self, status: int, code: str, message: str, **params: object) -> None:
        self.msgid = message
        self.params = params
        self.message = message % params if params else message
        super().__init__(self.message)
        self.status = status
        self.code = code

    def text(self, viewer: Viewer) -> str:
        translated = viewer.gettext(self.msgid)
        return translated % self.params if self.params else translated


async def read_limited(request: web.Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to exceed `limit` bytes: by its declared
    Content-Length before a byte is read, else while streaming (chunked uploads)."""
    too_large = BodyProblem(413, "payload_too_large",
                            N_("the form data is larger than %(kib)s KiB"), kib=limit // 1024)
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    body = bytearray()
    while chunk := await request.content.read(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def is_json(request: web.Request) -> bool:
    return request.content_type == JSON_TYPE


async def read_fields(request: web.Request, limit: int) -> dict[str, Any]:
    """Field name -> value: a string (a list when repeated) for form-encoded posts, any JSON
    value for JSON posts."""
    if request.content_type not in (FORM_TYPE, JSON_TYPE):
        raise BodyProblem(415, "unsupported_media_type",
                          N_("send the form as application/x-www-form-urlencoded (a plain "
                             "HTML form's default) or as application/json"))
    raw = await read_limited(request, limit)
    if request.content_type == JSON_TYPE:
        try:
            data = parse_json(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BodyProblem(400, "invalid_json", N_("the body is not valid JSON")) from exc
        if not isinstance(data, dict):
            raise BodyProblem(400, "invalid_json",
                              N_("send a JSON object of field names to values"))
        return data
    try:
        parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8",
                          errors="strict", max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BodyProblem(400, "bad_request",
                          N_("the form data is not valid UTF-8 form encoding")) from exc
    return {name: values[0] if len(values) == 1 else values for name, values in parsed.items()}
