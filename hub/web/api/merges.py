"""Duplicate suggestions, merge audits and unmerge (service staff)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.domain.merges import MergeRecord
from hub.domain.staff import SERVICE
from hub.web.api.routing import Answer, ApiRoutes
from hub.web.auth import PRINCIPAL
from hub.web.keys import SERVICES

routes = ApiRoutes()


def audit_json(record: MergeRecord) -> dict[str, Any]:
    """What a merge moved, without the profiles it keeps for the undo."""
    return {"id": record.id, "survivor_id": record.survivor_id,
            "duplicate_id": record.duplicate_id, "at": record.at.isoformat(), "by": record.by,
            "identities": [i.value for i in record.identities],
            "roles": [r.id for r in record.roles], "events": len(record.event_ids),
            "transactions": len(record.transaction_ids),
            "expires_at": record.expires_at.isoformat(),
            "undone_at": record.undone_at.isoformat() if record.undone_at else None,
            "undone_by": record.undone_by, "can_undo": record.can_undo()}


@routes.route("GET", "/persons/{person_id}/duplicates", roles=SERVICE,
              answer=Answer('{"items": [{"person": person, "reasons": [{"code", "detail"}]}]}'),
              summary="Persons that may be the same human: same normalised name and postcode, "
                      "an address of one in another field of the other, a phone in another "
                      "format")
async def person_duplicates(request: web.Request) -> Any:
    found = await request.app[SERVICES].merge.duplicates(request.match_info["person_id"])
    return {"items": [s.to_json() for s in found]}


@routes.route("GET", "/persons/{person_id}/merges", roles=SERVICE,
              answer=Answer('{"items": [merge audit]}'),
              summary="The merges this person took part in, newest first")
async def person_merges(request: web.Request) -> Any:
    audits = await request.app[SERVICES].merge.audits(request.match_info["person_id"])
    return {"items": [audit_json(a) for a in audits]}


@routes.route("POST", "/merges/{merge_id}/undo", roles=SERVICE,
              answer=Answer("the merge audit, undone"),
              summary="Unmerge: move identities, roles, events, transactions and consent "
                      "records back (within the audit's retention; 409 after it or twice)")
async def undo_merge(request: web.Request) -> Any:
    record = await request.app[SERVICES].merge.undo(request.match_info["merge_id"],
                                                     by=request[PRINCIPAL].name)
    return audit_json(record)
