"""The JSON:API endpoints of users and user groups (`/api/v1/entities/users[/{id}]`, `…/userGroups[/{id}]`):
reading through entities.py, writing through entity_writes.py, on the same document as the layout endpoints.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator import entities, entity_writes
from reconciler.emulator.reply import JSON, VND, Reply, Request, document, no_content, parse, problem
from reconciler.emulator.state import EmulatorState


def answer(emu: EmulatorState, request: Request) -> Reply | None:
    """The answer when `request` is for a user or group entity, else None."""
    where = entities.parse_path(request.path)
    if where is None:
        return None
    method = request.method
    allowed = ("GET", "POST") if where.entity_id is None else ("GET", "PUT", "PATCH", "DELETE")
    if method not in allowed:
        return problem(405, f"Request method '{method}' is not supported", allow=allowed)
    fault = request.fault
    try:
        if method == "GET":
            payload = entities.read(emu.store.snapshot.doc, where, request.query, request.base, request.url)
            return document(200, payload, request.entity_type())
        raw: Any = None
        if method != "DELETE":
            raw, refused = parse(request, (JSON, VND))
            if refused is not None:
                return refused
        written: list[dict[str, Any] | None] = []
        dropped = fault.field_name if fault is not None and fault.kind == "ignore_field" else None

        def change(current: dict[str, Any]) -> dict[str, Any]:
            new, entity = entity_writes.write(
                current,
                method,
                where,
                raw,
                bootstrap_user=emu.bootstrap_user,
                bootstrap_group=emu.bootstrap_group,
                drop_field=dropped,
            )
            written.append(entity)
            return new

        emu.store.commit(change)
    except entities.EntityError as e:
        return problem(e.status, e.detail, allow=allowed if e.status == 405 else ())
    if fault is not None and fault.kind == "drop_after_apply":
        return Reply(0, drop=True)
    entity = written[0]
    if entity is None:
        return no_content(VND)
    payload = entities.written(where.collection, entity, request.base)
    return document(201 if method == "POST" else 200, payload, request.entity_type())
