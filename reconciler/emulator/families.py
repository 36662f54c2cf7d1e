"""The endpoint families that answer through reply.Request/Reply, asked in turn by the handler."""

from __future__ import annotations

from reconciler.emulator import access_routes, datasources, entity_api, organization, workspace_api
from reconciler.emulator.reply import Reply, Request
from reconciler.emulator.state import EmulatorState


def answer(emu: EmulatorState, request: Request) -> Reply | None:
    """The first family's answer to `request`; None when no family serves its path."""
    return (
        entity_api.answer(emu, request)
        or workspace_api.answer(emu, request)
        or organization.answer(request)
        or datasources.answer(request)
        or access_routes.answer(emu, request)
    )
